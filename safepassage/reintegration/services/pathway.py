"""Recording a cleared person's pathway, with their consent.

The case's status moves only through the cases app's own services
(`case_transition`, `case_transfer_request`), inside this transaction: a
refused move leaves no pathway behind.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit, User
from safepassage.audit.services import audit_record
from safepassage.cases import services as case_services
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status

from ..models import Pathway
from ..workflow import PathwayKind
from ._common import clean_text, require_case_work

_STATUS_FOR = {
    PathwayKind.ALLIED_FORCE: Status.JOINED_FORCE,
    PathwayKind.REINTEGRATION: Status.REINTEGRATING,
}


@transaction.atomic
def pathway_record(
    *,
    actor: User,
    case: Case,
    kind: str,
    consent_given: bool,
    consented_on: dt.date,
    agreed: str,
    reasons: str,
    to_unit: Unit | None = None,
) -> Pathway:
    """Record the pathway of a case that screening cleared.

    ALLIED_FORCE moves the case to "Joined a force" and asks `to_unit` to
    take it (a transfer that unit accepts or declines); REINTEGRATION
    moves it to "Reintegrating", where a plan can be opened; the other
    pathways leave the status as it is. Raises ValidationError for a
    refusal the user can correct, PermissionDenied otherwise.
    """
    require_case_work(actor, case)
    if kind not in PathwayKind.values:
        raise ValidationError(_("Choose a pathway."))
    if consent_given is not True:
        raise ValidationError(_("The pathway is recorded only with the person's consent."))
    if consented_on > timezone.localdate():
        raise ValidationError(_("The consent cannot be dated in the future."))
    agreed = clean_text(agreed, limit=4000, required=True, what=str(_("what was agreed")))
    reasons = clean_text(reasons, limit=4000, required=True, what=str(_("reasons")))
    if case.status != Status.CLEARED:
        raise ValidationError(_("A pathway is chosen once screening has cleared the person."))
    if kind == PathwayKind.ALLIED_FORCE:
        if to_unit is None or to_unit.pk == case.unit_id or not to_unit.is_active:
            raise ValidationError(_("Choose the allied force's unit, another active unit."))
        if to_unit.is_headquarters:
            raise ValidationError(_("Choose the allied force's unit, not headquarters."))
    else:
        to_unit = None
    target = _STATUS_FOR.get(PathwayKind(kind))
    transfer = None
    try:
        if target is not None:
            case_services.case_transition(actor=actor, case=case, target=target)
        if to_unit is not None:
            transfer = case_services.case_transfer_request(actor=actor, case=case, to_unit=to_unit)
    except case_services.IllegalTransition as exc:
        raise ValidationError(case_services.IllegalTransition.message) from exc
    except PermissionDenied:
        raise
    pathway = Pathway.objects.create(
        case=case,
        data_key=case.data_key,
        kind=kind,
        to_unit=to_unit,
        transfer=transfer,
        consent_given=True,
        consented_on=consented_on,
        agreed=agreed,
        reasons=reasons,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="reintegration.pathway_recorded",
        target=case,
        unit=case.unit_id,
        details={"kind": kind, "to_unit": to_unit.pk if to_unit else None},
    )
    return pathway
