"""Raw updates past retention are destroyed: keys shredded, rows gone, audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from safepassage.audit.models import AuditEvent
from safepassage.intake import services
from safepassage.intake.models import InboundUpdate
from safepassage.intake.tests.factories import telegram_channel
from safepassage.vault.models import DataKey

pytestmark = pytest.mark.django_db


def _update(channel, provider_id: str, age_days: float) -> InboundUpdate:
    update = services.update_receive(
        channel=channel, provider_id=provider_id, kind="message", payload='{"text": "x"}'
    ).update
    InboundUpdate.objects.filter(pk=update.pk).update(
        received_at=timezone.now() - dt.timedelta(days=age_days)
    )
    return update


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("intake_purge", *args, stdout=out)
    return out.getvalue()


@override_settings(INTAKE_RAW_RETENTION_DAYS=30)
def test_updates_past_retention_are_destroyed_and_the_rest_kept():
    channel = telegram_channel()
    old = [_update(channel, str(i), 31 + i) for i in range(3)]
    fresh = _update(channel, "fresh", 29)
    out = _run()
    assert "Destroyed 3 raw updates" in out
    assert list(InboundUpdate.objects.values_list("provider_id", flat=True)) == ["fresh"]
    for update in old:
        key = DataKey.objects.get(pk=update.data_key_id)
        assert key.wrapped is None
        assert key.shredded_at is not None
    assert DataKey.objects.get(pk=fresh.data_key_id).wrapped is not None
    event = AuditEvent.objects.get(action="intake.updates_purged")
    assert event.details == {"updates": 3, "retention_days": 30}


def test_days_on_the_command_line_override_the_setting():
    channel = telegram_channel()
    _update(channel, "a", 3)
    _update(channel, "b", 1)
    _run("--days", "2")
    assert list(InboundUpdate.objects.values_list("provider_id", flat=True)) == ["b"]


@pytest.mark.parametrize("days", ["0", "-5"])
def test_a_retention_below_one_day_is_refused(days):
    channel = telegram_channel()
    _update(channel, "a", 3)
    with pytest.raises(CommandError):
        _run("--days", days)
    assert InboundUpdate.objects.count() == 1


def test_a_purge_with_nothing_to_do_is_still_audited():
    assert "Destroyed 0 raw updates" in _run()
    assert AuditEvent.objects.filter(action="intake.updates_purged").count() == 1
