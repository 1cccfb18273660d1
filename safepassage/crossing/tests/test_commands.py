"""The operator's commands: the staff channel set from the shell (the token
from standard input, never echoed), and the catch-up tick."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from safepassage.accounts.tests.factories import UnitFactory
from safepassage.audit.models import AuditEvent
from safepassage.crossing.models import StaffChannel

pytestmark = pytest.mark.django_db


def test_the_staff_channel_is_set_with_the_token_from_standard_input(monkeypatch):
    unit = UnitFactory(name="Battalion Command (test)")
    monkeypatch.setattr("sys.stdin", io.StringIO("1:abcdefghijkl_secret\n"))
    out = io.StringIO()
    call_command(
        "crossing_staff_channel", unit.name, "--chat-id", "-100", "--token", "-", stdout=out
    )
    channel = StaffChannel.objects.get()
    assert (channel.unit_id, channel.chat_id, channel.token) == (
        unit.pk,
        "-100",
        "1:abcdefghijkl_secret",
    )
    assert "secret" not in out.getvalue()
    assert AuditEvent.objects.filter(action="crossing.staff_channel_saved").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["no such unit", "--chat-id", "-1", "--token", "1:abcdefghijkl"],
        ["{unit}", "--chat-id", "abc", "--token", "1:abcdefghijkl"],
        ["{unit}", "--chat-id", "-1", "--token", "not a token"],
        ["{unit}", "--chat-id", "-1"],  # a new channel needs a token
    ],
)
def test_bad_arguments_are_clear_errors_and_write_nothing(args):
    unit = UnitFactory()
    with pytest.raises(CommandError):
        call_command("crossing_staff_channel", *[a.format(unit=unit.pk) for a in args])
    assert not StaffChannel.objects.exists()
