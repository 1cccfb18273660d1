from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArmouryConfig(AppConfig):
    name = "safepassage.armoury"
    label = "armoury"
    verbose_name = _("Armoury and rewards")
    default_auto_field = "django.db.models.BigAutoField"
