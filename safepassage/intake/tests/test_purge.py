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
    assert event.details == {"updates": 3, "contacts": 0, "retention_days": 30}


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


@override_settings(INTAKE_RAW_RETENTION_DAYS=30)
def test_silent_contacts_that_never_became_cases_go_with_their_conversation():
    import json

    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
    from safepassage.intake.models import Contact, ContactMessage
    from safepassage.intake.processing import contact_for, update_process
    from safepassage.intake.tests.factories import private_message

    channel = telegram_channel()

    def contact(chat_id: int, age_days: float) -> Contact:
        update = services.update_receive(
            channel=channel,
            provider_id=f"c{chat_id}",
            kind="message",
            payload=json.dumps(private_message(chat_id, chat_id=chat_id)),
        ).update
        update_process(update.pk)
        found, created = contact_for(channel, str(chat_id))
        assert not created  # made by the update just read
        then = timezone.now() - dt.timedelta(days=age_days)
        Contact.objects.filter(pk=found.pk).update(created_at=then, last_inbound_at=then)
        return found

    silent = contact(1, 40)
    recent = contact(2, 5)
    handed = contact(3, 40)
    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    services.contact_hand_over(actor=operator, contact=handed, unit=UnitFactory())
    out = _run()
    assert "and 1 contacts" in out
    assert set(Contact.objects.values_list("pk", flat=True)) == {recent.pk, handed.pk}
    assert not ContactMessage.objects.filter(contact_id=silent.pk).exists()
    assert DataKey.objects.get(pk=silent.data_key_id).wrapped is None
