"""audit_record and audit_read: validated, chained, inside the caller's transaction."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.urls import ResolverMatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.accounts.models import Unit
from safepassage.audit.models import ActorKind, AuditChainState, AuditEvent, AuditImmutable
from safepassage.audit.services import (
    ActorRef,
    audit_read,
    audit_record,
    channel_actor,
    validate_action,
    validate_details,
)
from safepassage.audit.verify import verify_stored_chain
from safepassage.vault.api import VaultLocked

from .conftest import build_chain

pytestmark = pytest.mark.django_db


# --- what is stored -----------------------------------------------------------


def test_system_event_is_appended_with_sequence_one() -> None:
    event = audit_record(actor=None, action="audit.tested", details={"n": 1})
    assert event.sequence == 1
    assert (event.actor_kind, event.actor_id) == (ActorKind.SYSTEM, None)
    assert event.created_at.tzinfo is not None
    assert len(event.mac) == 64


def test_a_user_actor_is_stored_as_a_plain_id(user: Any) -> None:
    event = audit_record(actor=user, action="cases.opened")
    assert (event.actor_kind, event.actor_id) == (ActorKind.USER, user.pk)


def test_events_survive_the_deletion_of_their_actor_and_target(user: Any, unit: Unit) -> None:
    """No foreign key: nothing cascades, nothing blocks."""
    event = audit_record(actor=user, action="accounts.user_created", target=user, unit=unit)
    user_pk = user.pk
    user.delete()
    stored = AuditEvent.objects.get(sequence=event.sequence)
    assert (stored.actor_id, stored.target_id) == (user_pk, str(user_pk))


def test_anonymous_and_channel_actors() -> None:
    anon = audit_record(actor=AnonymousUser(), action="accounts.login_failed")
    assert (anon.actor_kind, anon.actor_id) == (ActorKind.ANONYMOUS, None)
    bot = audit_record(actor=channel_actor(7), action="intake.message_received")
    assert (bot.actor_kind, bot.actor_id) == (ActorKind.CHANNEL, 7)
    with pytest.raises(ValueError):
        audit_record(actor=ActorRef(kind=ActorKind.USER), action="cases.opened")
    with pytest.raises(TypeError):
        audit_record(actor="someone", action="cases.opened")


def test_target_and_unit_are_stored_as_label_and_ids(unit: Unit) -> None:
    event = audit_record(actor=None, action="accounts.unit_created", target=unit, unit=unit)
    assert (event.target_type, event.target_id, event.unit_id) == (
        "accounts.unit",
        str(unit.pk),
        unit.pk,
    )
    assert audit_record(actor=None, action="cases.opened", unit=unit.pk).unit_id == unit.pk
    with pytest.raises(ValueError, match="saved"):
        audit_record(actor=None, action="cases.opened", target=Unit(name="x"))


def test_the_request_leaves_only_the_route_name(user: Any) -> None:
    request = RequestFactory().get(
        "/cases/ABC123/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0 (Linux)"
    )
    request.resolver_match = ResolverMatch(
        lambda r: None, (), {}, url_name="detail", app_names=["cases"], namespaces=["cases"]
    )
    event = audit_record(actor=user, action="cases.viewed", request=request)
    assert event.route == "cases:detail"
    stored = repr(AuditEvent.objects.filter(sequence=event.sequence).values().get())
    for leaked in ("203.0.113", "Mozilla", "ABC123"):
        assert leaked not in stored


def test_audit_read_records_field_names_only(user: Any, unit: Unit) -> None:
    event = audit_read(
        actor=user, target=unit, fields=["phone", "name", "name"], purpose="screening"
    )
    assert event.action == "accounts.viewed"
    assert event.details == {"fields": ["name", "phone"], "purpose": "screening"}
    with pytest.raises(ValueError):
        audit_read(actor=user, target=unit, fields=[])
    with pytest.raises(ValueError):
        audit_read(actor=user, target=unit, fields=["full name"])


def test_sequences_follow_each_other_and_the_chain_verifies(user: Any, unit: Unit) -> None:
    events = build_chain(40, actor=user, unit=unit)
    assert [e.sequence for e in events] == list(range(1, 41))
    assert verify_stored_chain().ok


# --- immutability in Python -----------------------------------------------------


def test_events_cannot_be_changed_or_deleted_through_the_orm() -> None:
    event = audit_record(actor=None, action="audit.tested")
    event.action = "audit.forged"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(sequence=event.sequence).update(action="audit.forged")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=99)])
    with pytest.raises(AuditImmutable):
        AuditChainState.objects.get(pk=1).delete()
    assert AuditEvent.objects.get(sequence=event.sequence).action == "audit.tested"


# --- transactions -----------------------------------------------------------------


def test_an_event_in_a_rolled_back_transaction_leaves_no_trace() -> None:
    audit_record(actor=None, action="audit.tested")
    before = bytes(AuditChainState.objects.get(pk=1).sealed)

    class Boom(Exception):
        pass

    def callers_service() -> None:
        with transaction.atomic():
            audit_record(actor=None, action="audit.tested")
            raise Boom

    with pytest.raises(Boom):
        callers_service()
    assert AuditEvent.objects.count() == 1
    assert bytes(AuditChainState.objects.get(pk=1).sealed) == before
    assert audit_record(actor=None, action="audit.tested").sequence == 2
    assert verify_stored_chain().ok


def test_a_locked_vault_refuses_the_event_and_dooms_the_callers_work(
    unit: Unit, locked_vault: None
) -> None:
    with transaction.atomic(), transaction.atomic():  # the caller's service
        Unit.objects.filter(pk=unit.pk).update(name="Renamed")
        with pytest.raises(VaultLocked):
            audit_record(actor=None, action="accounts.unit_renamed", target=unit)
        # The caller swallowed the error; its transaction is doomed anyway.
        assert connection.needs_rollback
    assert Unit.objects.get(pk=unit.pk).name != "Renamed"
    assert not AuditEvent.objects.exists()


def test_invalid_input_is_refused_before_anything_is_written() -> None:
    with pytest.raises(ValueError):
        audit_record(actor=None, action="audit.tested", details={"name": "Aung"})
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_are_serialised_without_gaps() -> None:
    """Each thread has its own connection; the state row lock orders them."""
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(15):
                with transaction.atomic():
                    audit_record(actor=None, action="audit.tested")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == list(range(1, 61))
    assert verify_stored_chain().ok


# --- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["cases.opened", "accounts.login_failed", "armoury.reward_approved2"]
)
def test_namespaced_actions_are_accepted(action: str) -> None:
    assert validate_action(action) == action


@pytest.mark.parametrize(
    "action",
    [
        "",
        "opened",
        "Cases.opened",
        "cases.",
        ".opened",
        "cases.opened.twice",
        "cases.open ed",
        "cases.opened\n",
        "ကိစ္စ.opened",
        "x" * 40 + ".opened",
    ],
)
def test_malformed_actions_are_refused(action: str) -> None:
    with pytest.raises(ValueError):
        validate_action(action)


def test_allowed_details_pass_unchanged() -> None:
    details = {
        "user_id": 12,
        "flag": True,
        "none": None,
        "reason": "idle_timeout",
        "roles": ["caseworker", "analyst"],
        "key_id": "5ea1ed00-0000-4000-8000-000000000001",
        "path": "cases:detail/v2",
    }
    assert validate_details(details) == details


@pytest.mark.parametrize(
    "details",
    [
        {"reason": "Maung Aung"},  # a space: free text
        {"reason": "09123456789"},  # a phone number
        {"reason": "+959123456789"},
        {"reason": "12/MaYaKa(N)123456"},  # an NRC number
        {"reason": "aung@example.org"},
        {"reason": "မောင်အောင်"},  # Burmese script
        {"reason": "x" * 81},
        {"reason": "line\nbreak"},
        {"name": "x"},
        {"phone": 1},
        {"father_name": "x"},
        {"ip": "x"},
        {"nested": {"a": 1}},
        {"nested": [[1]]},
        {"amount": 1.5},
        {"big": 2**60},
        {"Key": 1},
        {"bad key": 1},
        {1: 1},
        {"blob": b"bytes"},
        {f"k{i}": i for i in range(17)},
        {"many": list(range(33))},
    ],
)
def test_details_that_could_carry_personal_data_are_refused(details: Any) -> None:
    with pytest.raises(ValueError):
        validate_details(details)


_identifier = st.from_regex(r"\A[A-Za-z0-9_.:/-]{0,80}\Z")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=200))
def test_any_string_outside_the_identifier_alphabet_is_refused(text: str) -> None:
    import re

    if re.fullmatch(r"[A-Za-z0-9_.:/-]{0,80}", text, re.ASCII):
        return
    with pytest.raises(ValueError):
        validate_details({"reason": text})


@settings(max_examples=300)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
        lambda inner: st.lists(inner, max_size=40) | st.dictionaries(st.text(), inner),
        max_leaves=30,
    )
)
def test_hostile_values_are_refused_or_come_out_as_flat_identifiers(value: Any) -> None:
    try:
        clean = validate_details({"value": value})
    except ValueError:
        return
    stored = clean["value"]
    items = stored if isinstance(stored, list) else [stored]
    assert len(items) <= 32
    for item in items:
        assert item is None or isinstance(item, bool | int | str)
        if isinstance(item, str):
            assert len(item) <= 80
            assert " " not in item
        if isinstance(item, int) and not isinstance(item, bool):
            assert abs(item) <= 2**53


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=50), st.integers(0, 10), max_size=20))
def test_hostile_keys_are_refused_or_are_plain_identifiers(details: dict[str, int]) -> None:
    try:
        clean = validate_details(details)
    except ValueError:
        return
    assert len(clean) <= 16
    for key in clean:
        assert key.isascii()
        assert key.replace("_", "").isalnum()
        assert key[0].isalpha()
