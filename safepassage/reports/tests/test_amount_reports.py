"""The new reports end to end: items and rounds handed over, money paid
against headquarters' budget, and where people were received, through
the owning apps' services, the refresh, the pages and the exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.armoury.tests.factories import record
from safepassage.cases.models import CaseEvent
from safepassage.forces.models import UnitProfile
from safepassage.geo.models import State, Township
from safepassage.ledger import services as ledger
from safepassage.reports import services
from safepassage.reports.models import ReportCell, ReportContribution

from .factories import analyst, headquarters, person_case, unit
from .test_views import _table

pytestmark = pytest.mark.django_db


def _month_cells(cube: str, place) -> dict[str, int]:
    return {
        c.key: c.count
        for c in ReportCell.objects.filter(cube=cube, period_kind="month", unit=place)
    }


def _received(case, at: dt.datetime) -> None:
    """The case reached "received" at `at` (the event the flow reads)."""
    event = CaseEvent(case=case, kind="status", from_status="in_transit", to_status="received")
    event.data_key_id = case.data_key_id
    event.save()
    CaseEvent.objects.filter(pk=event.pk).update(created_at=at)
    services.reporting_mark_dirty(case.pk)


@pytest.fixture
def place():
    headquarters()
    return unit("Receiving unit")


def test_three_rifles_and_rounds_from_one_person_are_summed_with_one_contributor(place):
    handler = UserFactory(unit=place, roles=[Role.UNIT_HANDLER])
    witness = UserFactory(unit=place, roles=[Role.REWARD_OFFICER])
    case = person_case(place)
    for serial in ("MA1-100001", "MA1-100002", "MA1-100003"):
        record(case, handler, witness, serial=serial)
    record(case, handler, witness, code="ammo-556", serial="", quantity=900)
    services.reports_refresh()
    assert _month_cells("w_items", place) == {"kind=rifle|calibre=5.56x45": 3}
    assert _month_cells("w_rounds", place) == {"calibre=5.56x45": 900}
    assert _month_cells("w_items_pp", place)["kind=*|calibre=*"] == 1
    assert _month_cells("w_rounds_py", place)["calibre=*"] == 1
    # Incremental equals a full recount.
    before = sorted(ReportCell.objects.values_list("cube", "period_kind", "key", "count"))
    services.reports_rebuild()
    assert sorted(ReportCell.objects.values_list("cube", "period_kind", "key", "count")) == before


def test_a_payment_marks_its_case_and_is_summed_per_purpose(place):
    hq_finance = UserFactory(unit=headquarters(), roles=[Role.REWARD_APPROVER])
    officer = UserFactory(unit=place, roles=[Role.REWARD_OFFICER])
    witness = UserFactory(unit=place, roles=[Role.UNIT_HANDLER])
    case = person_case(place)
    services.reports_refresh()
    ledger.budget_fund(actor=hq_finance, amount_minor=10_000_000, currency="MMK")
    ledger.unit_float_fund(actor=hq_finance, unit=place, amount_minor=5_000_000, currency="MMK")
    ledger.payable_record(
        actor=officer,
        case=case,
        unit=place,
        amount_minor=3_000_000,
        currency="MMK",
        source_kind="armoury.claim",
        source_id=1,
    )
    ledger.payment_make(
        actor=officer,
        case=case,
        unit=place,
        amount_minor=3_000_000,
        currency="MMK",
        method="cash_with_witness",
        witness=witness,
        source_kind="armoury.claim",
        source_id=1,
    )
    assert ReportContribution.objects.get(case_id=case.pk).dirty  # the receiver marked it
    services.reports_refresh()
    assert _month_cells("paid", place) == {"purpose=reward:MMK": 3_000_000}
    assert _month_cells("paid_pp", place) == {"purpose=reward:MMK": 1, "purpose=*": 1}


def test_people_count_where_their_unit_is_based_and_a_move_recounts_them(place):
    township = Township.objects.order_by("pcode").first()
    other = Township.objects.exclude(district__state=township.district.state).first()
    UnitProfile.objects.create(unit=place, base_township=township)
    case = person_case(place, township="MMR013017")
    _received(case, timezone.now())
    services.reports_refresh()
    region = township.pcode[:6]
    assert _month_cells("received", place) == {f"received={region}|region=MMR013": 1}
    assert _month_cells("received_tsp", place) == {f"township={township.pcode}": 1}
    profile = UnitProfile.objects.get(unit=place)
    profile.base_township = other
    profile.save()  # every case of the unit is marked
    assert ReportContribution.objects.get(case_id=case.pk).dirty
    services.reports_refresh()
    assert _month_cells("received_tsp", place) == {f"township={other.pcode}": 1}


@pytest.fixture
def world():
    hq = headquarters()
    a = unit("Unit A")
    township = Township.objects.filter(pcode__startswith="MMR013").order_by("pcode").first()
    UnitProfile.objects.create(unit=a, base_township=township)
    handler = UserFactory(unit=a, roles=[Role.UNIT_HANDLER])
    witness = UserFactory(unit=a, roles=[Role.REWARD_OFFICER])
    for n in range(14):
        case = person_case(a, township="MMR010001")
        _received(case, timezone.now())
        record(case, handler, witness, serial=f"MA1-2000{n:02d}")
        record(case, handler, witness, code="ammo-556", serial="", quantity=300 + n)
        record(case, handler, witness, code="ammo-9", serial="", quantity=200)
    lone = person_case(a, township="MMR010001")
    record(lone, handler, witness, code="ammo-762x39", serial="", quantity=5000)
    services.reports_refresh()
    return {"hq": hq, "a": a, "lone": lone}


def test_a_large_quantity_from_one_person_is_never_shown(client, world):
    sign_in(client, analyst(world["hq"]))
    html = client.get(reverse("reports:report", args=["ammunition"])).content.decode()
    rows = {row[0]: row[1:] for row in _table(html)[1:]}
    assert "5000" not in html
    assert "[c]" in rows["7.62x39"]
    # Its complement is the cheaper row (9 mm, 2800 rounds); fourteen
    # people's 5.56 rounds are published.
    assert "[c]" in rows["9x19"]
    assert str(sum(300 + n for n in range(14))) in rows["5.56x45"]


def test_the_amount_reports_export_what_the_page_shows(client, world):
    sign_in(client, analyst(world["hq"]))
    for name in ("weapons_items", "ammunition", "received", "received_origin", "payments"):
        params = {"period": "month"}
        html = client.get(reverse("reports:report", args=[name]), params).content.decode()
        response = client.get(reverse("reports:export", args=[name, "csv"]), params)
        assert response.status_code == 200, name
        exported = list(csv.reader(io.StringIO(response.content.decode())))
        page = _table(html)
        assert [row[1:] for row in exported] == [row[1:] for row in page], name
        assert [row[0] for row in exported[1:]] == [row[0] for row in page[1:]], name


def test_where_people_were_received_reads_in_burmese(client, world):
    sign_in(client, analyst(world["hq"]))
    state = State.objects.get(pcode="MMR013")
    client.cookies["django_language"] = "my"
    html = client.get(
        reverse("reports:report", args=["received_origin"]), HTTP_ACCEPT_LANGUAGE="my"
    ).content.decode()
    assert state.name_my in html
    assert re.search(r'lang="my"', html)


def test_headquarters_sees_the_budget_beside_what_was_paid_and_a_unit_does_not(client, world):
    hq_finance = UserFactory(unit=world["hq"], roles=[Role.REWARD_APPROVER])
    today = timezone.localdate()
    ledger.budget_set(
        actor=hq_finance, month=today, purpose="reward", amount_minor=7_000_000, currency="MMK"
    )
    sign_in(client, analyst(world["hq"]))
    html = client.get(reverse("reports:report", args=["payments"])).content.decode()
    assert "Paid against the monthly budget" in html
    assert "7000000" in html
    # Nothing was paid: a true zero, and a share of 0 %.
    assert "0 %" in html
    client.logout()
    sign_in(client, analyst(world["a"]))
    html = client.get(reverse("reports:report", args=["payments"])).content.decode()
    assert "Paid against the monthly budget" not in html
    assert "7000000" not in html


def test_a_share_of_budget_is_never_given_beside_a_suppressed_payment():
    from safepassage.reports.budgets import _share

    assert _share(None, 5_000_000) is None
    assert _share(2_500_000, 0) is None
    assert str(_share(2_500_000, 5_000_000)) == "50"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01"}, "Enter a date as year-month-day."),
        ({"period": "fortnight"}, "Weeks are shown at headquarters only"),
        ({"start": "2026-05-01", "end": "2026-01-01"}, "The range ends before it starts."),
    ],
)
def test_bad_filters_on_the_new_reports_get_a_message_never_a_500(client, world, params, message):
    sign_in(client, analyst(world["hq"]))
    for name in ("ammunition", "payments", "received_township"):
        response = client.get(reverse("reports:report", args=[name]), params)
        assert response.status_code == 400, name
        assert message in response.content.decode()
