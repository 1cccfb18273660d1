"""People, their service records and their cases.

Every record under a case shares the case's data key (`data_key`, set
by the services from `case.data_key`), so shredding that one key destroys
the whole case. What stays in clear is what aggregate reports and
routing need and what identifies no one by itself: status, category,
stage at defection, dates of creation, owning unit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedFileField,
    EncryptedJSONField,
    EncryptedTextField,
    VaultedModel,
)
from safepassage.vault.keys import scope_for_unit

from .workflow import DetailsRequestStatus, Status


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Category(models.TextChoices):
    CONSCRIPT = "conscript", _("Conscript")
    SOLDIER = "soldier", _("Soldier")
    POLICE = "police", _("Police officer")
    OTHER = "other", _("Other")


class Stage(models.TextChoices):
    IN_TRAINING = "in_training", _("In training")
    DEPLOYED = "deployed", _("Deployed")
    OTHER = "other", _("Other")


class Case(VaultedModel):
    """A person's journey from first contact to a closed case.

    `status` is assigned only by `services.case_transition`; `version`
    grows with every change, so a form posted against an older version is
    refused as stale. `data_key` is the case's own key, under its unit.
    """

    vault_unit_paths = ("unit",)

    code = models.CharField(_("case code"), max_length=12, unique=True, editable=False)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONTACTED
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    summary = EncryptedTextField(_("summary"), max_length=4000)
    assigned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CaseAssignment", related_name="assigned_cases"
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the person first wrote after the case's unit last read the
    # conversation (None: nothing unread). Set and cleared only by
    # services.case_message_received / case_conversation_read.
    conversation_unread_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # Keyset pagination of a unit's list, with and without a status filter.
            models.Index(fields=["unit", "-id"], name="cases_case_unit_id"),
            models.Index(fields=["unit", "status", "-id"], name="cases_case_unit_status_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="cases_case_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values),
                name="cases_case_priority_known",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id)


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="cases_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class Person(VaultedModel):
    """The person a case is about. Every field but the case link is encrypted.

    `birth` is a dict: {"precision": "day" | "year" | "approximate",
    "date": "YYYY-MM-DD" (day), "year": int (year, approximate)}.
    """

    vault_unit_paths = ("case__unit",)

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="person")
    name_my = EncryptedTextField(_("name in Burmese"), max_length=200)
    name_latin = EncryptedTextField(_("name in Latin letters"), max_length=200)
    honorific = EncryptedTextField(_("honorific"), max_length=40)
    aliases = EncryptedJSONField(_("aliases and noms de guerre"))
    sex = EncryptedTextField(_("sex"), max_length=20)
    birth = EncryptedJSONField(_("date of birth"))
    father_name = EncryptedTextField(_("father's name"), max_length=200)
    nrc = EncryptedTextField(_("NRC number"), max_length=40)
    nrc_index = BlindIndexField(source="nrc", normalizer="safepassage.cases.normalizers.nrc_key")
    home_township = EncryptedTextField(_("home township"), max_length=20)
    photo = EncryptedFileField(_("photo"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # The screening index reads the people changed since its last use.
        indexes = [models.Index(fields=["updated_at"], name="cases_person_updated")]

    def __str__(self) -> str:
        return f"person of case {self.case_id}"


class PersonPhone(VaultedModel):
    vault_unit_paths = ("person__case__unit",)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = EncryptedTextField(_("phone number"), max_length=20)
    number_index = BlindIndexField(
        source="number", normalizer="safepassage.cases.normalizers.phone_key"
    )

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        return f"phone {self.pk}"


class FamilyMember(VaultedModel):
    vault_unit_paths = ("person__case__unit",)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family")
    relation = EncryptedTextField(_("relation"), max_length=60)
    name = EncryptedTextField(_("name"), max_length=200)
    township = EncryptedTextField(_("township"), max_length=20)
    risk_notes = EncryptedTextField(_("risk notes"), max_length=4000)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return f"family member {self.pk}"


class ServiceRecord(VaultedModel):
    """What the person left. Category, stage and weapons issued stay in clear
    for aggregate reports; everything that could identify them is encrypted.
    """

    vault_unit_paths = ("case__unit",)

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="service")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    stage = models.CharField(
        _("stage at defection"), max_length=20, choices=Stage.choices, blank=True
    )
    weapons_issued = models.BooleanField(_("weapons issued"), null=True)
    rank = EncryptedTextField(_("rank"), max_length=60)
    unit_left_text = EncryptedTextField(_("unit left"), max_length=200)
    unit_left = EncryptedJSONField(_("unit left (structured)"))
    service_number = EncryptedTextField(_("service number"), max_length=40)
    service_number_index = BlindIndexField(source="service_number")
    conscription_batch = EncryptedTextField(_("conscription batch"), max_length=60)
    conscription_date = EncryptedDateField(_("conscription date"))

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=[*Category.values, ""]),
                name="cases_service_category_known",
            ),
        ]

    def __str__(self) -> str:
        return f"service record of case {self.case_id}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("Transfer declined")
    SCREENING_CLEARED = "screening_cleared", _("Screening: cleared")
    SCREENING_FLAGGED = "screening_flagged", _("Screening: flagged")
    SCREENING_REJECTED = "screening_rejected", _("Screening: rejected")
    DUPLICATE_CONFIRMED = "duplicate_confirmed", _("Registered twice: confirmed")
    DUPLICATE_REJECTED = "duplicate_rejected", _("Not a double registration")
    DETAILS_REQUESTED = "details_requested", _("Details asked of another unit")
    DETAILS_ANSWERED = "details_answered", _("Details request answered")


class CaseEvent(VaultedModel):
    """The case's timeline. The body (a note, a reason) is encrypted."""

    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    to_status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    body = EncryptedTextField(_("note"), max_length=8000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="cases_event_case_time")]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class Task(VaultedModel):
    vault_unit_paths = ("case__unit",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(_("task"), max_length=300)
    due_on = models.DateField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["case", "done_at", "due_on"], name="cases_task_open")]

    def __str__(self) -> str:
        return f"task {self.pk}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class CaseTransfer(models.Model):
    """A request to hand a case to another unit, which accepts or declines it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="cases_transfer_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_unit=models.F("to_unit")),
                name="cases_transfer_to_another_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk}"


class ScreeningOutcome(models.TextChoices):
    CLEARED = "cleared", _("Cleared")
    FLAGGED = "flagged", _("Flagged")
    REJECTED = "rejected", _("Rejected")


SCREENING_EVENT_KIND = {
    ScreeningOutcome.CLEARED: EventKind.SCREENING_CLEARED,
    ScreeningOutcome.FLAGGED: EventKind.SCREENING_FLAGGED,
    ScreeningOutcome.REJECTED: EventKind.SCREENING_REJECTED,
}


class ScreeningDecision(models.Model):
    """A screening officer's decision on a case's person.

    The reasons are the body of the timeline event (encrypted there, once).
    `person_updated_at` is the person record the decision was made on: a
    later change to the person makes the decision stale, and the panel
    asks for the person to be screened again.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screening_decisions")
    event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=ScreeningOutcome.choices)
    person_updated_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=ScreeningOutcome.values),
                name="cases_screening_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} on case {self.case_id}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Same person")
    REJECTED = "rejected", _("Different people")


class DuplicateProposal(models.Model):
    """Cases that `manage.py dedupe_cases` takes for one person registered more
    than once, for a screening officer to confirm or reject.

    `fingerprint` (a hash of the sorted case ids) keeps a group from being
    proposed twice, whatever was decided the first time. Nothing is merged
    automatically: a confirmed group is linked on each case's timeline, and
    what to keep is the units' decision.
    """

    cases = models.ManyToManyField(Case, related_name="duplicate_proposals")
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    score = models.FloatField()
    status = models.CharField(
        max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DuplicateStatus.values),
                name="cases_duplicate_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="cases_duplicate_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"duplicate proposal {self.pk} ({self.status})"


#: Longest reason and reply note of a details request, in characters.
DETAILS_REASON_MAX = 1000
DETAILS_NOTE_MAX = 2000


class DetailsAnswer(models.TextChoices):
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different people")
    DECLINED = "declined", _("Declined to say")


class DetailsRequest(models.Model):
    """A screening officer asks the unit owning a matched case whether its
    person and the screened one are the same person.

    The requester's reason is the body of a timeline event on the screened
    case (`request_event`, encrypted under that case's key); the answering
    officer's note is the body of one on the matched case (`reply_event`,
    under its key). Shredding either case therefore destroys the text its
    unit wrote; this row holds nothing personal. `from_unit` and `to_unit`
    are the cases' units when the request was sent. `status` is assigned
    only by the services, along `workflow.DETAILS_REQUEST_MOVES`.
    """

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    about_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    from_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    request_event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=DetailsRequestStatus.choices, default=DetailsRequestStatus.OPEN
    )
    answer = models.CharField(max_length=10, choices=DetailsAnswer.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reply_event = models.OneToOneField(
        CaseEvent, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_unit", "status"], name="cases_detailsreq_to_status"),
            models.Index(fields=["requested_by", "created_at"], name="cases_detailsreq_by_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DetailsRequestStatus.values),
                name="cases_detailsreq_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_case=models.F("about_case")),
                name="cases_detailsreq_two_cases",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_unit=models.F("to_unit")),
                name="cases_detailsreq_to_another_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="cases_detailsreq_expires_later",
            ),
            # An answer exactly when answered (same or different) or declined.
            models.CheckConstraint(
                condition=(
                    models.Q(status="answered", answer__in=["same", "different"])
                    | models.Q(status="declined", answer="declined")
                    | (models.Q(answer="") & ~models.Q(status__in=["answered", "declined"]))
                ),
                name="cases_detailsreq_answer_matches_status",
            ),
            # Answered or declined by someone; closed exactly when not open.
            models.CheckConstraint(
                condition=(
                    models.Q(answered_by__isnull=False)
                    | ~models.Q(status__in=["answered", "declined"])
                ),
                name="cases_detailsreq_answered_by_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_at__isnull=False)),
                name="cases_detailsreq_closed_when_final",
            ),
            models.UniqueConstraint(
                fields=["from_case", "about_case"],
                condition=models.Q(status="open"),
                name="cases_detailsreq_one_open_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"details request {self.pk} ({self.status})"
