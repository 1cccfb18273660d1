"""Complaints to headquarters, and the person's check-in by channel.

A `Grievance` is encrypted under HEADQUARTERS' unit key
(`vault_unit_paths = ("hq_unit",)`): the unit it concerns holds no key
that opens it. `concerns_unit` (the case's unit, when the complaint came
with a matching code and receipt) is a plain column for counts per unit
and gives that unit nothing: every read starts from
`selectors.grievances_visible_to`, which is empty outside headquarters'
complaint roles. A complaint whose code and receipt did not match is kept
all the same (`verified` False), with the code as typed, for
headquarters to read: it may still be real.

A `CheckIn` holds only coded answers (safe, housing, income: fixed
choices, as the follow-up keeps them in clear) and which question is
open; it names the follow-up and the conversation it was sent to.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel
from safepassage.vault.keys import scope_for_unit

from .workflow import CheckInStep, GrievanceState


class GrievanceKind(models.TextChoices):
    ABUSE = "abuse", _("Abuse by the receiving unit")
    REWARD = "reward_unpaid", _("A reward not paid")
    THREAT = "threat", _("A threat")
    OTHER = "other", _("Other")


class GrievanceChannel(models.TextChoices):
    WEB = "web", _("Web form")
    TELEGRAM = "telegram", _("Telegram")
    FACEBOOK = "facebook", _("Messenger")


class Grievance(VaultedModel):
    vault_unit_paths = ("hq_unit",)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    #: Headquarters: the only unit whose key opens the complaint.
    hq_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    #: The unit the complaint concerns, for counts only (no access).
    concerns_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: The conversation (its root) an answer goes back to.
    contact = models.ForeignKey(
        "intake.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("about"), max_length=16, choices=GrievanceKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=GrievanceChannel.choices)
    verified = models.BooleanField(_("code and receipt matched"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=GrievanceState.choices, default=GrievanceState.OPEN
    )
    body = EncryptedTextField(_("complaint"), max_length=4000)
    #: The case code as typed (kept for headquarters when it matched nothing).
    code_given = EncryptedTextField(_("case code given"), max_length=40)
    answer = EncryptedTextField(_("answer to the person"), max_length=2000)
    note = EncryptedTextField(_("headquarters' note"), max_length=2000)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="griev_state_received"),
            models.Index(fields=["received_at", "concerns_unit"], name="griev_received_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=GrievanceState.values), name="griev_state_known"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=GrievanceKind.values), name="griev_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(verified=True) | models.Q(case__isnull=True),
                name="griev_case_only_verified",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | models.Q(answered_by__isnull=False),
                name="griev_answer_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"grievance {self.pk}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.hq_unit_id)


class CheckIn(models.Model):
    """One check-in: the questions sent for one follow-up, and the coded
    answers so far. Answers land on the follow-up when the last one comes."""

    followup = models.OneToOneField(
        "reintegration.FollowUp", on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("intake.Contact", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=10, choices=CheckInStep.choices, default=CheckInStep.SAFE)
    answers = models.JSONField(default=dict, blank=True)
    #: The prompts sent (OutboundMessage ids), taken out of the chat at the end.
    message_ids = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    help_raised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "step"], name="griev_checkin_contact")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(step__in=CheckInStep.values), name="griev_checkin_step_known"
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk}"


class DraftStep(models.TextChoices):
    KIND = "kind", _("What it is about")
    BODY = "body", _("The complaint")
    CODE = "code", _("Case code")
    RECEIPT = "receipt", _("The two numbers")


class ComplaintDraft(VaultedModel):
    """A complaint being written in a bot chat (`bot.py`), kept under
    headquarters' key until the receipt is checked; deleted then, or
    abandoned after `bot.DRAFT_MINUTES`. One per chat."""

    vault_unit_paths = ("hq_unit",)

    hq_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    contact = models.OneToOneField("intake.Contact", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=8, choices=DraftStep.choices, default=DraftStep.KIND)
    kind = models.CharField(max_length=16, choices=GrievanceKind.choices, blank=True)
    body = EncryptedTextField(max_length=4000)
    code_given = EncryptedTextField(max_length=40)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(step__in=DraftStep.values), name="griev_draft_step_known"
            ),
        ]

    def __str__(self) -> str:
        return f"complaint draft {self.pk}"

    def vault_scope(self) -> str:
        return scope_for_unit(self.hq_unit_id)
