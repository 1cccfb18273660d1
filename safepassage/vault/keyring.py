"""The key ring: the root key, wrapped by a passphrase, and system secrets.

The key ring is a small JSON file (settings.VAULT_KEYRING_PATH) kept
apart from the database. It holds:

- one or two root keys, each wrapped with AES-256-GCM under a key derived
  from the operator's passphrase with Argon2id (salt and cost parameters
  stored beside it). Two only while a root rotation is under way;
- system secrets (blind-index master, audit anchor, sealing key), each
  wrapped under the active root key. They stay the same across root
  rotations, so that blind indexes and the audit chain survive them;
- while a blind-index rotation is under way, its next master
  ("blind-index-next"), until every index is rebuilt under it.

Nothing in the file is usable without the passphrase. The unwrapped keys
live only in this process's memory, from `unlock` until `lock` or exit.
A process that forks after unlocking (gunicorn with preload) hands them
to its workers.

Invariant: the file is replaced atomically (write, fsync, rename), never
edited in place, and never overwritten by `keyring_create`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from django.conf import settings
from django.dispatch import Signal

from . import crypto
from .exceptions import DecryptionError, KeyRingError, VaultLocked, WrongPassphrase

logger = logging.getLogger(__name__)

FORMAT = "safepassage-keyring"
FORMAT_VERSION = 1
SYSTEM_SECRETS = ("blind-index", "audit-anchor", "seal")
#: Present only while the blind-index master is being replaced.
NEXT_BLIND_INDEX = "blind-index-next"
MIN_PASSPHRASE_CHARS = 12
CREDENTIAL_NAME = "safepassage-passphrase"
#: The active receipt-signing private key (optional: older rings lack it).
RECEIPT_SIGNING_SECRET = "receipt-signing"  # noqa: S105 - a name, not a secret


@dataclass(frozen=True)
class KdfParams:
    time_cost: int
    memory_kib: int
    parallelism: int
    salt: bytes
    kek_id: uuid.UUID

    @classmethod
    def fresh(cls) -> KdfParams:
        return cls(
            time_cost=int(settings.VAULT_ARGON2_TIME_COST),
            memory_kib=int(settings.VAULT_ARGON2_MEMORY_KIB),
            parallelism=int(settings.VAULT_ARGON2_PARALLELISM),
            salt=os.urandom(16),
            kek_id=crypto.new_key_id(),
        )

    def derive(self, passphrase: str) -> bytes:
        return hash_secret_raw(
            secret=passphrase.encode("utf-8"),
            salt=self.salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=crypto.KEY_BYTES,
            type=Type.ID,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": "argon2id",
            "time_cost": self.time_cost,
            "memory_kib": self.memory_kib,
            "parallelism": self.parallelism,
            "salt": _b64(self.salt),
            "kek_id": str(self.kek_id),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("algorithm") != "argon2id":
            raise KeyRingError("The key ring names an unknown key-derivation function.")
        params = cls(
            time_cost=int(data["time_cost"]),
            memory_kib=int(data["memory_kib"]),
            parallelism=int(data["parallelism"]),
            salt=_unb64(data["salt"]),
            kek_id=uuid.UUID(data["kek_id"]),
        )
        if params.time_cost < 1 or params.memory_kib < 8 * params.parallelism:
            raise KeyRingError("The key ring's key-derivation parameters are invalid.")
        return params


@dataclass
class _Unlocked:
    active_root_id: uuid.UUID
    roots: dict[uuid.UUID, bytes]
    secrets: dict[str, bytes]
    #: Public halves of the receipt-signing keys, in clear:
    #: {"id", "public" (base64), "state" ("active" | "retired"), "created_at"}.
    receipt_keys: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _State:
    lock: threading.RLock = field(default_factory=threading.RLock)
    unlocked: _Unlocked | None = None
    auto_unlock_tried: bool = False
    last_error: str | None = None


_state = _State()


# --- file format ------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyRingError("The key ring file is corrupted.") from exc


def keyring_path() -> Path:
    return Path(settings.VAULT_KEYRING_PATH)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyRingError(
            "No key ring at the configured path. Create one with "
            "`manage.py vault_init` or restore it from a backup."
        ) from None
    except OSError as exc:
        raise KeyRingError(f"The key ring file cannot be read ({exc.strerror}).") from None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise KeyRingError("The key ring file is corrupted (not valid JSON).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise KeyRingError("The file at the key ring path is not a SafePassage key ring.")
    if data.get("version") != FORMAT_VERSION:
        raise KeyRingError("The key ring file has an unknown version.")
    for key in ("kdf", "roots", "secrets"):
        if key not in data:
            raise KeyRingError("The key ring file is corrupted (missing sections).")
    return data


def _write_file(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    payload = json.dumps(data, indent=2, sort_keys=True).encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _root_purpose(root_id: uuid.UUID) -> str:
    return f"keyring/root/{root_id}"


def _secret_purpose(name: str) -> str:
    return f"keyring/secret/{name}"


def _unwrap_all(data: dict[str, Any], passphrase: str) -> _Unlocked:
    kdf = KdfParams.from_json(data["kdf"])
    kek = kdf.derive(passphrase)
    roots: dict[uuid.UUID, bytes] = {}
    active: uuid.UUID | None = None
    try:
        for entry in data["roots"]:
            root_id = uuid.UUID(entry["id"])
            try:
                roots[root_id] = crypto.decrypt(
                    kek, _unb64(entry["wrapped"]), _root_purpose(root_id)
                )
            except DecryptionError:
                raise WrongPassphrase() from None
            if entry.get("state") == "active":
                active = root_id
        if active is None:
            raise KeyRingError("The key ring has no active root key.")
        secrets: dict[str, bytes] = {}
        for name, entry in data["secrets"].items():
            root_id = uuid.UUID(entry["root_id"])
            if root_id not in roots:
                raise KeyRingError("A system secret is wrapped under an unknown root key.")
            try:
                secrets[name] = crypto.decrypt(
                    roots[root_id], _unb64(entry["wrapped"]), _secret_purpose(name)
                )
            except DecryptionError:
                raise KeyRingError("The key ring file is corrupted (a secret fails).") from None
        receipt_keys = [
            {
                "id": str(uuid.UUID(entry["id"])),
                "public": str(entry["public"]),
                "state": str(entry["state"]),
                "created_at": str(entry.get("created_at", "")),
            }
            for entry in data.get("receipt_keys", [])
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KeyRingError("The key ring file is corrupted (malformed entries).") from exc
    return _Unlocked(active_root_id=active, roots=roots, secrets=secrets, receipt_keys=receipt_keys)


def _serialise(kdf: KdfParams, kek: bytes, unlocked: _Unlocked) -> dict[str, Any]:
    roots = []
    for root_id, key in unlocked.roots.items():
        roots.append(
            {
                "id": str(root_id),
                "state": "active" if root_id == unlocked.active_root_id else "retiring",
                "wrapped": _b64(crypto.encrypt(kek, kdf.kek_id, key, _root_purpose(root_id))),
            }
        )
    active_key = unlocked.roots[unlocked.active_root_id]
    secrets = {
        name: {
            "root_id": str(unlocked.active_root_id),
            "wrapped": _b64(
                crypto.encrypt(active_key, unlocked.active_root_id, value, _secret_purpose(name))
            ),
        }
        for name, value in sorted(unlocked.secrets.items())
    }
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "written_at": datetime.now(UTC).isoformat(),
        "kdf": kdf.to_json(),
        "roots": roots,
        "secrets": secrets,
        "receipt_keys": [dict(entry) for entry in unlocked.receipt_keys],
    }


def _check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise KeyRingError(f"The passphrase must have at least {MIN_PASSPHRASE_CHARS} characters.")


# --- lifecycle --------------------------------------------------------------


def keyring_create(passphrase: str, *, path: Path | None = None) -> Path:
    """Write a new key ring; refuses to replace an existing one."""
    _check_passphrase_strength(passphrase)
    path = path or keyring_path()
    if path.exists():
        raise KeyRingError(
            "A key ring already exists at that path; refusing to overwrite it "
            "(its loss would make every stored value unreadable)."
        )
    kdf = KdfParams.fresh()
    root_id = crypto.new_key_id()
    unlocked = _Unlocked(
        active_root_id=root_id,
        roots={root_id: crypto.new_key()},
        secrets={name: crypto.new_key() for name in SYSTEM_SECRETS},
    )
    _receipt_key_add(unlocked)
    _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    return path


def unlock(passphrase: str, *, path: Path | None = None) -> None:
    """Open the key ring for this process. Raises WrongPassphrase or KeyRingError."""
    if panicked():
        raise KeyRingError(PANIC_REFUSAL)
    data = _read_file(path or keyring_path())
    unlocked = _unwrap_all(data, passphrase)
    missing = [name for name in SYSTEM_SECRETS if name not in unlocked.secrets]
    if missing:
        raise KeyRingError("The key ring lacks a system secret: " + ", ".join(missing))
    with _state.lock:
        _state.unlocked = unlocked
        _state.last_error = None
    _forget_derived_keys()


#: Sent (no arguments) after `lock()`: whatever holds decrypted data in
#: memory (the screening indexes) forgets it with the keys.
keyring_locked = Signal()


def lock() -> None:
    """Forget every key this process holds, then tell `keyring_locked`'s receivers."""
    with _state.lock:
        _state.unlocked = None
        _state.auto_unlock_tried = False
    _forget_derived_keys()
    keyring_locked.send(sender=None)


#: Sent (no arguments) whenever the keys this process holds change, on
#: unlock and on lock, before `keyring_locked`: whatever caches keys derived
#: from the ring (`keys`' unit and data key caches) forgets them. The ring
#: knows nothing of its receivers, which import it, never the reverse.
keyring_changed = Signal()


def _forget_derived_keys() -> None:
    keyring_changed.send(sender=None)


def passphrase_from_environment() -> str | None:
    """The passphrase handed over by the service manager, if any.

    Looked for in settings.VAULT_PASSPHRASE_FILE, then in systemd's
    $CREDENTIALS_DIRECTORY/safepassage-passphrase. Trailing newlines are
    not part of it.
    """
    candidates: list[Path] = []
    if settings.VAULT_PASSPHRASE_FILE:
        candidates.append(Path(settings.VAULT_PASSPHRASE_FILE))
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir:
        candidates.append(Path(cred_dir) / CREDENTIAL_NAME)
    for candidate in candidates:
        try:
            return candidate.read_text(encoding="utf-8").rstrip("\r\n")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise KeyRingError(
                f"The passphrase file cannot be read ({exc.strerror or type(exc).__name__})."
            ) from None
        except UnicodeDecodeError:
            raise KeyRingError("The passphrase file cannot be read (not UTF-8 text).") from None
    return None


def try_unlock_from_environment() -> bool:
    """Unlock from the handed-over passphrase, once per process.

    A failed attempt is remembered (not retried on every request: each try
    costs a full Argon2id derivation) and its reason kept for the locked
    page and `vault_status`.
    """
    with _state.lock:
        if _state.unlocked is not None:
            return True
        if _state.auto_unlock_tried or panicked():
            return False
        _state.auto_unlock_tried = True
        try:
            passphrase = passphrase_from_environment()
            if passphrase is None:
                _state.last_error = "No passphrase was handed over at start."
                return False
            unlock(passphrase)
        except KeyRingError as exc:
            _state.last_error = str(exc)
            # The reason is one of this module's own sentences (a path's
            # strerror at most): never the passphrase or a key.
            logger.error("vault: automatic unlock failed: %s", exc)
            return False
        return True


def is_unlocked() -> bool:
    return _state.unlocked is not None


def last_error() -> str | None:
    return _state.last_error


def _require() -> _Unlocked:
    refuse_if_panicked()
    unlocked = _state.unlocked
    if unlocked is None and try_unlock_from_environment():
        unlocked = _state.unlocked
    if unlocked is None:
        raise VaultLocked()
    return unlocked


def ensure_unlocked() -> None:
    _require()


def root_key(root_id: uuid.UUID) -> bytes:
    unlocked = _require()
    try:
        return unlocked.roots[root_id]
    except KeyError:
        raise DecryptionError("A key is wrapped under a retired root key.") from None


def active_root() -> tuple[uuid.UUID, bytes]:
    unlocked = _require()
    return unlocked.active_root_id, unlocked.roots[unlocked.active_root_id]


def system_secret(name: str) -> bytes:
    """A 32-byte secret that survives root rotations. Raises VaultLocked."""
    if name not in SYSTEM_SECRETS:
        raise KeyError(name)
    return _require().secrets[name]


def blind_index_secrets() -> tuple[bytes, bytes | None]:
    """(current master, next master or None): the next one exists only while
    a blind-index rotation is under way. Raises VaultLocked."""
    secrets = _require().secrets
    return secrets["blind-index"], secrets.get(NEXT_BLIND_INDEX)


def root_ids() -> list[uuid.UUID]:
    return list(_require().roots)


# --- changes to the file ------------------------------------------------------


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def change_passphrase(old: str, new: str, *, path: Path | None = None) -> None:
    """Rewrap the root keys under a new passphrase (new salt, new KEK)."""
    _check_passphrase_strength(new)
    path = path or keyring_path()
    with _file_lock(path):
        unlocked = _unwrap_all(_read_file(path), old)
        kdf = KdfParams.fresh()
        _write_file(path, _serialise(kdf, kdf.derive(new), unlocked))


def root_rotation_begin(passphrase: str, *, path: Path | None = None) -> uuid.UUID:
    """Add a new active root beside the old one (both kept in the file).

    Step one of three: afterwards the database's unit keys are rewrapped
    (`keys.unit_keys_rewrap`), then `root_rotation_finish` drops the old
    root. A crash in between leaves a key ring that still opens everything.
    """
    path = path or keyring_path()
    with _file_lock(path):
        unlocked = _unwrap_all(_read_file(path), passphrase)
        new_id = crypto.new_key_id()
        unlocked.roots[new_id] = crypto.new_key()
        unlocked.active_root_id = new_id
        kdf = KdfParams.fresh()
        _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    unlock(passphrase, path=path)
    return new_id


def root_rotation_finish(passphrase: str, *, path: Path | None = None) -> list[uuid.UUID]:
    """Drop every root but the active one; returns the retired ids."""
    path = path or keyring_path()
    with _file_lock(path):
        unlocked = _unwrap_all(_read_file(path), passphrase)
        retired = [rid for rid in unlocked.roots if rid != unlocked.active_root_id]
        unlocked.roots = {unlocked.active_root_id: unlocked.roots[unlocked.active_root_id]}
        kdf = KdfParams.fresh()
        _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    unlock(passphrase, path=path)
    return retired


def blind_index_rotation_begin(passphrase: str, *, path: Path | None = None) -> bool:
    """Add the next blind-index master beside the current one, once.

    Step one of three: then every index is rebuilt under the next master
    (`rotation.blind_indexes_rebuild`), then `blind_index_rotation_finish`
    makes it the current one. An interrupted rotation keeps its next
    master (returns False), so that a rerun finishes the same rotation.
    """
    path = path or keyring_path()
    with _file_lock(path):
        unlocked = _unwrap_all(_read_file(path), passphrase)
        fresh = NEXT_BLIND_INDEX not in unlocked.secrets
        if fresh:
            unlocked.secrets[NEXT_BLIND_INDEX] = crypto.new_key()
            kdf = KdfParams.fresh()
            _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    unlock(passphrase, path=path)
    return fresh


def blind_index_rotation_finish(passphrase: str, *, path: Path | None = None) -> None:
    """Make the next blind-index master the current one; the old one is gone."""
    path = path or keyring_path()
    with _file_lock(path):
        unlocked = _unwrap_all(_read_file(path), passphrase)
        if NEXT_BLIND_INDEX not in unlocked.secrets:
            raise KeyRingError("No blind-index rotation is under way.")
        unlocked.secrets["blind-index"] = unlocked.secrets.pop(NEXT_BLIND_INDEX)
        kdf = KdfParams.fresh()
        _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    unlock(passphrase, path=path)


def keyring_describe(*, path: Path | None = None) -> dict[str, Any]:
    """What the file says about itself (no secrets): for `vault_status`."""
    data = _read_file(path or keyring_path())
    return {
        "kdf": {k: v for k, v in data["kdf"].items() if k not in {"salt"}},
        "roots": [{"id": r["id"], "state": r.get("state")} for r in data["roots"]],
        "secrets": sorted(data["secrets"]),
        "written_at": data.get("written_at"),
    }


# --- the receipt-signing key (Ed25519) -----------------------------------------
#
# The active private key is a secret of the ring ("receipt-signing"),
# wrapped like the others. Every public key ever used stays in the file,
# in clear, under its id ("active" or "retired"), so that a receipt signed
# before a rotation still verifies, and verification needs no passphrase.


def _receipt_key_add(unlocked: _Unlocked) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = crypto.new_key()
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    key_id = str(uuid.uuid4())
    for entry in unlocked.receipt_keys:
        entry["state"] = "retired"
    unlocked.receipt_keys.append(
        {
            "id": key_id,
            "public": _b64(public),
            "state": "active",
            "created_at": datetime.now(UTC).isoformat(),
        }
    )
    unlocked.secrets[RECEIPT_SIGNING_SECRET] = seed
    return key_id


def receipt_signing_key() -> tuple[str, bytes]:
    """(key id, Ed25519 private seed) of the active receipt key. Raises
    VaultLocked, or KeyRingError when this key ring has none yet."""
    unlocked = _require()
    seed = unlocked.secrets.get(RECEIPT_SIGNING_SECRET)
    active = [entry for entry in unlocked.receipt_keys if entry["state"] == "active"]
    if seed is None or len(active) != 1:
        raise KeyRingError(
            "The key ring has no receipt-signing key: run `manage.py rotate_keys` (it adds one)."
        )
    return active[0]["id"], seed


def receipt_public_keys(*, path: Path | None = None) -> dict[str, bytes]:
    """Every receipt public key by id, read from the file: no passphrase needed."""
    data = _read_file(path or keyring_path())
    keys: dict[str, bytes] = {}
    try:
        for entry in data.get("receipt_keys", []):
            keys[str(uuid.UUID(entry["id"]))] = _unb64(entry["public"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KeyRingError("The key ring file is corrupted (receipt keys).") from exc
    return keys


def receipt_key_rotate(passphrase: str, *, path: Path | None = None) -> str:
    """A new receipt-signing key; the old public key stays for verification,
    the old private key is gone. Returns the new key id."""
    path = path or keyring_path()
    with _file_lock(path):
        unlocked = _unwrap_all(_read_file(path), passphrase)
        key_id = _receipt_key_add(unlocked)
        kdf = KdfParams.fresh()
        _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    unlock(passphrase, path=path)
    return key_id


# --- panic ------------------------------------------------------------------
#
# `panic()` writes a marker file beside the key ring, then destroys the key
# ring file. Every process of this machine looks for the marker (one stat)
# before each use of a key, cached or not (`refuse_if_panicked`, called by
# `_require` and by keys.py's caches): the first process to see it forgets
# its keys, and none unlocks again while it is there. Nothing has to reach
# the other processes: they learn at their next decrypt, and a process that
# decrypts nothing holds keys nobody can use without it.

PANIC_MARKER_NAME = "vault-panic"
PANIC_REFUSAL = (
    "The key ring was destroyed by a panic on this machine. Recover it through "
    "headquarters' escrow (vault_recover) and clear the marker (vault_panic --clear)."
)


#: (the settings values it was computed from, the marker's path as text):
#: `panicked()` runs before every key use, so the path is not rebuilt each time.
_marker_cache: tuple[object, object, str] | None = None


def _marker_text() -> str:
    global _marker_cache
    configured = getattr(settings, "VAULT_PANIC_MARKER", None)
    ring = settings.VAULT_KEYRING_PATH
    cached = _marker_cache
    if cached is not None and cached[0] is configured and cached[1] is ring:
        return cached[2]
    text = str(configured) if configured else str(Path(ring).with_name(PANIC_MARKER_NAME))
    _marker_cache = (configured, ring, text)
    return text


def panic_marker_path() -> Path:
    return Path(_marker_text())


def panicked() -> bool:
    try:
        os.stat(_marker_text())
    except FileNotFoundError:
        return False
    except OSError:
        return True  # unreadable marker directory: refuse rather than guess
    return True


def refuse_if_panicked() -> None:
    """Forget every key and raise VaultLocked if a panic marker exists."""
    if panicked():
        if _state.unlocked is not None:
            lock()
        raise VaultLocked(PANIC_REFUSAL)


def _overwrite_and_unlink(path: Path) -> bool:
    """Overwrite a file with random bytes, fsync, unlink. On flash storage the
    old blocks may survive the overwrite (wear levelling): see docs/operations.md."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, os.urandom(max(size, 1)))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # still unlinked below
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


def panic(*, path: Path | None = None) -> list[Path]:
    """Destroy the key ring on disk and the keys of every process of this machine.

    Order: the marker first (other processes stop at their next key use),
    then the key ring file and its leftovers, then this process's keys.
    Returns the files destroyed. Never raises for a missing key ring: a
    second panic is harmless.
    """
    path = path or keyring_path()
    marker = panic_marker_path()
    marker.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, datetime.now(UTC).isoformat().encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    destroyed: list[Path] = []
    leftovers = [path, *path.parent.glob(f".{path.name}.*.tmp")]
    for candidate in leftovers:
        if _overwrite_and_unlink(candidate):
            destroyed.append(candidate)
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    lock()
    return destroyed


def panic_clear() -> bool:
    """Remove the panic marker (after a key ring was recovered). True if one was there."""
    marker = panic_marker_path()
    try:
        marker.unlink()
    except FileNotFoundError:
        return False
    with _state.lock:
        _state.auto_unlock_tried = False
    return True


# --- escrow -------------------------------------------------------------------


def material_export() -> bytes:
    """The unwrapped key material of this key ring (roots and system secrets) as
    bytes, for escrow only: the caller encrypts it at once. Raises VaultLocked."""
    unlocked = _require()
    return json.dumps(
        {
            "active_root_id": str(unlocked.active_root_id),
            "roots": {str(rid): _b64(key) for rid, key in unlocked.roots.items()},
            "secrets": {name: _b64(value) for name, value in unlocked.secrets.items()},
            "receipt_keys": [dict(entry) for entry in unlocked.receipt_keys],
        },
        sort_keys=True,
    ).encode("ascii")


def material_import(material: bytes, passphrase: str, *, path: Path | None = None) -> Path:
    """Write a new key ring holding `material` (from `material_export`) under a
    new passphrase. Refuses to overwrite an existing key ring."""
    _check_passphrase_strength(passphrase)
    path = path or keyring_path()
    if path.exists():
        raise KeyRingError(
            "A key ring already exists at that path; refusing to overwrite it. "
            "Move it aside first if it is the one to replace."
        )
    try:
        data = json.loads(material)
        roots = {uuid.UUID(rid): _unb64(key) for rid, key in data["roots"].items()}
        unlocked = _Unlocked(
            active_root_id=uuid.UUID(data["active_root_id"]),
            roots=roots,
            secrets={name: _unb64(value) for name, value in data["secrets"].items()},
            receipt_keys=[
                {str(k): str(v) for k, v in entry.items()} for entry in data.get("receipt_keys", [])
            ],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyRingError("The escrowed key material is malformed.") from exc
    if unlocked.active_root_id not in roots or any(
        name not in unlocked.secrets for name in SYSTEM_SECRETS
    ):
        raise KeyRingError("The escrowed key material is incomplete.")
    with _file_lock(path):
        kdf = KdfParams.fresh()
        _write_file(path, _serialise(kdf, kdf.derive(passphrase), unlocked))
    return path
