"""Key rotation across the whole hierarchy, and the census that proves it.

Root rotation is three steps (keyring.root_rotation_begin, rewrap unit
keys, keyring.root_rotation_finish) so that a crash at any point leaves a
key ring that still opens every unit key. Unit-key and data-key rotation
each run in one database transaction.

Blind-index rotation is three steps too (keyring.blind_index_rotation_begin,
`blind_indexes_rebuild`, keyring.blind_index_rotation_finish). Between the
first and the last, the key ring holds both masters: a process that
unlocks then writes indexes under the next master and looks up under
both (`BlindIndexField.index_candidates`), so an interrupted rotation
leaves every lookup working; a rerun finishes it.

Every step needs the product stopped: a process unlocked before the
rotation keeps the old root and the old blind-index master in memory,
cannot open unit keys wrapped under the new root, and would miss rows
already indexed under the new master.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from . import crypto, keyring, keys
from .exceptions import KeyRingError
from .fields import (
    BlindIndexField,
    EncryptedField,
    EncryptedFileField,
    PendingFile,
    StoredFile,
    VaultedModel,
)
from .models import DataKey, UnitKey
from .rows import decrypted_values

#: Rows re-indexed per transaction.
REINDEX_BATCH = 2000


def vaulted_models() -> list[type[VaultedModel]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, VaultedModel) and not model._meta.abstract
    ]


def encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]


@transaction.atomic
def data_key_rotate(*, data_key: DataKey) -> DataKey:
    """Give an owner a new data key, re-encrypt its values, shred the old key.

    Every row of every vaulted model under the old key is locked, decrypted
    and written again under the new key; files are rewritten too.
    """
    old = DataKey.objects.select_for_update().select_related("unit_key").get(id=data_key.id)
    new = keys.data_key_create(scope=old.unit_key.scope, owner=old.owner)
    for model in vaulted_models():
        fields = encrypted_fields(model)
        rows = model._base_manager.select_for_update().filter(data_key_id=old.id)
        for row in rows:
            plaintexts: dict[str, Any] = {}
            for f in fields:
                value = getattr(row, f.attname)
                if isinstance(value, StoredFile):
                    value = PendingFile(value.read(), content_type=value.content_type)
                plaintexts[f.attname] = value
            row.data_key = new
            for attname, value in plaintexts.items():
                row.__dict__[attname] = value
            row.save(update_fields=[f.attname for f in fields] + ["data_key"])
    keys.data_key_shred(data_key=old)
    return new


def blind_indexed_models() -> list[tuple[type[VaultedModel], list[BlindIndexField]]]:
    found = []
    for model in vaulted_models():
        index_fields = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
        if index_fields:
            found.append((model, index_fields))
    return found


def blind_indexes_rebuild(*, batch: int = REINDEX_BATCH) -> int:
    """Recompute every blind index under the next master. Returns the rows written.

    Needs a rotation begun (`keyring.blind_index_rotation_begin`). Reads
    each table in primary-key order, `batch` rows at a time, decrypting
    only the indexed sources; writes each batch with one statement, in
    its own transaction, so an interrupted rebuild loses at most one batch
    and a rerun redoes it. Rows whose data key is shredded lose their index (their value is
    gone). Raises DecryptionError on a value that fails its tag.
    """
    master = keyring.blind_index_secrets()[1]
    if master is None:
        raise KeyRingError("No blind-index rotation is under way.")
    written = 0
    for model, index_fields in blind_indexed_models():
        manager = model._base_manager
        manager.filter(data_key__wrapped__isnull=True).update(
            **{f.attname: None for f in index_fields}
        )
        sources = [f.source for f in index_fields]
        last: Any = None
        while True:
            page = manager.filter(data_key__wrapped__isnull=False).order_by("pk")
            if last is not None:
                page = page.filter(pk__gt=last)
            rows = list(decrypted_values(page[:batch], sources, plain=["pk"], stream=False))
            if not rows:
                break
            params = []
            for pk, *values in rows:
                params.append(
                    [
                        pk,
                        *(
                            None if value in (None, "") else f.index_under(master, str(value))
                            for f, value in zip(index_fields, values, strict=True)
                        ),
                    ]
                )
            sql = _batch_update_sql(model, index_fields, len(params))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [value for row in params for value in row])
            written += len(params)
            last = rows[-1][0]
    return written


def _batch_update_sql(
    model: type[models.Model], index_fields: list[BlindIndexField], n: int
) -> str:
    """One UPDATE … FROM (VALUES …) for `n` rows: (pk, index…) per row.

    `VALUES` columns are named column1, column2… on both SQLite (3.33 and
    later) and PostgreSQL; the casts give PostgreSQL the parameters' types.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - narrowing for mypy
    casts = [f"CAST(%s AS {pk.db_type(connection)})"] + [
        f"CAST(%s AS {f.db_type(connection)})" for f in index_fields
    ]
    row = "(" + ", ".join(casts) + ")"
    assignments = ", ".join(
        f"{quote(str(f.column))} = v.column{i}" for i, f in enumerate(index_fields, start=2)
    )
    return (
        f"UPDATE {table} SET {assignments} "  # noqa: S608 - quoted names, values as parameters
        f"FROM (VALUES {', '.join([row] * n)}) AS v "
        f"WHERE {table}.{quote(str(pk.column))} = v.column1"
    )


@dataclass
class BlindIndexReport:
    resumed: bool = False
    rows_reindexed: int = 0


def blind_index_rotate(*, passphrase: str) -> BlindIndexReport:
    """New blind-index master; every index rebuilt under it; the old one dropped."""
    report = BlindIndexReport()
    report.resumed = not keyring.blind_index_rotation_begin(passphrase)
    report.rows_reindexed = blind_indexes_rebuild()
    keyring.blind_index_rotation_finish(passphrase)
    return report


@dataclass
class RotationReport:
    retired_roots: list[uuid.UUID] = field(default_factory=list)
    unit_keys_rotated: int = 0
    data_keys_rewrapped: int = 0
    data_keys_rotated: int = 0
    blind_index: BlindIndexReport | None = None
    receipt_key_id: str = ""


def rotate_all(
    *, passphrase: str, data_keys: bool = False, blind_index: bool = True
) -> RotationReport:
    """New root key, new unit keys (data keys rewrapped), a new blind-index
    master with every index rebuilt (unless `blind_index` is False),
    optionally new data keys. Needs the product stopped (module doc)."""
    report = RotationReport()
    keyring.root_rotation_begin(passphrase)
    keys.unit_keys_rewrap_under_active_root()
    for scope in list(keys.scopes()):
        _old, _new, count = keys.unit_key_rotate(scope=scope)
        report.unit_keys_rotated += 1
        report.data_keys_rewrapped += count
    if data_keys:
        live = DataKey.objects.filter(wrapped__isnull=False).values_list("id", flat=True)
        for key_id in list(live):
            data_key_rotate(data_key=DataKey.objects.get(id=key_id))
            report.data_keys_rotated += 1
    report.retired_roots = keyring.root_rotation_finish(passphrase)
    if blind_index:
        report.blind_index = blind_index_rotate(passphrase=passphrase)
    report.receipt_key_id = keyring.receipt_key_rotate(passphrase)
    return report


@dataclass
class KeyCensus:
    """Which keys stored ciphertexts name: the proof a rotation is complete."""

    roots_in_use: set[uuid.UUID] = field(default_factory=set)
    unit_keys_in_use: set[uuid.UUID] = field(default_factory=set)
    data_keys_in_use: set[uuid.UUID] = field(default_factory=set)
    values: int = 0


def key_census() -> KeyCensus:
    census = KeyCensus()
    for unit_key in UnitKey.objects.all():
        census.roots_in_use.add(crypto.envelope_key_id(bytes(unit_key.wrapped)))
    for data_key in DataKey.objects.filter(wrapped__isnull=False).only("id", "wrapped"):
        if data_key.wrapped is not None:
            census.unit_keys_in_use.add(crypto.envelope_key_id(bytes(data_key.wrapped)))
    for model in vaulted_models():
        for f in encrypted_fields(model):
            values = model._base_manager.filter(**{f"{f.attname}__isnull": False})
            for raw in values.values_list(f.attname, flat=True).iterator():
                envelope = raw.envelope if hasattr(raw, "envelope") else bytes(raw)
                census.data_keys_in_use.add(crypto.envelope_key_id(envelope))
                census.values += 1
    return census


def files_in_use() -> set[str]:
    """Storage names referenced by live rows (for orphan clean-up and tests)."""
    names: set[str] = set()
    for model in vaulted_models():
        file_fields = [f for f in encrypted_fields(model) if isinstance(f, EncryptedFileField)]
        if not file_fields:
            continue
        for row in model._base_manager.select_related("data_key__unit_key").iterator():
            for f in file_fields:
                stored = getattr(row, f.attname)
                if isinstance(stored, StoredFile):
                    names.add(stored.storage_name)
    return names
