"""A conversation is readable only under the key of its channel's unit.

Who reads a contact is decided by its channel's unit column
(`policies.channel_scope`). Changing that column by hand (issue 18,
point 2) must not hand the conversations to another unit's operators.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)
from safepassage.audit.models import AuditEvent
from safepassage.intake import services
from safepassage.intake.models import Contact, ContactMessage
from safepassage.intake.processing import update_process
from safepassage.intake.tests.factories import private_message, telegram_channel
from safepassage.vault import keys
from safepassage.vault.exceptions import UnitMismatch

pytestmark = pytest.mark.django_db

TEXT = "ကျွန်တော် ထွက်ချင်တယ်"


def _contact(channel) -> Contact:
    stored = services.update_receive(
        channel=channel,
        provider_id="77",
        kind="message",
        payload=json.dumps(private_message(77, text=TEXT, chat_id=77), ensure_ascii=False),
    ).update
    update_process(stored.pk)
    return Contact.objects.get(channel=channel)


def _operator(unit) -> Client:
    client = Client()
    sign_in(client, UserFactory(unit=unit, roles=[Role.INTAKE_OPERATOR]))
    return client


def test_a_channel_moved_to_a_unit_by_hand_opens_its_conversations_to_nobody():
    hq, battalion = HeadquartersFactory(), UnitFactory()
    contact = _contact(telegram_channel())
    url = reverse("inbox:contact", kwargs={"pk": contact.pk})
    assert TEXT in _operator(hq).get(url).content.decode()

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE intake_channel SET unit_id = %s WHERE id = %s",
            [battalion.pk, contact.channel_id],
        )

    response = _operator(battalion).get(url)
    assert response.status_code == 409
    assert TEXT not in response.content.decode()
    assert _operator(hq).get(url).status_code == 404
    alert = AuditEvent.objects.filter(action="vault.unit_mismatch").first()
    assert alert is not None
    assert alert.details["expected_scope"] == keys.scope_for_unit(battalion.pk)
    assert alert.details["bound_scope"] == keys.SYSTEM_SCOPE
    keys.clear_caches()
    with pytest.raises(UnitMismatch):
        _ = ContactMessage.objects.select_related("contact__channel").get(contact=contact).body


def test_a_units_channel_moved_to_headquarters_by_hand_is_refused_too():
    battalion = UnitFactory()
    channel = services.channel_create(
        actor=None,
        kind="telegram",
        name="Unit bot",
        token="1:x",
        unit=battalion,
        api_url="http://127.0.0.1:9",
    )
    contact = _contact(channel)
    with connection.cursor() as cur:
        cur.execute("UPDATE intake_channel SET unit_id = NULL WHERE id = %s", [channel.pk])
    response = _operator(HeadquartersFactory()).get(
        reverse("inbox:contact", kwargs={"pk": contact.pk})
    )
    assert response.status_code == 409
    assert TEXT not in response.content.decode()
