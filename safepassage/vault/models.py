"""Wrapped keys. No column here is usable without the key ring."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKey(models.Model):
    """A key per scope (a unit, or "system"), wrapped under a root key.

    `id` is the key id carried by the envelopes of the data keys it wraps.
    At most one key per scope; rotation replaces it inside one transaction.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(max_length=64, unique=True)
    root_id = models.UUIDField()
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unit key")
        verbose_name_plural = _("unit keys")

    def __str__(self) -> str:
        return f"unit key {self.scope}"


class DataKey(models.Model):
    """A key per owning record (a case, a watch-list entry…), wrapped under a unit key.

    Shredding sets `wrapped` to NULL: every value encrypted under this key
    becomes unreadable for good. The row stays, so that a value naming a
    shredded key fails with KeyShredded rather than "unknown key".
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    unit_key = models.ForeignKey(UnitKey, on_delete=models.PROTECT, related_name="data_keys")
    wrapped = models.BinaryField(null=True)
    owner = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(wrapped__isnull=True, shredded_at__isnull=False)
                    | models.Q(wrapped__isnull=False, shredded_at__isnull=True)
                ),
                name="vault_datakey_shredded_iff_no_key",
            ),
        ]

    def __str__(self) -> str:
        return f"data key {self.id}"

    @property
    def is_shredded(self) -> bool:
        return self.wrapped is None
