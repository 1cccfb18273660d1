"""Case pages end to end through the test client: rendering, search, moves, refusals."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases import services
from safepassage.cases.models import Case, CaseEvent, Task
from safepassage.cases.tests.factories import (
    case_create,
    family_add,
    person_create,
    phone_add,
    task_add,
)
from safepassage.cases.workflow import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return UnitFactory()


@pytest.fixture
def handler(client, unit):
    user = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    sign_in(client, user)
    return user


def test_detail_shows_decrypted_person_and_audits_the_read(client, unit, handler):
    case = case_create(unit=unit, summary="meet at the bridge")
    person = person_create(case, name_latin="Maung Zaw Win")
    phone_add(person, "+959420000123")
    response = client.get(reverse("cases:detail", kwargs={"code": case.code}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Maung Zaw Win" in body
    assert "+959420000123" in body
    assert response["Cache-Control"].startswith("no-store")
    event = AuditEvent.objects.get(action="cases.viewed")
    assert "name_my" in event.details["fields"]


def _detail_queries(client, case) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("cases:detail", kwargs={"code": case.code})
    # The session's first request reads the user's roles and device and
    # keeps them (AccessCacheMiddleware); count a request like the others.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_detail_reads_rows_and_their_keys_without_a_query_per_row(client, unit, handler):
    small = case_create(unit=unit)
    phone_add(person_create(small), "+959420000001")
    big = case_create(unit=unit)
    person = person_create(big)
    for i in range(8):
        phone_add(person, f"+95942000010{i}")
        family_add(person)
        task_add(big, title=f"task {i}")
        services.case_note_add(actor=handler, case=big, body=f"note {i}")
    Task.objects.filter(case=big).update(assignee=handler)
    assert _detail_queries(client, big) == _detail_queries(client, small)


def test_detail_queries_do_not_grow_with_the_units_staff(client, unit, handler):
    case = case_create(unit=unit)
    person_create(case)
    before = _detail_queries(client, case)
    for role in (Role.CASEWORKER, Role.SCREENING_OFFICER, Role.UNIT_HANDLER, Role.ANALYST):
        UserFactory(unit=unit, roles=[role])
    assert _detail_queries(client, case) == before


def test_another_units_case_is_not_found_and_the_attempt_audited(client, handler):
    other = case_create(unit=UnitFactory())
    response = client.get(reverse("cases:detail", kwargs={"code": other.code}))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="cases.access_refused", target_id=str(other.pk)
    ).exists()


def test_list_pages_by_keyset_and_filters_by_status(client, unit, handler):
    cases = [case_create(unit=unit) for _ in range(55)]
    Case.objects.filter(pk=cases[0].pk).update(status=Status.PLANNING)
    first = client.get(reverse("cases:list"))
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page.rows) == 50
    assert page.rows[0].pk == cases[-1].pk
    second = client.get(reverse("cases:list"), {"before": page.next_before})
    assert [c.pk for c in second.context["page"].rows] == [c.pk for c in reversed(cases[:5])]
    planning = client.get(reverse("cases:list"), {"status": "planning"})
    assert [c.pk for c in planning.context["page"].rows] == [cases[0].pk]
    for junk in ("x", "-1", "9" * 40, "1.5"):
        assert (
            client.get(reverse("cases:list"), {"before": junk, "status": junk}).status_code == 200
        )


def test_search_by_code_phone_and_name(client, unit, handler):
    case = case_create(unit=unit)
    person = person_create(case, name_latin="Maung Zaw Win", name_my="မောင်ဇော်ဝင်း")
    phone_add(person, "+959420000123")
    url = reverse("cases:search")
    by_code = client.post(url, {"q": case.code.lower()})
    assert by_code.status_code == 302
    by_phone = client.post(url, {"q": "09 420 000 123"})
    assert by_phone.status_code == 302
    assert by_phone["Location"] == reverse("cases:detail", kwargs={"code": case.code})
    by_name = client.post(url, {"q": "ေမာင္ေဇာ္ဝင္း"})  # Zawgyi
    assert by_name.status_code == 200
    assert by_name.context["results"] == [case]
    assert AuditEvent.objects.filter(action="cases.searched").count() == 3


def test_workflow_buttons_and_a_posted_move(client, unit, handler):
    case = case_create(unit=unit)
    detail = client.get(reverse("cases:detail", kwargs={"code": case.code}))
    targets = {m.target for m in detail.context["moves"]}
    assert targets == {Status.PLANNING, Status.LOST_CONTACT, Status.WITHDRAWN}
    url = reverse("cases:transition", kwargs={"code": case.code})
    response = client.post(url, {"target": "planning", "expected_version": case.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.PLANNING


def _received(unit, handler) -> Case:
    case = case_create(unit=unit)
    for target in (Status.PLANNING, Status.IN_TRANSIT):
        services.case_transition(actor=handler, case=case, target=target)
    Case.objects.filter(pk=case.pk).update(status=Status.RECEIVED)
    return Case.objects.get(pk=case.pk)


def test_a_move_not_easily_undone_asks_first_and_writes_nothing(client, unit, handler):
    case = _received(unit, handler)
    events = CaseEvent.objects.count()
    url = reverse("cases:transition", kwargs={"code": case.code})
    response = client.post(url, {"target": "screening", "expected_version": case.version})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm the change of status" in page
    assert "cannot be undone" in page
    assert 'name="confirmed" value="1"' in page
    assert Case.objects.get(pk=case.pk).status == Status.RECEIVED
    assert CaseEvent.objects.count() == events
    confirmed = client.post(
        url, {"target": "screening", "expected_version": case.version, "confirmed": "1"}
    )
    assert confirmed.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.SCREENING
    assert AuditEvent.objects.filter(
        action="cases.transitioned", target_id=str(case.pk), details__to="screening"
    ).exists()


def test_the_confirmation_carries_the_reason_typed(client, unit, handler):
    case = _received(unit, handler)
    Case.objects.filter(pk=case.pk).update(status=Status.REJECTED)
    case = Case.objects.get(pk=case.pk)
    url = reverse("cases:transition", kwargs={"code": case.code})
    page = client.post(
        url, {"target": "closed", "expected_version": case.version, "reason": "Left <b>area</b>"}
    ).content.decode()
    assert 'name="reason" value="Left &lt;b&gt;area&lt;/b&gt;"' in page
    client.post(
        url,
        {
            "target": "closed",
            "expected_version": case.version,
            "reason": "Left <b>area</b>",
            "confirmed": "1",
        },
    )
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_a_move_missing_its_reason_is_refused_before_any_confirmation(client, unit, handler):
    case = _received(unit, handler)
    Case.objects.filter(pk=case.pk).update(status=Status.REJECTED)
    url = reverse("cases:transition", kwargs={"code": case.code})
    response = client.post(url, {"target": "closed", "expected_version": case.version}, follow=True)
    assert "Give a reason" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REJECTED


def test_a_move_the_user_may_not_make_gets_no_confirmation_page(client, unit, handler):
    case = _received(unit, handler)
    Case.objects.filter(pk=case.pk).update(status=Status.SCREENING)
    url = reverse("cases:transition", kwargs={"code": case.code})
    response = client.post(url, {"target": "cleared", "reason": "x", "expected_version": 0})
    assert response.status_code == 302  # refused with a message, as before
    assert Case.objects.get(pk=case.pk).status == Status.SCREENING


def test_a_stale_move_is_refused_with_a_message(client, unit, handler):
    case = case_create(unit=unit)
    old_version = case.version
    services.case_note_add(actor=handler, case=case, body="meanwhile")
    url = reverse("cases:transition", kwargs={"code": case.code})
    response = client.post(
        url, {"target": "planning", "expected_version": old_version}, follow=True
    )
    assert "Someone else changed this case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.CONTACTED


def test_person_form_round_trip_with_zawgyi(client, unit, handler):
    case = case_create(unit=unit)
    url = reverse("cases:person_edit", kwargs={"code": case.code})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name_my": "ေမာင္ေဇာ္",
            "nrc": "12/MaYaKa(N)123456",
            "phones": "09420000123",
            "birth_precision": "year",
            "birth_year": "2001",
            "expected_version": case.version,
        },
    )
    assert response.status_code == 302
    person = Case.objects.get(pk=case.pk).person
    assert person.name_my == "မောင်ဇော်"
    bad = client.post(
        url,
        {
            "birth_precision": "day",
            "birth_date": "1990-02-31",
            "expected_version": Case.objects.get(pk=case.pk).version,
        },
    )
    assert bad.status_code == 200
    assert "This date does not exist" in bad.content.decode()


def test_person_form_shows_the_stored_township_as_name_and_code(client, unit, handler):
    case = case_create(unit=unit)
    person_create(case, home_township="MMR005012")
    response = client.get(reverse("cases:person_edit", kwargs={"code": case.code}))
    body = response.content.decode()
    assert 'value="Monywa (MMR005012)"' in body
    assert f'hx-post="{reverse("cases:township_suggest")}"' in body
    assert 'hx-params="csrfmiddlewaretoken,home_township"' in body
    assert 'id="township-suggestions"' in body
    assert re.search(r'<script src="/static/vendor/htmx/htmx\.min\.js[^"]*" defer>', body)


def test_htmx_is_fetched_only_by_pages_that_use_it(client, unit, handler):
    """16 KiB on a slow link: the case list has no htmx control, so no htmx."""
    case_create(unit=unit)
    body = client.get(reverse("cases:list")).content.decode()
    assert "hx-" not in body
    assert "htmx.min.js" not in body


def test_township_suggestions_are_a_fragment_of_buttons(client, handler):
    url = reverse("cases:township_suggest")
    response = client.post(url, {"home_township": "ျမစ္ႀကီးနား"})  # Zawgyi
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'Myitkyina / <span lang="my">မြစ်ကြီးနား</span>' in body
    assert f'hx-post="{reverse("cases:township_pick")}"' in body
    assert """hx-vals='{"pcode": "MMR001001"}'""" in body
    assert "?" not in body  # no query string anywhere: the code travels in the body
    assert "No township" in client.post(url, {"home_township": "qqqqqqqq"}).content.decode()
    assert client.post(url).content.decode().strip() == ""
    assert client.get(url, {"home_township": "Monywa"}).status_code == 405


def test_a_picked_township_comes_back_as_the_filled_box(client, handler):
    url = reverse("cases:township_pick")
    response = client.post(url, {"pcode": "mmr001001"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="home_township"' in body
    assert 'value="Myitkyina (MMR001001)"' in body
    assert 'id="township-widget"' in body
    for bad in ("", "MMR999999", "<script>", "x" * 5000):
        assert client.post(url, {"pcode": bad}).status_code == 404
    assert client.get(url, {"pcode": "MMR001001"}).status_code == 405


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=300))
def test_township_suggestions_take_any_text(client, handler, typed):
    response = client.post(reverse("cases:township_suggest"), {"home_township": typed})
    assert response.status_code == 200


def _jpeg(exif_maker: str = "CanaryCameraMaker") -> bytes:
    image = Image.new("RGB", (40, 30), (120, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = exif_maker  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _person_post(case, **extra):
    return {"expected_version": Case.objects.get(pk=case.pk).version, **extra}


def test_a_photo_is_stored_without_metadata_and_shown_through_an_audited_read(
    client, unit, handler
):
    case = case_create(unit=unit)
    edit = reverse("cases:person_edit", kwargs={"code": case.code})
    upload = SimpleUploadedFile("me.jpg", _jpeg(), content_type="image/jpeg")
    assert client.post(edit, _person_post(case, photo=upload)).status_code == 302
    photo_url = reverse("cases:person_photo", kwargs={"code": case.code})
    assert (
        photo_url
        in client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    )
    response = client.get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("no-store")
    assert b"CanaryCameraMaker" not in response.content
    assert Image.open(io.BytesIO(response.content)).size == (40, 30)
    event = AuditEvent.objects.filter(action="cases.viewed").order_by("-sequence").first()
    assert event.details["fields"] == ["photo"]
    saved = AuditEvent.objects.filter(action="cases.person_saved").order_by("-sequence").first()
    assert "photo" in saved.details["fields"]


def test_replacing_and_removing_a_photo_deletes_the_old_file(
    client, unit, handler, django_capture_on_commit_callbacks
):
    case = case_create(unit=unit)
    edit = reverse("cases:person_edit", kwargs={"code": case.code})
    first = SimpleUploadedFile("a.jpg", _jpeg(), content_type="image/jpeg")
    client.post(edit, _person_post(case, photo=first))
    old_path = Case.objects.get(pk=case.pk).person.photo.path
    assert old_path.exists()
    second = SimpleUploadedFile("b.jpg", _jpeg("Other"), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        replaced = client.post(edit, _person_post(case, photo=second))
    assert replaced.status_code == 302
    assert not old_path.exists()
    new_path = Case.objects.get(pk=case.pk).person.photo.path
    assert "photo_remove" in client.get(edit).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(edit, _person_post(case, photo_remove="on"))
    assert removed.status_code == 302
    assert Case.objects.get(pk=case.pk).person.photo is None
    assert not new_path.exists()
    photo_url = reverse("cases:person_photo", kwargs={"code": case.code})
    assert client.get(photo_url).status_code == 404
    assert "photo_remove" not in client.get(edit).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("x.jpg", b"not an image at all", "image/jpeg"),
        ("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        ("x.jpg", b"", "image/jpeg"),
    ],
)
def test_a_bad_photo_is_a_clear_error_and_nothing_is_saved(
    client, unit, handler, name, content, content_type
):
    case = case_create(unit=unit)
    person_create(case, name_latin="Before")
    edit = reverse("cases:person_edit", kwargs={"code": case.code})
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post(edit, _person_post(case, name_latin="After", photo=upload))
    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    assert Case.objects.get(pk=case.pk).person.name_latin == "Before"


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_photo_too_large_for_memory_is_refused_not_written_to_disk(client, unit, handler):
    case = case_create(unit=unit)
    edit = reverse("cases:person_edit", kwargs={"code": case.code})
    big = SimpleUploadedFile("big.jpg", _jpeg() + b"\0" * 20_000, content_type="image/jpeg")
    response = client.post(edit, _person_post(case, photo=big))
    assert response.status_code == 200
    assert "The photo is larger than 5 MB." in response.context["form"].errors["photo"]


def test_another_units_photo_is_not_found(client, handler):
    other = case_create(unit=UnitFactory())
    url = reverse("cases:person_photo", kwargs={"code": other.code})
    assert client.get(url).status_code == 404


def test_new_case_page(client, unit, handler):
    response = client.post(
        reverse("cases:new"), {"category": "conscript", "priority": "3", "summary": "ဇော်ဂျီ"}
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.unit == unit
    assert case.priority == 3


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "target",
                "reason",
                "expected_version",
                "body",
                "to_unit",
                "answer",
                "name_my",
                "nrc",
                "phones",
                "birth_precision",
                "birth_date",
                "category",
                "priority",
                "summary",
            ]
        ),
        st.text(max_size=200),
    )
)
def test_hostile_posts_never_error(client, unit, handler, data):
    case = case_create(unit=unit)
    for name in (
        "cases:transition",
        "cases:note",
        "cases:transfer",
        "cases:person_edit",
        "cases:task_add",
        "cases:assign",
    ):
        response = client.post(reverse(name, kwargs={"code": case.code}), data)
        assert response.status_code in (200, 302), (name, response.status_code)
    assert client.post(reverse("cases:new"), data).status_code in (200, 302)


def test_detail_page_carries_the_note_task_and_transfer_forms(client, unit, handler):
    other = UnitFactory(name="Battalion Elsewhere")
    case = case_create(unit=unit)
    body = client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    assert 'name="body"' in body
    assert 'name="title"' in body
    assert 'name="due_on"' in body
    assert f'<option value="{other.pk}">Battalion Elsewhere</option>' in body
    assert f'<option value="{unit.pk}">' not in body
    assert body.count(f'name="expected_version" value="{case.version}"') >= 2


def test_the_list_page_costs_no_query_for_the_watch_list_link(client, unit, handler):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case_create(unit=unit)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:list")).status_code == 200
    assert not [q for q in queries if 'FROM "accounts_unit"' in q["sql"]]
