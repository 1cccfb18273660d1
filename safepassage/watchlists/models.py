"""Watch-lists: people the programme must not take at their word.

Kept by headquarters' screening officers only. A list has its own data key
under the headquarters unit's key; every entry shares it, so shredding the
key destroys the list. Every field that names or describes a person is
encrypted; an import's report holds row numbers and problem codes only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel
from safepassage.vault.keys import scope_for_unit


class WatchList(VaultedModel):
    vault_unit_paths = ("unit",)

    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", editable=False
    )
    name = EncryptedTextField(_("name"), max_length=200)
    description = EncryptedTextField(_("description"), max_length=4000)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watch-list")
        verbose_name_plural = _("watch-lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"watch-list {self.pk}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)


class WatchListImport(models.Model):
    """One file read into a list. `report`: [{"row", "status", "codes"}], no values."""

    watch_list = models.ForeignKey(WatchList, on_delete=models.CASCADE, related_name="imports")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_format = models.CharField(max_length=8)
    rows_read = models.PositiveIntegerField()
    rows_added = models.PositiveIntegerField()
    rows_rejected = models.PositiveIntegerField()
    report = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} into watch-list {self.watch_list_id}"


class WatchListEntry(VaultedModel):
    vault_unit_paths = ("watch_list__unit",)

    watch_list = models.ForeignKey(WatchList, on_delete=models.CASCADE, related_name="entries")
    imported_in = models.ForeignKey(
        WatchListImport, on_delete=models.CASCADE, null=True, related_name="entries"
    )
    row = models.PositiveIntegerField(null=True)
    name_latin = EncryptedTextField(_("name in Latin letters"), max_length=200)
    name_my = EncryptedTextField(_("name in Burmese"), max_length=200)
    father_name = EncryptedTextField(_("father's name"), max_length=200)
    date_of_birth = EncryptedTextField(_("date of birth"), max_length=40)
    nrc = EncryptedTextField(_("NRC number"), max_length=40)
    phone = EncryptedTextField(_("phone number"), max_length=40)
    township = EncryptedTextField(_("township"), max_length=200)
    notes = EncryptedTextField(_("notes"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["created_at"], name="watchlists_entry_created")]

    def __str__(self) -> str:
        return f"entry {self.pk} of watch-list {self.watch_list_id}"
