"""Staff administration in the product: invitations, roles, units,
deactivation -- scoped by unit, audited, never a case in sight."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts import services
from safepassage.accounts.models import Invitation, User, invitation_digest
from safepassage.accounts.roles import Role
from safepassage.audit.models import AuditEvent

from .factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)

pytestmark = pytest.mark.django_db

STAFF = reverse("accounts:staff")
INVITE = reverse("accounts:staff_invite")
INVITATION = reverse("accounts:invitation")
NEW_PASSWORD = "violet harbour ladder 42"


def _member_url(user: User, name: str = "accounts:staff_member") -> str:
    return reverse(name, kwargs={"pk": user.pk})


@pytest.fixture
def hq_admin(client: Client) -> User:
    user = UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])
    sign_in(client, user)
    return user


def _invite(client: Client, **data: object):
    return client.post(INVITE, data)


def _link_token(html: str) -> str:
    match = re.search(r"/accounts/invitation/([A-Za-z0-9_-]+)/", html)
    assert match, "no invitation link on the page"
    return match.group(1)


# --- services ------------------------------------------------------------------


def test_an_invitation_stores_only_a_digest_and_expires():
    unit = UnitFactory()
    invited = services.invitation_create(
        actor=None, username="kite-7", unit=unit, roles=[Role.UNIT_HANDLER]
    )
    row = Invitation.objects.get()
    assert row.digest == invitation_digest(invited.token)
    assert invited.token not in row.digest
    assert row.expires_at - row.created_at == pytest.approx(
        services.INVITATION_LIFETIME, abs=dt.timedelta(seconds=5)
    )
    assert not invited.user.has_usable_password()
    assert invited.user.role_set() == {Role.UNIT_HANDLER}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_invitation")
        assert invited.token not in repr(cursor.fetchall())
    event = AuditEvent.objects.get(action="accounts.invitation_created")
    assert invited.token not in repr(event.details)
    assert "kite-7" not in repr(event.details)


def test_a_unit_administrator_invites_into_their_unit_only_and_never_an_administrator():
    unit, other = UnitFactory(), UnitFactory()
    admin = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=admin, username="a1", unit=other, roles=[])
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=admin, username="a2", unit=unit, roles=[Role.ADMINISTRATOR]
        )
    assert not User.objects.filter(username__in=["a1", "a2"]).exists()
    services.invitation_create(actor=admin, username="a3", unit=unit, roles=[Role.CASEWORKER])


@pytest.mark.parametrize("state", ["used", "revoked", "expired", "unknown", "short", "password"])
def test_a_spent_or_wrong_invitation_opens_nothing(state):
    invited = services.invitation_create(actor=None, username="z9", unit=UnitFactory(), roles=[])
    token = invited.token
    row = invited.invitation
    if state == "used":
        services.invitation_accept(token=token, password=NEW_PASSWORD)
    elif state == "revoked":
        services.invitation_renew(actor=None, user=invited.user)
    elif state == "expired":
        Invitation.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    elif state == "unknown":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif state == "short":
        token = "abc"
    elif state == "password":
        user = invited.user
        user.set_password(NEW_PASSWORD)
        user.save()
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(token=token, password="another fine long password")


def test_a_weak_password_keeps_the_invitation_open():
    invited = services.invitation_create(actor=None, username="z8", unit=UnitFactory(), roles=[])
    with pytest.raises(ValidationError):
        services.invitation_accept(token=invited.token, password="123")
    assert services.invitation_open(token=invited.token)


def test_a_member_with_a_password_is_never_reinvited():
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.invitation_renew(actor=None, user=user)
    assert not Invitation.objects.exists()


def test_deactivation_revokes_open_invitations_and_reactivation_is_audited():
    invited = services.invitation_create(actor=None, username="z7", unit=UnitFactory(), roles=[])
    services.user_deactivate(actor=None, user=invited.user)
    with pytest.raises(services.InvitationInvalid):
        services.invitation_open(token=invited.token)
    services.user_reactivate(actor=None, user=invited.user)
    assert User.objects.get(pk=invited.user.pk).is_active
    assert AuditEvent.objects.filter(action="accounts.user_reactivated").exists()


def test_moving_a_member_is_for_headquarters_and_ends_their_sessions():
    unit, other = UnitFactory(), UnitFactory()
    member = UserFactory(unit=unit)
    epoch = member.session_epoch
    with pytest.raises(PermissionDenied):
        services.user_set_unit(
            actor=UserFactory(unit=unit, roles=[Role.ADMINISTRATOR]), user=member, unit=other
        )
    services.user_set_unit(actor=None, user=member, unit=other)
    member.refresh_from_db()
    assert member.unit == other
    assert member.session_epoch == epoch + 1
    event = AuditEvent.objects.get(action="accounts.unit_changed_for_user")
    assert event.details == {"from_unit": unit.pk, "to_unit": other.pk}


# --- pages -----------------------------------------------------------------------


def test_invite_then_the_new_member_sets_a_password_and_is_sent_to_enrol(client, hq_admin):
    unit = UnitFactory()
    page = client.get(INVITE).content.decode()
    assert unit.name in page
    response = _invite(
        client, username="heron-3", unit=unit.pk, roles=[Role.UNIT_HANDLER, Role.CASEWORKER]
    )
    assert response.status_code == 200
    token = _link_token(response.content.decode())
    member = User.objects.get(username="heron-3")
    assert member.unit == unit
    assert member.role_set() == {Role.UNIT_HANDLER, Role.CASEWORKER}

    newcomer = Client()
    opened = newcomer.get(reverse("accounts:invitation_open", kwargs={"token": token}))
    assert opened.status_code == 302
    assert opened["Location"] == INVITATION
    form = newcomer.get(INVITATION)
    assert "heron-3" in form.content.decode()
    weak = newcomer.post(INVITATION, {"new_password1": "abc", "new_password2": "abc"})
    assert weak.status_code == 400
    done = newcomer.post(INVITATION, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:enrol_totp")
    assert newcomer.get(reverse("accounts:enrol_totp")).status_code == 200
    assert newcomer.get(reverse("core:home")).status_code == 302  # not verified yet
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    # The link works once.
    again = Client().get(reverse("accounts:invitation_open", kwargs={"token": token}))
    assert again.status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "accounts.user_created",
        "accounts.invitation_created",
        "accounts.invitation_used",
        "accounts.invitation_refused",
    } <= actions


@pytest.mark.parametrize("username", ["", "with space", "<script>", "x" * 151, "a\x00b", "taken"])
def test_a_bad_or_taken_call_sign_is_refused_with_a_message(client, hq_admin, username):
    UserFactory(username="taken")
    count = User.objects.count()
    response = _invite(client, username=username, unit=hq_admin.unit_id, roles=[])
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert User.objects.count() == count


@pytest.mark.parametrize(
    "data",
    [
        {"unit": "nope"},
        {"unit": "999999"},
        {"roles": ["emperor"]},
        {"roles": "\x00"},
    ],
)
def test_hostile_invite_posts_answer_400_and_write_nothing(client, hq_admin, data):
    count = User.objects.count()
    response = _invite(client, **{"username": "ok-1", "unit": hq_admin.unit_id, **data})
    assert response.status_code == 400
    assert User.objects.count() == count


def test_a_unit_administrator_sees_only_their_unit_and_cannot_offer_the_administrator_role(
    client,
):
    unit, other = UnitFactory(), UnitFactory()
    admin = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    mine = UserFactory(unit=unit, roles=[Role.CASEWORKER])
    theirs = UserFactory(unit=other, roles=[Role.CASEWORKER])
    sign_in(client, admin)
    page = client.get(STAFF).content.decode()
    assert mine.username in page
    assert theirs.username not in page
    invite = client.get(INVITE).content.decode()
    assert other.name not in invite
    assert 'value="administrator"' not in invite
    refused = _invite(client, username="sneak", unit=other.pk, roles=[])
    assert refused.status_code == 400  # not a choice
    assert client.get(_member_url(theirs)).status_code == 403
    assert client.post(_member_url(theirs, "accounts:staff_active"), {"active": "0"}).status_code
    theirs.refresh_from_db()
    assert theirs.is_active
    assert AuditEvent.objects.filter(action="accounts.permission_denied").exists()


def test_deactivating_ends_sessions_at_once_and_reactivating_lets_them_in(client, hq_admin):
    member = UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER])
    theirs = Client()
    sign_in(theirs, member)
    assert theirs.get(reverse("core:home")).status_code == 200
    response = client.post(_member_url(member, "accounts:staff_active"), {"active": "0"})
    assert response.status_code == 302
    assert theirs.get(reverse("core:home")).status_code == 302  # signed out
    member.refresh_from_db()
    assert not member.is_active
    client.post(_member_url(member, "accounts:staff_active"), {"active": "1"})
    member.refresh_from_db()
    assert member.is_active
    assert {"accounts.user_deactivated", "accounts.user_reactivated"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_an_administrator_cannot_deactivate_themselves(client, hq_admin):
    client.post(_member_url(hq_admin, "accounts:staff_active"), {"active": "0"})
    hq_admin.refresh_from_db()
    assert hq_admin.is_active


@pytest.mark.parametrize("value", ["", "2", "yes", "\x00"])
def test_a_hostile_active_value_is_a_400(client, hq_admin, value):
    member = UserFactory(unit=UnitFactory())
    response = client.post(_member_url(member, "accounts:staff_active"), {"active": value})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.is_active


def test_changing_roles_and_unit_ends_sessions_and_is_audited(client, hq_admin):
    unit, other = UnitFactory(), UnitFactory()
    member = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    epoch = member.session_epoch
    response = client.post(
        _member_url(member), {"unit": other.pk, "roles": [Role.SCREENING_OFFICER]}
    )
    assert response.status_code == 302
    member = User.objects.get(pk=member.pk)
    assert member.unit == other
    assert member.role_set() == {Role.SCREENING_OFFICER}
    assert member.session_epoch >= epoch + 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"accounts.roles_changed", "accounts.unit_changed_for_user"} <= actions


def test_a_unit_administrator_cannot_move_a_member(client):
    unit, other = UnitFactory(), UnitFactory()
    admin = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    member = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    sign_in(client, admin)
    response = client.post(_member_url(member), {"unit": other.pk, "roles": [Role.CASEWORKER]})
    assert response.status_code == 302
    member = User.objects.get(pk=member.pk)
    assert member.unit == unit  # the unit field is not theirs to change
    assert member.role_set() == {Role.CASEWORKER}


def test_a_unit_administrator_leaves_a_fellow_administrators_roles_to_headquarters(client):
    unit = UnitFactory()
    admin = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    colleague = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR, Role.UNIT_HANDLER])
    sign_in(client, admin)
    page = client.get(_member_url(colleague)).content.decode()
    assert "Only headquarters changes the roles" in page
    response = client.post(_member_url(colleague), {"unit": unit.pk, "roles": []})
    assert response.status_code == 403
    colleague = User.objects.get(pk=colleague.pk)
    assert colleague.role_set() == {Role.ADMINISTRATOR, Role.UNIT_HANDLER}


def test_a_user_of_no_role_sees_no_staff_page(client):
    sign_in(client, UserFactory(roles=[Role.UNIT_HANDLER]))
    assert client.get(STAFF).status_code == 403


def test_the_administrators_home_links_to_staff(client, hq_admin):
    assert STAFF in client.get(reverse("core:home")).content.decode()


def test_an_expired_invitation_can_be_renewed_from_the_member_page(client, hq_admin):
    invited = services.invitation_create(actor=None, username="owl-2", unit=UnitFactory(), roles=[])
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = client.get(_member_url(invited.user)).content.decode()
    assert "Invitation expired" in page
    response = client.post(_member_url(invited.user, "accounts:staff_reinvite"))
    assert response.status_code == 200
    token = _link_token(response.content.decode())
    assert services.invitation_open(token=token).user == invited.user


def test_a_signed_in_second_factor_page_is_where_the_password_leads(client):
    """The invitation does not skip the second factor: after the password
    the new member has no authenticator, so sign-in asks to enrol one."""
    invited = services.invitation_create(actor=None, username="owl-3", unit=UnitFactory(), roles=[])
    services.invitation_accept(token=invited.token, password=NEW_PASSWORD)
    response = client.post(
        reverse("accounts:login"), {"username": "owl-3", "password": NEW_PASSWORD}
    )
    assert response["Location"].startswith(reverse("accounts:enrol_totp"))


# --- the list: pages and filters -------------------------------------------------


def test_the_staff_list_pages_and_keeps_the_filter_across_pages(client, hq_admin, monkeypatch):
    from safepassage.accounts import views_staff

    monkeypatch.setattr(views_staff, "STAFF_PAGE_SIZE", 3)
    unit = UnitFactory()
    members = [UserFactory(unit=unit, username=f"kestrel-{i:02d}") for i in range(7)]
    UserFactory(unit=UnitFactory(), username="heron-01")

    first = client.get(STAFF, {"call_sign": "kestrel"}).content.decode()
    assert "Page 1 of 3" in first
    assert "heron-01" not in first
    assert "call_sign=kestrel&amp;page=2" in first

    seen = []
    for number in (1, 2, 3):
        page = client.get(STAFF, {"call_sign": "kestrel", "page": number}).content.decode()
        seen += [m.username for m in members if m.username in page]
    assert sorted(seen) == sorted(m.username for m in members)

    beyond = client.get(STAFF, {"call_sign": "kestrel", "page": "99"})
    assert beyond.status_code == 200  # the last page, not an error
    assert "Page 3 of 3" in beyond.content.decode()
    assert AuditEvent.objects.filter(action="accounts.staff_listed").count() >= 4, (
        "every listing is audited"
    )


def test_headquarters_filters_by_unit(client, hq_admin):
    unit, other = UnitFactory(), UnitFactory()
    mine = UserFactory(unit=unit)
    theirs = UserFactory(unit=other)
    page = client.get(STAFF, {"unit": unit.pk}).content.decode()
    assert mine.username in page
    assert theirs.username not in page


@pytest.mark.parametrize(
    "query",
    [
        {"unit": "not-a-number"},
        {"unit": "999999"},
        {"page": "-1"},
        {"page": "abc"},
        {"call_sign": "a\x00b"},
        {"call_sign": "x" * 400},
    ],
)
def test_hostile_filters_answer_the_page_not_an_error(client, hq_admin, query):
    answer = client.get(STAFF, query)
    assert answer.status_code == 200


def test_a_unit_administrator_gets_no_unit_filter_and_cannot_reach_another_unit(client):
    unit, other = UnitFactory(), UnitFactory()
    admin = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    theirs = UserFactory(unit=other)
    sign_in(client, admin)
    page = client.get(STAFF, {"unit": other.pk, "call_sign": theirs.username}).content.decode()
    assert 'name="unit"' not in page
    assert _member_url(theirs) not in page
