"""Protection: risk assessments, protective measures, safe houses, placements.

What stays in clear is what the queues and the capacity check need and
what says nothing about a person or a place by itself: levels, states,
kinds, dates, counts and links between rows. Everything a person wrote
about a person or a place (factors, measures taken, notes, a house's
label and location) is encrypted with the vault.

Keys: an assessment, its threats and a measure take the case's data key
(shredding the case destroys them); a safe house has its own data key
under its unit's key, so that reading its location needs that unit's key
and nothing under a case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel
from safepassage.vault.keys import scope_for_unit

from .workflow import MeasureState


class RiskLevel(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class ThreatKind(models.Model):
    """A kind of threat an assessment asks about. Data, kept by headquarters'
    administrators (admin); a retired kind (`active` false) is no longer
    asked about but stays on the assessments that named it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label in English"), max_length=120)
    label_my = models.CharField(_("label in Burmese"), max_length=200, blank=True)
    help_text = models.CharField(_("guidance"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("asked about"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("threat kind")
        verbose_name_plural = _("threat kinds")

    def __str__(self) -> str:
        return self.label


class RiskAssessment(VaultedModel):
    """One assessment of the case's person (`family_member` null) or of one
    family member. Versioned: a new assessment of the same subject
    supersedes the current one (`current` false, `superseded_at` set), and
    the history is kept. At most one current assessment per subject
    (constraints). `review_task_id` is the cases task raised when the
    review fell overdue (at most one per assessment)."""

    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="risk_assessments"
    )
    family_member = models.ForeignKey(
        "cases.FamilyMember",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_assessments",
    )
    version = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    level = models.PositiveSmallIntegerField(_("overall level"), choices=RiskLevel.choices)
    summary = EncryptedTextField(_("summary"), max_length=4000)
    review_on = models.DateField(_("review by"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    review_task_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        indexes = [
            # The overdue-review queue: current assessments by review date.
            models.Index(
                fields=["review_on"],
                condition=models.Q(current=True),
                name="protection_review_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(current=True, family_member__isnull=True),
                name="protection_one_current_person_assessment",
            ),
            models.UniqueConstraint(
                fields=["family_member"],
                condition=models.Q(current=True, family_member__isnull=False),
                name="protection_one_current_member_assessment",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=RiskLevel.values),
                name="protection_assessment_level_known",
            ),
            models.CheckConstraint(
                condition=models.Q(current=True, superseded_at__isnull=True)
                | models.Q(current=False, superseded_at__isnull=False),
                name="protection_assessment_superseded_when_not_current",
            ),
        ]

    def __str__(self) -> str:
        return f"risk assessment {self.pk} of case {self.case_id}"


class AssessedThreat(VaultedModel):
    """One threat of an assessment: its level (clear, for queues) and the
    factors and measures taken (encrypted, under the case's key)."""

    vault_unit_paths = ("assessment__case__unit",)

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="threats")
    kind = models.ForeignKey(ThreatKind, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), choices=RiskLevel.choices)
    factors = EncryptedTextField(_("factors"), max_length=4000)
    measures_taken = EncryptedTextField(_("measures taken"), max_length=4000)

    class Meta:
        ordering = ["kind__order", "kind_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind"], name="protection_threat_once_per_assessment"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=RiskLevel.values),
                name="protection_threat_level_known",
            ),
        ]

    def __str__(self) -> str:
        return f"threat {self.kind_id} of assessment {self.assessment_id}"


class MeasureKind(models.TextChoices):
    RELOCATION = "relocation", _("Relocation")
    SAFE_HOUSE = "safe_house", _("Safe-house placement")
    NEW_PHONE = "new_phone", _("New phone or SIM")
    MOVE_FAMILY = "move_family", _("Moving the family")


class ProtectiveMeasure(VaultedModel):
    """A measure taken for a case (or one family member): kind, owner,
    state along `workflow.MEASURE_MOVES`, and an encrypted note."""

    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="measures")
    family_member = models.ForeignKey(
        "cases.FamilyMember",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measures",
    )
    kind = models.CharField(_("measure"), max_length=20, choices=MeasureKind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=MeasureState.choices, default=MeasureState.PLANNED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="protective_measures",
    )
    note = EncryptedTextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=MeasureKind.values),
                name="protection_measure_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=MeasureState.values),
                name="protection_measure_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"measure {self.pk} ({self.kind}, {self.state})"


class SafeHouse(VaultedModel):
    """A safe house kept by a unit. Its label and location are encrypted
    under the house's own data key, which is under the unit's key; only the
    unit's and headquarters' protection officers are shown them
    (`selectors.houses_visible_to`). Occupancy is not stored: it is the
    count of open placements, read under a row lock on the house when a
    placement is made (`services.placement_create`)."""

    vault_unit_paths = ("unit",)

    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    label = EncryptedTextField(_("label"), max_length=120)
    location = EncryptedTextField(_("location"), max_length=1000)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "id"]
        verbose_name = _("safe house")
        verbose_name_plural = _("safe houses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=500),
                name="protection_house_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"safe house {self.pk}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)


class Placement(models.Model):
    """A case's stay in a safe house: open while `checked_out_at` is null.
    A case has at most one open placement; the house and the case are of
    the same unit (checked by the service, under a lock on the house).
    Holds no text: the link between a case and a house is shown only to
    those who may see both."""

    house = models.ForeignKey(SafeHouse, on_delete=models.PROTECT, related_name="placements")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="placements")
    measure = models.OneToOneField(
        ProtectiveMeasure, on_delete=models.SET_NULL, null=True, related_name="placement"
    )
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-checked_in_at", "-id"]
        indexes = [
            models.Index(
                fields=["house"],
                condition=models.Q(checked_out_at__isnull=True),
                name="protection_placement_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(checked_out_at__isnull=True),
                name="protection_one_open_placement_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(checked_out_at__isnull=True)
                | models.Q(checked_out_at__gte=models.F("checked_in_at")),
                name="protection_checkout_after_checkin",
            ),
        ]

    def __str__(self) -> str:
        return f"placement {self.pk}"
