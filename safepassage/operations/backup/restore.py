"""Restoring a backup into an empty instance, all or nothing.

Order, so that every refusal comes before anything is touched:

1. the clear header: format, signature, payload length and hash, age
   header (container.header_check) -- a truncated or altered file stops here;
2. the target: same database vendor; empty (no table at all), unless
   --force; if it has a key ring, that key ring's instance must be the
   backup's -- a backup of another instance stops here;
3. decryption with headquarters' identity into a private staging
   directory; the tar is extracted with the "data" filter (no links, no
   paths outside); every file's hash checked against the inner manifest,
   the inner manifest's instance, time and vendor against the signed
   header, and no file more or less than it lists;
4. without a key ring at the target, the backup's own key ring must open
   with the passphrase given (or one recovered through escrow beforehand);
5. swap in: the database (SQLite: an atomic rename of a complete file;
   PostgreSQL: pg_restore in one transaction), the media directory (a
   rename), the key ring and escrow document if the target had none;
6. check: every table's row count and row hash equal the manifest's, and
   `audit_verify --expect-head` with the manifest's head passes.

A failure in 5 or 6 undoes 5: the target is back as it was (SQLite,
media, key ring) or, for PostgreSQL, empty (under --force its old content
was dropped in step 5; it never holds half a restore).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from safepassage.vault import api as vault
from safepassage.vault import escrow, keyring, keys
from safepassage.vault.exceptions import KeyRingError

from . import snapshot
from .container import BackupError, Header, file_sha256, header_check
from .create import DB_PG, DB_SQLITE, ESCROW, INNER_MANIFEST, KEYRING, MEDIA_PREFIX, staging_dir

_ALLOWED_TOP = ("db/", "keyring/", "media/")


@dataclass
class RestoreResult:
    instance: str
    head: str | None
    tables: int
    rows: int
    files: int
    notes: list[str] = field(default_factory=list)


def _sqlite_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def target_is_empty() -> bool:
    if connection.vendor == "sqlite":
        path = _sqlite_path()
        if not path.exists() or path.stat().st_size == 0:
            return True
        connections.close_all()
        conn = snapshot.sqlite_connect(path, read_only=True)
        try:
            return not snapshot.sqlite_tables(conn)
        finally:
            conn.close()
    return snapshot.pg_table_count() == 0


def load_identities(paths: list[Path]) -> list[pyrage.x25519.Identity]:
    identities = []
    for path in paths:
        try:
            lines = path.read_text(encoding="ascii").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BackupError(f"Cannot read the identity file {path}: {exc}") from None
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                try:
                    identities.append(pyrage.x25519.Identity.from_str(line))
                except pyrage.IdentityError:
                    raise BackupError(f"{path} holds a line that is not an age identity.") from None
    if not identities:
        raise BackupError("No age identity given (--identity FILE, headquarters' secret key).")
    return identities


def _decrypt(path: Path, header: Header, identities: list[Any], into: Path) -> None:
    with path.open("rb") as src, into.open("wb") as out:
        src.seek(header.payload_offset)
        try:
            pyrage.decrypt_io(src, out, identities)
        except pyrage.DecryptError:
            raise BackupError(
                "The payload does not decrypt with the identity given: the backup is "
                "encrypted to other recipients, or its content was altered."
            ) from None


def _extract(tar_path: Path, into: Path) -> dict[str, Any]:
    try:
        with tarfile.open(tar_path, "r:") as tar:
            for member in tar.getmembers():
                name = member.name
                if not member.isfile() or ".." in Path(name).parts or name.startswith("/"):
                    raise BackupError("The payload holds an entry that is not a plain file.")
                if name != INNER_MANIFEST and not name.startswith(_ALLOWED_TOP):
                    raise BackupError("The payload holds an unexpected entry.")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"The payload cannot be unpacked ({type(exc).__name__}).") from None
    try:
        manifest: dict[str, Any] = json.loads((into / INNER_MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"The payload's manifest is unreadable ({type(exc).__name__}).") from None
    return manifest


def _check_contents(stage: Path, manifest: dict[str, Any], header: Header) -> None:
    for key in ("instance", "created_at", "vendor"):
        if manifest.get(key) != header.data[key]:
            raise BackupError(f"The payload's manifest and the signed header disagree on {key}.")
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise BackupError("The payload's manifest lists no files.")
    present = {
        p.relative_to(stage).as_posix()
        for p in stage.rglob("*")
        if p.is_file() and p.relative_to(stage).as_posix() != INNER_MANIFEST
    }
    if present != set(listed):
        raise BackupError("The payload's files differ from those its manifest lists.")
    for name, expected in listed.items():
        if file_sha256(stage / name) != expected["sha256"]:
            raise BackupError(f"A file of the payload differs from its manifest: {name}.")
    db_name = DB_PG if header.vendor == "postgresql" else DB_SQLITE
    if db_name not in listed or KEYRING not in listed:
        raise BackupError("The payload lacks its database or its key ring.")


def _check_instance_of_staged_keyring(stage: Path, header: Header, passphrase: str | None) -> None:
    if passphrase is None:
        raise BackupError(
            "This machine has no key ring: give the backup's key ring passphrase "
            "(--passphrase-file), or recover the key ring through escrow first "
            "(vault_recover) and restore again."
        )
    try:
        keyring.unlock(passphrase, path=stage / KEYRING)
    except KeyRingError as exc:
        raise BackupError(f"The backup's key ring does not open: {exc}") from None
    if vault.instance_id() != header.instance:
        keyring.lock()
        raise BackupError("The backup's key ring is not the one of the instance it names.")


class _Swap:
    """Moves done in step 5, undone in reverse order on failure."""

    def __init__(self) -> None:
        self.undo: list[Callable[[], None]] = []
        self.cleanup: list[Callable[[], None]] = []

    def rollback(self) -> None:
        for step in reversed(self.undo):
            with contextlib.suppress(Exception):
                step()

    def commit(self) -> None:
        for step in self.cleanup:
            with contextlib.suppress(Exception):
                step()


def _fsync_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, src.open("rb") as fh:
        shutil.copyfileobj(fh, out, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())


def _swap_sqlite(stage: Path, swap: _Swap) -> None:
    target = _sqlite_path()
    connections.close_all()
    aside = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        current = Path(str(target) + suffix)
        if current.exists():
            moved = Path(str(target) + suffix + ".pre-restore")
            os.replace(current, moved)
            aside.append((moved, current))
            swap.cleanup.append(functools.partial(moved.unlink, missing_ok=True))
    for moved, current in aside:
        swap.undo.append(functools.partial(os.replace, moved, current))
    tmp = Path(str(target) + ".restoring")
    _fsync_copy(stage / DB_SQLITE, tmp)
    os.replace(tmp, target)
    swap.undo.append(lambda: target.unlink(missing_ok=True))


def _swap_postgresql(stage: Path, swap: _Swap, *, force: bool) -> None:
    connections.close_all()
    env, name = snapshot.pg_environment()

    def _empty_schema() -> None:
        conn = snapshot.pg_raw_connection()
        try:
            conn.autocommit = True
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
        finally:
            conn.close()

    if force:
        _empty_schema()
    swap.undo.append(_empty_schema)
    result = subprocess.run(  # noqa: S603 - fixed program, no shell
        [
            snapshot.pg_tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={name}",
            str(stage / DB_PG),
        ],
        env=env,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            "pg_restore failed (nothing was restored): "
            + result.stderr.decode("utf-8", "replace").strip()[:500]
        )


def _swap_media(stage: Path, swap: _Swap) -> None:
    root = Path(settings.VAULT_MEDIA_ROOT)
    staged = stage / MEDIA_PREFIX.rstrip("/")
    incoming = root.with_name(root.name + ".restoring")
    shutil.rmtree(incoming, ignore_errors=True)
    if staged.is_dir():
        shutil.copytree(staged, incoming)
    else:
        incoming.mkdir(parents=True)
    if root.exists():
        aside = root.with_name(root.name + ".pre-restore")
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(root, aside)
        swap.undo.append(lambda: os.replace(aside, root))
        swap.cleanup.append(lambda: shutil.rmtree(aside, ignore_errors=True))
    os.replace(incoming, root)
    swap.undo.append(lambda: shutil.rmtree(root, ignore_errors=True))


def _install_keyring(stage: Path, swap: _Swap) -> None:
    for name, target in ((KEYRING, keyring.keyring_path()), (ESCROW, escrow.escrow_path())):
        if (stage / name).exists() and not target.exists():
            tmp = target.with_name(f".{target.name}.restoring")
            _fsync_copy(stage / name, tmp)
            os.replace(tmp, target)
            swap.undo.append(functools.partial(target.unlink, missing_ok=True))


def _check_restored(manifest: dict[str, Any]) -> None:
    connections.close_all()
    if connection.vendor == "sqlite":
        fingerprint, head = snapshot.sqlite_fingerprint(_sqlite_path())
    else:
        fingerprint, head = snapshot.pg_fingerprint()
    expected = manifest["tables"]
    if set(fingerprint) != set(expected):
        raise BackupError("The restored database's tables differ from the backup's.")
    for table, values in expected.items():
        if fingerprint[table] != values:
            raise BackupError(f"The restored table {table} differs from the backup's.")
    if head != manifest.get("audit_head"):
        raise BackupError("The restored audit head differs from the backup's.")
    for name, expected_file in manifest["files"].items():
        if name.startswith(MEDIA_PREFIX):
            restored = Path(settings.VAULT_MEDIA_ROOT) / name.removeprefix(MEDIA_PREFIX)
            if not restored.is_file() or file_sha256(restored) != expected_file["sha256"]:
                raise BackupError(f"A restored file differs from the backup's: {name}.")
    if head is not None:
        out = io.StringIO()
        try:
            call_command("audit_verify", expect_head=head, stdout=out, stderr=out)
        except SystemExit:
            raise BackupError(
                "audit_verify fails on the restored database: " + out.getvalue().strip()[:300]
            ) from None


def backup_restore(
    *,
    path: Path,
    identities: list[Path],
    force: bool = False,
    signer: str | None = None,
    passphrase: str | None = None,
) -> RestoreResult:
    """Restore `path` into this instance. Raises BackupError before touching
    anything, or after undoing what it had done."""
    header = header_check(path, signer=signer)
    kind = snapshot.db_kind()
    if header.vendor != kind:
        raise BackupError(
            f"The backup is of a {header.vendor} database; this instance runs {kind}."
        )
    if not target_is_empty() and not force:
        raise BackupError(
            "The target database is not empty: restore into a new, empty database "
            "(never migrated), or give --force to replace everything in it."
        )
    target_has_keyring = keyring.keyring_path().exists()
    if target_has_keyring:
        if not vault.is_unlocked():
            raise BackupError("This machine's key ring is locked: unlock it first.")
        if vault.instance_id() != header.instance:
            raise BackupError(
                f"The backup is of instance {header.instance}; this machine's key ring "
                f"is instance {vault.instance_id()}. Refusing to restore another "
                "instance's data over it."
            )
    identity_list = load_identities(identities)
    with staging_dir() as stage:
        tar_path = stage.parent / f"{stage.name}.tar"
        try:
            _decrypt(path, header, identity_list, tar_path)
            contents = stage / "contents"
            manifest = _extract(tar_path, contents)
        finally:
            tar_path.unlink(missing_ok=True)
        _check_contents(contents, manifest, header)
        if not target_has_keyring:
            _check_instance_of_staged_keyring(contents, header, passphrase)

        swap = _Swap()
        try:
            if header.vendor in {"sqlite", "sqlcipher"}:
                _swap_sqlite(contents, swap)
            else:
                _swap_postgresql(contents, swap, force=force)
            _swap_media(contents, swap)
            _install_keyring(contents, swap)
            keys.clear_caches()
            _check_restored(manifest)
        except BaseException:
            swap.rollback()
            connections.close_all()
            keys.clear_caches()
            raise
        swap.commit()
    tables = manifest["tables"]
    return RestoreResult(
        instance=header.instance,
        head=manifest.get("audit_head"),
        tables=len(tables),
        rows=sum(t["rows"] for t in tables.values()),
        files=len(manifest["files"]),
    )
