"""Reporting tables: count cubes in clear, contributions encrypted.

`ReportCell` holds, per cube, period, receiving unit and key, how many
people (or items) count there. A cube is small on purpose: each report's
own two dimensions (`key`, e.g. "region=MMR013|category=conscript"), so
the clear table never combines township, age, sex and army unit for one
person. No case id, code or date finer than a week is stored in clear.

`ReportContribution` remembers, per case, the cells it counts in, in an
encrypted JSON field (one data key for all contributions, in the system
scope: shredding a case must not stop the refresh from subtracting what
it counted). A refresh subtracts the old contribution and adds the new
one, so it never rescans every case. `dirty` is set by the receivers in
`receivers.py` when an underlying record changes; `version` rises with
each mark, so that a refresh clears only the mark it has read.

`ReportState` is a single row: when the figures were last brought up to
date, when they were last published and which periods that release
closed, and the contributions' data key.

`ReportPiece` is the stored publication (publication.py): one protected
table per report, audience (headquarters, or one unit) and closed
period, holding only published values (suppressed ones are null). It is
written once, when its period closes, and never changed: the page reads
it and runs no suppression. Published aggregates are public by design;
the table holds no count that a page would hide.
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
    count = models.IntegerField(default=0)

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
    # The last release: when, and the day before which every period it
    # published had ended (periods ending by then are frozen).
    published_at = models.DateTimeField(null=True, blank=True)
    closed_through = models.DateField(null=True, blank=True)
    contribution_key = models.ForeignKey(
        "vault.DataKey", null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"reports as of {self.refreshed_at}"


class Audience(models.TextChoices):
    HEADQUARTERS = "hq", _("Headquarters")
    UNIT = "unit", _("Unit")


class ReportPiece(models.Model):
    """One published table: a report's figures for one closed period.

    `table` is {"rows": [unit ids], "cols": [[code, ...], ...], "cells":
    [[count or null]], "row_totals", "col_totals", "total"}: rows are the
    receiving units (headquarters' piece holds every unit with figures,
    a unit's piece that unit only), columns the report's row values (or
    row and column values for a cross-tabulation). Codes, not labels:
    labels are put on in the reader's language when the page is drawn.
    """

    report = models.CharField(max_length=32)
    audience = models.CharField(max_length=4, choices=Audience.choices)
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(max_length=7)  # week, month or quarter
    period_start = models.DateField()
    k = models.PositiveSmallIntegerField()
    table = models.JSONField()
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "period_kind", "period_start"],
                condition=models.Q(audience="hq"),
                name="reports_piece_unique_hq",
            ),
            models.UniqueConstraint(
                fields=["report", "unit", "period_kind", "period_start"],
                condition=models.Q(audience="unit"),
                name="reports_piece_unique_unit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["report", "audience", "period_kind", "period_start"],
                name="reports_piece_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.audience} {self.period_kind} {self.period_start}"
