"""Protection's services: assessments, measures, houses, placements, review tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import Task
from safepassage.protection import services
from safepassage.protection.models import (
    AssessedThreat,
    MeasureKind,
    Placement,
    ProtectiveMeasure,
    RiskAssessment,
    SafeHouse,
    ThreatKind,
)
from safepassage.protection.workflow import MEASURE_MOVES, MeasureState
from safepassage.vault import keys
from safepassage.vault.exceptions import DecryptionError
from safepassage.vault.tests.tamper import flip_byte

from .factories import (
    assess,
    fill,
    house_create,
    member_of,
    officer_in,
    overdue_assessment,
    protected_case,
    threats,
)

pytestmark = pytest.mark.django_db


def _raw(instance, column: str) -> bytes:
    table = connection.ops.quote_name(instance._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [instance.pk])  # noqa: S608
        return bytes(cur.fetchone()[0])


# --- assessments -------------------------------------------------------


def test_an_assessment_is_stored_encrypted_and_audited(unit, officer, kinds):
    case = protected_case(unit)
    assessment = assess(case, officer, level=4)
    assert assessment.current
    assert assessment.version == 1
    assert assessment.threats.count() == len(kinds)
    threat = AssessedThreat.objects.filter(assessment=assessment).first()
    assert threat.factors == "factors"
    assert b"factors" not in _raw(threat, "factors")
    assert b"summary of the risk" not in _raw(assessment, "summary")
    event = AuditEvent.objects.filter(action="protection.assessment_recorded").get()
    assert event.details["assessment"] == assessment.pk
    assert "summary" not in str(event.details)


def test_a_new_assessment_supersedes_the_current_one_and_keeps_history(unit, officer, kinds):
    case = protected_case(unit)
    first = assess(case, officer, level=2)
    second = assess(case, officer, level=4)
    first.refresh_from_db()
    assert not first.current
    assert first.superseded_at is not None
    assert second.current
    assert second.version == 2
    assert RiskAssessment.objects.filter(case=case).count() == 2
    assert first.threats.count() == len(kinds)  # the history keeps its threats


def test_a_family_member_is_assessed_apart_from_the_person(unit, officer, kinds):
    case = protected_case(unit)
    member = member_of(case)
    person = assess(case, officer)
    relative = assess(case, officer, member=member, level=4)
    person.refresh_from_db()
    assert person.current
    assert relative.current
    assert relative.family_member_id == member.pk


def test_the_database_keeps_one_current_assessment_per_subject(unit, officer, kinds):
    from django.db import IntegrityError, transaction

    case = protected_case(unit)
    current = assess(case, officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskAssessment.objects.create(
            case=case,
            data_key=case.data_key,
            level=1,
            review_on=current.review_on,
            assessed_by=officer,
        )


@pytest.mark.parametrize("days", [-5, 0, 400])
def test_a_review_date_today_in_the_past_or_beyond_a_year_is_refused(unit, officer, kinds, days):
    case = protected_case(unit)
    with pytest.raises(ValidationError):
        services.assessment_record(
            actor=officer,
            case=case,
            level=2,
            review_on=timezone.localdate() + dt.timedelta(days=days),
            threats=threats(),
        )
    assert not RiskAssessment.objects.exists()
    assert not AssessedThreat.objects.exists()


def test_a_retired_or_repeated_threat_kind_and_a_bad_level_are_refused(unit, officer, kinds):
    case = protected_case(unit)
    review = timezone.localdate() + dt.timedelta(days=10)
    one = kinds[0]
    cases = [
        [
            services.ThreatInput(kind_id=one.pk, level=2),
            services.ThreatInput(kind_id=one.pk, level=3),
        ],
        [services.ThreatInput(kind_id=999_999, level=2)],
        [services.ThreatInput(kind_id=one.pk, level=9)],
        [],
    ]
    for bad in cases:
        with pytest.raises(ValidationError):
            services.assessment_record(
                actor=officer, case=case, level=2, review_on=review, threats=bad
            )
    ThreatKind.objects.filter(pk=one.pk).update(active=False)
    with pytest.raises(ValidationError):
        services.assessment_record(
            actor=officer,
            case=case,
            level=2,
            review_on=review,
            threats=[services.ThreatInput(kind_id=one.pk, level=2)],
        )
    with pytest.raises(ValidationError):
        services.assessment_record(
            actor=officer, case=case, level=7, review_on=review, threats=threats()
        )
    assert not RiskAssessment.objects.exists()


def test_text_longer_than_allowed_is_refused_whole(unit, officer, kinds):
    case = protected_case(unit)
    long = [services.ThreatInput(kind_id=kinds[0].pk, level=2, factors="x" * 5000)]
    with pytest.raises(ValidationError):
        services.assessment_record(
            actor=officer,
            case=case,
            level=2,
            review_on=timezone.localdate() + dt.timedelta(days=3),
            threats=long,
        )
    assert not RiskAssessment.objects.exists()


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.CASEWORKER, Role.SCREENING_OFFICER])
def test_only_protection_officers_assess(unit, kinds, role):
    case = protected_case(unit)
    with pytest.raises(PermissionDenied):
        assess(case, UserFactory(unit=unit, roles=[role]))


def test_an_officer_of_another_unit_cannot_assess(unit, other_unit, kinds):
    case = protected_case(unit)
    with pytest.raises(PermissionDenied):
        assess(case, officer_in(other_unit))


def test_another_cases_family_member_is_refused(unit, officer, kinds):
    case = protected_case(unit)
    stranger = member_of(protected_case(unit))
    with pytest.raises(PermissionDenied):
        assess(case, officer, member=stranger)


def test_a_tampered_factor_fails_loudly(unit, officer, kinds):
    case = protected_case(unit)
    threat = assess(case, officer).threats.first()
    flip_byte(threat, "factors")
    keys.clear_caches()
    with pytest.raises(DecryptionError):
        _ = AssessedThreat.objects.get(pk=threat.pk).factors


def test_factors_moved_to_another_threat_fail_loudly(unit, officer, kinds):
    case = protected_case(unit)
    first, second = list(assess(case, officer).threats.all())[:2]
    envelope = _raw(first, "factors")
    AssessedThreat.objects.filter(pk=second.pk).update(factors=envelope)
    with pytest.raises(DecryptionError):
        _ = AssessedThreat.objects.get(pk=second.pk).factors


# --- overdue reviews become tasks ----------------------------------------


def test_overdue_reviews_become_one_task_each_for_the_assessor(unit, officer, kinds):
    due = overdue_assessment(protected_case(unit), officer)
    assess(protected_case(unit), officer, days=10)  # not yet due
    assert services.review_tasks_raise() == 1
    assert services.review_tasks_raise() == 0  # once only
    due.refresh_from_db()
    task = Task.objects.get(pk=due.review_task_id)
    assert task.assignee == officer
    assert task.case_id == due.case_id
    assert task.due_on == due.review_on
    assert AuditEvent.objects.filter(action="protection.review_task_raised").count() == 1


def test_a_superseded_assessment_raises_no_task(unit, officer, kinds):
    case = protected_case(unit)
    overdue_assessment(case, officer)
    assess(case, officer, days=20)
    assert services.review_tasks_raise() == 0


def test_one_unreadable_case_does_not_stop_the_other_reviews(unit, officer, kinds):
    broken = overdue_assessment(protected_case(unit), officer)
    fine = overdue_assessment(protected_case(unit), officer)
    keys.data_key_shred(data_key=broken.case.data_key)
    assert services.review_tasks_raise() == 1
    tasks = dict(RiskAssessment.objects.values_list("pk", "review_task_id"))
    assert tasks[fine.pk] is not None
    assert tasks[broken.pk] is None


# --- measures -------------------------------------------------------------


def test_a_measure_moves_only_along_the_table(unit, officer):
    case = protected_case(unit)
    measure = services.measure_create(
        actor=officer, case=case, kind=MeasureKind.NEW_PHONE, owner=officer, note="new SIM"
    )
    assert measure.state == MeasureState.PLANNED
    assert b"new SIM" not in _raw(measure, "note")
    for source in MeasureState.values:
        for target in MeasureState.values:
            ProtectiveMeasure.objects.filter(pk=measure.pk).update(state=source)
            if (source, target) in MEASURE_MOVES:
                assert (
                    services.measure_move(actor=officer, measure=measure, target=target).state
                    == target
                )
            else:
                with pytest.raises(ValidationError):
                    services.measure_move(actor=officer, measure=measure, target=target)


def test_a_measures_owner_is_of_the_cases_unit(unit, other_unit, officer):
    case = protected_case(unit)
    with pytest.raises(ValidationError):
        services.measure_create(
            actor=officer, case=case, kind=MeasureKind.RELOCATION, owner=officer_in(other_unit)
        )
    with pytest.raises(ValidationError):
        services.measure_create(actor=officer, case=case, kind="teleport", owner=officer)
    assert not ProtectiveMeasure.objects.exists()


# --- houses and placements -----------------------------------------------


def test_a_house_label_and_location_are_encrypted_under_its_unit(unit, officer):
    house = services.house_create(
        actor=officer, label="House Padauk", location="Second lane, ward 4", capacity=3
    )
    assert house.unit_id == unit.pk
    assert b"ward 4" not in _raw(house, "location")
    assert b"Padauk" not in _raw(house, "label")
    assert keys.data_key_unit_id(house.data_key_id) == unit.pk
    assert SafeHouse.objects.get(pk=house.pk).location == "Second lane, ward 4"


@pytest.mark.parametrize(
    ("label", "location", "capacity"), [("", "x", 1), ("a", " ", 1), ("a", "b", 0), ("a", "b", 501)]
)
def test_a_house_without_label_location_or_sane_capacity_is_refused(
    officer, label, location, capacity
):
    with pytest.raises(ValidationError):
        services.house_create(actor=officer, label=label, location=location, capacity=capacity)
    assert not SafeHouse.objects.exists()


def test_a_handler_cannot_add_a_house(unit):
    with pytest.raises(PermissionDenied):
        services.house_create(
            actor=UserFactory(unit=unit, roles=[Role.UNIT_HANDLER]),
            label="a",
            location="b",
            capacity=1,
        )


def test_a_tampered_location_fails_loudly(unit):
    house = house_create(unit)
    flip_byte(house, "location")
    keys.clear_caches()
    with pytest.raises(DecryptionError):
        _ = SafeHouse.objects.get(pk=house.pk).location


def test_a_location_copied_to_another_house_fails_loudly(unit):
    one, two = house_create(unit), house_create(unit, location="elsewhere")
    SafeHouse.objects.filter(pk=two.pk).update(location=_raw(one, "location"))
    with pytest.raises(DecryptionError):
        _ = SafeHouse.objects.get(pk=two.pk).location


def test_placing_opens_a_placement_and_an_in_progress_measure(unit, officer):
    house = house_create(unit, capacity=1)
    case = protected_case(unit)
    placement = services.placement_create(actor=officer, case=case, house=house)
    assert placement.checked_out_at is None
    assert placement.measure.kind == MeasureKind.SAFE_HOUSE
    assert placement.measure.state == MeasureState.IN_PROGRESS
    assert AuditEvent.objects.filter(action="protection.placed").count() == 1


def test_a_full_house_refuses_with_a_clear_message_and_writes_nothing(unit, officer):
    house = house_create(unit, capacity=2)
    fill(house, officer)
    case = protected_case(unit)
    measures = ProtectiveMeasure.objects.count()
    with pytest.raises(services.HouseFull) as refused:
        services.placement_create(actor=officer, case=case, house=house)
    assert "full" in str(refused.value)
    assert not Placement.objects.filter(case=case).exists()
    assert ProtectiveMeasure.objects.count() == measures
    event = AuditEvent.objects.filter(action="protection.placement_refused").get()
    assert event.details == {"case": case.pk, "reason": "house_full"}


def test_checking_out_frees_the_place_and_ends_the_measure(unit, officer):
    house = house_create(unit, capacity=1)
    (placement,) = fill(house, officer)
    services.placement_check_out(actor=officer, placement=placement)
    placement.refresh_from_db()
    assert placement.checked_out_at is not None
    assert placement.checked_out_by == officer
    assert placement.measure.state == MeasureState.DONE
    services.placement_create(actor=officer, case=protected_case(unit), house=house)
    with pytest.raises(ValidationError):
        services.placement_check_out(actor=officer, placement=placement)


def test_another_units_house_is_refused_and_audited(unit, other_unit):
    hq = HeadquartersFactory()
    hq_officer = officer_in(hq)
    house = house_create(other_unit)
    case = protected_case(hq)
    with pytest.raises(services.OtherUnitsHouse):
        services.placement_create(actor=hq_officer, case=case, house=house)
    assert not Placement.objects.exists()
    event = AuditEvent.objects.filter(action="protection.access_refused").get()
    assert event.unit_id == other_unit.pk


def test_a_person_is_placed_once_and_a_closed_house_refuses(unit, officer):
    first, second = house_create(unit), house_create(unit)
    case = protected_case(unit)
    services.placement_create(actor=officer, case=case, house=first)
    with pytest.raises(services.AlreadyPlaced):
        services.placement_create(actor=officer, case=case, house=second)
    SafeHouse.objects.filter(pk=second.pk).update(active=False)
    with pytest.raises(services.HouseClosed):
        services.placement_create(actor=officer, case=protected_case(unit), house=second)


def test_an_officer_of_another_unit_cannot_place_this_units_case(unit, other_unit):
    house = house_create(unit)
    with pytest.raises(PermissionDenied):
        services.placement_create(
            actor=officer_in(other_unit), case=protected_case(unit), house=house
        )


def test_a_house_capacity_never_goes_below_the_people_staying(unit, officer):
    house = house_create(unit, capacity=3)
    fill(house, officer)
    with pytest.raises(ValidationError, match="3 people stay there now"):
        services.house_update(
            actor=officer, house=house, label="a", location="b", capacity=2, active=True
        )
    changed = services.house_update(
        actor=officer,
        house=house,
        label="House Neem",
        location="New lane",
        capacity=4,
        active=False,
    )
    assert SafeHouse.objects.get(pk=changed.pk).location == "New lane"
    event = AuditEvent.objects.filter(action="protection.house_changed").get()
    assert event.details == {"fields": ["label", "location", "capacity", "active"]}


def test_headquarters_cannot_change_a_units_house(unit):
    house = house_create(unit)
    with pytest.raises(PermissionDenied):
        services.house_update(
            actor=officer_in(HeadquartersFactory()),
            house=house,
            label="x",
            location="y",
            capacity=2,
            active=True,
        )
