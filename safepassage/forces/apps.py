from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForcesConfig(AppConfig):
    name = "safepassage.forces"
    label = "forces"
    verbose_name = _("Reception units")
    default_auto_field = "django.db.models.BigAutoField"
