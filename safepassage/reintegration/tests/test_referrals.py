"""services.provider_create / referral_send / referral_move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.reintegration import selectors, services
from safepassage.reintegration.models import Referral
from safepassage.reintegration.workflow import ReferralStatus

from .factories import caseworker_in, plan_open, provider

pytestmark = pytest.mark.django_db


def _send(actor, plan, prov, **kw):
    args = {
        "actor": actor,
        "plan": plan,
        "provider": prov,
        "consent_given": True,
        "consented_on": timezone.localdate(),
        "shared": ["name", "needs"],
        "shared_text": "Needs a sewing course",
    }
    args.update(kw)
    return services.referral_send(**args)


def test_a_referral_with_consent_goes_through_its_moves(unit_a, worker):
    plan = plan_open(unit_a, worker)
    prov = provider(unit_a, worker)
    referral = _send(worker, plan, prov)
    assert referral.status == ReferralStatus.SENT
    assert referral.shared == ["name", "needs"]
    with pytest.raises(ValidationError):
        services.referral_move(actor=worker, referral=referral, target=ReferralStatus.COMPLETED)
    services.referral_move(actor=worker, referral=referral, target=ReferralStatus.ACCEPTED)
    done = services.referral_move(
        actor=worker, referral=referral, target=ReferralStatus.COMPLETED, feedback="Finished"
    )
    assert done.status == ReferralStatus.COMPLETED
    assert done.feedback == "Finished"


def test_a_referral_without_consent_is_refused(unit_a, worker):
    plan = plan_open(unit_a, worker)
    prov = provider(unit_a, worker)
    with pytest.raises(ValidationError):
        _send(worker, plan, prov, consent_given=False)
    with pytest.raises(ValidationError):
        _send(worker, plan, prov, consented_on=timezone.localdate() + dt.timedelta(days=2))
    assert not Referral.objects.exists()


def test_only_what_the_person_agreed_to_share(unit_a, worker):
    plan = plan_open(unit_a, worker)
    prov = provider(unit_a, worker)
    with pytest.raises(ValidationError):
        _send(worker, plan, prov, shared=["name", "home_address"])
    with pytest.raises(ValidationError):
        _send(worker, plan, prov, shared=[], shared_text="Everything about him")
    referral = _send(worker, plan, prov, shared=[], shared_text="")
    assert referral.shared == []
    assert referral.shared_text == ""


def test_another_units_provider_is_refused_and_headquarters_is_shared(unit_a, unit_b, hq, worker):
    plan = plan_open(unit_a, worker)
    theirs = provider(unit_b)
    with pytest.raises(ValidationError):
        _send(worker, plan, theirs)
    shared = provider(hq, UserFactory(unit=hq, roles=[Role.CASEWORKER]), kind="legal")
    assert _send(worker, plan, shared).provider == shared
    visible = set(selectors.providers_visible_to(worker))
    assert shared in visible
    assert theirs not in visible


def test_provider_creation_checks_its_input(unit_a, worker):
    with pytest.raises(ValidationError):
        services.provider_create(actor=worker, name="X", kind="bakery", how_to_reach="x")
    with pytest.raises(ValidationError):
        services.provider_create(actor=worker, name="", kind="health", how_to_reach="x")
    with pytest.raises(ValidationError):
        services.provider_create(
            actor=worker, name="X", kind="health", how_to_reach="x", townships=["MMR999999"]
        )
    analyst = UserFactory(unit=unit_a, roles=[Role.ANALYST])
    with pytest.raises(PermissionDenied):
        services.provider_create(actor=analyst, name="X", kind="health", how_to_reach="x")


def test_a_stranger_cannot_move_a_referral(unit_a, unit_b, worker):
    plan = plan_open(unit_a, worker)
    referral = _send(worker, plan, provider(unit_a, worker))
    with pytest.raises(PermissionDenied):
        services.referral_move(
            actor=caseworker_in(unit_b), referral=referral, target=ReferralStatus.ACCEPTED
        )
    with pytest.raises(PermissionDenied):
        services.referral_move(
            actor=caseworker_in(unit_a), referral=referral, target=ReferralStatus.ACCEPTED
        )
