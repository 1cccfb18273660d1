"""The audit chain: append-only events and the sealed chain head.

Invariants:
- `AuditEvent.sequence` runs 1, 2, 3, ... without gaps, in commit order;
  it is assigned only by `services.audit_record` while holding the row
  lock on the single `AuditChainState` row.
- An event is never updated or deleted: the model, its queryset and
  database triggers (migration 0002) all refuse.
- No foreign keys: audit rows outlive users, units and cases, and must
  never be cascaded or blocked by them. Ids are stored as plain values.
- Nothing personal: `details` holds only ids, flags and identifier-like
  strings (see `services.validate_details`); no IP address, no user
  agent.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditImmutable(Exception):
    """Raised on any attempt to change or remove an audit event."""


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    SYSTEM = "system", _("System")
    CHANNEL = "channel", _("Channel")
    ANONYMOUS = "anonymous", _("Anonymous")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("Audit events cannot be updated.")

    def delete(self) -> NoReturn:
        raise AuditImmutable("Audit events cannot be deleted.")

    # Bulk paths that would write outside the chain's lock and MAC.
    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("Audit events cannot be updated.")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("Audit events are appended only by audit_record.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("Audit events cannot be updated.")


class AuditEvent(models.Model):
    """One link of the chain. `mac` = HMAC-SHA256(K_{sequence-1}, canonical form).

    The canonical form (see `chain.canonical_bytes`) covers every column
    but `mac` itself, plus the previous event's MAC.
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), primary_key=True)
    created_at = models.DateTimeField(_("time"))
    actor_kind = models.CharField(_("actor kind"), max_length=16, choices=ActorKind.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=80)
    target_type = models.CharField(_("target type"), max_length=100, blank=True, default="")
    target_id = models.CharField(_("target id"), max_length=64, blank=True, default="")
    unit_id = models.BigIntegerField(_("unit id"), null=True, blank=True)
    route = models.CharField(_("route"), max_length=100, blank=True, default="")
    details = models.JSONField(_("details"), default=dict)
    mac = models.CharField(_("MAC"), max_length=64)

    objects: ClassVar[models.Manager[AuditEvent]] = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["sequence"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_event_target"),
            models.Index(fields=["actor_kind", "actor_id"], name="audit_event_actor"),
            models.Index(fields=["unit_id", "created_at"], name="audit_event_unit"),
            models.Index(fields=["action", "created_at"], name="audit_event_action"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="audit_event_seq_pos"),
            models.CheckConstraint(
                condition=models.Q(actor_kind__in=ActorKind.values),
                name="audit_event_actor_kind_known",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(actor_kind=ActorKind.USER, actor_id__isnull=False)
                    | ~models.Q(actor_kind=ActorKind.USER)
                ),
                name="audit_event_user_has_id",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Inserts only; any save of an event already stored is refused."""
        if not self._state.adding:
            raise AuditImmutable("Audit events cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("Audit events cannot be deleted.")


class AuditChainState(models.Model):
    """The single row (id 1) holding the chain head, sealed by the vault.

    `sealed` is NULL until the first event; afterwards it is
    `vault.seal(json{seq, mac, key}, context="audit/chain-state")` where
    `key` is K_seq, the MAC key of the next event. Updated only by
    `services.audit_record`, under `select_for_update`, in the same
    transaction as the event it describes. Never deleted (trigger).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sealed = models.BinaryField(_("sealed head"), null=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), null=True)

    class Meta:
        verbose_name = _("audit chain state")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chainstate_single_row"),
        ]

    def __str__(self) -> str:
        return "audit chain state"

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditImmutable("The audit chain state cannot be deleted.")


class IntegrityAlert(models.Model):
    """A stored row that failed its integrity check: work for headquarters.

    Identifiers only, never a value: the row's model ("cases.person"),
    primary key and vault id, the unit whose key wraps its data key, and
    the route or command that found it. At most one open alert per row
    (`audit_integrityalert_one_open_per_row`), so that a row that every
    search reads is reported once, not once per search; a resolved alert
    lets the row be reported again if it still fails. No foreign keys, as
    for audit events: an alert outlives the row it names.
    """

    model = models.CharField(_("record type"), max_length=100)
    row_id = models.CharField(_("row"), max_length=64)
    vault_id = models.UUIDField(_("vault id"), null=True, blank=True)
    unit_id = models.BigIntegerField(_("unit id"), null=True, blank=True)
    found_in = models.CharField(_("found by"), max_length=100, blank=True, default="")
    raised_at = models.DateTimeField(_("raised"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by_id = models.BigIntegerField(_("resolved by"), null=True, blank=True)

    class Meta:
        verbose_name = _("integrity alert")
        verbose_name_plural = _("integrity alerts")
        ordering = ["-raised_at", "-pk"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["model", "row_id"],
                condition=models.Q(resolved_at__isnull=True),
                name="audit_integrityalert_one_open_per_row",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(resolved_at__isnull=True, resolved_by_id__isnull=True)
                    | models.Q(resolved_at__isnull=False, resolved_by_id__isnull=False)
                ),
                name="audit_integrityalert_resolved_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"integrity alert {self.pk}: {self.model} {self.row_id}"
