"""Who may see and act on reintegration work: one place.

Caseworkers see the cases ASSIGNED to them (ARCHITECTURE.md §2) and the
plans they own; unit handlers, acting as the unit's supervisors, see
every plan of their unit. Everything is bound to the user's own unit
(headquarters is a unit too: its staff see its own plans, not the units').
"""

from __future__ import annotations

from typing import Any

from safepassage.accounts.roles import Role

#: Roles with a reintegration page.
PLAN_ROLES: frozenset[str] = frozenset({Role.CASEWORKER, Role.UNIT_HANDLER})
#: The unit's supervisors: no supervisor role exists, so the unit handler
#: (who assigns the unit's cases) supervises its plans.
SUPERVISOR_ROLES: frozenset[str] = frozenset({Role.UNIT_HANDLER})
#: Who may keep the unit's entries in the service directory.
DIRECTORY_EDITORS: frozenset[str] = frozenset({Role.CASEWORKER, Role.UNIT_HANDLER})
#: Who keeps the catalogue (dimensions, plan templates, stipend rules):
#: these roles, at headquarters only. Every unit's new plans use it.
CATALOGUE_KEEPERS: frozenset[str] = frozenset({Role.CASEWORKER, Role.UNIT_HANDLER})


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def user_keeps_catalogue(user: Any) -> bool:
    """A catalogue keeper's role, held at headquarters."""
    return (
        _active(user)
        and user.has_any_role(CATALOGUE_KEEPERS)
        and bool(getattr(user.unit, "is_headquarters", False))
    )


def user_supervises(user: Any) -> bool:
    return _active(user) and user.has_any_role(SUPERVISOR_ROLES)


def user_is_caseworker(user: Any) -> bool:
    return _active(user) and user.has_any_role({Role.CASEWORKER})


def user_has_plan_role(user: Any) -> bool:
    return _active(user) and user.has_any_role(PLAN_ROLES)


def user_may_work_on_case(user: Any, case: Any, *, assigned: bool) -> bool:
    """A case of the user's unit: its supervisors, or a caseworker assigned
    to it (`assigned`, read by the caller through the cases selectors)."""
    if not user_has_plan_role(user) or user.unit_id != case.unit_id:
        return False
    return user_supervises(user) or (user_is_caseworker(user) and assigned)


def user_may_work_on_plan(user: Any, plan: Any, *, assigned: bool = False) -> bool:
    """A plan of the user's unit: its supervisors, its owner, or a
    caseworker assigned to its case."""
    if not user_has_plan_role(user) or user.unit_id != plan.unit_id:
        return False
    if user_supervises(user):
        return True
    return user_is_caseworker(user) and (plan.owner_id == user.pk or assigned)
