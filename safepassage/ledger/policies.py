"""Who handles the programme's money.

Finance staff are reward officers and reward approvers. Those at
headquarters see and act on every unit's money; those of a unit on that
unit's only. The system (actor None) may do anything.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from safepassage.accounts.roles import Role

FINANCE_ROLES = frozenset({Role.REWARD_OFFICER.value, Role.REWARD_APPROVER.value})


def _unit_of(user: Any) -> Any:
    return getattr(user, "unit", None) if getattr(user, "unit_id", None) else None


def is_finance(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and user.has_any_role(FINANCE_ROLES)
    )


def is_headquarters_finance(user: Any) -> bool:
    unit = _unit_of(user)
    return is_finance(user) and bool(unit is not None and unit.is_headquarters)


def sees_unit_money(user: Any, unit_id: int | None) -> bool:
    if is_headquarters_finance(user):
        return True
    return is_finance(user) and unit_id is not None and unit_id == getattr(user, "unit_id", None)


def acts_on_unit_money(actor: Any, unit_id: int | None) -> bool:
    """Services: the system, headquarters, or a member of that unit."""
    if actor is None:
        return True
    unit = _unit_of(actor)
    if not getattr(actor, "is_active", False):
        return False
    if unit is not None and unit.is_headquarters:
        return True
    return unit_id is not None and unit_id == getattr(actor, "unit_id", None)


def check_unit_money(actor: Any, unit_id: int | None) -> None:
    if not acts_on_unit_money(actor, unit_id):
        raise PermissionDenied("other_unit")


def check_headquarters_money(actor: Any) -> None:
    if actor is None:
        return
    unit = _unit_of(actor)
    if not (getattr(actor, "is_active", False) and unit is not None and unit.is_headquarters):
        raise PermissionDenied("not_headquarters")
