"""Webhooks in the access matrix: public, and refused to anyone without the
provider's secret or signature, signed in or not."""

from __future__ import annotations

from safepassage.accounts.roles import Role
from safepassage.intake.tests.factories import facebook_channel, telegram_channel
from tests.access_matrix import (
    ANY_STAFF,
    MATRIX,
    Principal,
    World,
    in_unit,
    roles,
    world_builder,
)


@world_builder
def _channels(world: World) -> None:
    world.objects["telegram"] = telegram_channel(name="matrix bot")
    world.objects["facebook"] = facebook_channel(name="matrix page")


for name, key in (("intake:telegram_webhook", "telegram"), ("intake:facebook_webhook", "facebook")):
    MATRIX.row(
        name,
        allow=ANY_STAFF,
        kwargs=lambda world, key=key: {"channel_id": world.objects[key].public_id},
        method="post",
        data={"update_id": 1},
        ok_status=403,
        anonymous=403,
        unverified=403,
    )


@world_builder
def _contact(world: World) -> None:
    import json

    from safepassage.intake import services
    from safepassage.intake.models import Contact
    from safepassage.intake.processing import update_process
    from safepassage.intake.tests.factories import private_message

    channel = world.objects["telegram"]
    stored = services.update_receive(
        channel=channel, provider_id="1", kind="message", payload=json.dumps(private_message(1))
    ).update
    update_process(stored.pk)
    world.objects["contact"] = Contact.objects.get(channel=channel)


def _hq_operator(ok: int):
    def expect(principal: Principal, world: World) -> int:
        if principal.role != Role.INTAKE_OPERATOR:
            return 403
        return ok if principal.unit == "hq" else 404

    return expect


def _contact_kwargs(world: World) -> dict[str, int]:
    return {"pk": world.objects["contact"].pk}


MATRIX.row("inbox:list", allow=roles(Role.INTAKE_OPERATOR))
MATRIX.row(
    "inbox:contact",
    allow=roles(Role.INTAKE_OPERATOR),
    kwargs=_contact_kwargs,
    expect=_hq_operator(200),
)
for name, data in (
    ("inbox:reply", {"body": "matrix reply"}),
    ("inbox:triage", {"triage": "genuine"}),
):
    MATRIX.row(
        name,
        allow=roles(Role.INTAKE_OPERATOR),
        kwargs=_contact_kwargs,
        method="post",
        data=data,
        expect=_hq_operator(302),
        anonymous=302,
    )
MATRIX.row(
    "inbox:route",
    allow=roles(Role.INTAKE_OPERATOR),
    kwargs=_contact_kwargs,
    method="post",
    data={"township": "Monywa"},
    expect=_hq_operator(200),
)
MATRIX.row(
    "inbox:hand_over",
    allow=roles(Role.INTAKE_OPERATOR),
    kwargs=_contact_kwargs,
    method="post",
    data={"unit": "0"},
    expect=_hq_operator(302),
    anonymous=302,
)
for name, data in (
    ("inbox:note", {"note": "matrix note"}),
    ("inbox:canned_reply", {"canned": "0"}),
    ("inbox:link_case", {"code": "not a code"}),
):
    MATRIX.row(
        name,
        allow=roles(Role.INTAKE_OPERATOR),
        kwargs=_contact_kwargs,
        method="post",
        data=data,
        expect=_hq_operator(302),
        anonymous=302,
    )


@world_builder
def _handed_over(world: World) -> None:
    """A second conversation, handed over to unit A."""
    import json

    from safepassage.cases.services import case_open
    from safepassage.intake import services
    from safepassage.intake.models import Contact
    from safepassage.intake.processing import update_process
    from safepassage.intake.tests.factories import private_message

    channel = world.objects["telegram"]
    stored = services.update_receive(
        channel=channel,
        provider_id="2",
        kind="message",
        payload=json.dumps(private_message(2, chat_id=5353)),
    ).update
    update_process(stored.pk)
    contact = Contact.objects.filter(channel=channel).order_by("-pk").first()
    case = case_open(actor=None, unit=world.units["unit_a"])
    # Handed over as the service does it: the conversation's key moves to
    # the case's unit with the link (a link set by hand is refused, 409).
    services._bind_to_case(contact, case)
    world.objects["handed_over_case"] = case


def _unit_a_reader(ok: int):
    def expect(principal: Principal, world: World) -> int:
        if principal.role not in (Role.UNIT_HANDLER, Role.INTAKE_OPERATOR):
            return 403
        return ok if principal.unit == "unit_a" else 404

    return expect


def _case_kwargs(world: World) -> dict[str, str]:
    return {"code": world.objects["handed_over_case"].code}


MATRIX.row(
    "inbox:case_conversation",
    allow=roles(Role.UNIT_HANDLER, Role.INTAKE_OPERATOR),
    kwargs=_case_kwargs,
    expect=_unit_a_reader(200),
)
MATRIX.row(
    "inbox:case_reply",
    allow=roles(Role.UNIT_HANDLER, Role.INTAKE_OPERATOR),
    kwargs=_case_kwargs,
    method="post",
    data={"body": "matrix reply"},
    expect=_unit_a_reader(302),
    anonymous=302,
)

# The public web form: the same for everyone, signed in or not.
for name, method, status in (
    ("contact:start", "get", 200),
    ("contact:resume", "get", 200),
    ("contact:conversation", "get", 302),  # no resume cookie: to the resume form
    ("contact:leave", "post", 302),
    ("contact:answer", "post", 302),  # no session: to the resume form
):
    MATRIX.row(
        name,
        allow=ANY_STAFF,
        method=method,
        ok_status=status,
        anonymous=status,
        unverified=status,
    )


@world_builder
def _canned(world: World) -> None:
    from safepassage.intake.models import CannedReply

    world.objects["canned"] = CannedReply.objects.create(
        title="Matrix", body_my="မင်္ဂလာပါ", body_en="Hello"
    )


# Channels and prepared replies are headquarters': another unit's
# administrator is refused, switching a channel off included.
HQ_ADMINISTRATOR = roles(Role.ADMINISTRATOR) & in_unit("hq")
MATRIX.row("admin:intake_cannedreply_changelist", allow=HQ_ADMINISTRATOR)
MATRIX.row("admin:intake_cannedreply_add", allow=HQ_ADMINISTRATOR)
MATRIX.row(
    "admin:intake_cannedreply_change",
    kwargs=lambda world: {"object_id": world.objects["canned"].pk},
    allow=HQ_ADMINISTRATOR,
)

MATRIX.row("admin:intake_channel_changelist", allow=HQ_ADMINISTRATOR)
MATRIX.row(
    "admin:intake_channel_change",
    kwargs=lambda world: {"object_id": world.objects["telegram"].pk},
    allow=HQ_ADMINISTRATOR,
)
MATRIX.row(
    "admin:intake_channel_change",
    kwargs=lambda world: {"object_id": world.objects["telegram"].pk},
    method="post",
    data={},  # is_active left out: switched off
    allow=HQ_ADMINISTRATOR,
    ok_status=302,
    label="POST admin switch a channel off",
)
