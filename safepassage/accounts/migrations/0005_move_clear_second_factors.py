"""Move django-otp's clear second factors into the vaulted devices, then erase them.

django-otp's TOTP secrets (hex) and static tokens were stored in clear in
`otp_totp_totpdevice` and `otp_static_statictoken`. Their apps are no
longer installed; where their tables hold rows, each authenticator is
copied with its secret encrypted under the vault, each backup code as its
keyed digest, and the clear rows are deleted (SQLite's secure_delete
zeroes the pages; PostgreSQL needs `VACUUM FULL` on those tables, see
docs/security.md). Needs the key ring open (the passphrase handed over
as at start) when there is anything to move; a fresh database has nothing.

Signed-in sessions verified with an old device must verify again.
"""

import uuid

from django.db import migrations

OLD_TOTP = "otp_totp_totpdevice"
OLD_STATIC_DEVICE = "otp_static_staticdevice"
OLD_STATIC_TOKEN = "otp_static_statictoken"  # noqa: S105 - a table name


def _rows(cursor, table, tables):
    if table not in tables:
        return []
    cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names only
    names = [col[0] for col in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def move(apps, schema_editor):
    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        totp_rows = _rows(cursor, OLD_TOTP, tables)
        static_rows = _rows(cursor, OLD_STATIC_DEVICE, tables)
        token_rows = _rows(cursor, OLD_STATIC_TOKEN, tables)
    if not (totp_rows or static_rows or token_rows):
        return

    from safepassage.accounts.models import backup_code_digest
    from safepassage.vault import crypto, keyring, keys
    from safepassage.vault.exceptions import VaultLocked
    from safepassage.vault.fields import Sealed

    try:
        keyring.ensure_unlocked()
    except VaultLocked:
        raise RuntimeError(
            "Moving authenticator secrets under the vault needs the key ring open: "
            "hand the passphrase over (SAFEPASSAGE_PASSPHRASE_FILE) and migrate again."
        ) from None

    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    BackupCodeDevice = apps.get_model("accounts", "BackupCodeDevice")
    BackupCode = apps.get_model("accounts", "BackupCode")
    secret_field = TOTPDevice._meta.get_field("secret")
    common = (
        "name",
        "confirmed",
        "user_id",
        "throttling_failure_timestamp",
        "throttling_failure_count",
        "created_at",
        "last_used_at",
    )
    for row in totp_rows:
        data_key = keys.data_key_create(scope=keys.SYSTEM_SCOPE, owner="accounts.totpdevice")
        vault_id = uuid.uuid4()
        envelope = crypto.encrypt(
            keys.data_key_bytes(data_key),
            data_key.id,
            str(row["key"]).encode("utf-8"),
            secret_field.purpose_of(TOTPDevice._meta.db_table, vault_id),
        )
        TOTPDevice.objects.create(
            vault_id=vault_id,
            data_key_id=data_key.id,
            secret=Sealed(envelope),
            step=row["step"],
            t0=row["t0"],
            digits=row["digits"],
            tolerance=row["tolerance"],
            drift=row["drift"],
            last_t=row["last_t"],
            **{name: row.get(name) for name in common if name in row},
        )
    devices = {}
    for row in static_rows:
        devices[row["id"]] = BackupCodeDevice.objects.create(
            **{name: row.get(name) for name in common if name in row}
        )
    for row in token_rows:
        device = devices.get(row["device_id"])
        if device is None:
            continue
        code = "".join(ch for ch in str(row["token"]) if ch not in " -\t").lower()
        BackupCode.objects.get_or_create(
            device=device, digest=backup_code_digest(user_id=device.user_id, code=code)
        )
    with connection.cursor() as cursor:
        for table in (OLD_STATIC_TOKEN, OLD_STATIC_DEVICE, OLD_TOTP):
            if table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_second_factors_under_the_vault")]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
