from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrossingConfig(AppConfig):
    name = "safepassage.crossing"
    label = "crossing"
    verbose_name = _("Crossing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.intake.prompts import register_prompt_handler

        from .handler import HANDLER
        from .person import KIND
        from .tasks import connect_scheduler

        register_prompt_handler(KIND, HANDLER)
        connect_scheduler()
