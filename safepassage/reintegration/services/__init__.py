"""Every write of the reintegration app (see each module's docstring)."""

from .catalogue import (
    dimension_save,
    stipend_rule_save,
    template_goal_save,
    template_part_remove,
    template_save,
    template_step_save,
)
from .followups import (
    CHECKIN_ANSWERS,
    checkin_help_raise,
    followup_attempt_failed,
    followup_confirm,
    followup_record,
    followup_record_from_checkin,
    followups_make_due,
)
from .pathway import pathway_record
from .plans import add_months, plan_close, plan_goal_add, plan_open, plan_step_add, step_move
from .referrals import provider_create, provider_usable_by, referral_move, referral_send

__all__ = [
    "CHECKIN_ANSWERS",
    "add_months",
    "checkin_help_raise",
    "dimension_save",
    "followup_attempt_failed",
    "followup_confirm",
    "followup_record",
    "followup_record_from_checkin",
    "followups_make_due",
    "pathway_record",
    "plan_close",
    "plan_goal_add",
    "plan_open",
    "plan_step_add",
    "provider_create",
    "provider_usable_by",
    "referral_move",
    "referral_send",
    "step_move",
    "stipend_rule_save",
    "template_goal_save",
    "template_part_remove",
    "template_save",
    "template_step_save",
]
