"""What the case page shows, and who may be assigned to the case."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safepassage.accounts.selectors import staff_active_in_unit
from safepassage.audit.services import rows_readable
from safepassage.geo.selectors import township_by_pcode

from ..army_units import describe_unit_left
from ..models import Case, CaseEvent, Person, ServiceRecord, Task, TransferStatus
from ..policies import CASE_ROLES, PERSON_EDITORS, user_may_act_on_case
from ..workflow import TRANSFERABLE, moves_from
from .person import PERSON_FIELDS

if TYPE_CHECKING:
    from safepassage.accounts.models import User


PERSON_DISPLAY_FIELDS = (*PERSON_FIELDS, "phones", "family")


def _event_shown(event: CaseEvent) -> CaseEvent:
    _ = event.body
    return event


def _task_shown(task: Task) -> Task:
    _ = task.title
    return task


def case_detail_context(*, user: User, case: Case) -> dict[str, Any]:
    """What the detail page shows; `fields_shown` names the decrypted fields."""
    person = Person.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    fields_shown = ["summary", "timeline"]
    if person is not None:
        fields_shown += list(PERSON_DISPLAY_FIELDS)
    # Every encrypted row is read with its data-key row in the same query:
    # the key is checked against the row just read (a key shredded by
    # another worker stops working at once), without a query per row.
    with_key = ("data_key__unit_key",)
    service = ServiceRecord.objects.filter(case=case).select_related(*with_key).first()
    if service is not None:
        fields_shown += ["rank", "unit_left", "service_number"]
    moves = [
        m
        for m in moves_from(case.status)
        if user_may_act_on_case(user, case) and user.has_any_role(m.roles)
    ]
    return {
        "case": case,
        "person": person,
        "phones": list(person.phones.select_related(*with_key)) if person else [],
        "family": list(person.family.select_related(*with_key)) if person else [],
        "service": service,
        # An event or task whose text fails its integrity check is left
        # out and counted, and headquarters alerted: one altered note never
        # stops the case's page.
        "events": rows_readable(
            case.events.select_related("actor", *with_key)[:100],
            read=_event_shown,
            found_in="cases.detail",
            actor=user,
        ),
        "tasks": rows_readable(
            case.tasks.filter(done_at__isnull=True)
            .select_related("assignee", *with_key)
            .order_by("due_on"),
            read=_task_shown,
            found_in="cases.detail",
            actor=user,
        ),
        "moves": moves,
        "pending_transfer": case.transfers.filter(status=TransferStatus.PENDING)
        .select_related("to_unit")
        .first(),
        "may_transfer": case.status in TRANSFERABLE
        and user.has_any_role({"unit_handler", "intake_operator"}),
        "may_edit_person": user.has_any_role(PERSON_EDITORS),
        "may_protect": user.has_any_role({"protection_officer"}),
        "may_assign": user.has_any_role({"unit_handler"}),
        "assignable": assignable_staff(case=case),
        "assigned_ids": set(case.assigned.values_list("pk", flat=True)),
        "home_township": _township_name(person.home_township if person else None),
        "service_unit_left": describe_unit_left(service.unit_left) if service else "",
        "fields_shown": fields_shown,
    }


def assignable_staff(*, case: Case) -> list[User]:
    """Active members of the case's unit who hold a case role, by call sign."""
    # One query: asking each user for its roles would cost one more per member.
    return list(staff_active_in_unit(case.unit_id).filter(groups__name__in=CASE_ROLES).distinct())


def _township_name(pcode: str | None) -> str:
    if not pcode:
        return ""
    township = township_by_pcode(pcode)
    if township is None:
        return pcode
    return f"{township.name_en} / {township.name_my}"
