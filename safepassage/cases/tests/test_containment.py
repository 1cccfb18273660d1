"""One altered row costs that row, never the page (issue 18 §5): the
details-requests page, the case's timeline and open tasks, and a
watch-list hit whose list's name was altered. Each test alters one row as
a database writer would and asserts that the others still show, that the
page says one record could not be read, and that headquarters is alerted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent, IntegrityAlert
from safepassage.cases import services
from safepassage.cases.models import CaseEvent, EventKind
from safepassage.cases.screening import services as screening_services
from safepassage.cases.tests.factories import (
    OTHER_NEW,
    OTHER_OLD,
    case_create,
    details_request_create,
    handler_in,
    screened_case,
)
from safepassage.vault.tests.tamper import flip_byte
from safepassage.watchlists import selectors as watch_selectors
from safepassage.watchlists.tests.factories import keeper, list_with
from safepassage.watchlists.tests.test_selectors import ROWS, SCREENED

pytestmark = pytest.mark.django_db

LEFT_OUT = b"1 record could not be read"


def test_one_altered_details_request_leaves_the_others_on_the_page(
    client, officer, owner_officer, newcomer, earlier, asking, owning
):
    altered = details_request_create(actor=officer, case=newcomer, about=earlier, reason="bad one")
    other = details_request_create(
        actor=officer,
        case=screened_case(asking, **OTHER_NEW),
        about=screened_case(owning, **OTHER_OLD),
        reason="the good one",
    )
    flip_byte(altered.request_event, "body")
    sign_in(client, owner_officer)
    response = client.get(reverse("cases:details_requests"))
    assert response.status_code == 200
    assert b"the good one" in response.content
    assert other.about_case.code.encode() in response.content
    assert b"bad one" not in response.content
    assert LEFT_OUT in response.content
    alert = IntegrityAlert.objects.get()
    assert (alert.model, alert.row_id) == ("cases.caseevent", str(altered.request_event_id))
    assert alert.found_in == "cases.details_requests"
    assert AuditEvent.objects.filter(action="vault.integrity_failed").count() == 1


def test_an_altered_reply_on_a_sent_request_leaves_the_screening_panel_up(
    client, officer, owner_officer, newcomer, earlier
):
    sent = details_request_create(actor=officer, case=newcomer, about=earlier, reason="same?")
    screening_services.details_request_answer(
        actor=owner_officer, details_request=sent, answer="same", note="secret note"
    )
    sent.refresh_from_db()
    flip_byte(sent.reply_event, "body")
    sign_in(client, owner_officer)
    response = client.get(reverse("cases:details_requests"))
    assert response.status_code == 200
    assert b"secret note" not in response.content
    assert LEFT_OUT in response.content
    assert IntegrityAlert.objects.filter(row_id=str(sent.reply_event_id)).count() == 1


def test_one_altered_note_leaves_the_rest_of_the_timeline_and_the_tasks(client):
    case = case_create()
    handler = handler_in(case.unit)
    bad = CaseEvent.objects.create(
        case=case, data_key=case.data_key, kind=EventKind.NOTE, actor=handler, body="altered note"
    )
    CaseEvent.objects.create(
        case=case, data_key=case.data_key, kind=EventKind.NOTE, actor=handler, body="kept note"
    )
    task = services.task_create(actor=handler, case=case, title="bad task")
    services.task_create(actor=handler, case=case, title="kept task")
    flip_byte(bad, "body")
    flip_byte(task, "title")
    sign_in(client, handler)
    response = client.get(reverse("cases:detail", kwargs={"code": case.code}))
    assert response.status_code == 200
    page = response.content
    assert b"kept note" in page
    assert b"kept task" in page
    assert b"altered note" not in page
    assert b"bad task" not in page
    assert page.count(LEFT_OUT) == 2  # the timeline's and the tasks'
    assert set(IntegrityAlert.objects.values_list("model", "row_id")) == {
        ("cases.caseevent", str(bad.pk)),
        ("cases.task", str(task.pk)),
    }


def test_an_altered_list_name_never_hides_its_hits():
    hq_officer = keeper()
    watch_list = list_with(hq_officer, *ROWS)
    flip_byte(watch_list, "name")
    for _again in range(2):
        (hit,) = watch_selectors.watchlist_hits(user=hq_officer, record=SCREENED)
        assert hit.list_name is None
        assert hit.entry is not None
        assert hit.entry.name_latin == "Kyaw Zin Htun"
    alert = IntegrityAlert.objects.get()
    assert (alert.model, alert.row_id) == ("watchlists.watchlist", str(watch_list.pk))


def test_the_screening_panel_shows_a_hit_of_an_altered_list_and_says_so(client):
    hq_officer = keeper()
    watch_list = list_with(hq_officer, *ROWS)
    case = screened_case(
        hq_officer.unit,
        name_latin="Kyao Zin Tun",
        name_my="",
        father_name="U Ba Sein",
        nrc="12/LAMANA(N)654321",
    )
    flip_byte(watch_list, "name")
    sign_in(client, hq_officer)
    response = client.get(reverse("cases:screening", kwargs={"code": case.code}))
    assert response.status_code == 200
    assert b"Kyaw Zin Htun" in response.content  # the hit, with its entry
    assert b"whose name could not be read" in response.content
    assert LEFT_OUT in response.content
