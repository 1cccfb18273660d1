from __future__ import annotations

import pytest
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_receipt_page_for_its_unit(client, officer_a, receipt):
    sign_in(client, officer_a)
    response = client.get(reverse("receipts:detail", args=[receipt.number]))
    page = response.content.decode()
    assert response.status_code == 200
    assert receipt.number in page
    assert "SP-ABCD-EFGH" in page
    assert "<svg" in page
    assert "560000 MMK" in page
    assert "လက်ခံဖြတ်ပိုင်း" in page
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="receipts.viewed").count() == 1


def test_receipt_page_for_headquarters(client, hq_officer, receipt):
    sign_in(client, hq_officer)
    assert client.get(reverse("receipts:detail", args=[receipt.number])).status_code == 200


def test_receipt_of_another_unit_is_404_and_audited(client, officer_b, receipt):
    sign_in(client, officer_b)
    response = client.get(reverse("receipts:detail", args=[receipt.number]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="receipts.access_refused").count() == 1
    assert client.get(reverse("receipts:detail", args=["R-NOPE"])).status_code == 404


def test_verify_page(client, officer_b, receipt):
    sign_in(client, officer_b)
    url = reverse("receipts:verify")
    page = client.post(url, {"text": receipt.text}).content.decode()
    assert "Genuine" in page
    page = client.post(url, {"text": receipt.text[:-3] + "AAA"}).content.decode()
    assert "Not valid" in page
    page = client.post(url, {"text": "x" * 20000}).content.decode()
    assert "Genuine" not in page
    assert AuditEvent.objects.filter(action="receipts.checked").count() == 2
