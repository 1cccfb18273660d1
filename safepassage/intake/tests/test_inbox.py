"""The intake operators' inbox: who sees which contacts, reading is audited, replies queue."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
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
from safepassage.intake.models import Contact, OutboundMessage
from safepassage.intake.processing import update_process
from safepassage.intake.tests.factories import private_message, telegram_channel

pytestmark = pytest.mark.django_db


def _contact_with_message(channel, text="ကျွန်တော် ထွက်ချင်တယ်", chat_id=4242) -> Contact:
    update = private_message(chat_id, text=text, chat_id=chat_id)
    stored = services.update_receive(
        channel=channel,
        provider_id=str(chat_id),
        kind="message",
        payload=json.dumps(update, ensure_ascii=False),
    ).update
    update_process(stored.pk)
    return Contact.objects.get(channel=channel)


@pytest.fixture
def operator(client):
    user = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    sign_in(client, user)
    return user


def test_the_inbox_lists_contacts_without_personal_fields(client, operator):
    contact = _contact_with_message(telegram_channel())
    body = client.get(reverse("inbox:list")).content.decode()
    assert f"#{contact.pk}" in body
    assert "ထွက်ချင်" not in body
    assert "4242" not in body


def test_a_conversation_is_decrypted_for_an_operator_and_the_read_audited(client, operator):
    contact = _contact_with_message(telegram_channel())
    response = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    assert response.status_code == 200
    assert "ကျွန်တော် ထွက်ချင်တယ်" in response.content.decode()
    assert response["Cache-Control"].startswith("no-store")
    read = AuditEvent.objects.get(action="intake.viewed")
    assert read.details["purpose"] == "intake_conversation"


def test_a_reply_is_queued_and_shown_until_delivered(client, operator):
    channel = telegram_channel()
    contact = _contact_with_message(channel)
    url = reverse("inbox:reply", kwargs={"pk": contact.pk})
    response = client.post(url, {"body": "ကျေးဇူးတင်ပါတယ်"})
    assert response.status_code == 302
    assert OutboundMessage.objects.get(queued_by=operator).body == "ကျေးဇူးတင်ပါတယ်"
    page = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).content.decode()
    assert "Replies not yet delivered" in page


@pytest.mark.parametrize("data", [{}, {"body": ""}, {"body": "x" * 4097}, {"body": "\x00"}])
def test_a_bad_reply_is_a_form_error_never_a_500(client, operator, data):
    contact = _contact_with_message(telegram_channel())
    response = client.post(reverse("inbox:reply", kwargs={"pk": contact.pk}), data)
    assert response.status_code == 400
    assert not OutboundMessage.objects.filter(queued_by__isnull=False).exists()


def test_triage_is_saved_and_audited_and_nonsense_refused(client, operator):
    contact = _contact_with_message(telegram_channel())
    url = reverse("inbox:triage", kwargs={"pk": contact.pk})
    client.post(url, {"triage": "probe"})
    contact.refresh_from_db()
    assert contact.triage == "probe"
    assert AuditEvent.objects.get(action="intake.contact_triaged").details == {"triage": "probe"}
    client.post(url, {"triage": "friend"})
    contact.refresh_from_db()
    assert contact.triage == "probe"


def test_a_units_operator_sees_only_its_own_channels(client):
    unit = UnitFactory()
    own = services.channel_create(
        actor=None,
        kind="telegram",
        name="Unit bot",
        token="1:x",
        unit=unit,
        api_url="http://127.0.0.1:9",
    )
    own_contact = _contact_with_message(own, chat_id=1)
    hq_contact = _contact_with_message(telegram_channel(), chat_id=2)
    sign_in(client, UserFactory(unit=unit, roles=[Role.INTAKE_OPERATOR]))
    assert client.get(reverse("inbox:contact", kwargs={"pk": own_contact.pk})).status_code == 200
    assert client.get(reverse("inbox:contact", kwargs={"pk": hq_contact.pk})).status_code == 404


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.ADMINISTRATOR, Role.SCREENING_OFFICER])
def test_other_roles_are_refused(client, role):
    contact = _contact_with_message(telegram_channel())
    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[role]))
    assert client.get(reverse("inbox:list")).status_code == 403
    assert client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).status_code == 403


def test_the_home_page_links_the_inbox_for_operators_only(client, operator):
    assert reverse("inbox:list") in client.get(reverse("core:home")).content.decode()
    client.logout()
    sign_in(client, UserFactory(roles=[Role.CASEWORKER]))
    assert reverse("inbox:list") not in client.get(reverse("core:home")).content.decode()


# ---------------------------------------------------------------- routing ----


def test_units_are_suggested_for_a_township_typed_loosely(client, operator):
    from safepassage.forces.tests.factories import reception_unit

    reception_unit("Battalion Covering", "Myitkyina", covers=("Hlaingtharya",))
    reception_unit("Battalion Next Door", "Hlaing")
    contact = _contact_with_message(telegram_channel())
    url = reverse("inbox:route", kwargs={"pk": contact.pk})
    body = client.post(url, {"township": "hlaing tharyar"}).content.decode()
    assert body.index("Battalion Covering") < body.index("Battalion Next Door")
    assert "covers this township" in body
    body = client.post(url, {"township": "nowhere at all"}).content.decode()
    assert "No township of that name is known." in body


def test_handing_over_opens_a_case_in_the_unit_and_the_contact_leaves_the_inbox(client, operator):
    from safepassage.cases.models import Case

    unit = UnitFactory(name="Battalion Receiving")
    contact = _contact_with_message(telegram_channel())
    response = client.post(reverse("inbox:hand_over", kwargs={"pk": contact.pk}), {"unit": unit.pk})
    assert response["Location"] == reverse("inbox:list")
    case = Case.objects.get(unit=unit)
    contact.refresh_from_db()
    assert contact.case == case
    assert client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).status_code == 404
    assert f"#{contact.pk}" not in client.get(reverse("inbox:list")).content.decode()
    event = AuditEvent.objects.get(action="intake.contact_handed_over")
    assert event.details == {"case": case.pk}


@pytest.mark.parametrize("target", ["hq", "inactive", "missing", "nonsense"])
def test_handing_over_to_headquarters_an_inactive_or_unknown_unit_is_refused(
    client, operator, target
):
    from safepassage.cases.models import Case

    units = {
        "hq": lambda: operator.unit.pk,
        "inactive": lambda: UnitFactory(is_active=False).pk,
        "missing": lambda: 999999,
        "nonsense": lambda: "x",
    }
    contact = _contact_with_message(telegram_channel())
    client.post(reverse("inbox:hand_over", kwargs={"pk": contact.pk}), {"unit": units[target]()})
    assert not Case.objects.exists()
    contact.refresh_from_db()
    assert contact.case is None


def test_a_contact_is_handed_over_once():
    from django.core.exceptions import PermissionDenied

    from safepassage.cases.models import Case

    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    contact = _contact_with_message(telegram_channel())
    services.contact_hand_over(actor=operator, contact=contact, unit=UnitFactory())
    # Handed over, it has left what the operator may see: a second try finds nothing.
    with pytest.raises(PermissionDenied):
        services.contact_hand_over(actor=operator, contact=contact, unit=UnitFactory())
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "township", ["", " ", "x" * 5000, "<script>", "\x00", "ျမစ္ႀကီးနား", "%", "MMR"]
)
def test_any_township_typed_gives_a_page_never_a_500(client, operator, township):
    contact = _contact_with_message(telegram_channel())
    response = client.get(
        reverse("inbox:contact", kwargs={"pk": contact.pk}), {"township": township}
    )
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def _answered(channel) -> Contact:
    """A contact that went through the questions (web form: no network)."""
    from safepassage.intake import web

    return web.web_contact_open(
        answers={"category": "soldier", "stage": "deployed", "township": "Hlaing Tharyar"},
        message="I can bring a rifle",
        language="en",
    ).contact


def test_the_conversation_shows_the_answers_and_a_duress_warning(client, operator):
    contact = _answered(None)
    Contact.objects.filter(pk=contact.pk).update(duress=True)
    page = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).content.decode()
    assert "Soldier" in page
    assert "Deployed" in page
    assert "Duress word written" in page
    assert contact.code in page
    assert 'value="Hlaing Tharyar"' in page  # routing starts from the township told


def test_handing_over_keeps_the_code_and_carries_the_answers(client, operator):
    from safepassage.cases.models import CaseEvent
    from safepassage.forces.tests.factories import UnitProfileFactory

    contact = _answered(None)
    unit = UnitProfileFactory().unit
    case = services.contact_hand_over(actor=operator, contact=contact, unit=unit)
    assert case.code == contact.code
    assert case.service.category == "soldier"
    assert case.service.stage == "deployed"
    note = CaseEvent.objects.get(case=case, kind="note")
    assert "Hlaing Tharyar" in note.body


@pytest.mark.parametrize(
    ("category", "stage", "expected"),
    [
        ("conscript", "in_training", ("conscript", "in_training")),
        ("  CONSCRIPT ", "Deployed", ("conscript", "deployed")),
        ("I was taken from my village", "soon", ("", "")),
        ("<script>", "\x00", ("", "")),
    ],
)
def test_typed_answers_that_name_a_choice_reach_the_case_fields(
    operator, category, stage, expected
):
    from safepassage.forces.tests.factories import UnitProfileFactory
    from safepassage.intake import web

    contact = web.web_contact_open(
        answers={"category": category, "stage": stage}, message="", language="en"
    ).contact
    case = services.contact_hand_over(
        actor=operator, contact=contact, unit=UnitProfileFactory().unit
    )
    assert (case.service.category, case.service.stage) == expected


def test_a_burmese_label_typed_is_read_as_its_choice():
    from django.utils import translation
    from django.utils.translation import pgettext

    with translation.override("my"):
        burmese = pgettext("button", "Conscript")
    assert burmese != "Conscript", "the Burmese catalogue is compiled (make messages)"
    assert services.answer_choice_value("category", burmese) == "conscript"
    assert services.answer_choice_value("nonsense", "Conscript") == ""
    assert services.answer_choice_value("category", 12) == ""


def test_the_receiving_unit_reads_and_answers_the_conversation(client):
    from safepassage.forces.tests.factories import UnitProfileFactory

    hq_operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    contact = _answered(None)
    unit = UnitProfileFactory().unit
    case = services.contact_hand_over(actor=hq_operator, contact=contact, unit=unit)
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    sign_in(client, handler)
    detail = client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    assert reverse("inbox:case_conversation", kwargs={"code": case.code}) in detail
    url = reverse("inbox:case_conversation", kwargs={"code": case.code})
    page = client.get(url).content.decode()
    assert "I can bring a rifle" in page
    assert AuditEvent.objects.filter(
        action="intake.viewed", details__purpose="case_conversation", unit_id=unit.pk
    ).exists()
    reply = client.post(reverse("inbox:case_reply", kwargs={"code": case.code}), {"body": "Come"})
    assert reply.status_code == 302
    assert OutboundMessage.objects.get(queued_by=handler).state == "sent"  # web: waits there
    other = UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER])
    sign_in(client, other)
    assert client.get(url).status_code == 404


def test_notes_are_kept_encrypted_and_never_shown_to_the_person(client, operator):
    contact = _answered(None)
    response = client.post(reverse("inbox:note", kwargs={"pk": contact.pk}), {"note": "seems real"})
    assert response.status_code == 302
    page = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).content.decode()
    assert "seems real" in page
    assert AuditEvent.objects.filter(action="intake.note_added").exists()
    client.post(reverse("inbox:note", kwargs={"pk": contact.pk}), {"note": "   "})
    assert contact.notes.count() == 1


def test_a_canned_reply_goes_in_the_persons_language(client, operator):
    from safepassage.intake.models import CannedReply

    canned = CannedReply.objects.create(title="Wait", body_my="စောင့်ပါ", body_en="Please wait")
    contact = _answered(None)
    client.post(reverse("inbox:canned_reply", kwargs={"pk": contact.pk}), {"canned": canned.pk})
    assert OutboundMessage.objects.get(queued_by=operator).body == "Please wait"
    response = client.post(
        reverse("inbox:canned_reply", kwargs={"pk": contact.pk}), {"canned": "x"}
    )
    assert response.status_code == 302
    assert OutboundMessage.objects.filter(queued_by=operator).count() == 1


def test_joining_an_existing_case_by_its_code(client, operator):
    from safepassage.cases.services import case_open

    contact = _contact_with_message(telegram_channel())
    unit = UnitFactory()
    case = case_open(actor=None, unit=unit)
    url = reverse("inbox:link_case", kwargs={"pk": contact.pk})
    for bad in ("nonsense", "SP-0000-0000"):
        client.post(url, {"code": bad})
        contact.refresh_from_db()
        assert contact.case is None
    assert client.post(url, {"code": case.code.lower()}).status_code == 302
    contact.refresh_from_db()
    assert contact.case == case
    assert AuditEvent.objects.filter(action="intake.contact_linked", unit_id=unit.pk).exists()
    assert f"#{contact.pk}" not in client.get(reverse("inbox:list")).content.decode()


def test_reading_a_telegram_conversation_erases_the_persons_messages_from_the_chat(
    client, operator
):
    contact = _contact_with_message(telegram_channel())
    client.get(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    erase = OutboundMessage.objects.get(action="erase")
    assert erase.erase_message_ids == [7]
    client.get(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    assert OutboundMessage.objects.filter(action="erase").count() == 1  # read once


def test_staff_read_a_button_press_by_its_label_never_its_payload(client, operator):
    channel = telegram_channel()
    contact = _contact_with_message(channel, text="/start")
    press = {
        "update_id": 9001,
        "callback_query": {
            "id": "cb1",
            "from": {"id": 4242, "is_bot": False},
            "message": {
                "message_id": 1,
                "date": 1764400000,
                "chat": {"id": 4242, "type": "private"},
            },
            "data": "a:conscript",
        },
    }
    stored = services.update_receive(
        channel=channel, provider_id="9001", kind="callback_query", payload=json.dumps(press)
    ).update
    update_process(stored.pk)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).content.decode()
    assert "Pressed: Conscript" in body
    assert "a:conscript" not in body


# --- news from the person on a handed-over case ------------------------------


def _handed_over(operator):
    from safepassage.forces.tests.factories import UnitProfileFactory

    contact = _answered(None)
    unit = UnitProfileFactory().unit
    case = services.contact_hand_over(actor=operator, contact=contact, unit=unit)
    return contact, case, unit


def test_a_message_after_hand_over_marks_the_case_unread_and_moves_its_time(client, operator):
    import datetime as dt

    from safepassage.cases.models import Case
    from safepassage.intake import web

    contact, case, unit = _handed_over(operator)
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at - dt.timedelta(days=2))
    before = Case.objects.get(pk=case.pk)
    assert before.conversation_unread_since is None
    web.web_message_write(root=contact, text="I am at the bridge now")
    after = Case.objects.get(pk=case.pk)
    assert after.conversation_unread_since is not None
    assert after.updated_at > before.updated_at
    assert after.version == before.version  # an open form on the case stays valid
    first = after.conversation_unread_since
    web.web_message_write(root=contact, text="Still here")
    assert Case.objects.get(pk=case.pk).conversation_unread_since == first
    assert AuditEvent.objects.filter(action="cases.conversation_unread").count() == 1

    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    sign_in(client, handler)
    home = client.get(reverse("core:home")).content.decode()
    assert "1 case with new messages from the person" in home
    listed = client.get(reverse("cases:list")).content.decode()
    assert "New message" in listed
    only = client.get(reverse("cases:list"), {"unread": "1"}).content.decode()
    assert case.code in only
    dashboard = client.get(reverse("cases:dashboard")).content.decode()
    assert "wrote again in 1 case" in dashboard

    # Opening the conversation reads it: audited, and the mark goes.
    page = client.get(reverse("inbox:case_conversation", kwargs={"code": case.code}))
    assert page.status_code == 200
    assert Case.objects.get(pk=case.pk).conversation_unread_since is None
    assert AuditEvent.objects.filter(
        action="cases.conversation_read", target_id=str(case.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="intake.viewed", details__purpose="case_conversation")
    assert "New message" not in client.get(reverse("cases:list")).content.decode()
    assert "new messages" not in client.get(reverse("core:home")).content.decode()


def test_a_telegram_message_on_a_handed_over_conversation_marks_its_case(operator):
    from safepassage.cases.models import Case
    from safepassage.forces.tests.factories import UnitProfileFactory

    contact = _contact_with_message(telegram_channel(), chat_id=5151)
    case = services.contact_hand_over(
        actor=operator, contact=contact, unit=UnitProfileFactory().unit
    )
    update = private_message(5152, text="again", chat_id=5151)
    stored = services.update_receive(
        channel=contact.channel,
        provider_id="5152",
        kind="message",
        payload=json.dumps(update, ensure_ascii=False),
    ).update
    update_process(stored.pk)
    assert Case.objects.get(pk=case.pk).conversation_unread_since is not None


def test_another_units_handler_sees_no_news_and_cannot_clear_it(client, operator):
    from safepassage.cases.models import Case
    from safepassage.cases.services import case_conversation_read
    from safepassage.intake import web

    contact, case, _unit = _handed_over(operator)
    web.web_message_write(root=contact, text="hello")
    stranger = UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER])
    sign_in(client, stranger)
    assert "new messages" not in client.get(reverse("core:home")).content.decode()
    assert case.code not in client.get(reverse("cases:list"), {"unread": "1"}).content.decode()
    with pytest.raises(PermissionDenied):
        case_conversation_read(actor=stranger, case=case)
    assert Case.objects.get(pk=case.pk).conversation_unread_since is not None


@pytest.mark.parametrize("value", ["0", "", "yes", "\x00", "1' OR 1=1"])
def test_the_unread_filter_takes_only_1(client, value):
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER]))
    assert client.get(reverse("cases:list"), {"unread": value}).status_code == 200
