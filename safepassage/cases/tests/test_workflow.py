"""Every pair of statuses and every role against the workflow table."""

import itertools

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory
from safepassage.cases import services
from safepassage.cases.models import Case, CaseEvent
from safepassage.cases.tests.factories import case_create, handler_in
from safepassage.cases.workflow import TERMINAL, TRANSITIONS, Status, move_for

pytestmark = pytest.mark.django_db


def test_table_has_no_duplicate_pairs_and_terminal_states_have_no_exit():
    pairs = [(m.source, m.target) for m in TRANSITIONS]
    assert len(pairs) == len(set(pairs))
    assert not [m for m in TRANSITIONS if m.source in TERMINAL]


def test_every_status_is_reachable_from_contacted():
    reached, frontier = {Status.CONTACTED}, [Status.CONTACTED]
    while frontier:
        source = frontier.pop()
        for move in TRANSITIONS:
            if move.source == source and move.target not in reached:
                reached.add(move.target)
                frontier.append(move.target)
    assert reached == set(Status)


def test_every_pair_and_role_obeys_the_table():
    unit = UnitFactory()
    users = {role: handler_in(unit, role) for role in Role}
    case = case_create(unit=unit)
    for source, target in itertools.permutations(Status, 2):
        move = move_for(source, target)
        for role, user in users.items():
            Case.objects.filter(pk=case.pk).update(status=source)
            case.refresh_from_db()
            allowed = (
                move is not None
                and role in move.roles
                and role not in {Role.ANALYST, Role.ADMINISTRATOR}
            )
            events_before = CaseEvent.objects.filter(case=case).count()
            if allowed:
                services.case_transition(actor=user, case=case, target=target, reason="why")
                assert Case.objects.get(pk=case.pk).status == target
                assert CaseEvent.objects.filter(case=case).count() == events_before + 1
            else:
                with pytest.raises(services.IllegalTransition):
                    services.case_transition(actor=user, case=case, target=target, reason="r")
                assert Case.objects.get(pk=case.pk).status == source
                assert CaseEvent.objects.filter(case=case).count() == events_before


def test_closed_cases_cannot_be_reopened_by_a_unit_handler():
    unit = UnitFactory()
    handler = handler_in(unit, Role.UNIT_HANDLER)
    case = case_create(unit=unit)
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    for target in Status:
        if target != Status.CLOSED:
            with pytest.raises(services.IllegalTransition):
                services.case_transition(actor=handler, case=case, target=target, reason="r")


def _reachable(start: Status, goal: Status, steps: int) -> bool:
    frontier = {start}
    for _ in range(steps):
        frontier = {m.target for m in TRANSITIONS if m.source in frontier}
        if goal in frontier:
            return True
    return False


def test_moves_without_confirmation_are_undone_in_a_step_or_two():
    from safepassage.cases.workflow import EASILY_UNDONE, needs_confirmation

    for source, target in EASILY_UNDONE:
        move = move_for(source, target)
        assert move is not None, (source, target)
        assert not needs_confirmation(move)
        assert _reachable(target, source, 2), (source, target)


def test_every_closing_arrival_and_screening_move_asks_for_confirmation():
    from safepassage.cases.workflow import needs_confirmation

    for move in TRANSITIONS:
        if move.target in TERMINAL or move.target in {
            Status.RECEIVED,
            Status.SCREENING,
            Status.CLEARED,
            Status.REJECTED,
        }:
            assert needs_confirmation(move), move
