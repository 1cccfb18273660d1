from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "safepassage.intake"
    label = "intake"
    verbose_name = _("Advance contact")
    default_auto_field = "django.db.models.BigAutoField"
