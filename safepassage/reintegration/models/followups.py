"""Follow-ups at 1, 3, 6 and 12 months (a setting) after a plan starts.

The coded outcome indicators (safe, housing, work, documents, health) stay
in clear for outcome reports: a code identifies no one by itself. The
WHO-5 answers and the needs, which are about a person's health and life,
are encrypted; only the "look closer" flag (score 50 or less) is clear,
for the caseworker's queue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedJSONField, EncryptedTextField, VaultedModel

from ..workflow import FollowUpState


class Housing(models.TextChoices):
    STABLE = "stable", _("Stable housing")
    TEMPORARY = "temporary", _("Temporary or shelter")
    NONE = "none", _("No housing")


class Income(models.TextChoices):
    WORKING = "working", _("Working or earning")
    TRAINING = "training", _("In training or study")
    NONE = "none", _("No income")


class Documents(models.TextChoices):
    HELD = "held", _("Holds the documents needed")
    IN_PROGRESS = "in_progress", _("Documents in progress")
    NONE = "none", _("No documents")


class Health(models.TextChoices):
    GOOD = "good", _("Good")
    NEEDS_CARE = "needs_care", _("Needs care")
    IN_CARE = "in_care", _("In care")


class FollowUpSource(models.TextChoices):
    STAFF = "staff", _("Recorded by the caseworker")
    CHECKIN = "checkin", _("Answered by the person through their channel")


class FollowUp(VaultedModel):
    vault_unit_paths = ("plan__case__unit",)

    plan = models.ForeignKey(
        "reintegration.Plan", on_delete=models.CASCADE, related_name="followups"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    months = models.PositiveSmallIntegerField(_("months after the start"))
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=FollowUpState.choices, default=FollowUpState.SCHEDULED
    )
    attempts_failed = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    source = models.CharField(max_length=10, choices=FollowUpSource.choices, blank=True)
    safe = models.BooleanField(_("safe"), null=True, blank=True)
    housing = models.CharField(_("housing"), max_length=12, choices=Housing.choices, blank=True)
    income = models.CharField(
        _("income or work"), max_length=12, choices=Income.choices, blank=True
    )
    documents = models.CharField(
        _("documents"), max_length=12, choices=Documents.choices, blank=True
    )
    health = models.CharField(_("health"), max_length=12, choices=Health.choices, blank=True)
    who5 = EncryptedJSONField(_("WHO-5 answers"))
    wellbeing_low = models.BooleanField(_("wellbeing: look closer"), null=True, blank=True)
    needs = EncryptedTextField(_("needs"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["owner", "state", "due_on"], name="reint_fu_owner_due"),
            models.Index(fields=["unit", "state", "due_on"], name="reint_fu_unit_due"),
            models.Index(fields=["state", "due_on"], name="reint_fu_state_due"),
            models.Index(fields=["plan", "due_on"], name="reint_fu_plan"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=FollowUpState.values), name="reint_fu_state_known"
            ),
            models.UniqueConstraint(fields=["plan", "months"], name="reint_fu_one_per_month"),
            models.CheckConstraint(
                condition=~models.Q(state="done") | models.Q(held_on__isnull=False),
                name="reint_fu_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk}"
