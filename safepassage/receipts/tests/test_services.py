from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from safepassage.audit.models import AuditEvent
from safepassage.receipts import services, signing
from safepassage.receipts.models import Receipt
from safepassage.receipts.services import ReceiptRefused, Status, receipt_check
from safepassage.vault import keyring

from .conftest import issue

pytestmark = pytest.mark.django_db


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tamper(text: str, change) -> str:
    prefix, content, signature = text.split(".")
    data = json.loads(base64.urlsafe_b64decode(content + "=" * (-len(content) % 4)))
    change(data)
    return ".".join([prefix, _b64(signing.canonical(data)), signature])


def test_issued_receipt_verifies_and_names_no_one(receipt):
    verdict = receipt_check(receipt.text)
    assert verdict.ok, verdict.reason
    assert verdict.number == receipt.number
    assert receipt.number.startswith("R-")
    assert len(receipt.number) == 21
    content = json.loads(receipt.content)
    assert content["case"] == "SP-ABCD-EFGH"
    assert content["key"] == receipt.key_id
    assert list(content) == sorted(content)
    assert "<svg" in receipt.qr_svg
    assert AuditEvent.objects.filter(action="receipts.issued").count() == 1


def test_offline_check_needs_no_register(receipt):
    Receipt.objects.all().delete()
    assert receipt_check(receipt.text, use_register=False).ok
    assert receipt_check(receipt.text).status == Status.UNREGISTERED


def test_numbers_are_not_sequential(officer_a):
    numbers = {issue(officer_a).number for _ in range(5)}
    assert len(numbers) == 5


def test_altered_amount_is_caught(receipt):
    def richer(data):
        data["total"] = 5_600_000

    verdict = receipt_check(_tamper(receipt.text, richer))
    assert verdict.status == Status.ALTERED
    assert "changed after signing" in verdict.reason


def test_forged_receipt_is_caught(receipt):
    def new_number(data):
        data["number"] = "R-AAAA-BBBB-CCCC-DDDD"

    assert receipt_check(_tamper(receipt.text, new_number)).status == Status.FORGED


def test_signed_by_an_unknown_key(receipt):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    content = json.loads(receipt.content)
    content["key"] = "00000000-0000-4000-8000-000000000000"
    raw = signing.canonical(content)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    text = signing.receipt_text(raw, signing.sign(seed, raw))
    assert receipt_check(text).status == Status.UNKNOWN_KEY


def test_own_key_on_other_content_with_a_known_number_is_reuse(receipt):
    """A second, genuinely signed content under an issued number (a copied
    register row, a replayed key) is caught by the content hash."""
    _key_id, seed = keyring.receipt_signing_key()
    content = json.loads(receipt.content)
    content["total"] = 1
    raw = signing.canonical(content)
    text = signing.receipt_text(raw, signing.sign(seed, raw))
    assert receipt_check(text).status == Status.REUSED


def test_revoked_receipt_fails(receipt, officer_a, officer_b):
    with pytest.raises(Exception, match="other_unit"):
        services.receipt_revoke(actor=officer_b, receipt=receipt, reason="wrong")
    services.receipt_revoke(actor=officer_a, receipt=receipt, reason="issued twice")
    assert receipt_check(receipt.text).status == Status.REVOKED
    with pytest.raises(ReceiptRefused):
        services.receipt_revoke(actor=officer_a, receipt=receipt, reason="again")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "SPR1..",
        "SPR1.abc.def",
        "SPR2.e30." + "A" * 86,
        "SPR1.!!!." + "A" * 86,
        "SPR1." + _b64(b"[1,2]") + "." + "A" * 86,
        "SPR1." + _b64(b'{"v":1}') + "." + "A" * 86,
        "SPR1." + _b64("{\u1000}".encode()) + "." + "A" * 86,
        "SPR1." + "A" * 9000,
        None,
        12,
    ],
)
def test_malformed_texts(text):
    assert receipt_check(text).status == Status.MALFORMED


def test_whitespace_from_printing_is_forgiven(receipt):
    text = receipt.text
    broken = "\n".join(text[i : i + 40] for i in range(0, len(text), 40))
    assert receipt_check(" " + broken + " ").ok


def test_rotation_keeps_old_receipts_valid(receipt):
    from django.conf import settings

    from conftest import TEST_PASSPHRASE

    keyring.receipt_key_rotate(TEST_PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
    assert keyring.receipt_signing_key()[0] != receipt.key_id
    assert receipt_check(receipt.text).ok


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "gift"},
        {"case_code": ""},
        {"case_code": "x" * 61},
        {"unit_label": "\x00"},
        {"lines": [{"item": "rifle", "amount": 1.5}]},
        {"lines": [{"holder_name": "Maung"}]},
        {"lines": [{"Item": "x"}]},
        {"lines": ["rifle"]},
        {"lines": [{"item": "x" * 201}]},
        {"lines": [{"n": 10**16}]},
        {"lines": [{"a": 1}] * 51},
        {"total_minor": -1},
        {"total_minor": 1.0},
        {"total_minor": 5, "currency": None},
        {"currency": "kyat"},
        {"issued_at": dt.datetime(2026, 12, 7, 9, 30)},  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_input_is_refused(officer_a, overrides):
    with pytest.raises(ReceiptRefused):
        issue(officer_a, **overrides)
    assert Receipt.objects.count() == 0


def test_other_unit_is_refused_unless_headquarters(officer_a, hq_officer, unit_b):
    with pytest.raises(Exception, match="other_unit"):
        issue(officer_a, unit=unit_b)
    assert issue(hq_officer, unit=unit_b).unit == unit_b


def test_command(receipt, tmp_path, capsys):
    call_command("receipt_verify", receipt.text)
    assert receipt.number in capsys.readouterr().out
    path = tmp_path / "receipt.txt"
    path.write_text(receipt.text + "\n")
    call_command("receipt_verify", str(path), "--offline")
    with pytest.raises(CommandError, match="altered"):
        call_command("receipt_verify", _tamper(receipt.text, lambda d: d.update(total=9)))
    with pytest.raises(CommandError, match="Neither"):
        call_command("receipt_verify", str(tmp_path / "missing"))
    path.write_text("garbage")
    with pytest.raises(CommandError, match="malformed"):
        call_command("receipt_verify", str(path))
