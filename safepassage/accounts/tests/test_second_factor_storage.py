"""Authenticator secrets and backup codes never reach the database in clear.

The attack: read the database (a stolen file, a backup, a `pg_dump`)
and take every staff member's second factor from it. django-otp kept the
TOTP secret in hex and backup codes as typed; these tests read the raw
storage and look for them.
"""

from __future__ import annotations

import hashlib
import importlib
from base64 import b32encode
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from safepassage.accounts import selectors, services
from safepassage.accounts.models import BackupCode, TOTPDevice
from safepassage.vault.exceptions import DecryptionError

from .factories import UserFactory, totp_code

move_migration = importlib.import_module(
    "safepassage.accounts.migrations.0005_move_clear_second_factors"
)


def _raw_rows(table: str) -> bytes:
    """Every column of every row, as the database returns it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
        rows = cursor.fetchall()
    return repr(rows).encode() + b"".join(
        bytes(value) for row in rows for value in row if isinstance(value, bytes | memoryview)
    )


def _needles_of(secret: bytes) -> list[bytes]:
    b32 = b32encode(secret).decode().rstrip("=")
    return [secret, secret.hex().encode(), secret.hex().upper().encode(), b32.encode()]


@pytest.mark.django_db(transaction=True)
def test_a_totp_secret_is_not_in_the_database_or_its_file() -> None:
    user = UserFactory()
    device = services.totp_device_provision(actor=None, user=user)
    secret = TOTPDevice.objects.get(pk=device.pk).bin_key
    assert len(secret) == 20
    raw = _raw_rows("accounts_totpdevice")
    for needle in _needles_of(secret):
        assert needle not in raw
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        blob = Path(connection.settings_dict["NAME"]).read_bytes()
        for needle in _needles_of(secret):
            assert needle not in blob, "the TOTP secret is in the SQLite file in clear"


@pytest.mark.django_db(transaction=True)
def test_backup_codes_are_stored_as_keyed_digests_only() -> None:
    user = UserFactory()
    codes = services.backup_codes_regenerate(user=user)
    raw = _raw_rows("accounts_backupcode")
    for code in codes:
        assert code.encode() not in raw
        assert code.upper().encode() not in raw
        # Not a plain hash either: 40 bits would fall to brute force.
        assert hashlib.sha256(code.encode()).hexdigest().encode() not in raw
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        blob = Path(connection.settings_dict["NAME"]).read_bytes()
        for code in codes:
            assert code.encode() not in blob
    assert services.second_factor_check(user=user, token=codes[0]) is not None


@pytest.mark.django_db
def test_a_secret_copied_into_another_device_does_not_open(audit_spy) -> None:
    """An insider with SQL copies a victim's envelope into their own device."""
    victim = services.totp_device_provision(actor=None, user=UserFactory())
    thief_user = UserFactory()
    thief = services.totp_device_provision(actor=None, user=thief_user)
    stolen = TOTPDevice.objects.filter(pk=victim.pk).values_list("secret", flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_totpdevice SET secret = %s WHERE id = %s",
            [stolen.envelope, thief.pk],
        )
    with pytest.raises(DecryptionError):
        TOTPDevice.objects.get(pk=thief.pk).bin_key  # noqa: B018
    # ... and the victim's code does not sign the thief in: refused and recorded.
    assert services.second_factor_check(user=thief_user, token=totp_code(victim)) is None
    assert audit_spy.last("accounts.second_factor_unreadable")["details"] == {"device": thief.pk}


@pytest.mark.django_db
def test_login_codes_still_verify_after_a_round_trip_through_the_database() -> None:
    user = UserFactory()
    device = services.totp_device_provision(actor=None, user=user)
    stored = TOTPDevice.objects.get(pk=device.pk)
    assert selectors.totp_secret_text(device=stored).replace(" ", "") == b32encode(
        device.bin_key
    ).decode().rstrip("=")
    assert services.second_factor_check(user=user, token=totp_code(stored)) == stored


# --- the migration of clear rows -------------------------------------------------

_OLD_SCHEMA = [
    "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, name varchar(64), "
    "confirmed boolean, user_id integer, key varchar(80), step smallint, t0 bigint, "
    "digits smallint, tolerance smallint, drift smallint, last_t bigint, "
    "throttling_failure_timestamp timestamp with time zone NULL, "
    "throttling_failure_count integer, created_at timestamp with time zone NULL, "
    "last_used_at timestamp with time zone NULL)",
    "CREATE TABLE otp_static_staticdevice (id integer PRIMARY KEY, name varchar(64), "
    "confirmed boolean, user_id integer, throttling_failure_timestamp "
    "timestamp with time zone NULL, throttling_failure_count integer, "
    "created_at timestamp with time zone NULL, last_used_at timestamp with time zone NULL)",
    "CREATE TABLE otp_static_statictoken (id integer PRIMARY KEY, device_id integer, "
    "token varchar(16))",
]


@pytest.mark.django_db
def test_the_migration_moves_clear_secrets_under_the_vault_and_erases_them() -> None:
    user = UserFactory()
    hex_key = "3132333435363738393031323334353637383930"  # RFC 6238's test key
    with connection.cursor() as cursor:
        for statement in _OLD_SCHEMA:
            cursor.execute(statement)
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES "
            "(7, 'authenticator', %s, %s, %s, 30, 0, 6, 1, 0, -1, NULL, 0, NULL, NULL)",
            [True, user.pk, hex_key],
        )
        cursor.execute(
            "INSERT INTO otp_static_staticdevice VALUES "
            "(3, 'backup codes', %s, %s, NULL, 0, NULL, NULL)",
            [True, user.pk],
        )
        cursor.execute("INSERT INTO otp_static_statictoken VALUES (1, 3, 'abcdefgh')")

    move_migration.move(apps, SimpleNamespace(connection=connection))

    for table in ("otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            assert cursor.fetchone()[0] == 0, f"{table} still holds clear rows"
    device = TOTPDevice.objects.get(user=user)
    assert device.bin_key == bytes.fromhex(hex_key)
    assert hex_key.encode() not in _raw_rows("accounts_totpdevice")
    assert b"abcdefgh" not in _raw_rows("accounts_backupcode")
    assert BackupCode.objects.filter(device__user=user).count() == 1
    assert services.second_factor_check(user=user, token=totp_code(device)) == device
    assert services.second_factor_check(user=user, token="ABCD-EFGH") is not None
    assert services.second_factor_check(user=user, token="abcdefgh") is None  # used once


@pytest.mark.django_db
def test_the_migration_of_a_fresh_database_needs_no_keys(locked_vault: None) -> None:
    move_migration.move(apps, SimpleNamespace(connection=connection))
