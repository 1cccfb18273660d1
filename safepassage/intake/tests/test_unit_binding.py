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
    # Each refused row is left out and counted (issue 18 §5), none is read.
    assert response.status_code == 200
    assert TEXT not in response.content.decode()
    assert "could not be read" in response.content.decode()
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
    assert response.status_code == 200  # the refused rows left out and counted
    assert TEXT not in response.content.decode()
    assert "could not be read" in response.content.decode()


# --- A handed-over conversation is bound to its case's unit (issue 18 §2) ---

ANSWERED = "I can bring a rifle"


def _handed_over(unit) -> tuple[Contact, object]:
    """A web conversation handed over by headquarters' operator to `unit`."""
    from safepassage.intake import web

    contact = web.web_contact_open(answers={}, message=ANSWERED, language="en").contact
    hq_operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    case = services.contact_hand_over(actor=hq_operator, contact=contact, unit=unit)
    return Contact.objects.get(pk=contact.pk), case


def _handler(unit) -> Client:
    client = Client()
    sign_in(client, UserFactory(unit=unit, roles=[Role.UNIT_HANDLER]))
    return client


def _scope_of(contact) -> str:
    return (
        Contact.objects.select_related("data_key__unit_key")
        .get(pk=contact.pk)
        .data_key.unit_key.scope
    )


def _conversation(code: str) -> str:
    return reverse("inbox:case_conversation", kwargs={"code": code})


def _body_read_cold(contact) -> str:
    keys.clear_caches()
    return (
        ContactMessage.objects.select_related("contact__case", "contact__channel")
        .filter(contact=contact)
        .first()
        .body
    )


def test_hand_over_moves_the_conversations_key_to_the_receiving_unit():
    battalion = UnitFactory()
    contact, case = _handed_over(battalion)
    assert _scope_of(contact) == keys.scope_for_unit(battalion.pk)
    assert ANSWERED in _handler(battalion).get(_conversation(case.code)).content.decode()
    # The intake side's scope no longer opens it: put the column back by hand.
    Contact.objects.filter(pk=contact.pk).update(case=None)
    with pytest.raises(UnitMismatch):
        _body_read_cold(contact)


def test_a_database_writer_cannot_move_a_conversation_to_another_units_case():
    """The attack: `UPDATE intake_contact SET case_id = <another unit's case>`."""
    battalion, other = UnitFactory(), UnitFactory()
    contact, case = _handed_over(battalion)
    from safepassage.cases.services import case_open

    theirs = case_open(actor=None, unit=other)
    with connection.cursor() as cur:
        cur.execute("UPDATE intake_contact SET case_id = NULL WHERE id = %s", [contact.pk])
        cur.execute("UPDATE intake_contact SET case_id = %s WHERE id = %s", [theirs.pk, contact.pk])
    keys.clear_caches()
    response = _handler(other).get(_conversation(theirs.code))
    assert response.status_code == 409
    assert ANSWERED not in response.content.decode()
    assert _handler(battalion).get(_conversation(case.code)).status_code == 404
    alert = AuditEvent.objects.filter(action="vault.unit_mismatch").last()
    assert alert is not None
    assert alert.details["expected_scope"] == keys.scope_for_unit(other.pk)
    assert alert.details["bound_scope"] == keys.scope_for_unit(battalion.pk)


def test_after_a_transfer_the_new_unit_reads_the_conversation_and_the_old_cannot():
    from safepassage.cases.services import case_transfer_accept, case_transfer_request

    first, second = UnitFactory(), UnitFactory()
    contact, case = _handed_over(first)
    transfer = case_transfer_request(
        actor=UserFactory(unit=first, roles=[Role.UNIT_HANDLER]), case=case, to_unit=second
    )
    case_transfer_accept(
        actor=UserFactory(unit=second, roles=[Role.UNIT_HANDLER]), transfer=transfer
    )
    assert _scope_of(contact) == keys.scope_for_unit(second.pk)
    keys.clear_caches()
    assert ANSWERED in _handler(second).get(_conversation(case.code)).content.decode()
    assert _handler(first).get(_conversation(case.code)).status_code == 404
    # Moving the case's column back by hand does not give the conversation back.
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_case SET unit_id = %s WHERE id = %s", [first.pk, case.pk])
    response = _handler(first).get(_conversation(case.code))
    assert response.status_code == 409
    assert ANSWERED not in response.content.decode()


def test_a_transfer_refuses_a_conversation_joined_to_the_case_by_hand():
    """A conversation still under the inbox's key, pointed at a case by hand,
    is not laundered into the case's unit by the case's transfer."""
    from safepassage.cases.models import CaseTransfer, TransferStatus
    from safepassage.cases.services import case_open, case_transfer_accept

    first, second = UnitFactory(), UnitFactory()
    case = case_open(actor=None, unit=first)
    contact = _contact(telegram_channel())
    Contact.objects.filter(pk=contact.pk).update(case=case)  # by hand
    transfer = CaseTransfer.objects.create(case=case, from_unit=first, to_unit=second)
    with pytest.raises(UnitMismatch):
        case_transfer_accept(
            actor=UserFactory(unit=second, roles=[Role.UNIT_HANDLER]), transfer=transfer
        )
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING
    assert _scope_of(contact) == keys.SYSTEM_SCOPE
    assert AuditEvent.objects.filter(action="vault.unit_mismatch").exists()


def test_linking_to_a_case_moves_the_key_and_a_later_web_continuation_is_made_under_it(client):
    from safepassage.cases.services import case_open
    from safepassage.intake import web

    battalion = UnitFactory()
    case = case_open(actor=None, unit=battalion)
    contact = _contact(telegram_channel())
    hq_operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    services.contact_link_case(actor=hq_operator, contact=contact, code=case.code)
    assert _scope_of(contact) == keys.scope_for_unit(battalion.pk)
    # The person writes again, on the web: the new contact is the unit's.
    root = Contact.objects.select_related("case", "channel").get(pk=contact.pk)
    web.web_message_write(root=root, text="again, from the web")
    continuation = Contact.objects.get(continues=root)
    assert _scope_of(continuation) == keys.scope_for_unit(battalion.pk)
    keys.clear_caches()
    page = _handler(battalion).get(_conversation(case.code)).content.decode()
    assert TEXT in page
    assert "again, from the web" in page
    assert (
        _operator(HeadquartersFactory())
        .get(reverse("inbox:contact", kwargs={"pk": contact.pk}))
        .status_code
        == 404
    )


def test_a_telegram_contact_that_resumes_a_handed_over_conversation_moves_to_the_unit():
    from safepassage.intake.conversation import code_and_receipt_issue
    from safepassage.intake.tests.test_conversation import Person, _try

    battalion = UnitFactory()
    channel = telegram_channel()
    root = Contact.objects.create(channel=channel, address="1", language="en", step="open")
    receipt = code_and_receipt_issue(root)
    root.save()
    hq_operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    case = services.contact_hand_over(actor=hq_operator, contact=root, unit=battalion)
    phone = Person(channel, 5555)
    _try(phone, case.code, receipt)
    moved = phone.contact
    assert moved.continues_id == root.pk
    assert _scope_of(moved) == keys.scope_for_unit(battalion.pk)
    keys.clear_caches()
    assert _handler(battalion).get(_conversation(case.code)).status_code == 200


def test_the_upgrade_step_moves_conversations_handed_over_before_the_binding(capsys):
    from django.core.management import call_command

    from safepassage.vault.models import DataKey

    battalion = UnitFactory()
    contact, case = _handed_over(battalion)
    # As before the binding: the key under the channel's (system) scope.
    data_key = DataKey.objects.get(pk=contact.data_key_id)
    keys.data_key_move(
        data_key=data_key,
        scope=keys.SYSTEM_SCOPE,
        from_scope=keys.scope_for_unit(battalion.pk),
    )
    with pytest.raises(Exception, match="not under their unit"):
        call_command("vault_check_units")
    call_command("intake_bind_conversations")
    assert "1 conversation contacts moved" in capsys.readouterr().out
    assert _scope_of(contact) == keys.scope_for_unit(battalion.pk)
    call_command("vault_check_units")
    assert AuditEvent.objects.filter(action="intake.conversation_bound").count() == 1
    keys.clear_caches()
    assert ANSWERED in _handler(battalion).get(_conversation(case.code)).content.decode()
