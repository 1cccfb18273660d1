"""Whose staff an administrator manages: headquarters' every unit's,
anyone else's their own unit's only.

Headquarters' administrators act across units: they create and change
units, keep the channels, the prepared replies and the unit directory,
and make administrators. An administrator of any other unit sees and
acts on the members of that unit alone, and grants every role but the
administrator's. Services check these rules whoever calls them (the
admin, a future staff page); an actor of None is the system (commands
run by an operator on the server).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from .roles import Role

# Roles only headquarters' administrators grant.
HEADQUARTERS_GRANTS_ONLY = frozenset({Role.ADMINISTRATOR})


def acts_across_units(user: Any) -> bool:
    """True for an active member of headquarters (the system too: None)."""
    if user is None:
        return True
    unit = getattr(user, "unit", None) if getattr(user, "unit_id", None) else None
    return bool(user.is_authenticated and user.is_active and unit and unit.is_headquarters)


def administers_unit(user: Any, unit_id: int | None) -> bool:
    """May `user` act on members and settings of the unit `unit_id`?"""
    if acts_across_units(user):
        return True
    return unit_id is not None and unit_id == getattr(user, "unit_id", None)


def roles_grantable_by(user: Any) -> frozenset[Role]:
    if acts_across_units(user):
        return frozenset(Role)
    return frozenset(Role) - HEADQUARTERS_GRANTS_ONLY


def check_administers(actor: Any, unit_id: int | None) -> None:
    """Raise PermissionDenied unless `actor` may act on the unit `unit_id`."""
    if not administers_unit(actor, unit_id):
        raise PermissionDenied("other_unit")


def check_headquarters(actor: Any) -> None:
    """Raise PermissionDenied unless `actor` is headquarters (or the system)."""
    if not acts_across_units(actor):
        raise PermissionDenied("not_headquarters")


def check_grants(actor: Any, roles: Any) -> None:
    """Raise PermissionDenied if `roles` hold one `actor` may not grant."""
    wanted = {str(r) for r in roles}
    if acts_across_units(actor):
        return
    if wanted & {r.value for r in HEADQUARTERS_GRANTS_ONLY}:
        raise PermissionDenied("role_not_grantable")
