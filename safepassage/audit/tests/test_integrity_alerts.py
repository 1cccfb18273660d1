"""Integrity alerts: one per altered row, for headquarters' administrators
only, naming rows by identifiers and never by what they hold."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)
from safepassage.audit.models import AuditEvent, IntegrityAlert
from safepassage.audit.services import (
    integrity_alert_raise,
    integrity_alert_resolve,
    integrity_failures_report,
)
from safepassage.vault import keys
from safepassage.vault.exceptions import DecryptionError, KeyShredded, RowRef
from safepassage.vault.tests.factories import ProbeFactory
from safepassage.vault.tests.probe.models import Probe
from safepassage.vault.tests.tamper import flip_byte

pytestmark = pytest.mark.django_db

CANARY = "CANARY-alert-ကိုကနေရီ"


def _failure() -> tuple[Probe, DecryptionError]:
    probe = ProbeFactory(text=CANARY)
    flip_byte(probe, "text")
    try:
        _ = Probe.objects.get(pk=probe.pk).text
    except DecryptionError as exc:
        return probe, exc
    raise AssertionError("the flipped value decrypted")


def _raised() -> int:
    return AuditEvent.objects.filter(action="vault.integrity_failed").count()


def test_a_row_is_alerted_once_however_often_it_fails():
    probe, error = _failure()
    assert error.row is not None
    first = integrity_alert_raise(row=error.row, found_in="cases:search")
    assert first is not None
    for _ in range(3):
        assert integrity_alert_raise(row=error.row, found_in="cases:search") is None
    assert integrity_failures_report(errors=[error, error], found_in="cases.screening_index") == 0
    assert IntegrityAlert.objects.count() == 1
    assert _raised() == 1
    event = AuditEvent.objects.get(action="vault.integrity_failed")
    assert (event.target_type, event.target_id) == ("audit.integrityalert", str(first.pk))
    assert event.details == {
        "model": "vault_probe.probe",
        "row_id": probe.pk,
        "found_in": "cases:search",
    }
    assert (first.model, first.row_id, first.vault_id) == (
        "vault_probe.probe",
        str(probe.pk),
        probe.vault_id,
    )


def test_the_alert_names_the_unit_whose_key_wraps_the_row():
    unit = UnitFactory()
    probe = ProbeFactory(
        data_key=keys.data_key_create(scope=keys.scope_for_unit(unit.pk), owner="vault_probe")
    )
    row = RowRef(model="vault_probe.probe", pk=str(probe.pk), data_key_id=probe.data_key_id)
    alert = integrity_alert_raise(row=row, found_in="")
    assert alert is not None
    assert alert.unit_id == unit.pk


def test_a_resolved_alert_lets_a_row_that_still_fails_be_alerted_again():
    _probe, error = _failure()
    assert error.row is not None
    admin = UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])
    alert = integrity_alert_raise(row=error.row, found_in="")
    assert alert is not None
    integrity_alert_resolve(actor=admin, alert=alert)
    with pytest.raises(ValueError, match="resolved already"):
        integrity_alert_resolve(actor=admin, alert=alert)
    assert integrity_alert_raise(row=error.row, found_in="") is not None
    assert IntegrityAlert.objects.filter(resolved_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="audit.integrity_alert_resolved").count() == 1


def test_a_shredded_key_is_no_alteration_and_raises_no_alert():
    error = KeyShredded("gone")
    error.row = RowRef(model="vault_probe.probe", pk="1")
    assert integrity_failures_report(errors=[error], found_in="") == 0
    assert not IntegrityAlert.objects.exists()


# ------------------------------------------------------------------ page ----


def test_headquarters_administrators_see_and_resolve_alerts_without_personal_data(client):
    _probe, error = _failure()
    assert error.row is not None
    alert = integrity_alert_raise(row=error.row, found_in="cases:search")
    assert alert is not None
    admin = UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])
    sign_in(client, admin)
    assert reverse("audit:integrity_alerts").encode() in client.get(reverse("core:home")).content
    page = client.get(reverse("audit:integrity_alerts"))
    assert page.status_code == 200
    assert str(alert.vault_id).encode() in page.content
    assert CANARY.encode() not in page.content
    assert b"CANARY" not in page.content
    response = client.post(reverse("audit:integrity_alert_resolve", kwargs={"pk": alert.pk}))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_by_id == admin.pk
    again = client.post(reverse("audit:integrity_alert_resolve", kwargs={"pk": alert.pk}))
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("headquarters", "role"),
    [
        (False, Role.ADMINISTRATOR),  # a unit's administrator: the role, not the scope
        (True, Role.SCREENING_OFFICER),
        (True, Role.ANALYST),
        (False, Role.UNIT_HANDLER),
    ],
)
def test_everyone_else_is_refused_the_alerts(client, headquarters, role):
    _probe, error = _failure()
    assert error.row is not None
    alert = integrity_alert_raise(row=error.row, found_in="")
    assert alert is not None
    unit = HeadquartersFactory() if headquarters else UnitFactory()
    sign_in(client, UserFactory(unit=unit, roles=[role]))
    assert client.get(reverse("audit:integrity_alerts")).status_code == 403
    url = reverse("audit:integrity_alert_resolve", kwargs={"pk": alert.pk})
    assert client.post(url).status_code == 403
    alert.refresh_from_db()
    assert alert.resolved_at is None
    home = client.get(reverse("core:home")).content
    assert reverse("audit:integrity_alerts").encode() not in home
