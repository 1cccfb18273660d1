"""Complaints: received the same whatever they carry, kept under
headquarters' key, tracked to resolution with an audited answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.accounts.tests.factories import HeadquartersFactory
from safepassage.audit.models import AuditEvent
from safepassage.grievances import selectors, services
from safepassage.grievances.models import Grievance
from safepassage.grievances.workflow import GrievanceState
from safepassage.intake.models import OutboundMessage
from safepassage.vault.exceptions import DecryptionError
from safepassage.vault.keys import scope_for_unit

from .factories import world

pytestmark = pytest.mark.django_db


def submit(w, *, code=None, receipt=None, body="The unit took my money (invented).", **kw):
    return services.grievance_submit(
        code=w.contact.code if code is None else code,
        receipt=w.receipt if receipt is None else receipt,
        kind=kw.pop("kind", "abuse"),
        body=body,
        channel=kw.pop("channel", "web"),
        source=kw.pop("source", "web:198.51.100.7"),
    )


def stored(grievance, column: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM grievances_grievance WHERE id = %s", [grievance.pk])  # noqa: S608
        value = cursor.fetchone()[0]
    return bytes(value) if not isinstance(value, str) else value.encode()


def test_a_matched_complaint_names_its_case_and_unit_and_is_sealed_under_headquarters():
    w = world()
    grievance = submit(w)
    assert grievance.verified is True
    assert grievance.case_id == w.case.pk
    assert grievance.concerns_unit_id == w.unit.pk
    assert grievance.contact_id == w.contact.pk
    assert b"invented" not in stored(grievance, "body")
    grievance.refresh_from_db()
    assert grievance.data_key.unit_key.scope == scope_for_unit(w.hq.pk)
    assert grievance.body == "The unit took my money (invented)."


def test_the_unit_concerned_holds_no_key_that_opens_a_complaint():
    w = world()
    grievance = submit(w)
    # Pretending the complaint were the unit's: its key is refused.
    Grievance.objects.filter(pk=grievance.pk).update(hq_unit=w.unit)
    forged = Grievance.objects.get(pk=grievance.pk)
    with pytest.raises(DecryptionError):
        _ = forged.body


@pytest.mark.parametrize(
    ("code", "receipt"),
    [
        ("SP-2222-2222", "09 4123 45678 / 09 7987 65432"),  # no such code (shape may fail)
        (None, "09 4123 45678 / 09 7987 65432"),  # the real code, a wrong receipt
        ("", ""),  # neither given
        ("not a code", "rubbish"),
    ],
)
def test_a_complaint_that_matches_nothing_is_kept_unverified_and_answered_the_same(code, receipt):
    w = world()
    grievance = submit(w, code=code, receipt=receipt)
    assert grievance.verified is False
    assert grievance.case_id is None
    assert grievance.concerns_unit_id is None
    assert grievance.contact_id is None
    grievance.refresh_from_db()
    assert grievance.code_given == (w.contact.code if code is None else code)[:40]
    event = AuditEvent.objects.filter(action="grievances.received").latest("sequence")
    assert event.unit_id == w.hq.pk
    # The conversation's own trail says nothing: no resume row at all.
    assert not AuditEvent.objects.filter(action__startswith="intake.resume").exists()
    assert services.received_text("en") == services.received_text("en")


def test_a_complaint_checks_the_receipt_on_the_resume_path_and_counts_failures():
    w = world()
    for _ in range(5):
        submit(w, receipt="09 4123 45678 / 09 7987 65432")
    # The source is now waiting: even the right receipt is not checked, and
    # the complaint is kept (unverified) and answered the same.
    late = submit(w)
    assert late.verified is False
    other_source = submit(w, source="web:203.0.113.9")
    assert other_source.verified is True


@pytest.mark.parametrize(
    ("kind", "body"),
    [("bribe", "text"), ("abuse", ""), ("abuse", "   "), ("abuse", "x" * 4001)],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(kind, body):
    w = world()
    with pytest.raises(ValidationError):
        submit(w, kind=kind, body=body)
    assert not Grievance.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.text(max_size=60), receipt=st.text(max_size=90), body=st.text(max_size=200))
def test_hostile_text_never_breaks_the_complaint_path(code, receipt, body):
    """Any text: a clear refusal (empty or too long), or kept unverified."""
    HeadquartersFactory()
    try:
        grievance = services.grievance_submit(
            code=code, receipt=receipt, kind="other", body=body, channel="web", source="web:x"
        )
    except ValidationError:
        return
    assert grievance.verified is False


def test_headquarters_moves_and_answers_and_the_answer_goes_to_the_person_as_a_secret():
    from safepassage.intake.tests.fake_apis import fake_bot_api
    from safepassage.intake.tests.test_conversation import _telegram

    with fake_bot_api() as (url, _api):
        w = world(channel=_telegram(url))
        grievance = submit(w, channel="telegram")
        sent = services.grievance_answer(
            actor=w.hq_protection, grievance=grievance, text="We are looking into it."
        )
        assert sent is True
        message = OutboundMessage.objects.filter(contact=w.contact).latest("pk")
        assert message.secret is True
        grievance.refresh_from_db()
        assert grievance.state == GrievanceState.IN_PROGRESS
        assert grievance.answered_by == w.hq_protection
        services.grievance_move(
            actor=w.hq_handler, grievance=grievance, target="resolved", note="Paid (invented)."
        )
        grievance.refresh_from_db()
        assert grievance.state == GrievanceState.RESOLVED
        assert grievance.resolved_at is not None
        actions = list(
            AuditEvent.objects.filter(target_type="grievances.grievance").values_list(
                "action", "unit_id"
            )
        )
        assert {a for a, _u in actions} >= {
            "grievances.received",
            "grievances.answered",
            "grievances.moved",
        }
        assert {u for _a, u in actions} == {w.hq.pk}


def test_an_answer_to_a_web_conversation_is_recorded_but_not_put_where_the_unit_reads():
    w = world()
    grievance = submit(w)
    before = OutboundMessage.objects.count()
    sent = services.grievance_answer(actor=w.hq_protection, grievance=grievance, text="Noted.")
    assert sent is False
    assert OutboundMessage.objects.count() == before


def test_illegal_moves_and_answers_to_closed_complaints_are_refused():
    w = world()
    grievance = submit(w)
    with pytest.raises(ValidationError):
        services.grievance_move(actor=w.hq_protection, grievance=grievance, target="resolved")
    with pytest.raises(ValidationError):
        services.grievance_move(actor=w.hq_protection, grievance=grievance, target="nonsense")
    services.grievance_move(actor=w.hq_protection, grievance=grievance, target="closed")
    with pytest.raises(ValidationError):
        services.grievance_answer(actor=w.hq_protection, grievance=grievance, text="late")
    services.grievance_move(actor=w.hq_protection, grievance=grievance, target="in_progress")
    grievance.refresh_from_db()
    assert grievance.resolved_at is None


@pytest.mark.parametrize("who", ["handler", "caseworker", "hq_admin"])
def test_nobody_outside_headquarters_complaint_roles_may_act(who):
    w = world()
    grievance = submit(w)
    actor = getattr(w, who)
    with pytest.raises(PermissionDenied):
        services.grievance_move(actor=actor, grievance=grievance, target="in_progress")
    with pytest.raises(PermissionDenied):
        services.grievance_answer(actor=actor, grievance=grievance, text="x")
    assert not selectors.grievances_visible_to(actor).exists()


def test_counts_per_unit_month_and_kind_carry_no_content():
    w = world()
    submit(w)
    submit(w, kind="threat")
    submit(w, receipt="09 4123 45678 / 09 7987 65432", kind="threat")
    today = timezone.localdate()
    counts = selectors.grievance_counts(period_from=today - dt.timedelta(days=1), period_to=today)
    cells = {(c.unit_id, c.kind): c.count for c in counts}
    assert cells == {(w.unit.pk, "abuse"): 1, (w.unit.pk, "threat"): 1, (None, "threat"): 1}
    assert all(c.month == today.replace(day=1) for c in counts)
    assert (
        selectors.grievance_counts(
            period_from=today + dt.timedelta(days=1), period_to=today + dt.timedelta(days=30)
        )
        == []
    )
