"""Who keeps watch-lists: headquarters' screening officers, and no one else.

Everyone who may screen a case sees that its person is on a list (the
list's name, a score and the reasons), so that no unit takes an informant
in unwarned; the entries themselves stay with headquarters.
"""

from __future__ import annotations

from typing import Any

from safepassage.accounts.roles import Role


def user_keeps_watchlists(user: Any) -> bool:
    # The role first: it is read once per request anyway; the unit costs a query.
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.unit_id is not None
        and user.has_any_role({Role.SCREENING_OFFICER})
        and user.unit.is_headquarters
    )
