"""Factories and sign-in helpers for tests of any app."""

from __future__ import annotations

import time
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from safepassage.accounts.middleware import (
    SESSION_EPOCH_KEY,
    SESSION_LAST_SEEN_KEY,
    SESSION_PASSWORD_AT_KEY,
)
from safepassage.accounts.models import (
    BackupCode,
    BackupCodeDevice,
    TOTPDevice,
    Unit,
    UnitKind,
    User,
    backup_code_digest,
)

DEFAULT_PASSWORD = "correct horse battery staple 42"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Battalion {n}")
    kind = UnitKind.PDF_BATTALION
    is_headquarters = False
    is_active = True


class HeadquartersFactory(UnitFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("is_headquarters",)

    name = "Headquarters"
    kind = UnitKind.HEADQUARTERS
    is_headquarters = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            # get_or_create: a transactional test's flush removes the groups
            # the data migration made.
            self.groups.set([Group.objects.get_or_create(name=str(r))[0] for r in extracted])


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the user's authenticator app shows now (or `offset_steps` later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def backup_codes_for(user: User, codes: list[str]) -> BackupCodeDevice:
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "backup codes", "confirmed": True}
    )
    for code in codes:
        BackupCode.objects.create(
            device=device, digest=backup_code_digest(user_id=user.pk, code=code)
        )
    return device


def stamp_session(client: Client, user: User, *, device: Any = None) -> None:
    session = client.session
    session[SESSION_EPOCH_KEY] = user.session_epoch
    session[SESSION_LAST_SEEN_KEY] = int(time.time())
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def sign_in(client: Client, user: User, *, verified: bool = True) -> TOTPDevice:
    """Sign `user` in without the forms; verified unless told otherwise.

    The user gets a confirmed authenticator if they have none.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDeviceFactory(user=user)
    client.force_login(user, backend=MODEL_BACKEND)
    stamp_session(client, user, device=device if verified else None)
    return device


def password_just_given(client: Client, *, seconds_ago: int = 0) -> None:
    """Mark the client's session as having typed the password `seconds_ago`."""
    session = client.session
    session[SESSION_PASSWORD_AT_KEY] = int(time.time()) - seconds_ago
    session.save()
