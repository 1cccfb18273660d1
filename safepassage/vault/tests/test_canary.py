"""Canary values written through every encrypted field never appear in clear.

Every concrete VaultedModel must have a canary writer below; a model
without one fails `test_every_vaulted_model_has_a_canary_writer`, so new
models join this test when they are added.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from safepassage.vault.fields import PendingFile
from safepassage.vault.rotation import vaulted_models
from safepassage.vault.tests.probe.models import Probe

CANARY = "CANARY-7f3a9c-ကိုကနေရီ"


def _write_probe(canary: str) -> None:
    Probe.objects.create(
        text=canary,
        born=dt.date(1990, 1, 1),
        extra={"note": canary, "list": [canary]},
        photo=PendingFile(("%PDF-1.4 " + canary).encode(), content_type="application/pdf"),
        phone=canary,
    )


CANARY_WRITERS: dict[str, Callable[[str], None]] = {
    "vault_probe.probe": _write_probe,
}


def test_every_vaulted_model_has_a_canary_writer():
    missing = {m._meta.label_lower for m in vaulted_models()} - set(CANARY_WRITERS)
    assert not missing, f"add canary writers for {sorted(missing)}"


def _needles() -> list[bytes]:
    return [
        CANARY.encode("utf-8"),
        CANARY.encode("utf-16-le"),
        b"CANARY-7f3a9c",
        "ကိုကနေရီ".encode(),
    ]


def _assert_clean(blob: bytes, where: str) -> None:
    for needle in _needles():
        assert needle not in blob, f"canary found in clear in {where}"


@pytest.mark.django_db(transaction=True)
def test_canaries_never_reach_disk_logs_or_dumps(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("django.db.backends").setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # log every SQL statement and its parameters
    try:
        for writer in CANARY_WRITERS.values():
            writer(CANARY)
        for model in vaulted_models():
            for row in model.objects.all():
                for field in row._meta.concrete_fields:
                    getattr(row, field.attname)  # decrypt everything once
    finally:
        connection.force_debug_cursor = False
        logging.getLogger("django.db.backends").setLevel(logging.WARNING)

    if connection.vendor == "sqlite":
        db_path = Path(connection.settings_dict["NAME"])
        wal = Path(str(db_path) + "-wal")
        assert wal.exists(), "WAL mode expected"
        _assert_clean(wal.read_bytes(), "the -wal file")
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _assert_clean(db_path.read_bytes(), "the SQLite database file")
    else:
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is needed for the PostgreSQL canary check"
        params = connection.get_connection_params()
        env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
        dump = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                pg_dump,
                "-h",
                str(params.get("host") or "127.0.0.1"),
                "-p",
                str(params.get("port") or 5432),
                "-U",
                str(params.get("user") or "postgres"),
                "--data-only",
                str(params["dbname"]),
            ],
            capture_output=True,
            check=True,
            env=env,
            timeout=120,
        ).stdout
        assert b"vault_probe_probe" in dump
        _assert_clean(dump, "pg_dump")

    media = Path(settings.VAULT_MEDIA_ROOT)
    files = list(media.rglob("*"))
    assert any(f.is_file() for f in files)
    for f in files:
        if f.is_file():
            _assert_clean(f.read_bytes(), f"media file {f.name}")

    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert "INSERT" in log_text, "SQL logging was expected to be captured"
    _assert_clean(log_text.encode(), "log records")
    out, err = capfd.readouterr()
    _assert_clean((out + err).encode(), "stdout/stderr")
