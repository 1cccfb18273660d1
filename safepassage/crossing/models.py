"""The crossing: the plan for the day a person leaves, its recognition
words, the person's answers, and the alerts that reach staff.

A plan shares its case's data key (shredding the case destroys its plans
and their revisions). Encrypted: every place, what to bring, the items the
person declared, the words. In clear, because the server acts on them
without a person to read them: the time window (overdue detection), the
state, the person's last answer (a fixed choice) and who goes.

Invariants (`Meta.constraints`): at most one active plan per case; a
window ends after it starts; an alert is acknowledged by someone exactly
when it has an acknowledgement time; one open alert of a kind per plan.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safepassage.vault.fields import EncryptedJSONField, EncryptedTextField, VaultedModel
from safepassage.vault.keys import scope_for_unit


class PlanState(models.TextChoices):
    ACTIVE = "active", _("Active")
    ARRIVED = "arrived", _("Arrived")
    #: The person did not come: kept for review until decided.
    NOT_ARRIVED = "not_arrived", _("Did not arrive")
    #: Reviewed after a missed crossing: a new plan follows.
    REPLANNED = "replanned", _("Replaced by a new plan")
    #: Reviewed after a missed crossing: the protection officer decided
    #: contact is lost.
    LOST = "lost", _("Contact lost")


class PersonAnswer(models.TextChoices):
    NONE = "", _("No answer yet")
    ON_MY_WAY = "on_my_way", pgettext_lazy("crossing answer", "On my way")
    DELAYED = "delayed", pgettext_lazy("crossing answer", "Delayed")
    CANNOT_COME = "cannot_come", pgettext_lazy("crossing answer", "Cannot come")
    ABORT = "abort", pgettext_lazy("crossing answer", "In danger / abort")


class CrossingPlan(VaultedModel):
    vault_unit_paths = ("case__unit",)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="crossing_plans")
    state = models.CharField(
        _("state"), max_length=12, choices=PlanState.choices, default=PlanState.ACTIVE
    )
    version = models.PositiveIntegerField(default=1)
    meeting_point = EncryptedTextField(_("meeting point"), max_length=1000)
    place_shared = EncryptedTextField(_("place as told to the person"), max_length=300)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    fallback_point = EncryptedTextField(_("fallback point"), max_length=1000, blank=True)
    fallback_at = models.DateTimeField(_("fallback time"), null=True, blank=True)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    bring = EncryptedTextField(_("what to bring"), max_length=500, blank=True)
    leave_behind = EncryptedTextField(_("what to leave behind"), max_length=500, blank=True)
    items_declared = EncryptedTextField(
        _("items the person said they would bring"), max_length=2000, blank=True
    )
    #: {"my": [first, second], "latin": [first, second]}; drawn once.
    words = EncryptedJSONField()
    #: Keyed hash of the second word (either script), to check what the
    #: person answered at the meeting without showing it.
    answer_check = models.CharField(max_length=64, blank=True)
    words_drawn_at = models.DateTimeField(null=True, blank=True)
    #: The person's last answer (a fixed choice) and when.
    person_answer = models.CharField(
        max_length=12, choices=PersonAnswer.choices, blank=True, default=""
    )
    person_answer_at = models.DateTimeField(null=True, blank=True)
    #: The plan's messages in the person's chat (OutboundMessage ids).
    person_messages = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    checkin_sent_at = models.DateTimeField(null=True, blank=True)
    #: How the words went at the meeting, or why they were not exchanged.
    arrival_note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    words_exchanged = models.BooleanField(null=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("crossing plan")
        verbose_name_plural = _("crossing plans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "window_end"], name="crossing_plan_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state="active"),
                name="crossing_plan_one_active_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="crossing_plan_window_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=PlanState.values),
                name="crossing_plan_state_known",
            ),
            models.CheckConstraint(
                condition=models.Q(person_answer__in=PersonAnswer.values),
                name="crossing_plan_answer_known",
            ),
        ]

    def __str__(self) -> str:
        return f"crossing plan {self.pk} ({self.state})"


class PlanRevision(VaultedModel):
    """One version of a plan as it was saved: the snapshot is encrypted
    under the case's key; who changed it and when stay in clear."""

    vault_unit_paths = ("plan__case__unit",)

    plan = models.ForeignKey(CrossingPlan, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    snapshot = EncryptedJSONField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="crossing_revision_once"),
        ]

    def __str__(self) -> str:
        return f"plan {self.plan_id} v{self.version}"


class AlertKind(models.TextChoices):
    ABORT = "abort", _("The person pressed “in danger / abort”")
    DURESS = "duress", _("The person wrote a duress word")
    OVERDUE = "overdue", _("Overdue: nobody arrived in the window")


class NotifyState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the staff channel")
    #: No staff channel configured: the alert is in the product only.
    NONE = "none", _("No staff channel")
    FAILED = "failed", _("The staff channel could not be reached")


class CrossingAlert(models.Model):
    """An alarm about a plan, for the unit's handlers and headquarters'
    protection officers. Holds nothing personal: a kind and times."""

    plan = models.ForeignKey(CrossingPlan, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    raised_at = models.DateTimeField()
    notify_state = models.CharField(
        max_length=8, choices=NotifyState.choices, default=NotifyState.PENDING
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("crossing alert")
        verbose_name_plural = _("crossing alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["acknowledged_at", "raised_at"], name="crossing_alert_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AlertKind.values), name="crossing_alert_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledged_by__isnull=True, acknowledged_at__isnull=True)
                | models.Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False),
                name="crossing_alert_acknowledged_by_someone",
            ),
            models.UniqueConstraint(
                fields=["plan", "kind"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="crossing_alert_one_open_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.pk}"


class StaffChannel(VaultedModel):
    """Where a unit's alerts are also sent: a Telegram chat of the unit's
    staff (a group), through a bot. The bot token and the chat id are
    encrypted under the unit's key. `last_error` is a short code."""

    vault_unit_paths = ("unit",)

    unit = models.OneToOneField(
        "accounts.Unit", on_delete=models.PROTECT, related_name="staff_channel"
    )
    token = EncryptedTextField(_("bot token"), max_length=200)
    chat_id = EncryptedTextField(_("chat id"), max_length=40)
    api_url = models.URLField(_("API address"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=40, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff notification channel")
        verbose_name_plural = _("staff notification channels")

    def __str__(self) -> str:
        return f"staff channel of unit {self.unit_id}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)
