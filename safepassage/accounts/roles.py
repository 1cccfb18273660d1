"""The roles a member of staff can hold, declared once.

Each role is a Django `Group` whose name is the role's value; migration
0002 creates them. A user's roles are the groups they belong to, set only
through `services.user_set_roles`, which also ends the user's sessions so
that a withdrawn role stops working at once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE_OPERATOR = "intake_operator", _("Intake operator")
    UNIT_HANDLER = "unit_handler", _("Unit handler")
    SCREENING_OFFICER = "screening_officer", _("Screening officer")
    PROTECTION_OFFICER = "protection_officer", _("Protection officer")
    REWARD_OFFICER = "reward_officer", _("Reward officer")
    REWARD_APPROVER = "reward_approver", _("Reward approver")
    CASEWORKER = "caseworker", _("Caseworker")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")


# Django model permissions each role's group holds. Only the Django admin
# reads these; the product's own views declare roles with
# `safepassage.core.permissions.requires_role`.
ROLE_MODEL_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.ADMINISTRATOR: (
        "accounts.view_unit",
        "accounts.add_unit",
        "accounts.change_unit",
        "accounts.view_user",
    ),
}
