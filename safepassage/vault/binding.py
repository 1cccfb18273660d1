"""The census of unit bindings: which rows' data keys are not under the
unit their owning column names.

For upgrades and audits: rows written before the binding was enforced
were made under their unit's key by the same services (a case under its
unit, a transfer moving the key, a contact under its channel's unit), so
an existing database should show none. Anything listed is either a unit
column changed outside a service, or a key moved without its column: each
is refused on read until an operator decides which is right (see
docs/security.md, "Unit binding"). The census reads key rows and unit
columns only; it decrypts no value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from . import keys
from .fields import bound_scope_of
from .rotation import vaulted_models


@dataclass(frozen=True)
class Mismatch:
    model: str
    pk: object
    expected: str
    bound: str


def unit_binding_mismatches() -> tuple[int, list[Mismatch]]:
    """(rows checked, rows whose key is under another scope than their column
    names). Shredded keys are skipped: nothing is left to read. Raises
    VaultLocked (a unit key's scope is authenticated by unwrapping it)."""
    scopes: dict[uuid.UUID, str] = {}
    checked = 0
    found: list[Mismatch] = []
    for model in vaulted_models():
        paths = model.vault_unit_paths
        if not paths:
            continue
        rows = (
            model._base_manager.filter(data_key__wrapped__isnull=False)
            .order_by("pk")
            .values_list("pk", "data_key__unit_key_id", *paths)
        )
        for pk, unit_key_id, *unit_ids in rows.iterator(chunk_size=2000):
            checked += 1
            bound = scopes.get(unit_key_id)
            if bound is None:
                bound = scopes[unit_key_id] = keys.unit_key_scope_and_bytes_by_id(unit_key_id)[0]
            expected = bound_scope_of(unit_ids)
            if expected != bound:
                found.append(Mismatch(model._meta.label_lower, pk, expected, bound))
    return checked, found
