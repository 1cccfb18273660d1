"""Every write to users, units, roles and second-factor devices.

Each service runs in one transaction with its audit event. Services that
withdraw access (deactivation, role changes) bump the user's
`session_epoch`, which ends every session of that user at its next request
(see SessionGuardMiddleware). Every service that changes what a user may
do or how they prove who they are (roles, unit, activation, password,
second-factor devices) also bumps `access_stamp`, which voids the roles
and verified device a session keeps (see AccessCacheMiddleware): a write
that forgets it leaves a session trusting a withdrawn role or a removed
device until it ends. Services acting for an administrator check
`policies`: units and administrators are headquarters' to make, and an
administrator of another unit acts on that unit's members only
(PermissionDenied otherwise, before anything is written).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.vault.exceptions import DecryptionError

from . import auditing
from .models import (
    BackupCode,
    BackupCodeDevice,
    Invitation,
    TOTPDevice,
    Unit,
    UnitKind,
    User,
    backup_code_digest,
    backup_code_new,
    invitation_digest,
)
from .policies import check_administers, check_grants, check_headquarters
from .roles import Role

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
INVITATION_LIFETIME = dt.timedelta(hours=72)


# --- Units ------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    actor: User | None,
    name: str,
    kind: str,
    parent: Unit | None = None,
    is_active: bool = True,
) -> Unit:
    """Create a unit; `is_headquarters` follows from `kind`. Headquarters only."""
    check_headquarters(actor)
    unit = Unit(
        name=name,
        kind=kind,
        parent=parent,
        is_headquarters=(kind == UnitKind.HEADQUARTERS),
        is_active=is_active,
    )
    unit.full_clean()
    unit.save()
    auditing.record("unit_created", actor=actor, target=unit, unit=unit, details={"kind": kind})
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: User | None,
    unit: Unit,
    name: str,
    kind: str,
    parent: Unit | None,
    is_active: bool,
) -> Unit:
    """Change a unit; `is_headquarters` follows from `kind`. Headquarters only."""
    check_headquarters(actor)
    unit.name = name
    unit.kind = kind
    unit.parent = parent
    unit.is_headquarters = kind == UnitKind.HEADQUARTERS
    unit.is_active = is_active
    unit.full_clean()
    unit.save()
    auditing.record("unit_changed", actor=actor, target=unit, unit=unit, details={"kind": kind})
    return unit


@transaction.atomic
def unit_set_active(*, actor: User | None, unit: Unit, is_active: bool) -> Unit:
    """Headquarters only."""
    check_headquarters(actor)
    unit.is_active = is_active
    unit.save(update_fields=["is_active"])
    auditing.record(
        "unit_activated" if is_active else "unit_deactivated",
        actor=actor,
        target=unit,
        unit=unit,
    )
    return unit


def unit_lock(*, unit: Unit) -> None:
    """Hold `unit`'s row until the caller's transaction ends, so that two
    writers of rows about one unit (another app's, such as the forces
    directory's coverage) apply one after the other. Call inside
    `transaction.atomic`."""
    Unit.objects.select_for_update().filter(pk=unit.pk).first()


# --- Users ------------------------------------------------------------------


def _role_groups(roles: Iterable[str]) -> list[Group]:
    names = {str(r) for r in roles}
    unknown = names - set(Role.values)
    if unknown:
        raise ValidationError(_("Unknown role."), code="unknown_role")
    wanted = sorted(names)
    groups = list(Group.objects.filter(name__in=wanted))
    if len(groups) != len(wanted):
        missing = set(wanted) - {g.name for g in groups}
        raise ValidationError(
            _("Unknown role: %(roles)s"), params={"roles": ", ".join(sorted(missing))}
        )
    return groups


def _bump_access_stamp(user: User) -> None:
    """Void every session's copy of `user`'s roles and verified device."""
    User.objects.filter(pk=user.pk).update(access_stamp=F("access_stamp") + 1)
    user.refresh_from_db(fields=["access_stamp"])


def _bump_session_epoch(user: User) -> None:
    """End every session of `user` at its next request (and void their
    copies of the user's access, should a session outlive its epoch)."""
    User.objects.filter(pk=user.pk).update(
        session_epoch=F("session_epoch") + 1, access_stamp=F("access_stamp") + 1
    )
    user.refresh_from_db(fields=["session_epoch", "access_stamp"])


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    unit: Unit,
    roles: Iterable[str] = (),
    password: str | None = None,
) -> User:
    """Create an active member of staff in `unit` holding `roles`.

    Without a password the account cannot sign in until one is set.
    Raises ValidationError for an unknown role, a weak password or an
    inactive unit.
    """
    roles = list(roles)
    check_administers(actor, unit.pk)
    check_grants(actor, roles)
    if not unit.is_active:
        raise ValidationError(_("The unit is not active."))
    user = User(username=username, unit=unit)
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    groups = _role_groups(roles)
    user.groups.set(groups)
    auditing.record(
        "user_created",
        actor=actor,
        target=user,
        unit=unit,
        details={"roles": sorted(g.name for g in groups)},
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> User:
    """Deactivate `user` and end all of their sessions at once."""
    check_administers(actor, user.unit_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    _bump_session_epoch(user)
    Invitation.objects.filter(user=user, used_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    auditing.record("user_deactivated", actor=actor, target=user, unit=user.unit)
    return user


@transaction.atomic
def user_reactivate(*, actor: User | None, user: User) -> User:
    """Let a deactivated member of staff sign in again (their sessions
    ended at deactivation; they sign in afresh)."""
    check_administers(actor, user.unit_id)
    user.is_active = True
    user.save(update_fields=["is_active"])
    _bump_access_stamp(user)
    auditing.record("user_reactivated", actor=actor, target=user, unit=user.unit)
    return user


@transaction.atomic
def user_set_unit(*, actor: User | None, user: User, unit: Unit) -> User:
    """Move `user` to `unit`; their sessions end, since what they may see
    changes with the unit. Headquarters only (it acts on two units)."""
    check_headquarters(actor)
    if not unit.is_active:
        raise ValidationError(_("The unit is not active."))
    before = user.unit_id
    if before == unit.pk:
        return user
    user.unit = unit
    user.save(update_fields=["unit"])
    _bump_session_epoch(user)
    auditing.record(
        "unit_changed_for_user",
        actor=actor,
        target=user,
        unit=unit,
        details={"from_unit": before, "to_unit": unit.pk},
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: User | None, user: User, roles: Iterable[str]) -> User:
    """Replace `user`'s roles; their open sessions end (to sign in again).

    An actor outside headquarters may neither grant nor withdraw a role it
    cannot grant (an administrator of its unit stays one until
    headquarters decides)."""
    roles = list(roles)
    check_administers(actor, user.unit_id)
    check_grants(actor, roles)
    check_grants(actor, [r.value for r in user.role_set()])
    groups = _role_groups(roles)
    before = sorted(r.value for r in user.role_set())
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(*groups)
    if hasattr(user, "_role_cache"):
        del user._role_cache
    _bump_session_epoch(user)
    auditing.record(
        "roles_changed",
        actor=actor,
        target=user,
        unit=user.unit,
        details={"before": before, "after": sorted(g.name for g in groups)},
    )
    return user


@transaction.atomic
def user_end_sessions(*, actor: User | None, user: User, reason: str) -> None:
    """End every session of `user` (for example after a lost phone).

    `reason` is an identifier such as "lost_phone" (it goes to the audit).
    """
    check_administers(actor, user.unit_id)
    _bump_session_epoch(user)
    auditing.record(
        "sessions_ended", actor=actor, target=user, unit=user.unit, details={"reason": reason}
    )


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    """Set a validated password. Other sessions end (Django's session hash)."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _bump_access_stamp(user)
    auditing.record("password_set", actor=actor, target=user, unit=user.unit)
    return user


# --- Second factor ----------------------------------------------------------


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator, made if missing.

    Kept across page loads so that a code scanned once stays valid.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm `device` with a code from the authenticator app.

    On success the device becomes the user's only authenticator: older
    authenticators and other pending ones are deleted.
    """
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    _bump_access_stamp(user)
    auditing.record("totp_enrolled", actor=user, target=user, unit=user.unit)
    return True


@transaction.atomic
def totp_device_provision(*, actor: User | None, user: User) -> TOTPDevice:
    """A confirmed authenticator made by an administrator, handed over in person.

    Replaces any authenticator the user had.
    """
    check_administers(actor, user.unit_id)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    _bump_access_stamp(user)
    auditing.record("totp_provisioned", actor=actor, target=user, unit=user.unit)
    return device


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes with fresh ones and return them.

    The codes are shown once; only their keyed digests are stored, each
    usable once. Raises VaultLocked.
    """
    device, _created = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
    )
    device.codes.all().delete()
    _bump_access_stamp(user)
    codes = [backup_code_new() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, digest=backup_code_digest(user_id=user.pk, code=code))
        for code in codes
    )
    auditing.record(
        "backup_codes_generated",
        actor=user,
        target=user,
        unit=user.unit,
        details={"count": len(codes)},
    )
    return codes


def normalise_token(token: str) -> str:
    """Codes as people type them: spaces and dashes removed, lower case."""
    return "".join(ch for ch in token if ch not in " -\t").lower()


@transaction.atomic
def second_factor_check(*, user: User, token: str) -> Any:
    """The confirmed TOTP or backup-code device that accepts `token`, or None.

    A matching backup code is consumed. A device whose secret fails its
    integrity check verifies nothing and is recorded
    (`accounts.second_factor_unreadable`). Counting failures towards the
    lock-out is the caller's job (it needs the request).
    """
    token = normalise_token(token)
    if not token or len(token) > 16:
        return None
    candidates: list[Any] = []
    if token.isdigit():
        candidates.extend(TOTPDevice.objects.filter(user=user, confirmed=True))
    candidates.extend(BackupCodeDevice.objects.filter(user=user, confirmed=True))
    for device in candidates:
        try:
            if device.verify_is_allowed()[0] and device.verify_token(token):
                return device
        except DecryptionError:
            # An altered or swapped secret: refused, and reported, never a 500.
            auditing.record(
                "second_factor_unreadable",
                actor=None,
                target=user,
                unit=user.unit,
                details={"device": device.pk},
            )
    return None


# --- Invitations -------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    """An invitation just made: the token is here once, never stored."""

    user: User
    invitation: Invitation
    token: str


def _invitation_issue(*, actor: User | None, user: User) -> Invited:
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        digest=invitation_digest(token),
        created_by=actor,
        expires_at=now + INVITATION_LIFETIME,
    )
    auditing.record(
        "invitation_created",
        actor=actor,
        target=user,
        unit=user.unit,
        details={
            "invitation": invitation.pk,
            "hours": int(INVITATION_LIFETIME.total_seconds() // 3600),
        },
    )
    return Invited(user=user, invitation=invitation, token=token)


@transaction.atomic
def invitation_create(
    *, actor: User | None, username: str, unit: Unit, roles: Iterable[str]
) -> Invited:
    """A new member of staff in `unit` with `roles`, who cannot sign in
    until they open the invitation link and set a password (then enrol an
    authenticator at their first sign-in). Checks the actor's scope and
    grants like `user_create`; raises ValidationError for a taken or bad
    username, an unknown role or an inactive unit."""
    user = user_create(actor=actor, username=username, unit=unit, roles=roles, password=None)
    return _invitation_issue(actor=actor, user=user)


@transaction.atomic
def invitation_renew(*, actor: User | None, user: User) -> Invited:
    """A fresh link for someone who has not set a password yet (the old
    link stops working). A member who has a password is never re-invited:
    that would let an administrator take over their account."""
    check_administers(actor, user.unit_id)
    if user.has_usable_password():
        raise ValidationError(_("This member of staff has set a password already."))
    if not user.is_active:
        raise ValidationError(_("Reactivate this member of staff first."))
    return _invitation_issue(actor=actor, user=user)


class InvitationInvalid(Exception):
    """Unknown, used, revoked or expired: one answer for all."""


def invitation_open(*, token: str) -> Invitation:
    """The open invitation for `token`, or InvitationInvalid."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvitationInvalid
    invitation = (
        Invitation.objects.select_related("user", "user__unit")
        .filter(digest=invitation_digest(token))
        .first()
    )
    if invitation is None or not invitation.open_at(timezone.now()):
        raise InvitationInvalid
    if not invitation.user.is_active or invitation.user.has_usable_password():
        raise InvitationInvalid
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Use the invitation: set the new member's password (validated).

    Raises InvitationInvalid (also when used meanwhile: the row is locked)
    or ValidationError (a weak password; the invitation stays open)."""
    invitation = invitation_open(token=token)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.open_at(timezone.now()):
        raise InvitationInvalid
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _bump_access_stamp(user)
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    auditing.record(
        "invitation_used",
        actor=user,
        target=user,
        unit=user.unit,
        details={"invitation": locked.pk},
    )
    return user
