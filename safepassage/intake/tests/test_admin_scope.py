"""Channels and prepared replies are headquarters' (issue 18 §3).

The attack: a battalion's administrator switched off headquarters'
channels in the admin. Another unit's administrator is now refused every
channel and prepared-reply page and the switch itself (403, audited).
"""

from __future__ import annotations

import pytest
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
from safepassage.intake.models import CannedReply, Channel

from .factories import telegram_channel

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


@pytest.fixture
def battalion_admin(client: Client):
    user = UserFactory(unit=UnitFactory(name="Battalion 7"), roles=[Role.ADMINISTRATOR])
    sign_in(client, user)
    return user


def test_a_battalion_administrator_cannot_switch_off_headquarters_channels(
    client: Client, battalion_admin
) -> None:
    channel = telegram_channel()
    assert client.get(reverse("admin:intake_channel_changelist")).status_code == 403
    response = client.post(reverse("admin:intake_channel_change", args=[channel.pk]), {})
    assert response.status_code == 403
    assert Channel.objects.get(pk=channel.pk).is_active
    refusals = AuditEvent.objects.filter(action="accounts.permission_denied")
    assert refusals.filter(actor_id=battalion_admin.pk).count() == 2
    assert reverse("admin:intake_channel_changelist") not in client.get(INDEX).content.decode()


def test_the_services_refuse_a_unit_administrator_too(battalion_admin) -> None:
    from django.core.exceptions import PermissionDenied

    channel = telegram_channel()
    with pytest.raises(PermissionDenied):
        services.channel_set_active(actor=battalion_admin, channel=channel, active=False)
    with pytest.raises(PermissionDenied):
        services.canned_reply_save(
            actor=battalion_admin, canned=CannedReply(title="t", body_my="m", body_en="e")
        )
    assert Channel.objects.get(pk=channel.pk).is_active
    headquarters = UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])
    services.channel_set_active(actor=headquarters, channel=channel, active=False)
    assert not Channel.objects.get(pk=channel.pk).is_active
