"""Appending to the audit chain: the only write path for audit events.

`audit_record` is the stable interface every app calls inside its own
service transaction. Invariants:
- it joins the caller's transaction (`atomic(savepoint=False)`): the
  event and the caller's work commit together or not at all, and a
  failure here (locked vault, invalid details) dooms the caller's
  transaction even if the caller catches the exception;
- it holds the row lock on the single `AuditChainState` row from the
  append to the end of the caller's transaction: appends are serialised,
  so call it last in a service to keep that window short;
- nothing personal is stored: ids, a namespaced action, identifier-like
  details, and the request's route name; never an address or user agent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from safepassage.vault import api as vault
from safepassage.vault import keys as vault_keys
from safepassage.vault.exceptions import DecryptionError, KeyShredded, RowRef

from . import chain
from .models import ActorKind, AuditChainState, AuditEvent, IntegrityAlert

__all__ = [
    "ActorRef",
    "AuditChainCorrupt",
    "Readable",
    "audit_read",
    "audit_record",
    "channel_actor",
    "integrity_alert_raise",
    "integrity_alert_resolve",
    "rows_readable",
    "validate_action",
    "validate_details",
]

logger = logging.getLogger(__name__)

STATE_CONTEXT = "audit/chain-state"
ANCHOR_SECRET_NAME = "audit-anchor"  # noqa: S105 - a name, not a secret
ANCHOR_PURPOSE = "chain-v1"

ACTION_RE = re.compile(r"[a-z][a-z0-9_]{0,29}\.[a-z][a-z0-9_]{0,48}", re.ASCII)
DETAIL_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)
DETAIL_TEXT_RE = re.compile(r"[A-Za-z0-9_.:/-]{0,80}", re.ASCII)
# Long digit runs are phone, NRC and service numbers far more often than
# identifiers; ids belong in int values. A canonical UUID is allowed.
_DIGIT_RUN_RE = re.compile(r"[0-9]{7,}", re.ASCII)
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)
# Key words that announce personal data; a key containing one as a
# `_`-separated word is refused whatever its value.
_PERSONAL_KEY_WORDS = frozenset(
    {
        "name",
        "names",
        "username",
        "phone",
        "mobile",
        "email",
        "address",
        "ip",
        "agent",
        "password",
        "passphrase",
        "secret",
        "token",
        "code",
        "otp",
        "dob",
        "birth",
        "nrc",
        "note",
        "notes",
        "message",
        "text",
        "body",
        "comment",
        "location",
        "gps",
    }
)
MAX_DETAIL_KEYS = 16
MAX_LIST_ITEMS = 32
MAX_INT = 2**53  # exact in every JSON reader
MAX_DETAILS_BYTES = 2048


class AuditChainCorrupt(Exception):
    """The chain state cannot be trusted; appends stop until an operator acts."""


@dataclass(frozen=True)
class ActorRef:
    """A non-user actor: a channel (bot, page, web form) by id, or the system."""

    kind: ActorKind
    id: int | None = None


def channel_actor(channel_id: int) -> ActorRef:
    return ActorRef(kind=ActorKind.CHANNEL, id=channel_id)


# --- validation -------------------------------------------------------------


def validate_action(action: str) -> str:
    if not isinstance(action, str) or not ACTION_RE.fullmatch(action):
        raise ValueError("An audit action is 'app.verb' in lower case, e.g. 'cases.opened'.")
    return action


def _validate_text(value: str) -> str:
    if not DETAIL_TEXT_RE.fullmatch(value):
        raise ValueError(
            "Audit detail strings are identifiers only ([A-Za-z0-9_.:/-], at most 80)."
        )
    if _DIGIT_RUN_RE.search(value) and not _UUID_RE.fullmatch(value):
        raise ValueError("Audit detail strings must not carry long digit runs; use an int id.")
    return value


def _validate_scalar(value: object) -> bool | int | str | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise ValueError("Audit detail integers must fit in 53 bits.")
        return int(value)
    if isinstance(value, str):
        return _validate_text(value)
    raise ValueError(
        f"Audit detail values are ints, bools, None or identifiers, not {type(value).__name__}."
    )


def _validate_key(key: object) -> str:
    if not isinstance(key, str) or not DETAIL_KEY_RE.fullmatch(key):
        raise ValueError("Audit detail keys are lower-case identifiers (at most 40).")
    if _PERSONAL_KEY_WORDS.intersection(key.split("_")):
        raise ValueError(f"Audit detail key {key!r} names personal data.")
    return key


def validate_details(details: Mapping[str, object] | None) -> dict[str, Any]:
    """A copy of `details` that can hold no personal data, or ValueError.

    Allowed: up to 16 keys, each a lower-case identifier that does not
    name personal data; values int (53 bits), bool, None, an identifier
    string, or a flat list of up to 32 of those. No floats (their text
    form is not canonical), no nesting, no free text.
    """
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise ValueError("Audit details must be a dict.")
    if len(details) > MAX_DETAIL_KEYS:
        raise ValueError(f"Audit details hold at most {MAX_DETAIL_KEYS} keys.")
    clean: dict[str, Any] = {}
    for key, value in details.items():
        name = _validate_key(key)
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST_ITEMS:
                raise ValueError(f"Audit detail lists hold at most {MAX_LIST_ITEMS} items.")
            clean[name] = [_validate_scalar(item) for item in value]
        else:
            clean[name] = _validate_scalar(value)
    if len(repr(clean)) > MAX_DETAILS_BYTES:
        raise ValueError("Audit details are too large.")
    return clean


def _resolve_actor(actor: object) -> tuple[str, int | None]:
    if actor is None:
        return ActorKind.SYSTEM, None
    if isinstance(actor, ActorRef):
        if actor.kind not in ActorKind.values:
            raise ValueError("Unknown actor kind.")
        if actor.kind == ActorKind.USER and actor.id is None:
            raise ValueError("A user actor needs an id.")
        return actor.kind, actor.id
    if getattr(actor, "is_anonymous", False) is True:
        return ActorKind.ANONYMOUS, None
    if isinstance(actor, get_user_model()):
        if not isinstance(actor.pk, int):
            raise ValueError("An audit actor must be a saved user.")
        return ActorKind.USER, actor.pk
    raise TypeError("An audit actor is a user, an ActorRef, or None (the system).")


def _resolve_target(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if not isinstance(target, models.Model):
        raise TypeError("An audit target is a model instance or None.")
    if target.pk is None:
        raise ValueError("An audit target must be saved (it has no primary key).")
    pk = str(target.pk)
    if len(pk) > 64:
        raise ValueError("An audit target's primary key is too long.")
    return target._meta.label_lower, pk


def _resolve_unit(unit: models.Model | int | None) -> int | None:
    if unit is None:
        return None
    if isinstance(unit, bool):
        raise TypeError("An audit unit is a unit, its id, or None.")
    if isinstance(unit, int):
        return unit
    if isinstance(unit, models.Model) and isinstance(unit.pk, int):
        return unit.pk
    raise TypeError("An audit unit is a saved unit, its id, or None.")


def _route(request: HttpRequest | None) -> str:
    """The URL pattern's name: says which page, never who or from where."""
    if request is None:
        return ""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", "") or ""
    if not isinstance(name, str) or not DETAIL_TEXT_RE.fullmatch(name):
        return ""
    return name[:100]


# --- the chain --------------------------------------------------------------


def anchor_key() -> bytes:
    """K_0. Raises VaultLocked."""
    return vault.derive_key(ANCHOR_SECRET_NAME, ANCHOR_PURPOSE)


def read_head(state: AuditChainState, anchor: bytes) -> chain.ChainHead | None:
    """The unsealed head, or None before the first event. Raises AuditChainCorrupt."""
    if state.sealed is None:
        return None
    try:
        raw = vault.unseal(bytes(state.sealed), context=STATE_CONTEXT)
        return chain.ChainHead.from_bytes(raw)
    except (vault.DecryptionError, ValueError):
        raise AuditChainCorrupt(
            "The audit chain state does not open: run `manage.py audit_verify`."
        ) from None


def _locked_state() -> AuditChainState:
    """The state row, locked until the end of the current transaction."""
    state = AuditChainState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        # Created by migration 0002; recreated here after a test flush.
        AuditChainState.objects.get_or_create(pk=1)
        state = AuditChainState.objects.select_for_update().get(pk=1)
    return state


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    unit: models.Model | int | None = None,
    details: Mapping[str, object] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    Raises ValueError/TypeError on invalid input (before touching the
    database), VaultLocked when the key ring is locked, and
    AuditChainCorrupt when the stored head does not open; each of these
    dooms the caller's transaction, so no audited work commits unaudited.
    """
    actor_kind, actor_id = _resolve_actor(actor)
    action = validate_action(action)
    clean_details = validate_details(details)
    target_type, target_id = _resolve_target(target)
    unit_id = _resolve_unit(unit)
    route = _route(request)

    with transaction.atomic(savepoint=False):
        anchor = anchor_key()
        state = _locked_state()
        head = read_head(state, anchor)
        if head is None:
            if AuditEvent.objects.exists():
                raise AuditChainCorrupt(
                    "Audit events exist but the chain state is empty: run `manage.py audit_verify`."
                )
            head = chain.ChainHead.genesis(anchor)
        now = timezone.now()
        event = AuditEvent(
            sequence=head.sequence + 1,
            created_at=now,
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            unit_id=unit_id,
            route=route,
            details=clean_details,
        )
        event.mac = chain.compute_mac(head.key, event, head.mac)
        event.save()
        new_head = head.advanced(event.mac)
        AuditChainState.objects.filter(pk=1).update(
            sealed=vault.seal(new_head.to_bytes(), context=STATE_CONTEXT), updated_at=now
        )
    return event


def audit_read(
    *,
    actor: Any,
    target: models.Model,
    fields: Sequence[str],
    purpose: str = "",
    unit: models.Model | int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record that `actor` was shown the decrypted `fields` (names only) of `target`.

    The action is `<target's app>.viewed`. Call it in the same request
    that decrypts, before the response is rendered: a view whose audit
    fails must not show the data.
    """
    if not isinstance(target, models.Model):
        raise TypeError("audit_read needs a model instance as target.")
    names = sorted({str(f) for f in fields})
    if not names:
        raise ValueError("audit_read needs at least one field name.")
    details: dict[str, object] = {"fields": names}
    if purpose:
        details["purpose"] = purpose
    return audit_record(
        actor=actor,
        action=f"{target._meta.app_label}.viewed",
        target=target,
        unit=unit,
        details=details,
        request=request,
    )


# --- integrity alerts -------------------------------------------------------


def integrity_alert_raise(
    *,
    row: RowRef,
    found_in: str,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> IntegrityAlert | None:
    """Record that `row` failed its integrity check: an open alert for
    headquarters and a `vault.integrity_failed` event, together. Returns
    None, and records nothing, while an alert on the row is open (one
    alert per row, however many reads fail on it; a concurrent reader
    losing the race on the unique constraint gets None too)."""
    if not DETAIL_TEXT_RE.fullmatch(found_in):
        found_in = ""
    with transaction.atomic():
        open_alerts = IntegrityAlert.objects.filter(
            model=row.model, row_id=row.pk, resolved_at__isnull=True
        )
        if open_alerts.exists():
            return None
        try:
            with transaction.atomic():
                alert = IntegrityAlert.objects.create(
                    model=row.model[:100],
                    row_id=row.pk[:64],
                    vault_id=row.vault_id,
                    unit_id=vault_keys.data_key_unit_id(row.data_key_id),
                    found_in=found_in[:100],
                    raised_at=timezone.now(),
                )
        except IntegrityError:
            return None
        audit_record(
            actor=actor,
            action="vault.integrity_failed",
            target=alert,
            unit=alert.unit_id,
            request=request,
            details={
                "model": alert.model,
                "row_id": int(alert.row_id) if alert.row_id.isdigit() else "",
                "found_in": alert.found_in,
            },
        )
    return alert


def integrity_failures_report(
    *,
    errors: Iterable[DecryptionError],
    found_in: str,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> int:
    """`integrity_alert_raise` for each failure that names its row, for a
    reader that left those rows out and carries on; returns the number of
    new alerts. Call it outside any transaction the reader may roll back.
    A failure to record is logged (as an error, without the row) and not
    raised: the reader's answer, which says that rows were left out, does
    not depend on it. Shredded keys are not failures and are skipped."""
    raised = 0
    for error in errors:
        if error.row is None or isinstance(error, KeyShredded):
            continue
        try:
            if integrity_alert_raise(
                row=error.row, found_in=found_in, actor=actor, request=request
            ):
                raised += 1
        except Exception as exc:  # logged; the read goes on
            logger.error("audit: an integrity alert could not be recorded [%s]", type(exc).__name__)
    return raised


_Row = TypeVar("_Row")
_Shown = TypeVar("_Shown")


class Readable(list[_Shown]):
    """What a page shows of its rows, in order, and `unreadable`: how many
    rows were left out because a value of theirs failed its integrity
    check (altered, or under another unit's key)."""

    unreadable: int = 0


def rows_readable(
    rows: Iterable[_Row],
    *,
    read: Callable[[_Row], _Shown],
    found_in: str,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> Readable[_Shown]:
    """`read(row)` for each row (it must decrypt every value the page shows
    of the row, so that rendering cannot stop on one), leaving out a row
    whose `read` raises `DecryptionError`: counted in `unreadable` and
    reported to headquarters (`integrity_failures_report`, an alert per
    row). A shredded key (`KeyShredded`) leaves its row out silently. One
    altered row costs that row, never the page or the rows after it."""
    shown: Readable[_Shown] = Readable()
    failures: list[DecryptionError] = []
    for row in rows:
        try:
            shown.append(read(row))
        except KeyShredded:
            continue
        except DecryptionError as exc:
            failures.append(exc)
    shown.unreadable = len(failures)
    if failures:
        integrity_failures_report(errors=failures, found_in=found_in, actor=actor, request=request)
    return shown


@transaction.atomic
def integrity_alert_resolve(*, actor: Any, alert: IntegrityAlert) -> IntegrityAlert:
    """Close an open alert (the row was restored, or shredded). Raises
    ValueError if it is closed already."""
    locked = IntegrityAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.resolved_at is not None:
        raise ValueError("This alert is resolved already.")
    locked.resolved_at = timezone.now()
    locked.resolved_by_id = actor.pk
    locked.save(update_fields=["resolved_at", "resolved_by_id"])
    audit_record(
        actor=actor,
        action="audit.integrity_alert_resolved",
        target=locked,
        unit=locked.unit_id,
    )
    return locked
