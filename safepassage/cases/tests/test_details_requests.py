"""Cross-unit details requests: a screening officer asks the unit owning a
match whether it is the same person; that unit (or headquarters) answers.

Mirrors services.details_request_*, selectors.details_request* and the
views behind cases:details_request*, hostile input included.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)
from safepassage.audit.models import AuditEvent
from safepassage.cases import services
from safepassage.cases.models import (
    CaseEvent,
    DetailsAnswer,
    DetailsRequest,
    DuplicateProposal,
    DuplicateStatus,
    EventKind,
    Person,
)
from safepassage.cases.screening import selectors as screening_selectors
from safepassage.cases.screening import services as screening_services
from safepassage.cases.tests.factories import (
    OTHER_NEW,
    OTHER_OLD,
    TWICE_NEW,
    TWICE_OLD,
    case_create,
    details_request_create,
    screened_case,
)
from safepassage.cases.workflow import (
    DETAILS_REQUEST_MOVES,
    DetailsRequestStatus,
    RequestSide,
    details_request_move_allowed,
)
from safepassage.vault.keys import data_key_shred

pytestmark = pytest.mark.django_db

ZAWGYI_REASON = "ေက်ာ္ဇင္ထြန္း ႏွင့္ တူသလား"  # Zawgyi for "Is it the same as Kyaw Zin Htun?"


@pytest.fixture
def sent(officer, newcomer, earlier):
    return details_request_create(actor=officer, case=newcomer, about=earlier)


def _lapse(request, by=dt.timedelta(seconds=1)):
    """Move a request's time back so that it expired `by` ago."""
    now = timezone.now()
    DetailsRequest.objects.filter(pk=request.pk).update(
        created_at=now - screening_services.DETAILS_REQUEST_LIFETIME - by, expires_at=now - by
    )


def _trail(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("sequence"))


# ----------------------------------------------------------------- send ----


def test_a_request_is_stored_encrypted_and_audited_in_both_units(
    officer, newcomer, earlier, asking, owning
):
    request = details_request_create(
        actor=officer, case=newcomer, about=earlier, reason="Arrived with the same NRC"
    )
    assert request.status == DetailsRequestStatus.OPEN
    assert (request.from_unit, request.to_unit) == (asking, owning)
    assert request.expires_at - request.created_at == screening_services.DETAILS_REQUEST_LIFETIME
    event = CaseEvent.objects.get(pk=request.request_event_id)
    assert event.case_id == newcomer.pk
    assert event.kind == EventKind.DETAILS_REQUESTED
    assert event.body == "Arrived with the same NRC"
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM cases_caseevent WHERE id = %s", [event.pk])
        (stored,) = cursor.fetchone()
    assert b"same NRC" not in bytes(stored)
    trail = _trail("cases.details_requested")
    assert {(e.unit_id, e.target_id) for e in trail} == {
        (asking.pk, str(newcomer.pk)),
        (owning.pk, str(earlier.pk)),
    }
    assert all(e.details["details_request"] == request.pk for e in trail)


def test_a_zawgyi_reason_is_stored_as_unicode(client, officer, newcomer, earlier):
    sign_in(client, officer)
    response = client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": earlier.code, "reason": ZAWGYI_REASON},
    )
    assert response.status_code == 302
    body = DetailsRequest.objects.get().request_event.body
    assert "\u1031\u1000" not in body  # Zawgyi writes ေ before its consonant
    assert body.startswith("ကျော်")


def test_the_posted_code_is_read_in_any_spelling_of_a_case_code(client, officer, newcomer, earlier):
    sign_in(client, officer)
    client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": f"  {earlier.code.lower()} ", "reason": "same NRC"},
    )
    assert DetailsRequest.objects.get().about_case == earlier


@pytest.mark.parametrize("code", ["SP-0000-0000", "not a code", "", "x" * 20])
def test_a_forged_code_is_refused_audited_and_writes_nothing(
    client, officer, newcomer, earlier, asking, code
):
    sign_in(client, officer)
    response = client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": code, "reason": "probe"},
    )
    assert response.status_code == 302
    assert not DetailsRequest.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.DETAILS_REQUESTED).exists()
    if code:  # an empty field is a form error, not a probe
        (refused,) = _trail("cases.details_request_refused")
        assert refused.unit_id == asking.pk
        assert refused.details == {"reason": "not_a_match", "screened_case": newcomer.pk}


def test_a_real_case_of_another_unit_that_is_not_a_match_is_refused_in_both_trails(
    client, officer, newcomer, earlier, owning
):
    stranger = screened_case(owning, **OTHER_OLD)
    sign_in(client, officer)
    response = client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": stranger.code, "reason": "probe"},
        follow=True,
    )
    page = response.content.decode()
    assert "listed among this person" in page  # the same message as for a forged code
    assert not DetailsRequest.objects.exists()
    refused = _trail("cases.details_request_refused")
    assert {e.unit_id for e in refused} == {newcomer.unit_id, owning.pk}
    assert {e.target_id for e in refused} == {str(newcomer.pk), str(stranger.pk)}


def test_a_case_of_ones_own_unit_is_refused(officer, newcomer, asking):
    own = screened_case(asking, **TWICE_OLD)
    with pytest.raises(screening_selectors.DetailsRequestRefused) as refused:
        screening_selectors.details_request_target(user=officer, case=newcomer, code=own.code)
    assert refused.value.reason == "own_unit"
    with pytest.raises(ValidationError):
        screening_services.details_request_send(actor=officer, case=newcomer, about=own, reason="x")
    assert not DetailsRequest.objects.exists()


def test_the_service_checks_the_match_itself(officer, newcomer, owning):
    """A caller that skips the selector still cannot ask about a non-match."""
    stranger = screened_case(owning, **OTHER_OLD)
    with pytest.raises(PermissionDenied):
        screening_services.details_request_send(
            actor=officer, case=newcomer, about=stranger, reason="x"
        )
    assert not DetailsRequest.objects.exists()
    assert not _trail("cases.details_request_refused")  # rolled back with the service


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.CASEWORKER, Role.INTAKE_OPERATOR])
def test_only_screening_officers_send_requests(client, asking, newcomer, earlier, role):
    user = UserFactory(unit=asking, roles=[role])
    with pytest.raises(PermissionDenied):
        screening_services.details_request_send(
            actor=user, case=newcomer, about=earlier, reason="x"
        )
    sign_in(client, user)
    response = client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": earlier.code, "reason": "x"},
    )
    assert response.status_code == 403
    assert not DetailsRequest.objects.exists()


def test_a_screening_officer_of_another_unit_cannot_send_from_a_case_they_cannot_open(
    client, owner_officer, newcomer, earlier
):
    with pytest.raises(PermissionDenied):
        screening_services.details_request_send(
            actor=owner_officer, case=newcomer, about=earlier, reason="x"
        )
    sign_in(client, owner_officer)
    response = client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": earlier.code, "reason": "x"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"about": "", "reason": "x"},
        {"reason": "x"},
        {"about": "SP-S492-X0D0", "reason": ""},
        {"about": "SP-S492-X0D0", "reason": "   "},
        {"about": "SP-S492-X0D0", "reason": "x" * 1001},
        {"about": "SP-S492-X0D0", "reason": "\x00"},
        {"about": "SP-S492-X0D0\x00", "reason": "x"},
        {"about": "x" * 5000, "reason": "x"},
    ],
)
def test_hostile_request_posts_never_500_and_write_nothing(client, officer, newcomer, data):
    sign_in(client, officer)
    response = client.post(reverse("cases:details_request", kwargs={"code": newcomer.code}), data)
    assert response.status_code == 302
    assert not DetailsRequest.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.DETAILS_REQUESTED).exists()


def test_an_overlong_reason_is_refused_by_the_service_too(officer, newcomer, earlier):
    with pytest.raises(ValidationError):
        screening_services.details_request_send(
            actor=officer, case=newcomer, about=earlier, reason="x" * 1001
        )
    assert not DetailsRequest.objects.exists()


def test_one_open_request_per_pair(sent, officer, newcomer, earlier):
    with pytest.raises(ValidationError):
        details_request_create(actor=officer, case=newcomer, about=earlier)
    assert DetailsRequest.objects.count() == 1


def test_a_lapsed_request_is_expired_when_the_pair_is_asked_again(sent, officer, newcomer, earlier):
    _lapse(sent)
    again = details_request_create(actor=officer, case=newcomer, about=earlier)
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.EXPIRED
    assert again.status == DetailsRequestStatus.OPEN
    assert len(_trail("cases.details_expired")) == 2


def test_requests_per_officer_and_day_are_limited_and_the_refusal_audited(
    monkeypatch, officer, newcomer, earlier, asking, owning
):
    monkeypatch.setattr(screening_selectors, "DETAILS_REQUESTS_PER_DAY", 1)
    second = screened_case(asking, **OTHER_NEW)
    screened_case(owning, **OTHER_OLD)
    details_request_create(actor=officer, case=newcomer, about=earlier)
    with pytest.raises(screening_selectors.DetailsRequestRefused) as refused:
        screening_selectors.details_request_target(user=officer, case=second, code="SP-0000-0000")
    assert refused.value.reason == "rate_limited"
    assert _trail("cases.details_request_refused")[0].details["reason"] == "rate_limited"
    with pytest.raises(ValidationError):
        screening_services.details_request_send(
            actor=officer, case=second, about=earlier, reason="x"
        )


# --------------------------------------------------------------- answer ----


def test_same_person_is_written_on_both_timelines_like_a_confirmed_duplicate(
    sent, owner_officer, newcomer, earlier, asking, owning
):
    screening_services.details_request_answer(
        actor=owner_officer,
        details_request=sent,
        answer=DetailsAnswer.SAME,
        note="Ours since March; call us",
    )
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.ANSWERED
    assert sent.answer == DetailsAnswer.SAME
    assert sent.answered_by == owner_officer
    reply = sent.reply_event
    assert (reply.case_id, reply.kind, reply.body) == (
        earlier.pk,
        EventKind.DETAILS_ANSWERED,
        "Ours since March; call us",
    )
    confirmed = CaseEvent.objects.filter(kind=EventKind.DUPLICATE_CONFIRMED)
    assert {(e.case_id, e.body) for e in confirmed} == {
        (newcomer.pk, earlier.code),
        (earlier.pk, newcomer.code),
    }
    assert {e.unit_id for e in _trail("cases.duplicate_confirmed")} == {asking.pk, owning.pk}
    answered = _trail("cases.details_answered")
    assert {e.unit_id for e in answered} == {asking.pk, owning.pk}
    assert all(e.details["answer"] == "same" for e in answered)


def test_different_people_is_written_as_not_a_double_registration(
    sent, owner_officer, newcomer, earlier
):
    screening_services.details_request_answer(
        actor=owner_officer, details_request=sent, answer=DetailsAnswer.DIFFERENT
    )
    kinds = set(
        CaseEvent.objects.filter(case__in=[newcomer, earlier]).values_list("kind", flat=True)
    )
    assert EventKind.DUPLICATE_REJECTED in kinds
    assert EventKind.DUPLICATE_CONFIRMED not in kinds


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (DetailsAnswer.SAME, DuplicateStatus.CONFIRMED),
        (DetailsAnswer.DIFFERENT, DuplicateStatus.REJECTED),
        (DetailsAnswer.DECLINED, DuplicateStatus.OPEN),
    ],
)
def test_an_answer_decides_the_open_proposal_of_exactly_this_pair(
    sent, owner_officer, newcomer, earlier, owning, answer, status
):
    third = screened_case(owning, **OTHER_OLD)
    screening_services.duplicates_propose(groups=[([newcomer.pk, earlier.pk], 6.0)])
    screening_services.duplicates_propose(groups=[([newcomer.pk, earlier.pk, third.pk], 5.0)])
    pair, group = (
        DuplicateProposal.objects.annotate(size=Count("cases")).get(size=size) for size in (2, 3)
    )
    screening_services.details_request_answer(
        actor=owner_officer, details_request=sent, answer=answer
    )
    pair.refresh_from_db()
    group.refresh_from_db()
    assert pair.status == status
    assert (pair.decided_by, pair.decided_at is not None) == (
        (owner_officer, True) if status != DuplicateStatus.OPEN else (None, False)
    )
    assert group.status == DuplicateStatus.OPEN  # says nothing of the third case
    if status != DuplicateStatus.OPEN:
        action = "cases.duplicate_" + ("confirmed" if answer == DetailsAnswer.SAME else "rejected")
        assert {e.details.get("proposal") for e in _trail(action)} == {pair.pk}


def test_an_answer_leaves_an_already_decided_proposal_alone(sent, owner_officer, newcomer, earlier):
    screening_services.duplicates_propose(groups=[([newcomer.pk, earlier.pk], 6.0)])
    proposal = DuplicateProposal.objects.get()
    screening_services.duplicate_decide(actor=owner_officer, proposal=proposal, same_person=False)
    decided_at = DuplicateProposal.objects.get().decided_at
    screening_services.details_request_answer(
        actor=owner_officer, details_request=sent, answer=DetailsAnswer.SAME
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_at) == (DuplicateStatus.REJECTED, decided_at)


def test_declining_writes_no_duplicate_event(sent, owner_officer):
    screening_services.details_request_answer(
        actor=owner_officer, details_request=sent, answer=DetailsAnswer.DECLINED
    )
    sent.refresh_from_db()
    assert (sent.status, sent.answer) == (DetailsRequestStatus.DECLINED, DetailsAnswer.DECLINED)
    assert not CaseEvent.objects.filter(
        kind__in=[EventKind.DUPLICATE_CONFIRMED, EventKind.DUPLICATE_REJECTED]
    ).exists()


def test_answering_twice_is_refused_and_writes_nothing_more(sent, owner_officer):
    screening_services.details_request_answer(
        actor=owner_officer, details_request=sent, answer=DetailsAnswer.SAME
    )
    events = CaseEvent.objects.count()
    with pytest.raises(ValidationError):
        screening_services.details_request_answer(
            actor=owner_officer, details_request=sent, answer=DetailsAnswer.DIFFERENT
        )
    assert CaseEvent.objects.count() == events
    sent.refresh_from_db()
    assert sent.answer == DetailsAnswer.SAME


def test_a_request_addressed_to_another_unit_cannot_be_answered(client, sent):
    third = UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER])
    with pytest.raises(PermissionDenied):
        screening_services.details_request_answer(actor=third, details_request=sent, answer="same")
    sign_in(client, third)
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    assert client.post(url, {"answer": "same"}).status_code == 404
    page = client.get(reverse("cases:details_requests")).content.decode()
    assert sent.from_case.code not in page
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.OPEN


def test_the_asking_officer_cannot_answer_their_own_request(client, sent, officer):
    with pytest.raises(PermissionDenied):
        screening_services.details_request_answer(
            actor=officer, details_request=sent, answer="same"
        )
    sign_in(client, officer)
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    assert client.post(url, {"answer": "same"}).status_code == 404


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.PROTECTION_OFFICER, Role.ANALYST])
def test_other_roles_of_the_owning_unit_cannot_answer(client, sent, owning, role):
    user = UserFactory(unit=owning, roles=[role])
    with pytest.raises(PermissionDenied):
        screening_services.details_request_answer(actor=user, details_request=sent, answer="same")
    sign_in(client, user)
    assert client.get(reverse("cases:details_requests")).status_code == 403
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    assert client.post(url, {"answer": "same"}).status_code == 403


def test_headquarters_screening_officers_see_and_answer_any_units_requests(client, sent):
    hq_officer = UserFactory(unit=HeadquartersFactory(), roles=[Role.SCREENING_OFFICER])
    sign_in(client, hq_officer)
    page = client.get(reverse("cases:details_requests")).content.decode()
    assert sent.from_case.code in page
    assert f'href="/cases/{sent.about_case.code}/' not in page  # headquarters cannot open it
    looks = _trail("cases.viewed", actor_id=hq_officer.pk)
    assert {e.unit_id for e in looks} == {sent.from_unit_id, sent.to_unit_id}
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    assert client.post(url, {"answer": "declined"}).status_code == 302
    sent.refresh_from_db()
    assert sent.answered_by == hq_officer


def test_headquarters_does_not_see_its_own_requests_as_incoming(owning):
    hq = HeadquartersFactory()
    hq_officer = UserFactory(unit=hq, roles=[Role.SCREENING_OFFICER])
    mine = screened_case(hq, **TWICE_NEW)
    theirs = screened_case(owning, **TWICE_OLD)
    details_request_create(actor=hq_officer, case=mine, about=theirs)
    assert not screening_selectors.details_requests_incoming_for(hq_officer).exists()
    owner = UserFactory(unit=owning, roles=[Role.SCREENING_OFFICER])
    assert screening_selectors.details_requests_incoming_for(owner).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"answer": "maybe"},
        {"answer": "same", "note": "x" * 2001},
        {"answer": "same", "note": "\x00"},
        {"answer": "SAME"},
        {"answer": "same\x00"},
    ],
)
def test_hostile_answers_never_500_and_change_nothing(client, sent, owner_officer, data):
    sign_in(client, owner_officer)
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    response = client.post(url, data)
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.OPEN
    assert not CaseEvent.objects.filter(kind=EventKind.DETAILS_ANSWERED).exists()


def test_an_unknown_answer_and_an_overlong_note_are_refused_by_the_service(sent, owner_officer):
    for answer, note in (("yes", ""), ("same", "x" * 2001)):
        with pytest.raises(ValidationError):
            screening_services.details_request_answer(
                actor=owner_officer, details_request=sent, answer=answer, note=note
            )
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.OPEN


def test_a_zawgyi_note_is_stored_as_unicode(client, sent, owner_officer):
    sign_in(client, owner_officer)
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    client.post(url, {"answer": "different", "note": ZAWGYI_REASON})
    sent.refresh_from_db()
    assert sent.reply_event.body.startswith("ကျော်")


def test_the_incoming_page_shows_the_pairs_reasons_until_it_is_no_longer_a_match(
    sent, owner_officer, earlier
):
    (row,) = screening_selectors.details_requests_incoming(user=owner_officer)
    assert "NRC" in row.explanation
    person = Person.objects.get(case=earlier)
    person.name_latin, person.name_my, person.nrc = "Thida Myint", "သီတာမြင့်", ""
    person.father_name, person.birth, person.aliases = "", None, []
    person.home_township = "MMR010001"
    person.save()
    (row,) = screening_selectors.details_requests_incoming(user=owner_officer)
    assert row.explanation == ""


# ------------------------------------------------------------ transfers ----


def _transfer(case, to_unit):
    sender = UserFactory(unit=case.unit, roles=[Role.UNIT_HANDLER])
    receiver = UserFactory(unit=to_unit, roles=[Role.UNIT_HANDLER])
    transfer = services.case_transfer_request(actor=sender, case=case, to_unit=to_unit)
    services.case_transfer_accept(actor=receiver, transfer=transfer)


def test_a_request_follows_the_matched_case_to_its_new_unit(
    client, sent, owner_officer, earlier, newcomer
):
    receiving = UnitFactory(name="Receiving unit")
    _transfer(earlier, receiving)
    new_officer = UserFactory(unit=receiving, roles=[Role.SCREENING_OFFICER])
    assert list(screening_selectors.details_requests_incoming_for(owner_officer)) == []
    assert list(screening_selectors.details_requests_incoming_for(new_officer)) == [sent]
    with pytest.raises(PermissionDenied):
        screening_services.details_request_answer(
            actor=owner_officer, details_request=sent, answer=DetailsAnswer.SAME
        )
    sign_in(client, new_officer)
    url = reverse("cases:details_request_answer", kwargs={"request_id": sent.pk})
    client.post(url, {"answer": "same", "note": ""})
    sent.refresh_from_db()
    assert (sent.status, sent.answered_by) == (DetailsRequestStatus.ANSWERED, new_officer)
    # The audit goes to the units owning the cases now.
    assert {e.unit_id for e in _trail("cases.details_answered")} == {
        newcomer.unit_id,
        receiving.pk,
    }


def test_a_request_follows_the_screened_case_to_its_new_unit(
    sent, officer, newcomer, owner_officer
):
    receiving = UnitFactory(name="Receiving unit")
    _transfer(newcomer, receiving)
    new_officer = UserFactory(unit=receiving, roles=[Role.SCREENING_OFFICER])
    assert screening_selectors.details_request_sent_get(user=officer, pk=sent.pk) is None
    assert screening_selectors.details_request_sent_get(user=new_officer, pk=sent.pk) == sent
    with pytest.raises(PermissionDenied):
        screening_services.details_request_withdraw(actor=officer, details_request=sent)
    screening_services.details_request_withdraw(actor=new_officer, details_request=sent)
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.WITHDRAWN


def test_once_one_unit_owns_both_cases_it_is_not_asked_about_its_own_case(
    sent, newcomer, earlier, asking, owning
):
    _transfer(earlier, asking)
    asking_officer = UserFactory(unit=asking, roles=[Role.SCREENING_OFFICER])
    other = UserFactory(unit=owning, roles=[Role.SCREENING_OFFICER])
    assert list(screening_selectors.details_requests_incoming_for(asking_officer)) == []
    assert list(screening_selectors.details_requests_incoming_for(other)) == []
    for actor in (asking_officer, other):
        with pytest.raises(PermissionDenied):
            screening_services.details_request_answer(
                actor=actor, details_request=sent, answer=DetailsAnswer.SAME
            )


# ------------------------------------------------------ withdraw, expiry ----


def test_the_requester_withdraws_an_open_request(client, sent, officer, newcomer):
    sign_in(client, officer)
    url = reverse("cases:details_request_withdraw", kwargs={"request_id": sent.pk})
    response = client.post(url)
    assert response["Location"] == reverse("cases:screening", kwargs={"code": newcomer.code})
    sent.refresh_from_db()
    assert sent.status == DetailsRequestStatus.WITHDRAWN
    assert len(_trail("cases.details_withdrawn")) == 2
    client.post(url)  # again: refused with a message, nothing changes
    assert len(_trail("cases.details_withdrawn")) == 2


def test_the_owning_unit_cannot_withdraw(client, sent, owner_officer):
    with pytest.raises(PermissionDenied):
        screening_services.details_request_withdraw(actor=owner_officer, details_request=sent)
    sign_in(client, owner_officer)
    url = reverse("cases:details_request_withdraw", kwargs={"request_id": sent.pk})
    assert client.post(url).status_code == 404


def test_a_withdrawn_request_cannot_be_answered(sent, officer, owner_officer):
    screening_services.details_request_withdraw(actor=officer, details_request=sent)
    with pytest.raises(ValidationError):
        screening_services.details_request_answer(
            actor=owner_officer, details_request=sent, answer="same"
        )


def test_a_request_past_its_time_reads_as_expired_and_cannot_be_answered(
    sent, owner_officer, officer, newcomer
):
    _lapse(sent)
    with pytest.raises(ValidationError):
        screening_services.details_request_answer(
            actor=owner_officer, details_request=sent, answer="same"
        )
    (row,) = screening_selectors.details_requests_for_case(user=officer, case=newcomer)
    assert row.status == DetailsRequestStatus.EXPIRED
    assert not row.may_withdraw
    assert screening_selectors.details_requests_waiting(user=owner_officer) == 0


def test_the_expiry_command_moves_lapsed_requests_only(sent, officer, asking, owning):
    second_case = screened_case(asking, **OTHER_NEW)
    second_about = screened_case(owning, **OTHER_OLD)
    fresh = details_request_create(actor=officer, case=second_case, about=second_about)
    _lapse(sent, by=dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("details_requests_expire", stdout=out)
    assert out.getvalue().strip() == "1 details requests expired."
    sent.refresh_from_db()
    fresh.refresh_from_db()
    assert sent.status == DetailsRequestStatus.EXPIRED
    assert sent.closed_at is not None
    assert fresh.status == DetailsRequestStatus.OPEN
    expired = _trail("cases.details_expired")
    assert {e.unit_id for e in expired} == {asking.pk, owning.pk}
    assert all(e.actor_id is None for e in expired)
    assert screening_services.details_requests_expire() == 0


# ------------------------------------------------------------ workflow ----


def test_the_table_holds_exactly_the_four_ways_out_of_open():
    assert set(DETAILS_REQUEST_MOVES) == {
        (DetailsRequestStatus.OPEN, s)
        for s in DetailsRequestStatus
        if s != DetailsRequestStatus.OPEN
    }


@pytest.mark.parametrize("source", DetailsRequestStatus.values)
@pytest.mark.parametrize("target", DetailsRequestStatus.values)
@pytest.mark.parametrize("side", RequestSide.values)
def test_every_move_off_the_table_is_refused(source, target, side):
    expected = DETAILS_REQUEST_MOVES.get((source, target)) == side
    assert details_request_move_allowed(source, target, side) is expected


# --------------------------------------------------------- constraints ----


@pytest.mark.parametrize(
    "change",
    [
        {"status": "answered", "answer": "", "closed_at": timezone.now()},
        {"status": "declined", "answer": "same", "closed_at": timezone.now()},
        {"status": "open", "answer": "same"},
        {"status": "withdrawn"},  # closed without a time
        {"status": "open", "closed_at": timezone.now()},
        {"status": "lost"},
        {"expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
    ],
)
def test_the_database_refuses_inconsistent_requests(sent, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        DetailsRequest.objects.filter(pk=sent.pk).update(**change)


def test_the_database_refuses_a_request_within_one_unit(sent, asking):
    with pytest.raises(IntegrityError), transaction.atomic():
        DetailsRequest.objects.filter(pk=sent.pk).update(to_unit=asking)


# ------------------------------------------------------------- pages ----


def test_the_panel_offers_the_request_and_shows_the_answer_and_note(
    client, officer, owner_officer, newcomer, earlier, owning
):
    sign_in(client, officer)
    panel = reverse("cases:screening", kwargs={"code": newcomer.code})
    page = client.get(panel).content.decode()
    assert reverse("cases:details_request", kwargs={"code": newcomer.code}) in page
    assert f'value="{earlier.code}"' in page
    client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": earlier.code, "reason": "Same NRC as ours"},
    )
    page = client.get(panel).content.decode()
    assert "Waiting for an answer" in page
    assert "Same NRC as ours" in page
    screening_services.details_request_answer(
        actor=owner_officer,
        details_request=DetailsRequest.objects.get(),
        answer=DetailsAnswer.SAME,
        note="Registered with us in March",
    )
    page = client.get(panel).content.decode()
    assert "Same person" in page
    assert "Registered with us in March" in page
    assert "ကျော်ဇင်ထွန်း" not in page  # the other unit's person's name is not revealed
    reply_read = _trail("cases.viewed", target_id=str(earlier.pk))
    assert reply_read[-1].unit_id == owning.pk
    assert reply_read[-1].details == {"fields": ["details_reply"], "purpose": "details_request"}


def test_the_panel_offers_no_request_to_a_unit_handler(client, asking, newcomer, earlier):
    handler = UserFactory(unit=asking, roles=[Role.UNIT_HANDLER])
    sign_in(client, handler)
    page = client.get(reverse("cases:screening", kwargs={"code": newcomer.code})).content.decode()
    assert earlier.code in page
    assert reverse("cases:details_request", kwargs={"code": newcomer.code}) not in page


def test_the_incoming_page_shows_reason_and_reasons_and_audits_in_the_asking_unit(
    client, sent, owner_officer, newcomer, earlier, asking
):
    sign_in(client, owner_officer)
    response = client.get(reverse("cases:details_requests"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Asking unit" in page
    assert newcomer.code in page
    assert earlier.code in page
    assert "same NRC?" in page  # the requester's reason
    assert "same NRC;" in page  # the matcher's reasons
    (look,) = _trail("cases.viewed", target_id=str(newcomer.pk), unit_id=asking.pk)
    assert look.details["purpose"] == "details_request"
    assert "details_request_reason" in look.details["fields"]


def test_the_dashboard_counts_waiting_requests_for_screening_officers_only(
    client, sent, owner_officer, owning
):
    sign_in(client, owner_officer)
    page = client.get(reverse("cases:dashboard")).content.decode()
    assert "1 request waits for an answer." in page
    handler = UserFactory(unit=owning, roles=[Role.UNIT_HANDLER])
    sign_in(client, handler)
    page = client.get(reverse("cases:dashboard")).content.decode()
    assert reverse("cases:details_requests") not in page


def test_requests_about_or_from_a_shredded_case_disappear(sent, owner_officer, officer, newcomer):
    data_key_shred(data_key=newcomer.data_key)
    assert screening_selectors.details_requests_incoming(user=owner_officer) == []
    assert screening_selectors.details_request_sent_get(user=officer, pk=sent.pk) is None


def test_a_case_without_a_person_can_ask_nothing(officer, asking):
    empty = case_create(unit=asking)
    with pytest.raises(screening_selectors.DetailsRequestRefused):
        screening_selectors.details_request_target(user=officer, case=empty, code="SP-0000-0000")
