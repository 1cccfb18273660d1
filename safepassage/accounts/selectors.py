"""Reads about users, units, roles and second-factor devices."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import QuerySet
from django_otp_webauthn.models import WebAuthnCredential

from safepassage.vault.exceptions import DecryptionError

from .models import BackupCode, BackupCodeDevice, TOTPDevice, Unit, User
from .roles import Role


def user_roles(*, user: User) -> frozenset[Role]:
    return user.role_set()


def user_has_role(*, user: User, roles: tuple[str, ...]) -> bool:
    return user.has_any_role(roles)


def units_active() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True)


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
