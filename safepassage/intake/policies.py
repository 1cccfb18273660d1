"""Who reads contacts: intake operators. Those of headquarters read the
channels no unit runs; a unit's intake operators read the channels their
unit runs. Nobody else, administrators included."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from safepassage.accounts.roles import Role


def user_reads_contacts(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.unit_id is not None
        and user.has_any_role({Role.INTAKE_OPERATOR})
    )


def channel_scope(user: Any) -> Q:
    """The channels whose contacts `user` reads (call after `user_reads_contacts`)."""
    if user.unit.is_headquarters:
        return Q(channel__unit__isnull=True) | Q(channel__unit_id=user.unit_id)
    return Q(channel__unit_id=user.unit_id)
