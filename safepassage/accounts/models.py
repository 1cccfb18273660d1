from __future__ import annotations

import hmac
import time
from base64 import b32encode
from binascii import Error as BinasciiError
from binascii import unhexlify
from collections.abc import Iterable
from hashlib import sha256
from os import urandom
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP, hotp
from django_otp.util import random_hex

from safepassage.vault import api as vault
from safepassage.vault.fields import EncryptedTextField, VaultedModel

from .roles import Role


class UnitKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    PDF_BATTALION = "pdf_battalion", _("People's Defence Force battalion")
    PEOPLES_DEFENCE_TEAM = "peoples_defence_team", _("People's Defence Team")
    ADMINISTRATION_TEAM = "administration_team", _("Administration team")
    SECURITY_TEAM = "security_team", _("Security team")
    ETHNIC_RESISTANCE_ORGANISATION = (
        "ethnic_resistance_organisation",
        _("Ethnic resistance organisation"),
    )


class Unit(models.Model):
    """Headquarters or a unit that receives people.

    Invariants: `is_headquarters` holds exactly when `kind` is
    headquarters; there is at most one headquarters; a unit is never its
    own parent.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_headquarters = models.BooleanField(_("headquarters"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_headquarters=True, kind=UnitKind.HEADQUARTERS)
                    | (models.Q(is_headquarters=False) & ~models.Q(kind=UnitKind.HEADQUARTERS))
                ),
                name="accounts_unit_headquarters_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=UnitKind.values),
                name="accounts_unit_kind_known",
            ),
            models.UniqueConstraint(
                fields=["is_headquarters"],
                condition=models.Q(is_headquarters=True),
                name="accounts_unit_one_headquarters",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="accounts_unit_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffUserManager(UserManager["User"]):
    """Django's manager without an e-mail address (staff accounts hold none)."""

    def _create_user_object(
        self, username: str, email: Any, password: str | None, **extra_fields: Any
    ) -> User:
        if not username:
            raise ValueError("The given username must be set")
        user = self.model(username=self.model.normalize_username(username), **extra_fields)
        user.password = make_password(password)
        return user


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp devices
    """A member of staff. Belongs to exactly one unit.

    `session_epoch` is copied into each session at sign-in;
    SessionGuardMiddleware ends any session whose copy differs, so bumping
    it (services do, on deactivation and role changes) signs the user out
    everywhere at their next request.

    `access_stamp` moves on with every write that changes what the user may
    do or how they proved who they are (roles, unit, activation, password,
    second-factor devices; services bump it). A session keeps its user's
    roles and verified device beside the stamp it read them at, and
    `AccessCacheMiddleware` trusts that copy only while the stamp is the
    user row's, which every request reads anyway.
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)
    access_stamp = models.PositiveIntegerField(_("access stamp"), default=0, editable=False)

    # Staff are at risk too: the account holds a call sign (the username),
    # never a name or an address that could identify the person behind it.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = None  # type: ignore[assignment]

    EMAIL_FIELD = ""
    objects: ClassVar[StaffUserManager] = StaffUserManager()
    REQUIRED_FIELDS = ["unit"]

    def get_full_name(self) -> str:
        return self.username

    def get_short_name(self) -> str:
        return self.username

    def role_set(self) -> frozenset[Role]:
        """The user's roles, read once per request-bound instance."""
        cached: frozenset[Role] | None = getattr(self, "_role_cache", None)
        if cached is None:
            names = self.groups.filter(name__in=Role.values).values_list("name", flat=True)
            cached = frozenset(Role(name) for name in names)
            self._role_cache = cached
        return cached

    def has_any_role(self, roles: Iterable[str]) -> bool:
        """True when the active user holds at least one of `roles`."""
        if not self.is_active:
            return False
        wanted = set(roles)
        return any(role.value in wanted for role in self.role_set())


# --- second factors ---------------------------------------------------------
#
# django-otp's own TOTP and static devices keep the authenticator secret
# (hex) and the backup codes in clear columns: a copy of the database
# would be a copy of every staff member's second factor. These devices
# keep the secret encrypted under the vault and the backup codes only as
# keyed hashes. django-otp still drives them (OTPMiddleware, persistent
# ids, throttling).


def totp_secret_new() -> str:
    """20 random bytes in hex (RFC 6238's SHA-1 key length)."""
    return str(random_hex(20))


class TOTPDevice(TimestampMixin, ThrottlingMixin, VaultedModel, Device):  # type: ignore[misc,django-manager-missing]
    """An authenticator app (RFC 6238) whose secret is encrypted under the vault.

    Invariants: `secret` (hex) is only ever stored as a vault envelope
    bound to this row; it is decrypted in memory to check a code or to
    show it once at provisioning. A code is accepted at most once: only
    time steps after `last_t` verify.
    """

    secret = EncryptedTextField(default=totp_secret_new, null=False, blank=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    @property
    def bin_key(self) -> bytes:
        """The secret as bytes. Decrypts (raises VaultLocked, DecryptionError)."""
        try:
            return unhexlify(str(self.secret).encode("ascii"))
        except (BinasciiError, UnicodeEncodeError) as exc:
            raise vault.DecryptionError("An authenticator secret is malformed.") from exc

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        verify_allowed, _reason = self.verify_is_allowed()
        if not verify_allowed:
            return False
        try:
            number = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = bool(totp.verify(number, self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def token_already_used(self, token: Any) -> bool:
        """True when `token` is the right code of a time step already used,
        so that it was refused as a replay. Changes nothing (the caller
        has already counted the failure). Raises DecryptionError."""
        try:
            number = int(token)
        except (TypeError, ValueError):
            return False
        if self.last_t < 0:
            return False
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        now = totp.t()
        for t in range(now - self.tolerance, now + self.tolerance + 1):
            if t <= self.last_t and hotp(self.bin_key, t, digits=self.digits) == number:
                return True
        return False


def backup_code_new() -> str:
    """A fresh backup code: 40 random bits, 8 lower-case base32 letters."""
    return b32encode(urandom(5)).decode("ascii").lower()


def backup_code_digest(*, user_id: int, code: str) -> str:
    """HMAC-SHA256 of the code under a key-ring key, bound to its user.

    Keyed, because a code holds 40 bits: a plain hash in a stolen
    database would be reversed by brute force in minutes. Raises
    VaultLocked.
    """
    key = vault.derive_key("seal", "accounts/backup-code-v1")
    return hmac.new(key, f"{user_id}\x00{code}".encode(), sha256).hexdigest()


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """A user's one-time backup codes, stored as keyed digests only.

    Invariant: no code is stored in clear; a code verifies once, then its
    digest is deleted.
    """

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = _("backup codes")
        verbose_name_plural = _("backup codes")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        verify_allowed, _reason = self.verify_is_allowed()
        if not verify_allowed:
            return False
        digest = backup_code_digest(user_id=self.user_id, code=str(token))
        match = self.codes.filter(digest=digest).first()
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class BackupCode(models.Model):
    """One unused backup code, as `backup_code_digest` of it."""

    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("backup code")
        verbose_name_plural = _("backup codes")
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="accounts_backupcode_unique"),
        ]

    def __str__(self) -> str:
        return f"backup code {self.pk}"


# --- invitations -------------------------------------------------------------


def invitation_digest(token: str) -> str:
    """SHA-256 of an invitation token. The token holds 256 random bits, so
    a plain hash cannot be reversed; only the digest is stored."""
    return sha256(token.encode("utf-8", "replace")).hexdigest()


class Invitation(models.Model):
    """A one-time link that lets a new member of staff set a password.

    Invariants: the token is never stored, only `invitation_digest` of it;
    an invitation is used at most once (`used_at`), and never after
    `expires_at` or once `revoked_at` is set. The account it opens exists
    from the invitation on (no usable password until then).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.pk}"

    def open_at(self, now: Any) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
