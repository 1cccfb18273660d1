"""Who reads complaints: headquarters' protection officers and
headquarters' unit handlers, nobody else.

Protection officers at headquarters already assess abuse and threats
across units; headquarters' unit handlers supervise its own cases and
answer for the programme to the person. The administrator, who sees no
personal data, does not read them; no unit outside headquarters does,
least of all the unit a complaint concerns (docs/grievances.md).
"""

from __future__ import annotations

from typing import Any

from safepassage.accounts.roles import Role

#: The roles that read and answer complaints, when held at headquarters.
GRIEVANCE_ROLES: frozenset[str] = frozenset({Role.PROTECTION_OFFICER, Role.UNIT_HANDLER})


def user_handles_grievances(user: Any) -> bool:
    unit = getattr(user, "unit", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(unit, "is_headquarters", False)
        and user.has_any_role(GRIEVANCE_ROLES)
    )
