"""Channels and prepared replies in the admin: administrators only, no
credential ever shown, every change audited."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.intake import services
from safepassage.intake.models import CannedReply, Channel, InboundUpdate, UpdateState
from safepassage.intake.tests.factories import TELEGRAM_SECRET, private_message, telegram_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR]))
    return client


def test_a_channel_is_switched_off_without_its_secrets_on_the_page(admin_client):
    channel = telegram_channel()
    url = reverse("admin:intake_channel_change", args=[channel.pk])
    page = admin_client.get(url).content.decode()
    assert channel.webhook_path() in page
    assert TELEGRAM_SECRET not in page
    assert "not-a-real-token" not in page
    response = admin_client.post(url, {"is_active": ""})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert not channel.is_active
    assert AuditEvent.objects.filter(action="intake.channel_deactivated").exists()
    assert admin_client.get(reverse("admin:intake_channel_changelist")).status_code == 200


def test_channels_are_not_added_or_deleted_here(admin_client):
    assert admin_client.get("/admin/intake/channel/add/").status_code == 403
    channel = telegram_channel()
    admin_client.post(reverse("admin:intake_channel_delete", args=[channel.pk]), {"post": "yes"})
    assert Channel.objects.filter(pk=channel.pk).exists()


def test_a_prepared_reply_is_added_and_audited(admin_client):
    response = admin_client.post(
        reverse("admin:intake_cannedreply_add"),
        {"title": "Wait", "body_my": "စောင့်ပါ", "body_en": "Please wait", "is_active": "on"},
    )
    assert response.status_code == 302
    assert CannedReply.objects.get().body_for("en") == "Please wait"
    assert AuditEvent.objects.filter(action="intake.canned_reply_created").exists()


def test_set_aside_updates_are_listed_for_headquarters_without_content(client):
    """Quarantined updates are visible to headquarters' administrators
    (counted, with their reason), never their content; to nobody else."""
    channel = telegram_channel()
    canary = "canary-7f3a"
    stored = services.update_receive(
        channel=channel,
        provider_id="424242",
        kind="message",
        payload=json.dumps(private_message(424242, text=canary + "\ud800")),
        quarantine="surrogate",
    ).update
    services.update_receive(channel=channel, provider_id="5", kind="message", payload="{}")
    assert stored.state == UpdateState.QUARANTINED
    assert InboundUpdate.objects.count() == 2
    url = reverse("admin:intake_inboundupdate_changelist")

    sign_in(client, UserFactory(roles=[Role.ADMINISTRATOR]))  # a battalion's administrator
    assert client.get(url).status_code == 403

    client.logout()
    sign_in(client, UserFactory(roles=[Role.ADMINISTRATOR], unit=HeadquartersFactory()))
    page = client.get(url).content.decode()
    assert "surrogate" in page
    assert canary not in page
    assert "424242" not in page
    assert page.count('<td class="field-reason">') == 1  # the received one is not listed
    assert '<td class="field-reason">surrogate</td>' in page
    assert "1 inbound update" in page
    assert client.get(f"/admin/intake/inboundupdate/{stored.pk}/change/").status_code == 403
