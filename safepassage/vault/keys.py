"""Unit keys and data keys: creation, unwrapping, moving, shredding, rotation.

Hierarchy: root key (key ring) → unit key (one per scope) → data key (one
per owning record) → field values. Unwrapped unit and data keys are
cached in this process's memory (bounded LRU) and dropped on `lock`.

A data key is only ever used after its row has been read: a shredded key
(row with `wrapped` NULL) is refused even if another process still holds
it in its cache, because the caller presents the row it just read.

Owner binding: a unit key's scope ("unit:<id>") is in the associated data
of its wrap under the root key, and a data key's envelope names (and is
authenticated with) the id of the unit key that wraps it. So the scope a
data key unwraps under is authenticated all the way from the root. A
caller that reads a record whose owning unit is a plain column passes the
scope that column names (`scope=`); a data key wrapped under any other
unit's key is refused with `UnitMismatch` (and `unit_binding_refused` is
sent), however the column came to say so. Only `data_key_move`, called by
a transfer inside its transaction, changes the unit a data key is under.
The caches keep the scope each key was authenticated under, so a changed
column is caught with a warm cache too.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

from . import crypto, keyring
from .exceptions import DecryptionError, KeyShredded, RowRef, UnitMismatch, UnknownKey
from .models import DataKey, UnitKey
from .signals import unit_binding_refused

SYSTEM_SCOPE = "system"
_CACHE_LIMIT = 50_000


_V = TypeVar("_V")


class _LRU(Generic[_V]):
    def __init__(self, limit: int) -> None:
        self._data: OrderedDict[uuid.UUID, _V] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: uuid.UUID) -> _V | None:
        # A panic on this machine (another process's) stops cached keys too.
        keyring.refuse_if_panicked()
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: uuid.UUID, value: _V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._limit:
                self._data.popitem(last=False)

    def drop(self, key: uuid.UUID) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


#: Unit key id -> (its scope, as authenticated by the root wrap; the key).
_unit_cache: _LRU[tuple[str, bytes]] = _LRU(1_000)
#: Data key id -> (the scope of the unit key it was unwrapped under; the key).
_data_cache: _LRU[tuple[str, bytes]] = _LRU(_CACHE_LIMIT)


def clear_caches(**_signal_kwargs: object) -> None:
    _unit_cache.clear()
    _data_cache.clear()


keyring.keyring_changed.connect(clear_caches, weak=False, dispatch_uid="vault.keys.clear_caches")


def scope_for_unit(unit_id: int) -> str:
    return f"unit:{unit_id}"


def _unit_purpose(unit_key_id: uuid.UUID, scope: str) -> str:
    return f"vault/unit-key/{unit_key_id}/{scope}"


def _data_purpose(data_key_id: uuid.UUID) -> str:
    return f"vault/data-key/{data_key_id}"


# --- unit keys --------------------------------------------------------------


def unit_key_get_or_create(*, scope: str) -> UnitKey:
    """The scope's unit key, made under the active root on first use."""
    existing = UnitKey.objects.filter(scope=scope).first()
    if existing is not None:
        return existing
    root_id, root = keyring.active_root()
    key_id = crypto.new_key_id()
    with transaction.atomic():
        unit_key, _created = UnitKey.objects.get_or_create(
            scope=scope,
            defaults={
                "id": key_id,
                "root_id": root_id,
                "wrapped": crypto.encrypt(
                    root, root_id, crypto.new_key(), _unit_purpose(key_id, scope)
                ),
            },
        )
    return unit_key


def unit_key_bytes(unit_key: UnitKey) -> bytes:
    """The key of a unit-key row. Afterwards `unit_key.scope` is authentic:
    it is in the associated data of the wrap (or equals the scope a cached
    copy was authenticated under)."""
    cached = _unit_cache.get(unit_key.id)
    if cached is not None and cached[0] == unit_key.scope:
        return cached[1]
    root = keyring.root_key(unit_key.root_id)
    key = crypto.decrypt(root, bytes(unit_key.wrapped), _unit_purpose(unit_key.id, unit_key.scope))
    if crypto.envelope_key_id(bytes(unit_key.wrapped)) != unit_key.root_id:
        raise DecryptionError("A unit key names the wrong root key.")
    _unit_cache.put(unit_key.id, (unit_key.scope, key))
    return key


# --- data keys --------------------------------------------------------------


def data_key_create(*, scope: str, owner: str) -> DataKey:
    """A fresh data key for one owning record, wrapped under the scope's unit key."""
    unit_key = unit_key_get_or_create(scope=scope)
    key_id = crypto.new_key_id()
    key = crypto.new_key()
    wrapped = crypto.encrypt(unit_key_bytes(unit_key), unit_key.id, key, _data_purpose(key_id))
    data_key = DataKey.objects.create(id=key_id, unit_key=unit_key, wrapped=wrapped, owner=owner)
    _data_cache.put(key_id, (unit_key.scope, key))
    return data_key


def data_keys_create_bulk(*, scope: str, owner: str, count: int) -> list[DataKey]:
    """`count` fresh data keys under the scope's unit key, inserted in bulk.

    For bulk loads (demo data, imports): the same keys `data_key_create`
    makes, without a round trip per key. Runs in the caller's transaction.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return []
    unit_key = unit_key_get_or_create(scope=scope)
    wrapping = unit_key_bytes(unit_key)
    made: list[tuple[DataKey, bytes]] = []
    for _ in range(count):
        key_id = crypto.new_key_id()
        key = crypto.new_key()
        wrapped = crypto.encrypt(wrapping, unit_key.id, key, _data_purpose(key_id))
        made.append((DataKey(id=key_id, unit_key=unit_key, wrapped=wrapped, owner=owner), key))
    data_keys = DataKey.objects.bulk_create([data_key for data_key, _key in made])
    for data_key, key in made:
        _data_cache.put(data_key.id, (unit_key.scope, key))
    return data_keys


def data_key_bytes(
    data_key: DataKey, *, scope: str | None = None, row: models.Model | None = None
) -> bytes:
    """The usable key of a data-key row the caller has just read.

    With `scope` (the scope the owning record's unit column names now),
    a key wrapped under another scope's unit key raises UnitMismatch
    (about `row`, the record being read or written) after sending
    `unit_binding_refused`. A cached key authenticated under another scope
    is unwrapped again from the row first: a transfer in another process
    moves keys legitimately.
    """
    if data_key.wrapped is None:
        _data_cache.drop(data_key.id)
        raise KeyShredded("This record's key has been destroyed; its data is gone.")
    cached = _data_cache.get(data_key.id)
    if cached is not None and (scope is None or cached[0] == scope):
        return cached[1]
    unit_key = data_key.unit_key
    key = data_key_unwrap(
        data_key.id, bytes(data_key.wrapped), unit_key.id, unit_key_bytes(unit_key)
    )
    _data_cache.put(data_key.id, (unit_key.scope, key))
    if scope is not None:
        require_scope(scope, unit_key.scope, row=row, data_key=data_key)
    return key


def require_scope(
    expected: str, bound: str, *, row: models.Model | None, data_key: DataKey | None = None
) -> None:
    """Refuse (UnitMismatch, after `unit_binding_refused`) a key authenticated
    under `bound` for a record whose unit column names `expected`."""
    if expected == bound:
        return
    if row is not None:
        model, pk = row._meta.label_lower, row.pk
    else:
        model, pk = (data_key.owner if data_key is not None else ""), None
    exc = UnitMismatch(model=model, pk=pk, expected=expected, bound=bound)
    if row is not None and pk is not None:  # for the integrity alert (middleware)
        exc.row = RowRef(
            model=model,
            pk=str(pk),
            vault_id=getattr(row, "vault_id", None),
            data_key_id=getattr(row, "data_key_id", None),
        )
    unit_binding_refused.send(sender=UnitMismatch, exception=exc)
    raise exc


def unit_key_bytes_by_id(unit_key_id: uuid.UUID) -> bytes:
    """`unit_key_bytes` of the unit key with this id: from the cache, or
    read from its row (then cached) when not there."""
    return unit_key_scope_and_bytes_by_id(unit_key_id)[1]


def unit_key_scope_and_bytes_by_id(unit_key_id: uuid.UUID) -> tuple[str, bytes]:
    """(authenticated scope, key) of the unit key with this id."""
    cached = _unit_cache.get(unit_key_id)
    if cached is not None:
        return cached
    try:
        unit_key = UnitKey.objects.get(id=unit_key_id)
    except UnitKey.DoesNotExist:
        raise UnknownKey("A data key names a unit key this vault does not hold.") from None
    return unit_key.scope, unit_key_bytes(unit_key)


def data_key_unwrap(
    key_id: uuid.UUID, wrapped: bytes | None, unit_key_id: uuid.UUID, unit_key: bytes
) -> bytes:
    """A data key from its row's values (read just now) under its unit key
    (`unit_key_bytes`), bypassing the data key cache: for bulk reads, which
    would only churn it. Same refusals as `data_key_bytes`."""
    if wrapped is None:
        raise KeyShredded("This record's key has been destroyed; its data is gone.")
    if crypto.envelope_key_id(wrapped) != unit_key_id:
        raise DecryptionError("A data key names the wrong unit key.")
    return crypto.decrypt(unit_key, wrapped, _data_purpose(key_id))


def data_key_get(key_id: uuid.UUID) -> DataKey:
    try:
        return DataKey.objects.select_related("unit_key").get(id=key_id)
    except DataKey.DoesNotExist:
        raise UnknownKey("A stored value names a key this vault does not hold.") from None


@transaction.atomic
def data_key_shred(*, data_key: DataKey) -> None:
    """Destroy a data key. Every value under it is unreadable from now on.

    With SQLite's secure_delete the old page content is zeroed; PostgreSQL
    leaves dead tuples until VACUUM (docs/security.md says what to run).
    """
    DataKey.objects.filter(id=data_key.id).update(wrapped=None, shredded_at=timezone.now())
    data_key.wrapped = None
    data_key.shredded_at = timezone.now()
    _data_cache.drop(data_key.id)


@transaction.atomic
def data_key_move(
    *, data_key: DataKey, scope: str, from_scope: str, row: models.Model | None = None
) -> None:
    """Rewrap a data key under another scope's unit key (a record changes unit).

    `from_scope` is the scope the owning record's unit column named before
    the move: a key not wrapped under it is refused (UnitMismatch about
    `row`), so a transfer cannot launder a unit column changed by hand.
    Call inside the transaction that changes the column.
    """
    locked = DataKey.objects.select_for_update().select_related("unit_key").get(id=data_key.id)
    key = data_key_bytes(locked, scope=from_scope, row=row)
    target = unit_key_get_or_create(scope=scope)
    locked.unit_key = target
    locked.wrapped = crypto.encrypt(
        unit_key_bytes(target), target.id, key, _data_purpose(locked.id)
    )
    locked.save(update_fields=["unit_key", "wrapped"])
    # Not cached under the new scope: if the surrounding transaction rolls
    # back, the next read must unwrap the row as it stands.
    _data_cache.drop(locked.id)
    data_key.unit_key = target
    data_key.wrapped = locked.wrapped


# --- rotation ---------------------------------------------------------------


@transaction.atomic
def unit_keys_rewrap_under_active_root() -> int:
    """Rewrap every unit key under the active root key. Returns the count."""
    root_id, root = keyring.active_root()
    count = 0
    for unit_key in UnitKey.objects.select_for_update().order_by("scope"):
        if unit_key.root_id == root_id:
            continue
        key = unit_key_bytes(unit_key)
        unit_key.wrapped = crypto.encrypt(
            root, root_id, key, _unit_purpose(unit_key.id, unit_key.scope)
        )
        unit_key.root_id = root_id
        unit_key.save(update_fields=["wrapped", "root_id"])
        count += 1
    return count


@transaction.atomic
def unit_key_rotate(*, scope: str) -> tuple[uuid.UUID, uuid.UUID, int]:
    """Replace a scope's unit key; rewrap its data keys; delete the old one.

    Returns (old id, new id, data keys rewrapped). Holds row locks on the
    old unit key and its data keys for the whole transaction.
    """
    old = UnitKey.objects.select_for_update().get(scope=scope)
    old_key = unit_key_bytes(old)
    root_id, root = keyring.active_root()
    new_id = crypto.new_key_id()
    new_key = crypto.new_key()
    # The scope is unique: park the old row under a temporary scope first.
    UnitKey.objects.filter(id=old.id).update(scope=f"retiring:{old.id}")
    new = UnitKey.objects.create(
        id=new_id,
        scope=scope,
        root_id=root_id,
        wrapped=crypto.encrypt(root, root_id, new_key, _unit_purpose(new_id, scope)),
    )
    _unit_cache.put(new_id, (scope, new_key))
    count = 0
    for data_key in DataKey.objects.select_for_update().filter(unit_key_id=old.id):
        if data_key.wrapped is not None:
            key = crypto.decrypt(old_key, bytes(data_key.wrapped), _data_purpose(data_key.id))
            data_key.wrapped = crypto.encrypt(new_key, new_id, key, _data_purpose(data_key.id))
        data_key.unit_key = new
        data_key.save(update_fields=["wrapped", "unit_key"])
        count += 1
    UnitKey.objects.filter(id=old.id).delete()
    _unit_cache.drop(old.id)
    return old.id, new_id, count


def scopes() -> Iterable[str]:
    return UnitKey.objects.order_by("scope").values_list("scope", flat=True)


def data_key_unit_id(key_id: uuid.UUID | None) -> int | None:
    """The unit whose key wraps the data key `key_id` (None for a system
    key, or a key this vault does not hold): to say which unit an
    unreadable row belongs to without reading the row."""
    if key_id is None:
        return None
    scope = DataKey.objects.filter(id=key_id).values_list("unit_key__scope", flat=True).first()
    prefix = scope_for_unit(0)[:-1]
    if scope is None or not scope.startswith(prefix) or not scope[len(prefix) :].isdigit():
        return None
    return int(scope[len(prefix) :])
