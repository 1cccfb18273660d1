from .catalogue import Dimension, PlanTemplate, StipendRule, TemplateGoal, TemplateStep
from .directory import Provider, ProviderKind, Referral, ShareItem
from .followups import Documents, FollowUp, FollowUpSource, Health, Housing, Income
from .plans import Goal, Pathway, Plan, Step

__all__ = [
    "Dimension",
    "Documents",
    "FollowUp",
    "FollowUpSource",
    "Goal",
    "Health",
    "Housing",
    "Income",
    "Pathway",
    "Plan",
    "PlanTemplate",
    "Provider",
    "ProviderKind",
    "Referral",
    "ShareItem",
    "Step",
    "StipendRule",
    "TemplateGoal",
    "TemplateStep",
]
