"""Who may see and act on a case: one place, used by selectors and services.

Rule (default deny): a member of staff sees a case when it belongs to
their own unit and they hold a case role there. Analysts see aggregates
only; administrators see configuration only, unless they also hold a case
role. A unit that is offered a case sees the offer (code and sending
unit), not the case, until it accepts.
"""

from __future__ import annotations

from typing import Any

from safepassage.accounts.roles import Role

CASE_ROLES: frozenset[str] = frozenset(
    {
        Role.INTAKE_OPERATOR,
        Role.UNIT_HANDLER,
        Role.SCREENING_OFFICER,
        Role.PROTECTION_OFFICER,
        Role.REWARD_OFFICER,
        Role.REWARD_APPROVER,
        Role.CASEWORKER,
    }
)


def user_holds_case_role(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_any_role(CASE_ROLES)
    )


def user_may_act_on_case(user: Any, case: Any) -> bool:
    return user_holds_case_role(user) and user.unit_id == case.unit_id


# Who may create and edit the person record of a case in their unit.
PERSON_EDITORS: frozenset[str] = frozenset(
    {Role.INTAKE_OPERATOR, Role.UNIT_HANDLER, Role.SCREENING_OFFICER, Role.CASEWORKER}
)

# Who may open the screening panel of a case in their unit (registering
# staff see matches as they register); only screening officers decide.
SCREENING_VIEWERS: frozenset[str] = PERSON_EDITORS
