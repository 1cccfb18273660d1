"""Protection pages: what each role sees, what a refusal looks like, what is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import FamilyMember
from safepassage.protection.models import Placement, ProtectiveMeasure, RiskAssessment
from safepassage.vault import keys
from safepassage.vault.tests.tamper import flip_byte

from .factories import (
    assess,
    fill,
    house_create,
    member_of,
    officer_in,
    overdue_assessment,
    protected_case,
)

pytestmark = pytest.mark.django_db

LOCATION = "Behind the monastery, village 7"


def _assess_data(kinds, *, level="3", review_on=None) -> dict[str, str]:
    review = review_on or (timezone.localdate() + dt.timedelta(days=30))
    data = {"level": level, "review_on": review.isoformat(), "summary": "watched at home"}
    for kind in kinds:
        data[f"threat_{kind.pk}_level"] = "2"
        data[f"threat_{kind.pk}_factors"] = f"factor {kind.code}"
        data[f"threat_{kind.pk}_measures"] = "none yet"
    return data


def test_the_case_page_shows_assessments_family_measures_and_audits_the_read(
    client, unit, officer, kinds
):
    case = protected_case(unit)
    member = member_of(case, relation="sister", risk_notes="lives near the barracks")
    assess(case, officer)
    assess(case, officer, member=member)
    house = house_create(unit)
    from safepassage.protection import services

    services.placement_create(actor=officer, case=case, house=house)
    sign_in(client, officer)
    before = AuditEvent.objects.count()
    page = client.get(reverse("protection:case", kwargs={"code": case.code}))
    assert page.status_code == 200
    body = page.content.decode()
    assert "lives near the barracks" in body
    assert "factors" in body
    assert "House Teak" in body
    assert LOCATION not in body  # the location is on the house's own page only
    read = AuditEvent.objects.filter(sequence__gt=before, action="cases.viewed").get()
    assert read.details["purpose"] == "protection_case"
    assert "family" in read.details["fields"]


def test_assessing_the_person_and_a_family_member_through_the_form(client, unit, officer, kinds):
    case = protected_case(unit)
    member = member_of(case)
    sign_in(client, officer)
    response = client.post(
        reverse("protection:assess", kwargs={"code": case.code}), _assess_data(kinds)
    )
    assert response.status_code == 302
    response = client.post(
        reverse("protection:assess_member", kwargs={"code": case.code, "member_id": member.pk}),
        _assess_data(kinds, level="4"),
    )
    assert response.status_code == 302
    assert RiskAssessment.objects.filter(case=case, current=True).count() == 2
    assert RiskAssessment.objects.get(family_member=member).level == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"review_on": "2020-01-01"}, "after today"),
        ({"review_on": "not a date"}, "Enter a valid date"),
        ({"level": "9"}, "Select a valid choice"),
        ({"level": ""}, "required"),
    ],
)
def test_bad_assessment_input_is_answered_on_the_form(
    client, unit, officer, kinds, change, message
):
    case = protected_case(unit)
    sign_in(client, officer)
    data = {**_assess_data(kinds), **change}
    response = client.post(reverse("protection:assess", kwargs={"code": case.code}), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_a_missing_threat_level_is_refused(client, unit, officer, kinds):
    case = protected_case(unit)
    sign_in(client, officer)
    data = _assess_data(kinds)
    del data[f"threat_{kinds[0].pk}_level"]
    response = client.post(reverse("protection:assess", kwargs={"code": case.code}), data)
    assert response.status_code == 200
    assert not RiskAssessment.objects.exists()


def test_another_cases_family_member_answers_404(client, unit, officer, kinds):
    case = protected_case(unit)
    stranger = member_of(protected_case(unit))
    sign_in(client, officer)
    url = reverse("protection:assess_member", kwargs={"code": case.code, "member_id": stranger.pk})
    assert client.post(url, _assess_data(kinds)).status_code == 404
    assert not RiskAssessment.objects.exists()


def test_adding_a_family_member_encrypts_every_field(client, unit, officer):
    case = protected_case(unit)
    sign_in(client, officer)
    response = client.post(
        reverse("protection:family_add", kwargs={"code": case.code}),
        {
            "relation": "father",
            "name": "ဦးလှ",
            "township": "MMR013017",
            "risk_notes": "questioned twice",
        },
    )
    assert response.status_code == 302
    member = FamilyMember.objects.get(person__case=case)
    assert member.relation == "father"
    assert member.township == "MMR013017"
    assert member.risk_notes == "questioned twice"
    assert AuditEvent.objects.filter(action="cases.family_member_saved").exists()


def test_changing_a_family_member_saves_it_encrypted_and_audits_read_and_write(
    client, unit, officer
):
    case = protected_case(unit)
    member = member_of(case)
    sign_in(client, officer)
    url = reverse("protection:family_edit", kwargs={"code": case.code, "member_id": member.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert AuditEvent.objects.filter(
        action="cases.viewed", details__purpose="protection_family_edit"
    ).exists()
    answer = client.post(
        url, {"relation": "uncle", "name": "", "township": "MMR013017", "risk_notes": "moved"}
    )
    assert answer.status_code == 302
    member.refresh_from_db()
    assert (member.relation, member.township, member.risk_notes) == ("uncle", "MMR013017", "moved")
    saved = AuditEvent.objects.filter(action="cases.family_member_saved").latest("sequence")
    assert saved.details["created"] is False


def test_another_cases_family_member_cannot_be_changed(client, unit, officer):
    case = protected_case(unit)
    stranger = member_of(protected_case(unit))
    before = stranger.relation
    sign_in(client, officer)
    url = reverse("protection:family_edit", kwargs={"code": case.code, "member_id": stranger.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"relation": "x"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.relation == before


@pytest.mark.parametrize(
    "data",
    [{"relation": ""}, {"relation": "x" * 500}, {"relation": "x", "township": "Atlantis-on-Sea"}],
)
def test_a_bad_change_answers_the_form_and_keeps_the_member(client, unit, officer, data):
    case = protected_case(unit)
    member = member_of(case)
    before = member.relation
    sign_in(client, officer)
    url = reverse("protection:family_edit", kwargs={"code": case.code, "member_id": member.pk})
    assert client.post(url, data).status_code == 200
    member.refresh_from_db()
    assert member.relation == before


def test_an_unknown_township_is_refused_on_the_family_form(client, unit, officer):
    case = protected_case(unit)
    sign_in(client, officer)
    response = client.post(
        reverse("protection:family_add", kwargs={"code": case.code}),
        {"relation": "father", "township": "Atlantis-on-Sea"},
    )
    assert response.status_code == 200
    assert "No township of that name is known." in response.content.decode()
    assert not FamilyMember.objects.exists()


def test_placing_and_seeing_a_full_house_refused(client, unit, officer):
    house = house_create(unit, capacity=1)
    first, second = protected_case(unit), protected_case(unit)
    sign_in(client, officer)
    url = reverse("protection:place", kwargs={"code": first.code})
    assert client.post(url, {"house": house.pk}).status_code == 302
    assert Placement.objects.filter(case=first, house=house).exists()
    response = client.post(
        reverse("protection:place", kwargs={"code": second.code}), {"house": house.pk}, follow=True
    )
    assert "This safe house is full" in response.content.decode()
    assert not Placement.objects.filter(case=second).exists()


def test_placing_in_another_units_house_answers_404_and_is_audited(
    client, unit, other_unit, officer
):
    house = house_create(other_unit)
    case = protected_case(unit)
    sign_in(client, officer)
    response = client.post(
        reverse("protection:place", kwargs={"code": case.code}), {"house": house.pk}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="protection.access_refused", unit_id=other_unit.pk
    ).exists()
    assert not Placement.objects.exists()


def test_headquarters_sees_a_units_house_but_cannot_place_its_own_case_there(client, unit):
    hq_officer = officer_in(HeadquartersFactory())
    house = house_create(unit)
    case = protected_case(hq_officer.unit)
    sign_in(client, hq_officer)
    page = client.get(reverse("protection:house", kwargs={"house_id": house.pk}))
    assert page.status_code == 200
    assert LOCATION in page.content.decode()
    response = client.post(
        reverse("protection:place", kwargs={"code": case.code}), {"house": house.pk}, follow=True
    )
    assert "belongs to another unit" in response.content.decode()
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    "role",
    [Role.UNIT_HANDLER, Role.CASEWORKER, Role.SCREENING_OFFICER, Role.ADMINISTRATOR, Role.ANALYST],
)
def test_no_other_role_sees_a_house_location(client, unit, officer, role, kinds):
    house = house_create(unit)
    case = protected_case(unit)
    from safepassage.protection import services

    services.placement_create(actor=officer, case=case, house=house)
    sign_in(client, UserFactory(unit=unit, roles=[role]))
    for url in (
        reverse("protection:house", kwargs={"house_id": house.pk}),
        reverse("protection:houses"),
        reverse("protection:case", kwargs={"code": case.code}),
    ):
        assert client.get(url).status_code == 403
    if role != Role.ANALYST and role != Role.ADMINISTRATOR:
        detail = client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
        assert LOCATION not in detail
        assert "House Teak" not in detail
    home = client.get(reverse("core:home")).content.decode()
    assert LOCATION not in home
    assert "Safe houses" not in home


def test_an_officer_of_another_unit_gets_404_for_the_house_and_it_is_audited(
    client, unit, other_unit
):
    house = house_create(unit)
    sign_in(client, officer_in(other_unit))
    assert client.get(reverse("protection:house", kwargs={"house_id": house.pk})).status_code == 404
    assert AuditEvent.objects.filter(action="protection.access_refused").exists()
    listing = client.get(reverse("protection:houses")).content.decode()
    assert "House Teak" not in listing


def test_a_tampered_location_answers_409_not_the_page(client, unit, officer):
    house = house_create(unit)
    flip_byte(house, "location")
    keys.clear_caches()
    sign_in(client, officer)
    response = client.get(reverse("protection:house", kwargs={"house_id": house.pk}))
    assert response.status_code == 409
    assert LOCATION.encode() not in response.content


def test_adding_a_house_and_reading_its_occupancy(client, unit, officer):
    sign_in(client, officer)
    response = client.post(
        reverse("protection:house_new"),
        {"label": "House Mango", "location": "Lane 3", "capacity": "1"},
    )
    assert response.status_code == 302
    listing = client.get(reverse("protection:houses")).content.decode()
    assert "House Mango" in listing
    assert "0/1" in listing
    assert AuditEvent.objects.filter(action="protection.viewed").exists()


def test_a_house_form_with_a_silly_capacity_is_refused(client, officer):
    sign_in(client, officer)
    for capacity in ("0", "-3", "9999", "many"):
        response = client.post(
            reverse("protection:house_new"), {"label": "H", "location": "L", "capacity": capacity}
        )
        assert response.status_code == 200


def test_measures_are_planned_and_moved_from_the_case_page(client, unit, officer):
    case = protected_case(unit)
    sign_in(client, officer)
    client.post(
        reverse("protection:measure_add", kwargs={"code": case.code}),
        {"kind": "new_phone", "owner": officer.pk, "note": "burner phone"},
    )
    measure = ProtectiveMeasure.objects.get(case=case)
    url = reverse("protection:measure_move", kwargs={"code": case.code, "measure_id": measure.pk})
    client.post(url, {"target": "done"})
    measure.refresh_from_db()
    assert measure.state == "done"
    response = client.post(url, {"target": "planned"}, follow=True)
    assert "not allowed" in response.content.decode()


def test_the_reviews_page_and_home_panel_show_what_is_due(client, unit, officer, kinds):
    case = protected_case(unit)
    overdue_assessment(case, officer)
    sign_in(client, officer)
    reviews = client.get(reverse("protection:reviews")).content.decode()
    assert case.code in reviews
    assert "overdue" in reviews
    home = client.get(reverse("core:home")).content.decode()
    assert "1 review overdue" in home
    assert "Safe houses" in home


def test_the_case_page_links_to_protection_for_officers_only(client, unit, officer):
    case = protected_case(unit)
    url = reverse("protection:case", kwargs={"code": case.code})
    sign_in(client, officer)
    assert url in client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    client.logout()
    sign_in(client, UserFactory(unit=unit, roles=[Role.UNIT_HANDLER]))
    assert (
        url not in client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    )


def test_a_full_house_is_marked_on_the_case_page(client, unit, officer):
    house = house_create(unit, capacity=1)
    fill(house, officer)
    sign_in(client, officer)
    page = client.get(reverse("protection:case", kwargs={"code": protected_case(unit).code}))
    assert "(full)" in page.content.decode()


def test_a_house_is_edited_by_its_unit_and_refused_to_headquarters(client, unit, officer):
    house = house_create(unit, capacity=1)
    url = reverse("protection:house_edit", kwargs={"house_id": house.pk})
    sign_in(client, officer)
    assert LOCATION in client.get(url).content.decode()
    response = client.post(url, {"label": "House Teak", "location": LOCATION, "capacity": "0"})
    assert response.status_code == 200
    response = client.post(url, {"label": "House Teak", "location": LOCATION, "capacity": "2"})
    assert response.status_code == 302
    client.logout()
    sign_in(client, officer_in(HeadquartersFactory()))
    assert client.get(url).status_code == 403
    assert client.post(url, {"label": "x", "location": "y", "capacity": "9"}).status_code == 403
