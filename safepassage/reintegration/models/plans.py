"""A case's pathway and its reintegration plan.

Every row here belongs to a case and takes the case's data key, so
shredding the case destroys them. Free text about the person (reasons,
what was agreed, the life project, goal and step titles, closing reasons)
is encrypted; what stays in clear identifies no one by itself: states,
dates, dimension, owner, unit.

`Plan.unit` and `Step.owner` copy the case's unit and the plan's owner so
that the home pages' queries read one index each (see docs/reintegration.md
and bench/reintegration). A plan exists only for a case in
"Reintegrating", which the workflow never transfers, so the copy of the
unit cannot drift; the owner is copied by the services that set it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel

from ..workflow import PathwayKind, PlanState, StepKind, StepState


class Pathway(VaultedModel):
    """What the person chose after screening cleared them, with consent.

    `transfer` is the cases app's transfer request that hands the case to
    the allied force's unit (ALLIED_FORCE only).
    """

    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("pathway"), max_length=20, choices=PathwayKind.choices)
    to_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer = models.ForeignKey(
        "cases.CaseTransfer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_given = models.BooleanField(_("the person consented"))
    consented_on = models.DateField(_("consent given on"))
    agreed = EncryptedTextField(_("what the person agreed to"), max_length=4000)
    reasons = EncryptedTextField(_("reasons"), max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="reint_pathway_case")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=PathwayKind.values), name="reint_pathway_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(consent_given=True), name="reint_pathway_consented"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="allied_force", to_unit__isnull=False)
                | (~models.Q(kind="allied_force") & models.Q(to_unit__isnull=True)),
                name="reint_pathway_force_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"pathway {self.kind} of case {self.case_id}"


class Plan(VaultedModel):
    """A reintegration plan agreed with the person; owned by a caseworker.

    `last_progress_at` moves with every recorded step, referral or
    follow-up; an active plan whose last progress is older than the
    stalled threshold is "stalled". `lost_marked_at` is set when the
    follow-ups failed too often (the supervisor sees it); closing or a
    successful follow-up clears it.
    """

    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        "reintegration.PlanTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=12, choices=PlanState.choices, default=PlanState.ACTIVE
    )
    starts_on = models.DateField(_("starts on"))
    consent_given = models.BooleanField(_("the person consented"))
    consented_on = models.DateField(_("consent given on"))
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed = EncryptedTextField(_("what was agreed"), max_length=4000)
    life_project = EncryptedTextField(_("the person's own aims"), max_length=4000)
    contact_text = EncryptedTextField(_("how to reach the caseworker"), max_length=400)
    stipend_min_attendance = models.PositiveSmallIntegerField(
        _("stipend: minimum attendance (%)"), null=True, blank=True
    )
    closed_on = models.DateField(null=True, blank=True)
    close_reasons = EncryptedTextField(_("reasons for closing"), max_length=4000)
    lost_marked_at = models.DateTimeField(null=True, blank=True)
    last_progress_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "state", "-id"], name="reint_plan_owner"),
            # The supervisor's "stalled": a unit's active plans by last progress.
            models.Index(fields=["unit", "state", "last_progress_at"], name="reint_plan_stalled"),
            models.Index(fields=["unit", "lost_marked_at"], name="reint_plan_lost"),
            models.Index(fields=["case", "state"], name="reint_plan_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=PlanState.values), name="reint_plan_state_known"
            ),
            models.CheckConstraint(
                condition=models.Q(consent_given=True), name="reint_plan_consented"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state="active"),
                name="reint_plan_one_active_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(state="active", closed_on__isnull=True)
                | (~models.Q(state="active") & models.Q(closed_on__isnull=False)),
                name="reint_plan_closed_when_final",
            ),
            models.CheckConstraint(
                condition=models.Q(stipend_min_attendance__lte=100),
                name="reint_plan_stipend_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"plan {self.pk}"


class Goal(VaultedModel):
    """A goal of the plan in one dimension. Titles copied from the template
    are edited with the person, so they are encrypted like any free text."""

    vault_unit_paths = ("plan__case__unit",)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    dimension = models.ForeignKey(
        "reintegration.Dimension", on_delete=models.PROTECT, related_name="+"
    )
    title_en = EncryptedTextField(_("goal in English"), max_length=300)
    title_my = EncryptedTextField(_("goal in Burmese"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["plan", "order"], name="reint_goal_plan")]

    def __str__(self) -> str:
        return f"goal {self.pk}"


class Step(VaultedModel):
    """An activity (attendance counts for the stipend) or a milestone of a
    goal, with its due date and state. Never due before its plan starts.
    """

    vault_unit_paths = ("plan__case__unit",)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="steps")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    title_en = EncryptedTextField(_("step in English"), max_length=300)
    title_my = EncryptedTextField(_("step in Burmese"), max_length=300)
    due_on = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=StepState.choices, default=StepState.PLANNED
    )
    done_on = models.DateField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "order", "pk"]
        indexes = [
            # The caseworker's "due this week" and "overdue".
            models.Index(fields=["owner", "state", "due_on"], name="reint_step_owner_due"),
            # A plan's page, and a month's attendance.
            models.Index(fields=["plan", "kind", "due_on"], name="reint_step_plan_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=StepKind.values), name="reint_step_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=StepState.values), name="reint_step_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"step {self.pk}"
