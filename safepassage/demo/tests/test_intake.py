"""`seed_demo_intake`: prepared replies and one conversation, once."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from safepassage.intake.models import CannedReply, Contact

pytestmark = pytest.mark.django_db


def test_the_demo_conversation_is_in_the_inbox_once(capsys, settings):
    settings.INTAKE_DURESS_WORDS = ["mango"]
    call_command("seed_demo_intake")
    out = capsys.readouterr().out
    contact = Contact.objects.get()
    assert contact.code in out
    assert "mango" in out
    assert contact.answers["township_pcode"]  # the Zawgyi township was understood
    assert CannedReply.objects.count() == 2
    call_command("seed_demo_intake")
    assert Contact.objects.count() == 1
    assert CannedReply.objects.count() == 2


def test_refused_outside_demo_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError):
        call_command("seed_demo_intake")
