"""Reads about users, units, roles and second-factor devices."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django_otp_webauthn.models import WebAuthnCredential

from safepassage.vault.exceptions import DecryptionError

from .models import BackupCode, BackupCodeDevice, Invitation, TOTPDevice, Unit, User
from .policies import acts_across_units, administers_unit
from .roles import Role


def user_roles(*, user: User) -> frozenset[Role]:
    return user.role_set()


def user_has_role(*, user: User, roles: tuple[str, ...]) -> bool:
    return user.has_any_role(roles)


def unit_headquarters() -> Unit | None:
    return Unit.objects.filter(is_headquarters=True).first()


def user_has_confirmed_totp(*, user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def totp_code_already_used(*, user: User, token: str) -> bool:
    """Was `token` a right authenticator code already used (a replay)?

    Only ever asked after the code was refused, to tell the person to
    wait for the next code rather than that the code is wrong."""
    token = "".join(ch for ch in token if ch not in " -\t")
    if not token.isdigit() or len(token) > 8:
        return False
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        try:
            if device.token_already_used(token):
                return True
        except DecryptionError:
            continue
    return False


def backup_codes_remaining(*, user: User) -> int:
    return int(BackupCode.objects.filter(device__user=user, device__confirmed=True).count())


@dataclass(frozen=True)
class DeviceSummary:
    """What the account page shows about the user's second factors."""

    authenticators: int
    backup_codes_remaining: int
    passkeys: list[WebAuthnCredential]


def user_devices(*, user: User) -> DeviceSummary:
    return DeviceSummary(
        authenticators=TOTPDevice.objects.filter(user=user, confirmed=True).count(),
        backup_codes_remaining=backup_codes_remaining(user=user),
        passkeys=list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-pk")),
    )


def user_has_backup_codes_device(*, user: User) -> bool:
    return bool(BackupCodeDevice.objects.filter(user=user, confirmed=True).exists())


def totp_secret_text(*, device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing by hand."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_provisioning_uri(*, device: TOTPDevice) -> str:
    """An otpauth:// URI that names neither the person nor their username.

    A seized phone shows the issuer and an account number only; the issuer
    is OTP_TOTP_ISSUER, which a deployment can make discreet.
    """
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
    label = f"{issuer}:{device.user_id}" if issuer else str(device.user_id)
    params = {
        "secret": b32encode(device.bin_key).decode("ascii"),
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    }
    query = urlencode(params)
    if issuer:
        query += "&issuer=" + quote(issuer)
    return f"otpauth://totp/{quote(label)}?{query}"


# --- staff administration -----------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    """What the staff list shows of a member: never anything about cases."""

    user: User
    roles: list[Role]
    has_authenticator: bool
    invited: bool  # no password set yet
    invitation_open: bool


def staff_visible_to(*, actor: User) -> QuerySet[User]:
    """The members `actor` administers: every unit's for headquarters,
    their own unit's for anyone else."""
    users = User.objects.select_related("unit").order_by("unit__name", "username")
    if acts_across_units(actor):
        return users
    return users.filter(unit_id=actor.unit_id)


def staff_filtered(
    *, actor: User, call_sign: str = "", unit_id: int | None = None
) -> QuerySet[User]:
    """`staff_visible_to`, narrowed by part of a call sign and by unit. A unit
    outside what `actor` administers narrows to nothing, like an unknown one."""
    users = staff_visible_to(actor=actor)
    if call_sign:
        users = users.filter(username__icontains=call_sign)
    if unit_id is not None:
        users = users.filter(unit_id=unit_id)
    return users


def staff_rows(*, actor: User, users: Iterable[User] | None = None) -> list[StaffRow]:
    """Rows for `users`, a page of `staff_filtered(actor=actor)`, or for every
    member `actor` administers when None."""
    users = list(staff_visible_to(actor=actor) if users is None else users)
    prefetch_related_objects(users, "groups")
    with_totp = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    now = timezone.now()
    open_invitations = set(
        Invitation.objects.filter(
            user__in=users, used_at=None, revoked_at=None, expires_at__gt=now
        ).values_list("user_id", flat=True)
    )
    rows = []
    for user in users:
        names = {g.name for g in user.groups.all()}
        rows.append(
            StaffRow(
                user=user,
                roles=[r for r in Role if r.value in names],
                has_authenticator=user.pk in with_totp,
                invited=not user.has_usable_password(),
                invitation_open=user.pk in open_invitations,
            )
        )
    return rows


def staff_member_for(*, actor: User, pk: int) -> User | None:
    """The member `pk` if `actor` administers them; None when there is no
    such member. Raises PermissionDenied for another unit's member."""
    user = User.objects.select_related("unit").filter(pk=pk).first()
    if user is None:
        return None
    if not administers_unit(actor, user.unit_id):
        raise PermissionDenied("other_unit")
    return user


def staff_row(*, actor: User, user: User) -> StaffRow:
    now = timezone.now()
    return StaffRow(
        user=user,
        roles=sorted(user.role_set(), key=list(Role).index),
        has_authenticator=user_has_confirmed_totp(user=user),
        invited=not user.has_usable_password(),
        invitation_open=Invitation.objects.filter(
            user=user, used_at=None, revoked_at=None, expires_at__gt=now
        ).exists(),
    )


def units_administered_by(*, actor: User, including: int | None = None) -> QuerySet[Unit]:
    """Active units `actor` may invite into (and the unit `including`, a
    member's present unit, so that a form can show it)."""
    units = Unit.objects.filter(is_active=True)
    if not acts_across_units(actor):
        units = units.filter(pk=actor.unit_id)
    if including is not None:
        units = Unit.objects.filter(Q(pk__in=units.values("pk")) | Q(pk=including))
    return units.order_by("name")


# --- reference data other apps read: units and staff --------------------------------


def units_active(
    *, headquarters: bool | None = None, exclude_id: int | None = None
) -> QuerySet[Unit]:
    """Active units by name (with `headquarters` False: the units that
    receive people; True: headquarters only), without `exclude_id`."""
    units = Unit.objects.filter(is_active=True).order_by("name")
    if headquarters is not None:
        units = units.filter(is_headquarters=headquarters)
    if exclude_id is not None:
        units = units.exclude(pk=exclude_id)
    return units


def units_receiving() -> QuerySet[Unit]:
    """Every unit but headquarters, active or not, by name (the units a
    reception directory may describe)."""
    return Unit.objects.filter(is_headquarters=False).order_by("name")


def unit_active_get(pk: int) -> Unit | None:
    return Unit.objects.filter(pk=pk, is_active=True).first()


def headquarters_id() -> int | None:
    return Unit.objects.filter(is_headquarters=True).values_list("pk", flat=True).first()


def staff_active_in_unit(unit_id: int | None) -> QuerySet[User]:
    """Active staff of the unit, by call sign; none for None (a form's
    choices before the unit is known)."""
    if unit_id is None:
        return User.objects.none()
    return User.objects.filter(unit_id=unit_id, is_active=True).order_by("username")


def staff_get(pk: int | None) -> User | None:
    """A member of staff by id, active or not; None for None or no such id."""
    return User.objects.filter(pk=pk).first() if pk is not None else None


def staff_among(ids: Iterable[int]) -> QuerySet[User]:
    return User.objects.filter(pk__in=list(ids))
