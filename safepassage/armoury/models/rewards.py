"""The reward schedule and the claims it prices.

A schedule version is never edited: a change is a new version, in force
from its `effective_from`, which may not lie in the past. The version in
force when an item was received prices it, so a new version never
changes an earlier reward; a claim keeps the amount and version of each
line as computed when it was proposed. Money is in whole minor units.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel

from ..workflow import ClaimStatus
from .catalogue import Kind
from .items import Condition, Item


class ScheduleVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateTimeField(_("in force from"))
    currency = models.CharField(_("currency"), max_length=3, default="MMK")
    person_cap_minor = models.BigIntegerField(_("cap per person"))
    hq_threshold_minor = models.BigIntegerField(_("headquarters approval above"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="armoury_schedule_from_once"),
            models.CheckConstraint(
                condition=models.Q(person_cap_minor__gte=0, hq_threshold_minor__gte=0),
                name="armoury_schedule_amounts_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"schedule v{self.number}"


class RateBasis(models.TextChoices):
    ITEM = "item", _("per item")
    ROUND = "round", _("per round")
    BOX = "box", _("per full box")


class Rate(models.Model):
    version = models.ForeignKey(ScheduleVersion, on_delete=models.PROTECT, related_name="rates")
    kind = models.ForeignKey(Kind, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(max_length=16, choices=Condition.choices)
    basis = models.CharField(max_length=8, choices=RateBasis.choices, default=RateBasis.ITEM)
    amount_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "condition"], name="armoury_rate_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0), name="armoury_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"rate {self.pk}"


class Claim(VaultedModel):
    """A reward claim for a case: computed from its items, never typed.

    `status` is assigned only by the claim services, along
    `workflow.CLAIM_MOVES`; `version` grows with every move so that a
    stale form is refused. The reason of a refusal or cancellation is
    encrypted under the case's key. `payment_ref` and `receipt_ref` are
    the ids the ledger and the receipts return when the claim is paid.
    """

    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PROPOSED
    )
    currency = models.CharField(max_length=3)
    total_minor = models.BigIntegerField()
    computed_minor = models.BigIntegerField()
    needs_hq = models.BooleanField(default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True)
    reason = EncryptedTextField(_("reason"), max_length=1000)
    payment_ref = models.CharField(max_length=40, blank=True)
    receipt_ref = models.CharField(max_length=80, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"], name="armoury_claim_unit_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ClaimStatus.values), name="armoury_claim_status"
            ),
            models.CheckConstraint(
                condition=models.Q(total_minor__gte=0, computed_minor__gte=models.F("total_minor")),
                name="armoury_claim_total_capped",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("proposed_by")),
                name="armoury_claim_four_eyes",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(paid_at__isnull=False),
                name="armoury_claim_paid_when",
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk}"


class ClaimLine(models.Model):
    """One item's reward in a claim, as computed at proposal. `live` is
    true while the claim holds the item (proposed, approved, paid), so an
    item is rewarded by at most one claim."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    schedule = models.ForeignKey(ScheduleVersion, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=8, choices=RateBasis.choices)
    units = models.PositiveIntegerField()
    rate_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    live = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(live=True), name="armoury_line_item_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor=models.F("units") * models.F("rate_minor")),
                name="armoury_line_amount_computed",
            ),
        ]

    def __str__(self) -> str:
        return f"claim line {self.pk}"
