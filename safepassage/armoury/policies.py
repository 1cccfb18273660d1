"""Who may do what in the armoury: one place, used by selectors and services.

- A unit's handlers and reward officers record items and move them while
  their unit holds them; its reward officers propose claims.
- A reward approver approves a claim of their own unit, or any claim when
  at headquarters; a claim above the schedule's threshold only at
  headquarters; never a claim they proposed, nor one with an item they
  received or witnessed.
- Headquarters' reward officers and approvers keep the schedule; they and
  headquarters' screening officers see duplicate-serial alerts and count
  discrepancies.
"""

from __future__ import annotations

from typing import Any

from safepassage.accounts.roles import Role

RECORDERS: frozenset[str] = frozenset({Role.UNIT_HANDLER, Role.REWARD_OFFICER})
ARMOURY_ROLES: frozenset[str] = frozenset(
    {Role.UNIT_HANDLER, Role.REWARD_OFFICER, Role.REWARD_APPROVER}
)
FINANCE_ROLES: frozenset[str] = frozenset({Role.REWARD_OFFICER, Role.REWARD_APPROVER})
ALERT_ROLES: frozenset[str] = frozenset(
    {Role.REWARD_OFFICER, Role.REWARD_APPROVER, Role.SCREENING_OFFICER}
)


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def at_headquarters(user: Any) -> bool:
    return _active(user) and bool(user.unit.is_headquarters)


def holds(user: Any, roles: frozenset[str]) -> bool:
    return _active(user) and bool(user.has_any_role(roles))


def may_record(user: Any, unit_id: int | None) -> bool:
    return holds(user, RECORDERS) and user.unit_id == unit_id


def may_keep_schedule(user: Any) -> bool:
    return holds(user, FINANCE_ROLES) and at_headquarters(user)


def may_see_alerts(user: Any) -> bool:
    return holds(user, ALERT_ROLES) and at_headquarters(user)


def may_propose(user: Any, unit_id: int) -> bool:
    return holds(user, frozenset({Role.REWARD_OFFICER})) and user.unit_id == unit_id


def approver_scope(user: Any, unit_id: int, needs_hq: bool) -> bool:
    """The approver's unit may decide a claim of `unit_id` (four-eyes apart)."""
    if not holds(user, frozenset({Role.REWARD_APPROVER})):
        return False
    if at_headquarters(user):
        return True
    return not needs_hq and user.unit_id == unit_id
