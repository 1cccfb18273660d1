from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchlistsConfig(AppConfig):
    name = "safepassage.watchlists"
    label = "watchlists"
    verbose_name = _("Watch-lists")
    default_auto_field = "django.db.models.BigAutoField"
