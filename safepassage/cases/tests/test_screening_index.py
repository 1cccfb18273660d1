"""The per-process index of every registered person (cases/screening.py):
records read from the columns, the first build inline or in the
background, and what the pages say while it runs."""

from __future__ import annotations

import gc
import threading

import pytest
from django.db import connection
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent, IntegrityAlert
from safepassage.cases.models import DetailsRequest, Person, ScreeningDecision
from safepassage.cases.screening import index as screening
from safepassage.cases.screening import records
from safepassage.cases.screening import selectors as screening_selectors
from safepassage.cases.screening import services as screening_services
from safepassage.cases.tests.factories import (
    TWICE_NEW,
    TWICE_OLD,
    details_request_create,
    phone_add,
    screened_case,
)
from safepassage.vault.exceptions import DecryptionError
from safepassage.vault.keys import data_key_shred
from safepassage.vault.tests.tamper import flip_byte


@pytest.fixture
def gated(monkeypatch):
    """Call it to hold background builds until the returned gate is set;
    requests then wait for no build."""
    gate = threading.Event()

    def hold() -> threading.Event:
        read = screening._Indexed.read

        def held(self, people, progress=None):
            if progress is not None:
                assert gate.wait(30), "the test never opened the gate"
            return read(self, people, progress)

        monkeypatch.setattr(screening._Indexed, "read", held)
        monkeypatch.setattr(screening, "BUILD_INLINE_LIMIT", 0)
        monkeypatch.setattr(screening, "BUILD_WAIT_SECONDS", 0)
        return gate

    yield hold
    gate.set()
    build = screening._people.build
    if build is not None:
        build.done.wait(30)


def _ready():
    """The index, once the build running now (if any) is done."""
    for _attempt in range(3):
        try:
            return screening.screening_index()
        except screening.ScreeningIndexNotReady:
            assert screening._people.build.done.wait(30)
    raise AssertionError("the index was never built")


# ------------------------------------------------------------- records ----


@pytest.mark.django_db
def test_records_read_from_the_columns_are_those_of_the_instances(asking):
    case = screened_case(
        asking,
        **{**TWICE_NEW, "birth": {"precision": "day", "date": "1990-03-05"}},
        aliases=["Ko Kyaw", 7, "ကျော်"],
    )
    person = Person.objects.get(case=case)
    phone_add(person, "+959420000001")
    phone_add(person, "09420000002")
    screened_case(asking, name_latin="Only A Name", name_my="", birth=None, aliases=None)
    bulk = [record for batch in screening.registered_records() for record, _updated in batch]
    people = Person.objects.order_by("pk").prefetch_related("phones")
    assert bulk == [records.person_record(p) for p in people]
    first = bulk[0]
    assert first.aliases == ("Ko Kyaw", "ကျော်")  # a number is no name
    assert (first.phone, first.other_phones) == ("+959420000001", ("09420000002",))
    assert first.date_of_birth == "1990-03-05"


@pytest.mark.django_db
def test_shredded_people_are_not_read(asking):
    kept = screened_case(asking, **TWICE_NEW)
    gone = screened_case(asking, **TWICE_OLD)
    data_key_shred(data_key=gone.data_key)
    ids = [record.id for batch in screening.registered_records() for record, _ in batch]
    assert ids == [str(kept.pk)]


@pytest.mark.django_db
def test_a_tampered_person_is_left_out_of_the_build_and_reported(asking):
    case = screened_case(asking, **TWICE_NEW)
    other = screened_case(asking, **TWICE_OLD)
    person, victim = Person.objects.get(case=case), Person.objects.get(case=other)
    Person.objects.filter(pk=victim.pk).update(name_latin=person.__dict__["name_latin"])
    index = screening.screening_index()
    assert set(index.positions) == {str(case.pk)}
    assert screening.screening_index_unreadable() == {other.pk}
    alert = IntegrityAlert.objects.get()
    assert (alert.model, alert.row_id, alert.found_in) == (
        "cases.person",
        str(victim.pk),
        "cases.screening_index",
    )
    with pytest.raises(DecryptionError):  # read alone (its own panel), it still refuses
        next(screening.registered_records(Person.objects.filter(pk=victim.pk)))


@pytest.mark.django_db(transaction=True)
def test_a_background_build_leaves_a_tampered_person_out_and_reports_it_once(
    monkeypatch, newcomer, earlier
):
    monkeypatch.setattr(screening, "BUILD_INLINE_LIMIT", 0)
    flip_byte(Person.objects.get(case=earlier), "father_name")
    for _restart in range(2):
        screening.screening_index_reset()
        assert set(_ready().positions) == {str(newcomer.pk)}
        assert screening.screening_index_unreadable() == {earlier.pk}
    assert IntegrityAlert.objects.count() == 1
    assert AuditEvent.objects.filter(action="vault.integrity_failed").count() == 1


# ------------------------------------------------------ background build ----


@pytest.mark.django_db(transaction=True)
def test_a_large_first_build_runs_in_the_background_and_says_how_far_it_got(
    gated, newcomer, earlier
):
    gate = gated()
    with pytest.raises(screening.ScreeningIndexNotReady) as not_ready:
        screening.screening_index()
    assert (not_ready.value.read, not_ready.value.total) == (0, 2)
    first = screening._people.build
    with pytest.raises(screening.ScreeningIndexNotReady):
        screening.screening_index()
    assert screening._people.build is first  # one build, however many ask
    gate.set()
    assert {r.id for r in _ready().records} == {str(newcomer.pk), str(earlier.pk)}
    assert first.read == 2


@pytest.mark.django_db
def test_the_build_pauses_the_collector_and_freezes_what_it_built(monkeypatch, asking):
    screened_case(asking, **TWICE_NEW)
    during: list[bool] = []
    read = screening._Indexed.read

    def watched(self, people, progress=None):
        during.append(gc.isenabled())
        return read(self, people, progress)

    monkeypatch.setattr(screening._Indexed, "read", watched)
    gc.unfreeze()
    try:
        index = screening.screening_index()
        assert during == [False]
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        # Out of the collector's sight: later full collections skip it.
        assert not any(o is index for o in gc.get_objects())
    finally:
        gc.unfreeze()


@pytest.mark.django_db(transaction=True)
def test_people_saved_during_the_build_are_read_by_the_next_use(gated, asking, newcomer):
    gate = gated()
    with pytest.raises(screening.ScreeningIndexNotReady):
        screening.screening_index()
    later = screened_case(asking, **TWICE_OLD)
    gate.set()
    assert str(later.pk) in _ready().positions


@pytest.mark.django_db
def test_a_refresh_decrypts_only_the_people_changed_since_it_read_them(
    monkeypatch, asking, newcomer, django_assert_num_queries
):
    earlier = screened_case(asking, **TWICE_OLD)
    screening.screening_index()
    read: list[int] = []
    records = screening.registered_records

    def counted(people=None, **kwargs):
        for batch in records(people, **kwargs):
            read.extend(int(record.id) for record, _updated in batch)
            yield batch

    monkeypatch.setattr(screening, "registered_records", counted)
    with django_assert_num_queries(1):  # both are recent, neither has changed
        screening.screening_index()
    assert read == []
    person = Person.objects.get(case=earlier)
    person.name_latin = "Kyaw Kyaw Oo"
    person.save()
    index = screening.screening_index()
    assert read == [earlier.pk]
    assert index.records[index.positions[str(earlier.pk)]].name == "Kyaw Kyaw Oo"


@pytest.mark.django_db(transaction=True)
def test_a_failed_background_build_is_raised_to_the_next_request_then_retried(
    monkeypatch, newcomer
):
    monkeypatch.setattr(screening, "BUILD_INLINE_LIMIT", 0)
    failing = threading.Event()
    read = screening._Indexed.read

    def broken(self, people, progress=None):
        if progress is not None and not failing.is_set():
            failing.set()
            raise DecryptionError("A stored value failed its integrity check.")
        return read(self, people, progress)

    monkeypatch.setattr(screening._Indexed, "read", broken)
    with pytest.raises(DecryptionError):
        screening.screening_index()
    assert screening._people.build is None
    assert str(newcomer.pk) in _ready().positions  # a new build, which succeeds


@pytest.mark.django_db(transaction=True)
def test_warming_builds_in_the_background_however_few_people(monkeypatch, newcomer):
    started = []
    real = threading.Thread

    def thread(*args, **kwargs):
        started.append(kwargs.get("name"))
        return real(*args, **kwargs)

    monkeypatch.setattr(screening.threading, "Thread", thread)
    screening.screening_index_warm()
    screening.screening_index_warm()  # a second warm-up starts nothing more
    assert started == ["screening-index"]
    assert str(newcomer.pk) in _ready().positions


# ----------------------------------------------------- pages while building ----


@pytest.mark.django_db(transaction=True)
def test_the_panel_says_matches_are_being_prepared_and_offers_no_decision(
    gated, client, officer, newcomer, earlier
):
    gate = gated()
    sign_in(client, officer)
    url = reverse("cases:screening", kwargs={"code": newcomer.code})
    body = client.get(url).content.decode()
    assert "reading every registered person" in body
    assert "(0 of 2 read)" in body
    assert "No registered person looks like this one" not in body
    assert "Record a decision" not in body
    assert "No hit on the active watch-lists" in body  # watch-lists have their own index
    gate.set()
    _ready()
    body = client.get(url).content.decode()
    assert "reading every registered person" not in body
    assert earlier.code in body
    assert "Record a decision" in body


@pytest.mark.django_db(transaction=True)
def test_a_first_build_for_a_decision_holds_no_transaction_open(
    monkeypatch, officer, newcomer, earlier
):
    in_transaction: list[bool] = []
    read = screening._Indexed.read

    def watched(self, people, progress=None):
        in_transaction.append(connection.in_atomic_block)
        return read(self, people, progress)

    monkeypatch.setattr(screening._Indexed, "read", watched)
    screening_services.screening_decide(
        actor=officer, case=newcomer, outcome="cleared", reasons="seen"
    )
    assert in_transaction == [False]  # built inline, before the decision's transaction
    assert ScreeningDecision.objects.get().outcome == "cleared"


@pytest.mark.django_db(transaction=True)
def test_no_decision_is_recorded_before_the_candidates_can_be_seen(
    gated, client, officer, newcomer, earlier
):
    gate = gated()
    sign_in(client, officer)
    url = reverse("cases:screening_decide", kwargs={"code": newcomer.code})
    post = {"outcome": "cleared", "reasons": "interviewed", "expected_version": newcomer.version}
    body = client.post(url, post).content.decode()
    assert "Try again in a few minutes" in body
    assert not ScreeningDecision.objects.exists()
    gate.set()
    _ready()
    assert client.post(url, post).status_code == 302
    assert ScreeningDecision.objects.get().outcome == "cleared"


@pytest.mark.django_db(transaction=True)
def test_a_details_request_waits_for_the_index(gated, client, officer, newcomer, earlier):
    gated()
    sign_in(client, officer)
    response = client.post(
        reverse("cases:details_request", kwargs={"code": newcomer.code}),
        {"about": earlier.code, "reason": "same NRC?"},
        follow=True,
    )
    assert "Try again in a few minutes" in response.content.decode()
    assert not DetailsRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_incoming_page_says_the_reasons_are_being_prepared(
    gated, client, officer, owner_officer, newcomer, earlier
):
    details_request_create(actor=officer, case=newcomer, about=earlier)
    screening.screening_index_reset()  # a restart
    gate = gated()
    sign_in(client, owner_officer)
    body = client.get(reverse("cases:details_requests")).content.decode()
    assert "being prepared" in body
    assert "no longer a match" not in body
    gate.set()
    _ready()
    (row,) = screening_selectors.details_requests_incoming(user=owner_officer)
    assert "NRC" in row.explanation
