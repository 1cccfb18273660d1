"""The register: items handed over, their custody, counts and alerts.

An item belongs to a case and shares the case's data key (shredding the
case destroys its serials, markings, place and photos; the register line
stays, with kind, condition, quantity and custody in clear, as records
of destroyed weapons must). `unit` is the receiving unit and never
changes; `holder` is whoever holds it now. `state` is assigned only by
`services.custody_move`. `duplicate_of` is set when the serial's key was
seen before, in any unit: such an item earns no reward.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import (
    BlindIndexField,
    EncryptedFileField,
    EncryptedTextField,
    VaultedModel,
)

from ..workflow import CustodyState
from .catalogue import Kind


class Condition(models.TextChoices):
    WORKING = "working", _("Working")
    DAMAGED = "damaged", _("Damaged")
    UNSERVICEABLE = "unserviceable", _("Unserviceable")


class Item(VaultedModel):
    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("receiving unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    holder = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("holding unit"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    kind = models.ForeignKey(Kind, verbose_name=_("kind"), on_delete=models.PROTECT)
    model_name = models.CharField(_("model"), max_length=80, blank=True)
    calibre = models.CharField(_("calibre"), max_length=30, blank=True)
    serial = EncryptedTextField(_("serial number"), max_length=200)
    serial_index = BlindIndexField(
        source="serial", normalizer="safepassage.armoury.serials.serial_key"
    )
    markings = EncryptedTextField(_("other markings"), max_length=1000)
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    place = EncryptedTextField(_("place"), max_length=200)
    state = models.CharField(
        max_length=16, choices=CustodyState.choices, default=CustodyState.RECEIVED
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        indexes = [
            models.Index(fields=["holder", "state", "-id"], name="armoury_item_holder_state"),
            models.Index(fields=["case", "id"], name="armoury_item_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(received_by=models.F("witnessed_by")),
                name="armoury_item_witness_not_receiver",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="armoury_item_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(condition__in=Condition.values),
                name="armoury_item_condition_known",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=CustodyState.values), name="armoury_item_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.pk}"


class ItemPhoto(VaultedModel):
    """A photo of an item: encrypted on disk, image metadata stripped."""

    vault_unit_paths = ("item__case__unit",)

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="photos")
    photo = EncryptedFileField(_("photo"))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"photo {self.pk}"


class CustodyMove(VaultedModel):
    """One move of an item. Append-only; the note (to whom, how destroyed,
    who witnessed) is encrypted under the item's case key."""

    vault_unit_paths = ("item__case__unit",)

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="moves")
    from_state = models.CharField(max_length=16, choices=CustodyState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=CustodyState.choices)
    from_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = EncryptedTextField(_("note"), max_length=1000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The unit armoury page's latest moves in and out.
            models.Index(fields=["to_unit", "-at"], name="armoury_move_to_at"),
            models.Index(fields=["from_unit", "-at"], name="armoury_move_from_at"),
        ]

    def __str__(self) -> str:
        return f"move {self.pk}"


class StockCount(models.Model):
    """A physical count of a unit's armoury, item by item."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField()

    class Meta:
        ordering = ["-counted_at", "-id"]

    def __str__(self) -> str:
        return f"count {self.pk}"


class CountLine(models.Model):
    """What was found of one item against the register. A line whose
    `found` differs from `expected` is a discrepancy for headquarters,
    open until resolved (never corrected silently)."""

    count = models.ForeignKey(StockCount, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    expected = models.PositiveIntegerField()
    found = models.PositiveIntegerField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["resolved_at"], name="armoury_countline_open")]
        constraints = [
            models.UniqueConstraint(fields=["count", "item"], name="armoury_countline_once"),
        ]

    def __str__(self) -> str:
        return f"count line {self.pk}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FRAUD = "fraud", _("Confirmed double claim")
    MISTAKE = "mistake", _("Recording mistake")


class DuplicateSerialAlert(models.Model):
    """A serial seen before: the new item and the earlier one. Headquarters
    sees both cases by code only."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    earlier = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default="open")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "earlier"], name="armoury_alert_pair_once"),
            models.CheckConstraint(
                condition=~models.Q(item=models.F("earlier")), name="armoury_alert_two_items"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AlertStatus.values), name="armoury_alert_status"
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}"


class SerialLock(models.Model):
    """One row per blind-index value ever recorded: recording an item locks
    its row, so two units recording the same serial at once are checked
    one after the other (the second sees the first)."""

    index = models.BigIntegerField(unique=True)

    def __str__(self) -> str:
        return f"serial lock {self.pk}"
