from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "safepassage.intake"
    label = "intake"
    verbose_name = _("Advance contact")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.cases.signals import case_unit_moving

        from .unit_binding import case_unit_moving_follow

        case_unit_moving.connect(case_unit_moving_follow, dispatch_uid="intake.case_unit_moving")
