"""Reward claims, maker-checker.

A claim is computed from the case's items and the schedule
(`claim_compute`), never typed. A reward officer of the case's unit
proposes it; a reward approver decides it who is neither the proposer nor
the receiver or witness of any of its items; above the schedule's
threshold only an approver at headquarters. Every move locks the claim's
row (`select_for_update`) and checks its status against the table before
writing, so two approvers clicking at once give one approval, and a paid
claim is never paid again. Each move is audited in its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status

from ..models import Claim, ClaimLine, Item
from ..policies import approver_scope, may_propose
from ..pricing import Price, price_of
from ..workflow import CLAIM_LIVE, ClaimStatus, claim_move_for
from .ledgering import payable_for, payable_release

#: Case statuses in which screening has cleared the person.
CLEARED = frozenset({Status.CLEARED, Status.JOINED_FORCE, Status.REINTEGRATING})
REASON_MAX = 1000


class ClaimRefused(ValidationError):
    """A claim that cannot be proposed or moved, with the reason to show."""


@dataclass
class Computation:
    """What a claim for a case would hold now."""

    priced: list[tuple[Item, Price]] = field(default_factory=list)
    blocked: list[Item] = field(default_factory=list)  # duplicate serials
    unpriced: list[Item] = field(default_factory=list)  # no schedule row
    claimed: list[Item] = field(default_factory=list)  # in a live claim already
    currency: str = ""
    computed_minor: int = 0
    already_minor: int = 0
    cap_minor: int | None = None
    threshold_minor: int = 0

    @property
    def total_minor(self) -> int:
        if self.cap_minor is None:
            return self.computed_minor
        return max(0, min(self.computed_minor, self.cap_minor - self.already_minor))

    @property
    def needs_hq(self) -> bool:
        return self.total_minor > self.threshold_minor

    @property
    def currencies(self) -> set[str]:
        return {p.version.currency for _i, p in self.priced}


def claim_compute(*, case: Case) -> Computation:
    """Price every item of `case` that no live claim holds. Pure reading."""
    held = set(
        ClaimLine.objects.filter(live=True, item__case=case).values_list("item_id", flat=True)
    )
    result = Computation()
    for item in Item.objects.filter(case=case).select_related("kind").order_by("pk"):
        if item.pk in held:
            result.claimed.append(item)
        elif item.duplicate_of_id is not None:
            result.blocked.append(item)
        else:
            price = price_of(item)
            if price is None:
                result.unpriced.append(item)
            else:
                result.priced.append((item, price))
    if result.priced:
        latest = max((p.version for _i, p in result.priced), key=lambda v: v.effective_from)
        result.currency = latest.currency
        result.cap_minor = latest.person_cap_minor
        result.threshold_minor = latest.hq_threshold_minor
        result.computed_minor = sum(p.amount_minor for _i, p in result.priced)
    result.already_minor = (
        Claim.objects.filter(case=case, status__in=CLAIM_LIVE).aggregate(s=Sum("total_minor"))["s"]
        or 0
    )
    return result


@transaction.atomic
def claim_propose(*, actor: User, case: Case) -> Claim:
    if not may_propose(actor, case.unit_id):
        raise PermissionDenied
    if case.status not in CLEARED:
        raise ClaimRefused(_("The case is not cleared by screening: no reward can be claimed yet."))
    found = claim_compute(case=case)
    if found.unpriced:
        kinds = ", ".join(
            sorted({f"{i.kind.name_en} ({i.get_condition_display()})" for i in found.unpriced})
        )
        raise ClaimRefused(
            _(
                "No reward is set for: %(kinds)s. Ask headquarters' finance officers to add it "
                "to the schedule."
            )
            % {"kinds": kinds}
        )
    if not found.priced:
        raise ClaimRefused(_("No item of this case is left to reward."))
    if len(found.currencies) > 1:
        raise ClaimRefused(_("The items are priced in different currencies."))
    if found.total_minor <= 0:
        raise ClaimRefused(_("The cap per person is reached: nothing more can be paid."))
    now = timezone.now()
    claim = Claim.objects.create(
        case=case,
        unit_id=case.unit_id,
        data_key=case.data_key,
        status=ClaimStatus.PROPOSED,
        currency=found.currency,
        total_minor=found.total_minor,
        computed_minor=found.computed_minor,
        needs_hq=found.needs_hq,
        proposed_by=actor,
        proposed_at=now,
        reason="",
    )
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(
                ClaimLine(
                    claim=claim,
                    item=item,
                    schedule=price.version,
                    basis=price.basis,
                    units=price.units,
                    rate_minor=price.rate_minor,
                    amount_minor=price.amount_minor,
                )
                for item, price in found.priced
            )
    except IntegrityError:
        raise ClaimRefused(_("Another claim took these items meanwhile.")) from None
    audit_record(
        actor=actor,
        action="armoury.claim_proposed",
        target=claim,
        unit=case.unit_id,
        details={
            "case": case.pk,
            "lines": len(found.priced),
            "blocked_duplicates": len(found.blocked),
            "total_minor": claim.total_minor,
            "capped": claim.total_minor < claim.computed_minor,
            "needs_hq": claim.needs_hq,
        },
    )
    return claim


def _locked(claim: Claim, target: str, expected_version: int | None) -> Claim:
    locked = Claim.objects.select_for_update().select_related("case").get(pk=claim.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ClaimRefused(_("Someone else changed this claim meanwhile. Reload it."))
    move = claim_move_for(locked.status, target)
    if move is None:
        raise ClaimRefused(
            _("This claim cannot take that step: it is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _finish(locked: Claim, claim: Claim, *fields: str) -> None:
    locked.version += 1
    locked.save(update_fields=[*fields, "status", "version"])
    claim.status, claim.version = locked.status, locked.version
    if locked.status not in CLAIM_LIVE:
        ClaimLine.objects.filter(claim=locked).update(live=False)


def check_approver(actor: User, claim: Claim) -> None:
    """Raise unless `actor` may decide `claim` (scope and four eyes)."""
    if not approver_scope(actor, claim.unit_id, claim.needs_hq):
        if claim.needs_hq:
            raise ClaimRefused(_("Above the threshold, only headquarters may decide this claim."))
        raise PermissionDenied
    if actor.pk == claim.proposed_by_id:
        raise ClaimRefused(_("You proposed this claim: another person must decide it."))
    involved = Item.objects.filter(
        Q(received_by=actor) | Q(witnessed_by=actor),
        pk__in=ClaimLine.objects.filter(claim=claim).values("item_id"),
    )
    if involved.exists():
        raise ClaimRefused(
            _("You received or witnessed an item of this claim: another person must decide it.")
        )


@transaction.atomic
def claim_approve(*, actor: User, claim: Claim, expected_version: int | None = None) -> Claim:
    locked = _locked(claim, ClaimStatus.APPROVED, expected_version)
    check_approver(actor, locked)
    if locked.case.status not in CLEARED:
        raise ClaimRefused(_("The case is not cleared by screening: no reward can be claimed yet."))
    locked.status = ClaimStatus.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    _finish(locked, claim, "decided_by", "decided_at")
    payable_for(actor=actor, claim=locked)
    audit_record(
        actor=actor,
        action="armoury.claim_approved",
        target=locked,
        unit=locked.unit_id,
        details={"total_minor": locked.total_minor, "needs_hq": locked.needs_hq},
    )
    return locked


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ClaimRefused(_("Give the reason."))
    if len(reason) > REASON_MAX:
        raise ClaimRefused(_("The reason is at most 1000 characters."))
    return reason


@transaction.atomic
def claim_refuse(
    *, actor: User, claim: Claim, reason: str, expected_version: int | None = None
) -> Claim:
    reason = _reason(reason)
    locked = _locked(claim, ClaimStatus.REFUSED, expected_version)
    check_approver(actor, locked)
    locked.status = ClaimStatus.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.reason = reason
    _finish(locked, claim, "decided_by", "decided_at", "reason")
    audit_record(actor=actor, action="armoury.claim_refused", target=locked, unit=locked.unit_id)
    return locked


@transaction.atomic
def claim_cancel(
    *, actor: User, claim: Claim, reason: str, expected_version: int | None = None
) -> Claim:
    """The proposing unit's reward officer withdraws a proposed claim; an
    approver (in scope, four eyes) cancels an approved, unpaid one."""
    reason = _reason(reason)
    locked = _locked(claim, ClaimStatus.CANCELLED, expected_version)
    was_approved = locked.status == ClaimStatus.APPROVED
    if not was_approved:
        if not may_propose(actor, locked.unit_id):
            raise PermissionDenied
    else:
        check_approver(actor, locked)
    locked.status = ClaimStatus.CANCELLED
    locked.reason = reason
    _finish(locked, claim, "reason")
    if was_approved:
        payable_release(actor=actor, claim=locked, reason=reason)
    audit_record(actor=actor, action="armoury.claim_cancelled", target=locked, unit=locked.unit_id)
    return locked
