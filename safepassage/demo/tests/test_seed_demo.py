"""seed_demo: units, staff and invented cases; re-runnable, logins printed."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from safepassage.accounts.models import TOTPDevice, Unit, User
from safepassage.accounts.roles import Role
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import (
    Case,
    CaseEvent,
    CaseTransfer,
    Category,
    EventKind,
    FamilyMember,
    Person,
    PersonPhone,
    ServiceRecord,
    Task,
    TransferStatus,
)
from safepassage.cases.workflow import TRANSFERABLE, Status, move_for
from safepassage.demo import names
from safepassage.demo.cases import demo_cases_seed
from safepassage.demo.seed import DEMO_UNITS, seed_demo_accounts
from safepassage.geo.models import Township
from safepassage.language.normalize import normalize_text
from safepassage.language.nrc import parse_nrc
from safepassage.language.phone import normalize_phone
from safepassage.vault import keys
from safepassage.vault.fields import blind_index_filter

pytestmark = pytest.mark.django_db


def test_every_role_is_held_in_at_least_two_units(capsys):
    call_command("seed_demo")
    units_per_role: dict[str, set[int]] = defaultdict(set)
    for user in User.objects.prefetch_related("groups"):
        for group in user.groups.all():
            units_per_role[group.name].add(user.unit_id)
    for role in Role.values:
        assert len(units_per_role[role]) >= 2, role
    out = capsys.readouterr().out
    assert "hq.intake" in out
    assert "Password for every demo account" in out


def test_every_demo_user_has_a_confirmed_authenticator_and_a_usable_password():
    call_command("seed_demo", "--quiet")
    for user in User.objects.all():
        assert user.has_usable_password()
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_seeding_twice_changes_nothing():
    call_command("seed_demo", "--quiet")
    users = set(User.objects.values_list("username", "password"))
    secrets = {device.secret for device in TOTPDevice.objects.all()}
    call_command("seed_demo", "--quiet")
    assert set(User.objects.values_list("username", "password")) == users
    assert {device.secret for device in TOTPDevice.objects.all()} == secrets


def test_seed_demo_with_a_locked_vault_is_a_clear_error(locked_vault):
    with pytest.raises(CommandError, match="locked"):
        call_command("seed_demo", "--quiet")
    assert not User.objects.exists()


def test_demo_totp_refuses_outside_local_settings():
    call_command("seed_demo", "--quiet")
    with pytest.raises(CommandError, match="local"):
        call_command("demo_totp", "hq.intake")


# --- cases ----------------------------------------------------------------------

SMALL = 120
HONORIFICS = {burmese for burmese, _ in names.HONORIFICS}


def _snapshot() -> list[tuple]:
    """What a newcomer would read, decrypted, independent of codes and ids."""
    rows = []
    for case in Case.objects.select_related("unit", "person", "service").order_by("created_at"):
        person = case.person
        rows.append(
            (
                case.unit.name,
                case.status,
                case.priority,
                case.summary,
                case.created_at,
                person.honorific,
                person.name_my,
                person.name_latin,
                person.aliases,
                person.birth,
                person.father_name,
                person.nrc,
                sorted(p.number for p in person.phones.all()),
                sorted((f.relation, f.name, f.risk_notes or "") for f in person.family.all()),
                case.service.category,
                case.service.rank,
                case.service.unit_left_text,
                case.service.service_number,
                [(e.kind, e.from_status, e.to_status, e.body) for e in case.events.all()],
                sorted((t.title, t.due_on, t.done_at is None) for t in case.tasks.all()),
            )
        )
    return rows


def test_every_status_is_present_and_every_staffed_unit_sees_every_status():
    call_command("seed_demo", "--quiet", "--cases", str(SMALL))
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    for unit_id in User.objects.exclude(unit__is_headquarters=True).values_list(
        "unit_id", flat=True
    ):
        statuses = set(Case.objects.filter(unit_id=unit_id).values_list("status", flat=True))
        assert statuses == set(Status.values), unit_id


def test_a_small_demo_writes_one_audit_event():
    # Its speed is measured by bench/, not asserted here (a loaded machine
    # is slow, not wrong).
    call_command("seed_demo", "--quiet", "--cases", str(SMALL), "--batch-size", "50")
    assert Case.objects.count() == SMALL
    seeded = AuditEvent.objects.filter(action="demo.seeded")
    assert seeded.count() == 1
    assert seeded.get().details["cases"] == SMALL
    assert not AuditEvent.objects.filter(action__startswith="cases.").exists()


def test_every_person_decrypts_with_canonical_nrc_phones_and_burmese_only_names():
    call_command("seed_demo", "--quiet", "--cases", str(SMALL))
    keys.clear_caches()
    people = list(Person.objects.all())
    assert len(people) == SMALL
    latin = re.compile("[A-Za-z]")
    for person in people:
        assert person.name_my
        assert not latin.search(person.name_my)
        assert normalize_text(person.name_my) == person.name_my
        assert person.honorific in HONORIFICS
        assert person.name_latin.isascii()
        assert person.name_latin.split()[0] not in {latin for _, latin in names.HONORIFICS}
        if person.father_name is not None:
            assert not latin.search(person.father_name)
        for alias in person.aliases or []:
            assert not latin.search(alias)
        if person.nrc is not None:
            assert parse_nrc(person.nrc).canonical == person.nrc
        for phone in person.phones.all():
            assert phone.number.startswith("+959")
            assert normalize_phone(phone.number) == phone.number
    assert sum(p.nrc is not None for p in people) > SMALL // 2
    assert any(p.aliases for p in people)
    precisions = {(p.birth or {}).get("precision") for p in people}
    assert {"day", "year", "approximate"} <= precisions
    pcodes = set(Township.objects.values_list("pcode", flat=True))
    homes = {p.home_township for p in people} - {None}
    assert homes
    assert homes <= pcodes


def test_blind_indexes_find_seeded_nrcs_and_phones():
    call_command("seed_demo", "--quiet", "--cases", "30")
    person = Person.objects.exclude(nrc__isnull=True).first()
    assert person in blind_index_filter(Person.objects.all(), "nrc_index", person.nrc)
    phone = PersonPhone.objects.first()
    assert phone in blind_index_filter(PersonPhone.objects.all(), "number_index", phone.number)


def test_timelines_follow_the_workflow_and_end_in_the_case_status():
    call_command("seed_demo", "--quiet", "--cases", str(SMALL))
    for case in Case.objects.prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda e: (e.created_at, e.pk))
        assert events[0].kind == EventKind.OPENED
        assert events[0].created_at == case.created_at
        status = Status.CONTACTED
        for event in events:
            if event.kind == EventKind.STATUS:
                move = move_for(event.from_status, event.to_status)
                assert move is not None
                assert event.from_status == status
                assert bool(event.body) == move.needs_reason
                if event.actor is not None:
                    assert event.actor.has_any_role(move.roles)
                status = event.to_status
        assert status == case.status, case.code
        assert all(e.created_at <= timezone.now() for e in events)


def test_tasks_transfers_family_risks_and_service_records_are_there():
    call_command("seed_demo", "--quiet", "--cases", str(SMALL))
    today = timezone.localdate()
    open_tasks = Task.objects.filter(done_at__isnull=True)
    assert open_tasks.filter(due_on__lt=today).exists()
    assert open_tasks.filter(due_on__gte=today).exists()
    pending = CaseTransfer.objects.filter(status=TransferStatus.PENDING)
    assert pending.exists()
    for transfer in pending.select_related("case"):
        assert transfer.case.status in TRANSFERABLE
        assert transfer.to_unit_id != transfer.case.unit_id
    assert any(f.risk_notes for f in FamilyMember.objects.all())
    records = list(ServiceRecord.objects.all())
    assert {r.category for r in records} == set(Category.values)
    assert any(r.unit_left_text and r.unit_left_text.startswith(("LIB ", "IB ")) for r in records)
    assert EventKind.NOTE in set(CaseEvent.objects.values_list("kind", flat=True))


def test_the_same_seed_gives_the_same_cases():
    now = timezone.now()
    demo_accounts = seed_demo_accounts()
    assert demo_accounts
    demo_cases_seed(count=40, seed=7, now=now, batch_size=15)
    first = _snapshot()
    Case.objects.all().delete()
    demo_cases_seed(count=40, seed=7, now=now, batch_size=40)
    assert _snapshot() == first
    Case.objects.all().delete()
    demo_cases_seed(count=40, seed=8, now=now)
    assert _snapshot() != first


def test_rerunning_skips_cases_unless_asked_to_add(capsys):
    call_command("seed_demo", "--cases", "20")
    call_command("seed_demo", "--cases", "20")
    assert Case.objects.count() == 20
    assert "none added" in capsys.readouterr().out
    call_command("seed_demo", "--quiet", "--cases", "15", "--add")
    assert Case.objects.count() == 35
    call_command("seed_demo", "--quiet", "--cases", "0", "--add")
    assert Case.objects.count() == 35
    assert AuditEvent.objects.filter(action="demo.seeded").count() == 2


def test_no_cases_leaves_only_units_and_staff():
    call_command("seed_demo", "--quiet", "--cases", "0")
    assert not Case.objects.exists()
    assert Unit.objects.count() == len(DEMO_UNITS) >= 40


def test_demo_cases_are_refused_with_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="local or test"):
        call_command("seed_demo", "--quiet", "--cases", "5")
    assert not Unit.objects.exists()


def test_backdating_does_not_outlive_the_run():
    call_command("seed_demo", "--quiet", "--cases", "5")
    assert Case._meta.get_field("created_at").auto_now_add
    assert Case._meta.get_field("updated_at").auto_now
    assert CaseEvent._meta.get_field("created_at").auto_now_add
