"""Canary values written through every encrypted field never appear in clear.

Every concrete VaultedModel must have a canary writer below; a model
without one fails `test_every_vaulted_model_has_a_canary_writer`, so new
models join this test when they are added.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from safepassage.vault.fields import PendingFile
from safepassage.vault.rotation import vaulted_models
from safepassage.vault.tests.probe.models import Probe

CANARY = "CANARY-7f3a9c-ကိုကနေရီ"


def _write_probe(canary: str) -> None:
    Probe.objects.create(
        text=canary,
        born=dt.date(1990, 1, 1),
        extra={"note": canary, "list": [canary]},
        photo=PendingFile(("%PDF-1.4 " + canary).encode(), content_type="application/pdf"),
        phone=canary,
    )


def _png_with_text(canary: str) -> bytes:
    """A photo whose metadata carries the canary: it must be stripped, then encrypted."""
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("Comment", canary)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="PNG", pnginfo=info)
    assert canary.encode() in out.getvalue()
    return out.getvalue()


def _write_case(canary: str) -> None:
    from safepassage.accounts.tests.factories import UnitFactory, UserFactory
    from safepassage.cases import services
    from safepassage.cases.models import ServiceRecord
    from safepassage.cases.tests.factories import family_add, person_create, phone_add, task_add

    unit = UnitFactory()
    handler = UserFactory(unit=unit, roles=["unit_handler"])
    case = services.case_open(actor=handler, unit=unit, summary=canary)
    person = person_create(
        case,
        name_my=canary,
        name_latin=canary,
        honorific=canary,
        aliases=[canary],
        sex=canary,
        birth={"note": canary},
        father_name=canary,
        nrc=canary,
        home_township=canary,
        photo=PendingFile(_png_with_text(canary), content_type="image/png"),
    )
    phone_add(person, canary)
    family_add(person, relation=canary, name=canary, township=canary, risk_notes=canary)
    ServiceRecord.objects.filter(case=case).delete()
    ServiceRecord.objects.create(
        case=case,
        data_key=case.data_key,
        rank=canary,
        unit_left_text=canary,
        unit_left={"name": canary},
        service_number=canary,
        conscription_batch=canary,
        conscription_date=dt.date(2024, 2, 10),
    )
    services.case_note_add(actor=handler, case=case, body=canary)
    task_add(case, title=canary)


def _write_watchlist(canary: str) -> None:
    from safepassage.watchlists import services
    from safepassage.watchlists.reading import COLUMNS, ListFile, SheetRow
    from safepassage.watchlists.tests.factories import keeper

    actor = keeper()
    watch_list = services.watchlist_create(actor=actor, name=canary, description=canary)
    sheet = ListFile("csv", list(COLUMNS), [], [SheetRow(2, dict.fromkeys(COLUMNS, canary))])
    services.watchlist_import(actor=actor, watch_list=watch_list, sheet=sheet)


def _write_channel(canary: str) -> None:
    import json

    from safepassage.intake import services
    from safepassage.intake.models import Contact
    from safepassage.intake.outbox import reply_queue
    from safepassage.intake.processing import update_process

    channel = services.channel_create(
        actor=None,
        kind="facebook",
        name="canary page",
        token=canary,
        app_secret=canary,
        api_url="http://127.0.0.1:9",  # never a real provider from a test
    )
    event = {
        "sender": {"id": "24000000000001"},
        "recipient": {"id": "1"},
        "message": {"mid": "canary", "text": canary},
    }
    stored = services.update_receive(
        channel=channel,
        provider_id="mid:canary",
        kind="message",
        payload=json.dumps(event, ensure_ascii=False),
    ).update
    update_process(stored.pk)  # a contact and its message
    contact = Contact.objects.get(channel=channel)
    reply_queue(actor=None, contact=contact, body=canary)
    for n, text in enumerate(("go on", canary)):  # consent, then an answer
        event["message"] = {"mid": f"canary-{n}", "text": text}
        stored = services.update_receive(
            channel=channel,
            provider_id=f"mid:canary-{n}",
            kind="message",
            payload=json.dumps(event, ensure_ascii=False),
        ).update
        update_process(stored.pk)
    contact.refresh_from_db()
    assert canary in str(contact.answers)
    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory

    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    services.contact_note_add(actor=operator, contact=contact, body=canary)


def _write_web_contact(canary: str) -> None:
    from safepassage.intake import web

    web.web_contact_open(answers={"weapons": canary}, message=canary, language="en")


def _write_authenticator(canary: str) -> None:
    from safepassage.accounts.models import TOTPDevice
    from safepassage.accounts.tests.factories import UserFactory

    TOTPDevice.objects.create(user=UserFactory(), name="authenticator", secret=canary)


def _write_protection(canary: str) -> None:
    from django.utils import timezone

    from safepassage.accounts.tests.factories import UnitFactory
    from safepassage.protection import services
    from safepassage.protection.models import MeasureKind
    from safepassage.protection.tests.factories import (
        member_of,
        officer_in,
        protected_case,
        threat_kinds,
    )

    unit = UnitFactory()
    officer = officer_in(unit)
    case = protected_case(unit, name_latin=canary)
    member = member_of(case, risk_notes=canary)
    kinds = threat_kinds()
    threats = [
        services.ThreatInput(kind_id=k.pk, level=2, factors=canary, measures_taken=canary)
        for k in kinds
    ]
    services.assessment_record(
        actor=officer,
        case=case,
        family_member=member,
        level=3,
        review_on=timezone.localdate() + dt.timedelta(days=10),
        threats=threats,
        summary=canary,
    )
    services.measure_create(
        actor=officer, case=case, kind=MeasureKind.NEW_PHONE, owner=officer, note=canary
    )
    house = services.house_create(actor=officer, label=canary, location=canary, capacity=2)
    services.placement_create(actor=officer, case=case, house=house)


def _write_crossing(canary: str) -> None:
    from safepassage.crossing import services
    from safepassage.crossing.tests.factories import cast, plan_make

    c = cast()
    plan = plan_make(
        c,
        meeting_point=canary,
        place_shared=canary,
        fallback_point=canary,
        bring=canary,
        leave_behind=canary,
        items_declared=canary,
    )
    services.plan_words_draw(actor=c.handler, plan=plan)
    services.not_arrived_record(actor=c.handler, plan=plan, reason=canary)
    services.staff_channel_save(
        actor=None,
        unit_id=c.unit.pk,
        chat_id=canary,
        token=canary,
        api_url="http://x",
        is_active=True,
    )


def _reseed(module: str) -> None:
    """Catalogues a data migration made, made again after a flush."""
    import importlib

    from django.apps import apps

    importlib.import_module(module).seed(apps, None)


def _write_reports(canary: str) -> None:
    """A case whose every field the reports read holds the canary, counted
    by a refresh (the clear cubes must hold "unknown", never the canary);
    and a contribution whose encrypted cells name the canary."""
    from safepassage.accounts.tests.factories import UnitFactory
    from safepassage.reports import services
    from safepassage.reports.models import ReportContribution
    from safepassage.reports.tests.factories import person_case

    person_case(UnitFactory(), category="other", sex=canary, township=canary)
    services.reports_refresh()
    mark = ReportContribution.objects.order_by("pk").first()
    assert mark is not None
    mark.cells = {**(mark.cells or {}), f"origin|month|2026-01-01|{canary}": 1}
    mark.save()


def _write_armoury(canary: str) -> None:
    from django.utils import timezone

    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory
    from safepassage.armoury import services
    from safepassage.armoury.models import Condition
    from safepassage.armoury.tests.factories import cleared_case, kind, schedule, staff
    from safepassage.armoury.workflow import CustodyState
    from safepassage.ledger import services as ledger

    _reseed("safepassage.armoury.migrations.0002_catalogue")
    unit = UnitFactory()
    handler = staff(unit, Role.UNIT_HANDLER)
    witness = staff(unit, Role.UNIT_HANDLER)
    officer = staff(unit, Role.REWARD_OFFICER)
    approver = staff(unit, Role.REWARD_APPROVER)
    hq_approver = staff(HeadquartersFactory(), Role.REWARD_APPROVER)
    case = cleared_case(unit)
    schedule(actor=hq_approver)

    def record(code: str, serial: str):
        return services.item_record(
            actor=handler,
            case=case,
            kind=kind(code),
            condition=Condition.WORKING,
            quantity=1,
            witnessed_by=witness,
            received_at=timezone.now(),
            serial=serial,
            markings=canary,
            place=canary,
            photos=[PendingFile(_png_with_text(canary), content_type="image/png")],
        )

    item = record("ma-1", canary)
    services.custody_move(actor=handler, item=item, target=CustodyState.HELD, note=canary)
    services.custody_move(actor=handler, item=item, target=CustodyState.ISSUED, note=canary)
    refused = services.claim_propose(actor=officer, case=case)
    services.claim_refuse(actor=approver, claim=refused, reason=canary)

    ledger.budget_fund(actor=hq_approver, amount_minor=200_000_000, currency="MMK")
    ledger.unit_float_fund(actor=hq_approver, unit=unit, amount_minor=100_000_000, currency="MMK")
    claim = services.claim_approve(
        actor=approver, claim=services.claim_propose(actor=officer, case=case)
    )
    services.claim_pay(actor=officer, claim=claim, method="mobile_money", reference=canary)
    record("ba-63", canary + " 2")
    claim = services.claim_approve(
        actor=approver, claim=services.claim_propose(actor=officer, case=case)
    )
    services.claim_pay(actor=officer, claim=claim, method="family_member", family_member=canary)
    ledger.float_reconcile(
        actor=officer, unit=unit, month=timezone.localdate(), counted_minor=0, note=canary
    )


def _write_reintegration(canary: str) -> None:
    from django.utils import timezone

    from safepassage.accounts.tests.factories import UnitFactory
    from safepassage.reintegration import services
    from safepassage.reintegration.models import Dimension, FollowUp, ShareItem
    from safepassage.reintegration.tests.factories import (
        assign,
        caseworker_in,
        cleared_case,
        template,
    )
    from safepassage.reintegration.workflow import (
        PathwayKind,
        PlanState,
        ReferralStatus,
        StepKind,
    )

    _reseed("safepassage.reintegration.migrations.0002_seed_catalogue")
    unit = UnitFactory()
    worker = caseworker_in(unit)
    case = cleared_case(unit)
    assign(case, worker)
    today = timezone.localdate()
    services.pathway_record(
        actor=worker,
        case=case,
        kind=PathwayKind.REINTEGRATION,
        consent_given=True,
        consented_on=today,
        agreed=canary,
        reasons=canary,
    )
    case.refresh_from_db()
    plan = services.plan_open(
        actor=worker,
        case=case,
        template=template(),
        starts_on=today,
        consent_given=True,
        consented_on=today,
        agreed=canary,
        life_project=canary,
        contact_text=canary,
    )
    goal = services.plan_goal_add(
        actor=worker,
        plan=plan,
        dimension=Dimension.objects.filter(is_active=True).first(),
        title_en=canary,
        title_my=canary,
    )
    services.plan_step_add(
        actor=worker,
        plan=plan,
        goal=goal,
        kind=StepKind.ACTIVITY,
        due_on=today,
        title_en=canary,
        title_my=canary,
    )
    provider = services.provider_create(
        actor=worker, name="canary provider", kind="vocational", how_to_reach=canary
    )
    referral = services.referral_send(
        actor=worker,
        plan=plan,
        provider=provider,
        consent_given=True,
        consented_on=today,
        shared=[ShareItem.NEEDS],
        shared_text=canary,
    )
    services.referral_move(
        actor=worker, referral=referral, target=ReferralStatus.ACCEPTED, feedback=canary
    )
    followup = FollowUp.objects.filter(plan=plan).order_by("due_on").first()
    services.followup_record(
        actor=worker, followup=followup, held_on=today, safe=True, who5=[3] * 5, needs=canary
    )
    services.plan_close(actor=worker, plan=plan, state=PlanState.COMPLETED, reasons=canary)


def _write_grievance(canary: str) -> None:
    from safepassage.grievances import services
    from safepassage.grievances.models import ComplaintDraft
    from safepassage.grievances.tests.factories import world

    w = world()
    grievance = services.grievance_submit(
        code=canary[:40], receipt=canary, kind="other", body=canary, channel="web", source="c"
    )
    services.grievance_answer(actor=w.hq_protection, grievance=grievance, text=canary)
    services.grievance_move(
        actor=w.hq_protection, grievance=grievance, target="resolved", note=canary
    )
    # A complaint being written in a bot chat (`grievances.bot`).
    ComplaintDraft.objects.create(
        hq_unit=w.hq, contact=w.contact, kind="other", body=canary, code_given=canary[:40]
    )


CANARY_WRITERS: dict[str, Callable[[str], None]] = {
    "vault_probe.probe": _write_probe,
    "accounts.totpdevice": _write_authenticator,
    # One writer covers every model it fills; list each model it covers.
    "cases.case": _write_case,
    "cases.person": _write_case,
    "cases.personphone": _write_case,
    "cases.familymember": _write_case,
    "cases.servicerecord": _write_case,
    "cases.caseevent": _write_case,
    "cases.task": _write_case,
    "watchlists.watchlist": _write_watchlist,
    "watchlists.watchlistentry": _write_watchlist,
    "intake.channel": _write_channel,
    "intake.inboundupdate": _write_channel,
    "intake.contact": _write_web_contact,  # and by _write_channel
    "intake.contactmessage": _write_channel,
    "intake.outboundmessage": _write_channel,
    "intake.contactnote": _write_channel,
    "protection.riskassessment": _write_protection,
    "protection.assessedthreat": _write_protection,
    "protection.protectivemeasure": _write_protection,
    "protection.safehouse": _write_protection,
    "crossing.crossingplan": _write_crossing,
    "crossing.planrevision": _write_crossing,
    "crossing.staffchannel": _write_crossing,
    "armoury.item": _write_armoury,
    "armoury.itemphoto": _write_armoury,
    "armoury.custodymove": _write_armoury,
    "armoury.claim": _write_armoury,
    "ledger.payment": _write_armoury,  # paid through armoury.claim_pay
    "ledger.floatreconciliation": _write_armoury,
    "reintegration.pathway": _write_reintegration,
    "reintegration.plan": _write_reintegration,
    "reintegration.goal": _write_reintegration,
    "reintegration.step": _write_reintegration,
    "reintegration.followup": _write_reintegration,
    "reintegration.provider": _write_reintegration,
    "reintegration.referral": _write_reintegration,
    "grievances.grievance": _write_grievance,
    "grievances.complaintdraft": _write_grievance,
    "reports.reportcontribution": _write_reports,
}


def test_every_vaulted_model_has_a_canary_writer():
    missing = {m._meta.label_lower for m in vaulted_models()} - set(CANARY_WRITERS)
    assert not missing, f"add canary writers for {sorted(missing)}"


def _needles() -> list[bytes]:
    return [
        CANARY.encode("utf-8"),
        CANARY.encode("utf-16-le"),
        b"CANARY-7f3a9c",
        "ကိုကနေရီ".encode(),
    ]


def _assert_clean(blob: bytes, where: str) -> None:
    for needle in _needles():
        assert needle not in blob, f"canary found in clear in {where}"


@pytest.mark.django_db(transaction=True)
def test_canaries_never_reach_disk_logs_or_dumps(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("django.db.backends").setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # log every SQL statement and its parameters
    try:
        for writer in dict.fromkeys(CANARY_WRITERS.values()):
            writer(CANARY)
        for model in vaulted_models():
            for row in model.objects.all():
                for field in row._meta.concrete_fields:
                    getattr(row, field.attname)  # decrypt everything once
    finally:
        connection.force_debug_cursor = False
        logging.getLogger("django.db.backends").setLevel(logging.WARNING)

    if connection.vendor == "sqlite":
        db_path = Path(connection.settings_dict["NAME"])
        wal = Path(str(db_path) + "-wal")
        assert wal.exists(), "WAL mode expected"
        _assert_clean(wal.read_bytes(), "the -wal file")
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _assert_clean(db_path.read_bytes(), "the SQLite database file")
    else:
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is needed for the PostgreSQL canary check"
        params = connection.get_connection_params()
        env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
        dump = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                pg_dump,
                "-h",
                str(params.get("host") or "127.0.0.1"),
                "-p",
                str(params.get("port") or 5432),
                "-U",
                str(params.get("user") or "postgres"),
                "--data-only",
                str(params["dbname"]),
            ],
            capture_output=True,
            check=True,
            env=env,
            timeout=120,
        ).stdout
        assert b"vault_probe_probe" in dump
        _assert_clean(dump, "pg_dump")

    # The screening server's snapshot holds every registered person's name:
    # encrypted on disk, in clear only once read back under the key ring.
    from safepassage.cases.screening import index as screening
    from safepassage.cases.screening import snapshot as screening_snapshot

    screening.screening_index_reset()
    with screening._people.lock:
        screening._people._start(background=None)
    assert screening.screening_snapshot_write()
    snapshot_file = screening_snapshot.snapshot_path()
    held = screening._Indexed.from_state(*screening_snapshot.read()).index.records
    assert any(CANARY in record.name for record in held)
    _assert_clean(snapshot_file.read_bytes(), "the screening snapshot")
    snapshot_file.unlink()

    media = Path(settings.VAULT_MEDIA_ROOT)
    files = list(media.rglob("*"))
    assert any(f.is_file() for f in files)
    for f in files:
        if f.is_file():
            _assert_clean(f.read_bytes(), f"media file {f.name}")

    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert "INSERT" in log_text, "SQL logging was expected to be captured"
    _assert_clean(log_text.encode(), "log records")
    out, err = capfd.readouterr()
    _assert_clean((out + err).encode(), "stdout/stderr")
