"""The channel registry: every kind has its reader and sender, generic code
names no channel, and task paths queued before the move still run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

from safepassage.intake.channels.base import Inbound, Job, Outcome, Unreadable
from safepassage.intake.channels.registry import CHANNEL_TYPES, channel_type, kinds_erasable
from safepassage.intake.models import ChannelKind, MessageKind

INTAKE = Path(__file__).resolve().parent.parent
#: Generic code; `conversation/script.py` keeps each channel's wording as data.
GENERIC = [
    "processing.py",
    "updates.py",
    "quarantine.py",
    "outbox",
    "spool",
    "conversation/turns.py",
]


def test_every_channel_kind_has_a_channel_type():
    assert set(CHANNEL_TYPES) == set(ChannelKind.values)
    for kind in ChannelKind.values:
        assert channel_type(kind).kind == kind


def test_an_unknown_kind_is_refused_rather_than_read_as_another():
    with pytest.raises(KeyError):
        channel_type("sms")


def test_only_telegram_chats_can_be_erased_and_only_the_web_form_is_read_in_place():
    assert kinds_erasable() == [ChannelKind.TELEGRAM]
    assert [k for k, t in CHANNEL_TYPES.items() if t.delivered_in_place] == [ChannelKind.WEB]


def test_the_registry_reads_each_provider_through_its_own_reader():
    telegram = channel_type(ChannelKind.TELEGRAM).read(
        {"update_id": 1, "message": {"message_id": 7, "chat": {"id": 42}, "text": "hi"}}
    )
    assert telegram == Inbound("42", MessageKind.TEXT, "hi", "7", "en")
    facebook = channel_type(ChannelKind.FACEBOOK).read(
        {"sender": {"id": "123"}, "message": {"mid": "m1", "text": "hi"}}
    )
    assert facebook == Inbound("123", MessageKind.TEXT, "hi", "m1")
    with pytest.raises(Unreadable):  # the form writes its messages itself
        channel_type(ChannelKind.WEB).read({"update_id": 1})


def test_the_web_form_sends_nothing_and_counts_every_message_sent():
    job = Job("", "text", [], [])
    assert channel_type(ChannelKind.WEB).send("http://127.0.0.1:9", "", [job, job]) == [
        Outcome("sent"),
        Outcome("sent"),
    ]


def _names_a_channel(source: str) -> list[int]:
    """Lines that name a channel kind (`ChannelKind.TELEGRAM` and the like)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ChannelKind"
        and node.attr in ("TELEGRAM", "FACEBOOK", "WEB")
    ]


def test_generic_code_dispatches_through_the_registry_not_on_channel_names():
    found = []
    for name in GENERIC:
        target = INTAKE / name
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            lines = _names_a_channel(path.read_text(encoding="utf-8"))
            found += [f"{path.relative_to(INTAKE)}:{line}" for line in lines]
    assert not found, f"dispatch through channels.registry instead: {found}"


def test_the_finder_sees_a_channel_named():
    assert _names_a_channel("if kind == ChannelKind.TELEGRAM:\n    pass\n") == [1]
    assert _names_a_channel("send = channel_type(kind).send\n") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("safepassage.intake.tasks.process_update", "safepassage.intake.processing.process_update"),
        (
            "safepassage.intake.tasks.process_updates",
            "safepassage.intake.processing.process_updates",
        ),
        ("safepassage.intake.tasks.send_outbox", "safepassage.intake.outbox.tasks.send_outbox"),
        ("safepassage.intake.tasks.drain_spool", "safepassage.intake.spool.tasks.drain_spool"),
    ],
)
def test_task_paths_queued_before_the_move_still_name_the_same_task(old, new):
    """The database backend stores a task's import path and the worker
    imports it: rows queued by the old code must still run."""
    task = import_string(new)
    assert import_string(old) is task
    assert task.module_path == new
