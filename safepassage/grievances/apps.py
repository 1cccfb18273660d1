from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "safepassage.grievances"
    label = "grievances"
    verbose_name = _("Grievances")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.intake.prompts import register_private_handler, register_prompt_handler

        from . import bot
        from .checkin import HANDLER, KIND

        register_prompt_handler(KIND, HANDLER)
        register_private_handler(bot.HANDLER)
