"""Reporting tables: count cubes in clear, contributions encrypted.

`ReportCell` holds, per cube, period, receiving unit and key, how many
people count there, or for an amount cube (`amounts.py`) how many items,
rounds or minor units of money, with contributor cubes beside it. A
cube is small on purpose: each report's own two dimensions (`key`, e.g.
"region=MMR013|category=conscript"), so the clear table never combines
township, age, sex and army unit for one person. No case id, code or
date finer than a week is stored in clear.

`ReportContribution` remembers, per case, the cells it counts in, in an
encrypted JSON field (one data key for all contributions, in the system
scope: shredding a case must not stop the refresh from subtracting what
it counted). A refresh subtracts the old contribution and adds the new
one, so it never rescans every case. `dirty` is set by the receivers in
`receivers.py` when an underlying record changes; `version` rises with
each mark, so that a refresh clears only the mark it has read.

`ReportState` is a single row: when the figures were last brought up to
date, and the contributions' data key.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedJSONField, VaultedModel


class PeriodKind(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class ReportCell(models.Model):
    cube = models.CharField(max_length=24)
    period_kind = models.CharField(max_length=5, choices=PeriodKind.choices)
    period_start = models.DateField()
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=120)
    # People or items, or minor units of money in the `paid` cube (a
    # month's payments may pass 2^31 kyat): 64 bits.
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cube", "period_kind", "period_start", "unit", "key"],
                name="reports_cell_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(count__gte=0), name="reports_cell_count_gte_0"
            ),
        ]
        indexes = [
            models.Index(
                fields=["cube", "period_kind", "period_start"], name="reports_cell_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cube} {self.period_kind} {self.period_start} unit {self.unit_id}"


class ReportContribution(VaultedModel):
    case_id = models.BigIntegerField(unique=True)
    cells = EncryptedJSONField(_("cells counted"))
    dirty = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["case_id"], condition=models.Q(dirty=True), name="reports_contrib_dirty"
            )
        ]


class ReportState(models.Model):
    """A single row (pk 1)."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    contribution_key = models.ForeignKey(
        "vault.DataKey", null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"reports as of {self.refreshed_at}"
