"""Making a backup that only headquarters can open.

Steps: snapshot the database (snapshot.py), copy the key ring file (still
wrapped by the unit's passphrase), the escrow document if there is one,
and every file under VAULT_MEDIA_ROOT (already encrypted by the vault);
write the inner manifest (hashes of every file, the fingerprint of every
table, the audit head); pack them in a tar; encrypt the tar to
headquarters' age recipients; sign a clear header over the ciphertext.

The unit that makes a backup needs its key ring unlocked only to derive
its instance id and signing key; it holds no identity that decrypts the
result. The staging directory is created inside VAR_DIR (mode 0700: it
holds nothing that is not already on this disk) and removed at the end,
also on failure.

Consistency: the database is copied first, the media after. A file
written after the snapshot is carried but unreferenced (harmless); a
file deleted (shredded) between the two is missing and its row reads as
shredded, as it would have a moment later.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings

from safepassage.vault import api as vault
from safepassage.vault import escrow, keyring

from . import snapshot
from .container import BackupError, file_sha256, header_make

INNER_MANIFEST = "manifest.json"
DB_SQLITE = "db/database.sqlite3"
DB_PG = "db/database.pgdump"
KEYRING = "keyring/keyring.json"
ESCROW = "keyring/escrow.json"
MEDIA_PREFIX = "media/"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    instance: str
    head: str | None
    tables: int
    rows: int
    files: int
    signer: str


def parse_recipients(values: list[str]) -> list[pyrage.x25519.Recipient]:
    recipients = []
    for value in values:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(value.strip()))
        except pyrage.RecipientError:
            raise BackupError(f"Not an age public key: {value.strip()[:80]!r}.") from None
    if not recipients:
        raise BackupError(
            "No recipient: give headquarters' age public key(s) with --recipient "
            "or SAFEPASSAGE_BACKUP_RECIPIENTS."
        )
    return recipients


def configured_recipients() -> list[str]:
    return [r for r in getattr(settings, "BACKUP_RECIPIENTS", []) if r]


@contextlib.contextmanager
def staging_dir() -> Iterator[Path]:
    base = Path(settings.VAR_DIR)
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".backup-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.VAULT_MEDIA_ROOT)
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            full = Path(dirpath) / name
            if full.is_file() and not full.is_symlink():
                found.append((MEDIA_PREFIX + full.relative_to(root).as_posix(), full))
    return sorted(found)


def backup_create(*, output: Path, recipients: list[str]) -> BackupResult:
    """Write a backup to `output` (atomically). Raises BackupError, VaultLocked."""
    parsed = parse_recipients(recipients)
    instance = vault.instance_id()
    seed = vault.backup_signing_seed()
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    vendor = snapshot.db_kind()
    if vendor not in {"sqlite", "sqlcipher", "postgresql"}:
        raise BackupError(f"No backup method for the {vendor} database backend.")
    with staging_dir() as stage:
        members: list[tuple[str, Path]] = []
        if vendor in {"sqlite", "sqlcipher"}:
            db_file = stage / "database.sqlite3"
            snapshot.sqlite_snapshot(db_file)
            fingerprint, head = snapshot.sqlite_fingerprint(db_file)
            members.append((DB_SQLITE, db_file))
        else:
            db_file = stage / "database.pgdump"
            fingerprint, head = snapshot.pg_snapshot(db_file)
            members.append((DB_PG, db_file))
        ring = keyring.keyring_path()
        if not ring.is_file():
            raise BackupError("No key ring file to back up at the configured path.")
        members.append((KEYRING, ring))
        escrow_file = escrow.escrow_path()
        if escrow_file.is_file():
            members.append((ESCROW, escrow_file))
        members.extend(_media_files())

        files: dict[str, dict[str, Any]] = {}
        for name, path in members:
            files[name] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
        manifest = {
            "format": "safepassage-backup-manifest",
            "version": 1,
            "instance": instance,
            "created_at": created_at,
            "vendor": vendor,
            "audit_head": head,
            "tables": fingerprint,
            "files": files,
        }
        manifest_path = stage / INNER_MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")

        tar_path = stage / "payload.tar"
        with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(manifest_path, arcname=INNER_MANIFEST, recursive=False)
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        age_path = stage / "payload.age"
        pyrage.encrypt_file(str(tar_path), str(age_path), parsed)
        tar_path.unlink()

        digest = hashlib.sha256()
        with age_path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        header = header_make(
            instance=instance,
            created_at=created_at,
            vendor=vendor,
            payload_sha256=digest.hexdigest(),
            payload_bytes=age_path.stat().st_size,
            recipients=[str(r) for r in parsed],
            signing_seed=seed,
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(f".{output.name}.partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, age_path.open("rb") as src:
            out.write(header)
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, output)
    return BackupResult(
        path=output,
        instance=instance,
        head=head,
        tables=len(fingerprint),
        rows=sum(t["rows"] for t in fingerprint.values()),
        files=len(members),
        signer=json.loads(header.split(b"\n", 2)[1])["signer"],
    )


def rotate(directory: Path, *, keep: int) -> list[Path]:
    """Delete the oldest `*.spbackup` files in `directory` (by modification
    time), keeping the newest `keep`."""
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    found = sorted(directory.glob("*.spbackup"), key=lambda p: (p.stat().st_mtime, p.name))
    removed = found[:-keep] if len(found) > keep else []
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
