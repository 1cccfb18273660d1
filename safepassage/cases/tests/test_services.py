"""Case services: opening, transitions, notes, transfers — with hostile input."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory
from safepassage.audit.models import AuditEvent
from safepassage.cases import services
from safepassage.cases.codes import case_code_normalize
from safepassage.cases.models import Case, CaseEvent, CaseTransfer, EventKind, TransferStatus
from safepassage.cases.tests.factories import case_create, handler_in, person_create
from safepassage.cases.workflow import Status
from safepassage.vault import keys

pytestmark = pytest.mark.django_db


def test_open_makes_a_case_with_its_own_key_a_valid_code_and_an_audit_event():
    unit = UnitFactory()
    case = case_create(unit=unit, category="conscript", summary="wants to leave in March")
    assert case_code_normalize(case.code) == case.code
    assert case.data_key.unit_key.scope == keys.scope_for_unit(unit.pk)
    assert case.service.category == "conscript"
    assert case.service.data_key_id == case.data_key_id
    assert CaseEvent.objects.get(case=case).kind == EventKind.OPENED
    assert AuditEvent.objects.filter(action="cases.opened", target_id=str(case.pk)).exists()
    with connection.cursor() as cur:
        cur.execute("SELECT summary FROM cases_case WHERE id = %s", [case.pk])
        assert b"March" not in bytes(cur.fetchone()[0])


@pytest.mark.parametrize("bad", [{"category": "spy"}, {"priority": 99}])
def test_open_refuses_bad_input_and_writes_nothing(bad):
    with pytest.raises(ValidationError):
        case_create(unit=UnitFactory(), **bad)
    assert not Case.objects.exists()


@pytest.mark.parametrize("note", ["", "   "])
def test_open_without_an_opening_note_writes_no_note(note):
    case = services.case_open(actor=None, unit=UnitFactory(), opening_note=note)
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()


def test_open_with_an_opening_note_puts_it_on_the_timeline_encrypted():
    case = services.case_open(actor=None, unit=UnitFactory(), opening_note="Told: in Hpa-an")
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert note.body == "Told: in Hpa-an"
    assert note.data_key_id == case.data_key_id
    with connection.cursor() as cur:
        cur.execute("SELECT body FROM cases_caseevent WHERE id = %s", [note.pk])
        assert b"Hpa-an" not in bytes(cur.fetchone()[0])


def test_open_refuses_an_inactive_unit():
    with pytest.raises(ValidationError):
        case_create(unit=UnitFactory(is_active=False))


def test_a_move_needing_a_reason_without_one_changes_nothing():
    unit = UnitFactory()
    case = case_create(unit=unit)
    handler = handler_in(unit)
    with pytest.raises(ValidationError):
        services.case_transition(actor=handler, case=case, target=Status.WITHDRAWN, reason=" ")
    assert Case.objects.get(pk=case.pk).status == Status.CONTACTED


def test_a_stale_form_is_refused():
    unit = UnitFactory()
    case = case_create(unit=unit)
    handler = handler_in(unit)
    seen = case.version
    services.case_note_add(actor=handler, case=case, body="first")
    with pytest.raises(services.StaleCase):
        services.case_transition(
            actor=handler, case=case, target=Status.PLANNING, expected_version=seen
        )
    assert Case.objects.get(pk=case.pk).status == Status.CONTACTED


def test_unknown_target_status_is_illegal():
    unit = UnitFactory()
    case = case_create(unit=unit)
    with pytest.raises(services.IllegalTransition):
        services.case_transition(actor=handler_in(unit), case=case, target="escaped")


def test_a_user_of_another_unit_cannot_move_or_annotate_a_case():
    case = case_create(unit=UnitFactory())
    stranger = handler_in(UnitFactory())
    with pytest.raises(services.IllegalTransition):
        services.case_transition(actor=stranger, case=case, target=Status.PLANNING)
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=stranger, case=case, body="hello")


def test_notes_are_encrypted_and_empty_notes_refused():
    unit = UnitFactory()
    case = case_create(unit=unit)
    handler = handler_in(unit)
    with pytest.raises(ValidationError):
        services.case_note_add(actor=handler, case=case, body="   ")
    event = services.case_note_add(actor=handler, case=case, body="meet at the tea shop")
    assert CaseEvent.objects.get(pk=event.pk).body == "meet at the tea shop"
    with connection.cursor() as cur:
        cur.execute("SELECT body FROM cases_caseevent WHERE id = %s", [event.pk])
        assert b"tea shop" not in bytes(cur.fetchone()[0])


def test_transfer_accepted_moves_ownership_and_the_data_key():
    sender, receiver = UnitFactory(), UnitFactory()
    case = case_create(unit=sender)
    person_create(case)
    transfer = services.case_transfer_request(actor=handler_in(sender), case=case, to_unit=receiver)
    assert Case.objects.get(pk=case.pk).unit_id == sender.pk
    services.case_transfer_accept(actor=handler_in(receiver), transfer=transfer)
    moved = Case.objects.select_related("data_key__unit_key").get(pk=case.pk)
    assert moved.unit_id == receiver.pk
    assert moved.data_key.unit_key.scope == keys.scope_for_unit(receiver.pk)
    keys.clear_caches()
    assert moved.person.name_latin == "Maung Zaw Win"
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.ACCEPTED


def test_transfer_declined_leaves_the_case_where_it_was():
    sender, receiver = UnitFactory(), UnitFactory()
    case = case_create(unit=sender)
    transfer = services.case_transfer_request(actor=handler_in(sender), case=case, to_unit=receiver)
    services.case_transfer_decline(actor=handler_in(receiver), transfer=transfer, reason="full")
    assert Case.objects.get(pk=case.pk).unit_id == sender.pk
    with pytest.raises(ValidationError):
        services.case_transfer_accept(actor=handler_in(receiver), transfer=transfer)


def test_only_the_receiving_units_handler_may_answer_a_transfer():
    sender, receiver, third = UnitFactory(), UnitFactory(), UnitFactory()
    case = case_create(unit=sender)
    transfer = services.case_transfer_request(actor=handler_in(sender), case=case, to_unit=receiver)
    for outsider in (handler_in(sender), handler_in(third), handler_in(receiver, Role.CASEWORKER)):
        with pytest.raises(PermissionDenied):
            services.case_transfer_accept(actor=outsider, transfer=transfer)
    assert Case.objects.get(pk=case.pk).unit_id == sender.pk


def test_transfer_refusals():
    sender, receiver = UnitFactory(), UnitFactory()
    case = case_create(unit=sender)
    handler = handler_in(sender)
    with pytest.raises(ValidationError):
        services.case_transfer_request(actor=handler, case=case, to_unit=sender)
    with pytest.raises(ValidationError):
        services.case_transfer_request(
            actor=handler, case=case, to_unit=UnitFactory(is_active=False)
        )
    services.case_transfer_request(actor=handler, case=case, to_unit=receiver)
    with pytest.raises(ValidationError):
        services.case_transfer_request(actor=handler, case=case, to_unit=UnitFactory())
    received = case_create(unit=sender)
    Case.objects.filter(pk=received.pk).update(status=Status.RECEIVED)
    received.refresh_from_db()
    with pytest.raises(ValidationError):
        services.case_transfer_request(actor=handler, case=received, to_unit=receiver)


def test_person_save_creates_then_updates_and_audits_field_names_only():
    from safepassage.cases.forms import PersonForm
    from safepassage.cases.models import Person

    unit = UnitFactory()
    case = case_create(unit=unit)
    handler = handler_in(unit)
    f = PersonForm(
        data={
            "name_my": "ေမာင္ေဇာ္",
            "nrc": "12/MaYaKa(N)123456",
            "phones": "09420000123",
            "expected_version": case.version,
        }
    )
    assert f.is_valid(), f.errors
    services.person_save(
        actor=handler,
        case=case,
        data=f.cleaned_data,
        phones=f.cleaned_data["phones"],
        expected_version=f.cleaned_data["expected_version"],
    )
    person = Person.objects.get(case=case)
    assert person.name_my == "မောင်ဇော်"
    assert [p.number for p in person.phones.all()] == ["+959420000123"]
    event = AuditEvent.objects.filter(action="cases.person_saved").get()
    assert "name_my" in event.details["fields"]
    assert "ေမာင္" not in str(event.details)
    assert "မောင်" not in str(event.details)
    with pytest.raises(services.StaleCase):
        services.person_save(
            actor=handler,
            case=case,
            data={},
            phones=[],
            expected_version=f.cleaned_data["expected_version"],
        )
    services.person_save(
        actor=handler,
        case=case,
        data={"name_my": "မောင်ဇော်"},
        phones=[],
        expected_version=case.version,
    )
    assert not Person.objects.get(case=case).phones.exists()


def test_person_save_refuses_other_units_and_roles_without_writing():
    from safepassage.cases.models import Person

    case = case_create(unit=UnitFactory())
    for outsider in (handler_in(UnitFactory()), handler_in(case.unit, Role.REWARD_OFFICER)):
        with pytest.raises(PermissionDenied):
            services.person_save(actor=outsider, case=case, data={"name_my": "x"}, phones=[])
    assert not Person.objects.exists()


def test_tasks_are_created_encrypted_and_completed_once():
    import datetime as dt

    unit = UnitFactory()
    case = case_create(unit=unit)
    handler = handler_in(unit)
    task = services.task_create(
        actor=handler, case=case, title="Arrange pick-up at dawn", due_on=dt.date(2026, 12, 1)
    )
    with connection.cursor() as cur:
        cur.execute("SELECT title FROM cases_task WHERE id = %s", [task.pk])
        assert b"dawn" not in bytes(cur.fetchone()[0])
    services.task_complete(actor=handler, task=task)
    with pytest.raises(ValidationError):
        services.task_complete(actor=handler, task=task)
    with pytest.raises(ValidationError):
        services.task_create(actor=handler, case=case, title="  ")
    with pytest.raises(PermissionDenied):
        services.task_create(actor=handler_in(UnitFactory()), case=case, title="x")
    with pytest.raises(ValidationError):
        services.task_create(
            actor=handler, case=case, title="x", assignee=handler_in(UnitFactory())
        )


def test_assignment_only_to_own_units_case_staff():
    unit = UnitFactory()
    case = case_create(unit=unit)
    handler = handler_in(unit)
    caseworker = handler_in(unit, Role.CASEWORKER)
    services.case_assign(actor=handler, case=case, users=[caseworker])
    assert list(case.assigned.all()) == [caseworker]
    for wrong in (handler_in(UnitFactory()), handler_in(unit, Role.ANALYST)):
        with pytest.raises(ValidationError):
            services.case_assign(actor=handler, case=case, users=[wrong])
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=caseworker, case=case, users=[])
