"""The steps every write to a case takes (`_case_write`: lock, check,
bump, audit), the row lock other services and apps hold a case still with
(`case_lock`), and the refusals they raise.

Locking: services that change a case take a row lock on it
(`select_for_update`) and compare `expected_version` with the stored
version, so two people editing the same case cannot overwrite each other
unnoticed (the later one gets StaleCase). `audit_record` is called last,
because it serialises writers until the transaction commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record

from ..models import Case
from ..policies import user_may_act_on_case


class StaleCase(Exception):
    """The case changed since the form was loaded."""

    message = _("Someone else changed this case meanwhile. Reload it and try again.")


class IllegalTransition(Exception):
    """The move is not in the workflow table, or not for this user."""

    message = _("This change of status is not allowed.")


def _lock(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase()
    return locked


def case_lock(case: Case) -> Case:
    """The case's row, locked until the caller's transaction ends: for
    another app's service that must hold the case still while it writes
    its own rows (a plan opened once). Call inside `transaction.atomic`."""
    return _lock(case, None)


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


@dataclass
class CaseWrite:
    """What the body of `_case_write` hands back: the locked case, the
    audit event's details, and the case's own columns it changed."""

    case: Case
    details: dict[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()


@contextmanager
def _case_write(
    case: Case,
    *,
    actor: User,
    action: str,
    roles: Collection[str] = (),
    expected_version: int | None = None,
) -> Iterator[CaseWrite]:
    """The steps every write to a case takes, in this order: lock its row
    (StaleCase when `expected_version` is given and differs), check that
    `actor` may act on it and holds one of `roles` (PermissionDenied), run
    the body, bump the version, record `action` in the audit chain with the
    body's details, and give the caller's `case` the new version. A body
    that raises leaves no bump and no audit event (the caller's transaction
    rolls back what it wrote)."""
    locked = _lock(case, expected_version)
    if not user_may_act_on_case(actor, locked) or (roles and not actor.has_any_role(roles)):
        raise PermissionDenied
    write = CaseWrite(locked)
    yield write
    _bump(locked, *write.fields)
    audit_record(
        actor=actor, action=action, target=locked, unit=locked.unit, details=write.details or None
    )
    case.version = locked.version
