"""Armoury pages through the test client: the path a unit walks, refusals
shown as messages (never a 500), exports safe for spreadsheets."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from safepassage.accounts.tests.factories import sign_in
from safepassage.armoury.exports import safe_cell
from safepassage.armoury.models import Claim, Item, ItemPhoto
from safepassage.armoury.tests.factories import kind, record, schedule
from safepassage.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), "green")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _form(world, **overrides):
    data = {
        "kind": kind("ma-1").pk,
        "serial": "MA1-777001",
        "condition": "working",
        "quantity": 1,
        "quantity_unit": "items",
        "witness": world.witness.pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Forest camp",
    }
    data.update(overrides)
    return data


def test_recording_a_rifle_with_a_photo_strips_its_metadata(client, world):
    sign_in(client, world.handler)
    photo = SimpleUploadedFile("rifle.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    url = reverse("armoury:item_new", kwargs={"code": world.case.code})
    response = client.post(url, {**_form(world), "photo": photo})
    assert response.status_code == 302
    stored = ItemPhoto.objects.get().photo.read()
    assert b"CameraMaker" not in stored
    assert Image.open(io.BytesIO(stored)).getexif().get(0x010F) is None


def test_boxes_are_converted_to_rounds(client, world):
    sign_in(client, world.handler)
    url = reverse("armoury:item_new", kwargs={"code": world.case.code})
    data = _form(world, kind=kind("ammo-556").pk, serial="", quantity=2, quantity_unit="boxes")
    assert client.post(url, data).status_code == 302
    assert Item.objects.get().quantity == 2000


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "ammo-556", "serial": "", "quantity": 200000}, "more than one register line"),
        ({"kind": "ammo-556", "serial": "", "quantity": "-3"}, "greater than or equal to 1"),
        ({"kind": "ma-1", "serial": "-- ..."}, "no letter or digit"),
        ({"kind": "ma-1", "quantity_unit": "boxes"}, "not counted in boxes"),
        ({"kind": "ma-1", "received_at": "yesterday"}, "Enter a valid date/time"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(client, world, overrides, message):
    sign_in(client, world.handler)
    if "kind" in overrides:
        overrides = {**overrides, "kind": kind(overrides["kind"]).pk}
    url = reverse("armoury:item_new", kwargs={"code": world.case.code})
    response = client.post(url, _form(world, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Item.objects.exists()


def test_the_case_page_shows_the_computed_reward_and_audits_serials(client, world):
    schedule(actor=world.hq_approver)
    record(world.case, world.handler, world.witness)
    record(world.case, world.handler, world.witness, code="ammo-556", quantity=120, serial="")
    sign_in(client, world.officer)
    response = client.get(reverse("armoury:case", kwargs={"code": world.case.code}))
    body = response.content.decode()
    assert "36000000 MMK" in body
    assert "MA1-204518" in body
    event = AuditEvent.objects.filter(action="cases.viewed").latest("sequence")
    assert "serial" in event.details["fields"]


def test_propose_then_approve_through_the_pages(client, world):
    schedule(actor=world.hq_approver)
    record(world.case, world.handler, world.witness)
    sign_in(client, world.officer)
    response = client.post(reverse("armoury:propose", kwargs={"code": world.case.code}))
    claim = Claim.objects.get()
    assert response["Location"] == reverse("armoury:claim", kwargs={"pk": claim.pk})
    decide = reverse("armoury:claim_decide", kwargs={"pk": claim.pk})
    client.post(decide, {"action": "approve", "expected_version": 0})
    claim.refresh_from_db()
    assert claim.status == "proposed"  # the officer holds no approver role: refused
    client.logout()
    sign_in(client, world.approver)
    assert world.case.code in client.get(reverse("armoury:queue")).content.decode()
    client.post(decide, {"action": "approve", "expected_version": 0})
    claim.refresh_from_db()
    assert claim.status == "approved"


def test_a_claim_refusal_is_a_message_not_an_error(client, world):
    record(world.case, world.handler, world.witness, code="drone", serial="D-1")
    schedule(actor=world.hq_approver)
    sign_in(client, world.officer)
    response = client.post(
        reverse("armoury:propose", kwargs={"code": world.case.code}), follow=True
    )
    assert response.status_code == 200
    assert "No reward is set for: Drone" in response.content.decode()


def test_headquarters_sees_the_double_claim_by_codes_only(client, world):
    record(world.case, world.handler, world.witness, place="Secret ridge")
    record(world.other_case, world.other_handler, world.other_witness)
    sign_in(client, world.hq_screening)
    body = client.get(reverse("armoury:alerts")).content.decode()
    assert world.case.code in body
    assert world.other_case.code in body
    assert "MA1-204518" not in body
    assert "Secret ridge" not in body


def test_exports_carry_codes_and_no_formulas(client, world):
    record(world.case, world.handler, world.witness, model_name="=HYPERLINK(1)")
    sign_in(client, world.hq_approver)
    response = client.get(reverse("armoury:export"), {"what": "items", "fmt": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == world.case.code
    assert rows[1][5] == "'=HYPERLINK(1)"
    assert "MA1-204518" not in response.content.decode("utf-8-sig")
    response = client.get(reverse("armoury:export"), {"what": "claims", "fmt": "xlsx"})
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 1
    assert AuditEvent.objects.filter(action="armoury.exported").count() == 2


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(text):
    assert safe_cell(text).startswith("'")


def test_the_unit_armoury_lists_what_the_unit_holds_without_decrypting(client, world):
    mine = record(world.case, world.handler, world.witness, place="Hidden valley")
    record(world.other_case, world.other_handler, world.other_witness, serial="OTHER-1")
    sign_in(client, world.handler)
    body = client.get(reverse("armoury:unit")).content.decode()
    assert world.case.code in body
    assert world.other_case.code not in body
    assert "Hidden valley" not in body
    assert "MA1-204518" not in body
    response = client.post(reverse("armoury:count"), {f"found_{mine.pk}": "0"})
    assert response.status_code == 302
    sign_in(client, world.hq_approver)
    assert world.case.code in client.get(reverse("armoury:alerts")).content.decode()
