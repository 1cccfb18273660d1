"""The service directory and referrals to it.

A referral carries only what the person agreed to share: the items are
recorded (`Referral.shared`) and a referral without consent is refused.
Providers are not users: the caseworker enters what the provider answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record
from safepassage.geo.selectors import township_by_pcode

from ..models import Plan, Provider, ProviderKind, Referral, ShareItem
from ..policies import DIRECTORY_EDITORS
from ..workflow import ReferralStatus, referral_move_allowed
from ._common import clean_text, plan_lock, plan_touch


def provider_usable_by(provider: Provider, user: User) -> bool:
    """Headquarters' providers serve every unit; a unit's, that unit."""
    if not provider.is_active:
        return False
    return provider.unit_id == user.unit_id or bool(provider.unit.is_headquarters)


@transaction.atomic
def provider_create(
    *,
    actor: User,
    name: str,
    kind: str,
    how_to_reach: str,
    townships: Sequence[str] = (),
    capacity: int | None = None,
    languages: str = "",
) -> Provider:
    """A provider kept by the actor's unit (headquarters': offered to all)."""
    if not actor.is_active or not actor.has_any_role(DIRECTORY_EDITORS):
        raise PermissionDenied
    name = clean_text(name, limit=200, required=True, what=str(_("name")))
    if kind not in ProviderKind.values:
        raise ValidationError(_("Choose the kind of service."))
    how_to_reach = clean_text(how_to_reach, limit=1000, required=True, what=str(_("how to reach")))
    languages = clean_text(languages, limit=200, what=str(_("languages")))
    codes = sorted({str(t).strip().upper() for t in townships if str(t).strip()})
    unknown = [c for c in codes if township_by_pcode(c) is None]
    if unknown:
        raise ValidationError(_("Unknown township code."))
    if capacity is not None and (isinstance(capacity, bool) or capacity < 0):
        raise ValidationError(_("Capacity is a number of people, 0 or more."))
    provider = Provider.objects.create(
        unit_id=actor.unit_id,
        name=name,
        kind=kind,
        townships=codes,
        capacity=capacity,
        languages=languages,
        how_to_reach=how_to_reach,
    )
    audit_record(
        actor=actor,
        action="reintegration.provider_created",
        target=provider,
        unit=actor.unit_id,
        details={"kind": kind},
    )
    return provider


@transaction.atomic
def referral_send(
    *,
    actor: User,
    plan: Plan,
    provider: Provider,
    consent_given: bool,
    consented_on: dt.date,
    shared: Sequence[str],
    shared_text: str = "",
) -> Referral:
    """Refer the person to a provider. Refused without the person's
    consent, to a provider the unit may not use, or with items to share
    outside `ShareItem`. With nothing agreed to share, nothing is passed
    on (`shared_text` must then be empty)."""
    locked = plan_lock(plan, actor)
    if consent_given is not True:
        raise ValidationError(_("A referral is sent only with the person's recorded consent."))
    if not isinstance(consented_on, dt.date) or consented_on > timezone.localdate():
        raise ValidationError(_("Give the date of consent, not in the future."))
    provider = Provider.objects.select_related("unit").get(pk=provider.pk)
    if not provider_usable_by(provider, actor):
        raise ValidationError(_("This provider is not in your unit's directory."))
    items = sorted({str(s) for s in shared})
    if any(s not in ShareItem.values for s in items):
        raise ValidationError(_("Unknown item to share."))
    shared_text = clean_text(shared_text, limit=2000, what=str(_("what is passed on")))
    if shared_text and not items:
        raise ValidationError(
            _("The person agreed to share nothing: leave what is passed on empty.")
        )
    referral = Referral.objects.create(
        plan=locked,
        data_key=locked.data_key,
        provider=provider,
        consent_given=True,
        consented_on=consented_on,
        shared=items,
        shared_text=shared_text,
        feedback="",
        created_by=actor,
        sent_on=timezone.localdate(),
    )
    plan_touch(locked)
    audit_record(
        actor=actor,
        action="reintegration.referral_sent",
        target=locked,
        unit=locked.unit_id,
        details={"referral": referral.pk, "provider": provider.pk, "shared": items},
    )
    return referral


@transaction.atomic
def referral_move(*, actor: User, referral: Referral, target: str, feedback: str = "") -> Referral:
    """Enter the provider's answer (accepted, declined) or the outcome
    (completed), along `workflow.REFERRAL_MOVES`, with feedback."""
    locked_ref = Referral.objects.select_for_update().get(pk=referral.pk)
    plan = plan_lock(locked_ref.plan, actor)
    if target not in ReferralStatus.values or not referral_move_allowed(locked_ref.status, target):
        raise ValidationError(_("This change is not allowed."))
    feedback = clean_text(feedback, limit=2000, what=str(_("feedback")))
    source = locked_ref.status
    locked_ref.status = target
    today = timezone.localdate()
    if target == ReferralStatus.COMPLETED:
        locked_ref.completed_on = today
    else:
        locked_ref.decided_on = today
    if feedback:
        previous = locked_ref.feedback or ""
        locked_ref.feedback = (previous + "\n" + feedback).strip()[:2000]
    locked_ref.save(update_fields=["status", "completed_on", "decided_on", "feedback"])
    plan_touch(plan)
    audit_record(
        actor=actor,
        action="reintegration.referral_moved",
        target=plan,
        unit=plan.unit_id,
        details={"referral": locked_ref.pk, "from": source, "to": target},
    )
    return locked_ref
