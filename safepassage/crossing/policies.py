"""Who may see and act on a crossing: one place, used by selectors,
services and the home panel.

* A plan (its places, its words) is seen by the unit handlers of the
  case's unit and by headquarters' protection officers; nobody else,
  administrators included.
* Only the case unit's handlers plan, change, send and record arrival.
* Alerts are seen and acknowledged by the same people who see the plan.
* After a missed crossing, headquarters' protection officers decide
  whether contact is lost.
* A unit's staff channel is configured by that unit's administrators.
"""

from __future__ import annotations

from typing import Any

from safepassage.accounts.roles import Role


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def user_is_hq_protection(user: Any) -> bool:
    unit = getattr(user, "unit", None)
    return (
        _active(user)
        and user.has_any_role({Role.PROTECTION_OFFICER})
        and bool(getattr(unit, "is_headquarters", False))
    )


def user_is_handler_of(user: Any, unit_id: int) -> bool:
    return _active(user) and user.has_any_role({Role.UNIT_HANDLER}) and user.unit_id == unit_id


def user_sees_crossings(user: Any) -> bool:
    """Holds a role that sees some crossing (for panels and menus)."""
    return _active(user) and (user.has_any_role({Role.UNIT_HANDLER}) or user_is_hq_protection(user))


def user_may_see_plan(user: Any, unit_id: int) -> bool:
    return user_is_handler_of(user, unit_id) or user_is_hq_protection(user)


def user_may_plan(user: Any, unit_id: int) -> bool:
    return user_is_handler_of(user, unit_id)


def user_may_configure_channel(user: Any, unit_id: int) -> bool:
    return _active(user) and user.has_any_role({Role.ADMINISTRATOR}) and user.unit_id == unit_id
