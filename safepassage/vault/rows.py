"""Decrypted values of many rows at once, without model instances.

For reads of a whole table (the screening index decrypts every registered
person): building a model instance per row costs about four times what
decrypting its values does. The checks are those of attribute access on
an instance: the row's data key must be live and unwrap under its unit
key, that unit key must be the one of the row's owning unit (when the
model binds one, `VaultedModel.vault_unit_paths`; else `UnitMismatch`),
and every value must name that data key and pass its tag, or
`DecryptionError` is raised, its `row` naming the row (never a value).

A reader of a whole table that must not stop at one altered row passes
`unreadable`: a row that fails is then handed to it and left out, never
yielded in part. A row whose key was shredded on purpose (between the
query and its read) is left out without being handed over: it is gone,
not altered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet

from . import keys
from .exceptions import DecryptionError, KeyShredded, RowRef
from .fields import EncryptedField, VaultedModel, bound_scope_of, require_row_key

#: Told of each row left out: the failure (its `row` set) and the row's
#: `plain` columns as read.
Unreadable = Callable[[DecryptionError, tuple[Any, ...]], None]

#: Rows fetched from the database at a time.
CHUNK = 2000


def decrypted_values(
    queryset: QuerySet[Any],
    fields: Sequence[str],
    *,
    plain: Sequence[str] = (),
    stream: bool = True,
    unreadable: Unreadable | None = None,
) -> Iterator[tuple[Any, ...]]:
    """For each row of `queryset`, in its order: the `plain` columns as read,
    then the decrypted `fields` (None where the column is NULL). With
    `stream` (a whole table) rows are fetched `CHUNK` at a time (a
    server-side cursor on PostgreSQL); without it (a few rows), at once.

    The data key of each row is unwrapped once, for that row only, and not
    put in the process's key cache (a table's worth would only churn it).
    """
    model = queryset.model
    table = model._meta.db_table
    label = model._meta.label_lower
    encrypted: list[EncryptedField] = []
    for name in fields:
        field = model._meta.get_field(name)
        if not isinstance(field, EncryptedField):
            raise TypeError(f"{model.__name__}.{name} is not an encrypted field.")
        encrypted.append(field)
    unit_keys: dict[uuid.UUID, tuple[str, bytes]] = {}
    n = len(plain)
    unit_paths = model.vault_unit_paths if issubclass(model, VaultedModel) else ()
    u = len(unit_paths)
    rows = queryset.values_list(
        *plain,
        "pk",
        "vault_id",
        "data_key_id",
        "data_key__wrapped",
        "data_key__unit_key_id",
        *unit_paths,
        *(f.name for f in encrypted),
    )
    for row in rows.iterator(chunk_size=CHUNK) if stream else rows:
        pk, vault_id, key_id, wrapped, unit_key_id = row[n : n + 5]
        try:
            scoped = unit_keys.get(unit_key_id)
            if scoped is None:  # the unit key cache, else one query per unit key
                scoped = unit_keys[unit_key_id] = keys.unit_key_scope_and_bytes_by_id(unit_key_id)
            wrapped = None if wrapped is None else bytes(wrapped)
            key = keys.data_key_unwrap(key_id, wrapped, unit_key_id, scoped[1])
            if u:
                expected = bound_scope_of(row[n + 5 : n + 5 + u])
                if expected != scoped[0]:
                    keys.require_scope(expected, scoped[0], row=model(pk=pk))
            values: list[Any] = []
            for field, sealed in zip(encrypted, row[n + 5 + u :], strict=True):
                if sealed is None:
                    values.append(None)
                    continue
                require_row_key(sealed.envelope, key_id)
                values.append(field.open(key, sealed, field.purpose_of(table, vault_id)))
        except DecryptionError as exc:
            if exc.row is None:
                exc.row = RowRef(model=label, pk=str(pk), vault_id=vault_id, data_key_id=key_id)
            if unreadable is None:
                raise
            if not isinstance(exc, KeyShredded):
                unreadable(exc, tuple(row[:n]))
            continue
        yield (*row[:n], *values)
