from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "safepassage.reintegration"
    label = "reintegration"
    verbose_name = _("Reintegration")
    default_auto_field = "django.db.models.BigAutoField"
