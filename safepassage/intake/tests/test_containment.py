"""One altered row costs that row, never the page (issue 18 §5): the
inbox, a conversation (its messages, pending replies and notes) for the
operators and for the receiving unit. Each test alters one row as a
database writer would and asserts that the others still show."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent, IntegrityAlert
from safepassage.intake import services
from safepassage.intake.models import Contact, ContactMessage
from safepassage.intake.processing import update_process
from safepassage.intake.tests.factories import private_message, telegram_channel
from safepassage.vault.tests.tamper import flip_byte

pytestmark = pytest.mark.django_db

LEFT_OUT = "1 record could not be read"


def _say(channel, chat_id: int, text: str, update_id: int) -> Contact:
    stored = services.update_receive(
        channel=channel,
        provider_id=str(update_id),
        kind="message",
        payload=json.dumps(private_message(update_id, text=text, chat_id=chat_id)),
    ).update
    update_process(stored.pk)
    return Contact.objects.get(channel=channel, pk__in=_contacts_of(channel, chat_id))


def _contacts_of(channel, chat_id: int) -> list[int]:
    return [c.pk for c in Contact.objects.filter(channel=channel) if c.address == str(chat_id)]


@pytest.fixture
def operator(client):
    user = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    sign_in(client, user)
    return user


def test_an_altered_contact_leaves_the_rest_of_the_inbox(client, operator):
    channel = telegram_channel()
    altered = _say(channel, 11, "first person", 1)
    kept = _say(channel, 12, "second person", 2)
    flip_byte(altered, "address")
    flip_byte(ContactMessage.objects.get(contact=altered), "body")
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 200
    assert f"#{kept.pk}" in response.content.decode()


def test_one_altered_message_leaves_the_rest_of_the_conversation(client, operator):
    channel = telegram_channel()
    contact = _say(channel, 11, "altered words", 1)
    _say(channel, 11, "kept words", 2)
    bad = next(
        m for m in ContactMessage.objects.filter(contact=contact) if m.body == "altered words"
    )
    flip_byte(bad, "body")
    response = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "kept words" in page
    assert "altered words" not in page
    assert LEFT_OUT in page
    alert = IntegrityAlert.objects.get()
    assert (alert.model, alert.row_id) == ("intake.contactmessage", str(bad.pk))
    assert alert.found_in == "intake.conversation"
    assert AuditEvent.objects.filter(action="vault.integrity_failed").count() == 1


def test_an_altered_note_and_reply_leave_the_others(client, operator):
    contact = _say(telegram_channel(), 11, "hello", 1)
    for text in ("bad note", "kept note"):
        services.contact_note_add(actor=operator, contact=contact, body=text)
    flip_byte(_note(contact, "bad note"), "body")
    response = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "kept note" in page
    assert "bad note" not in page
    assert "hello" in page
    assert LEFT_OUT in page


def _note(contact, text):
    return next(n for n in contact.notes.all() if n.body == text)
