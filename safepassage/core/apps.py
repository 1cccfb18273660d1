from django.apps import AppConfig

from . import checks  # noqa: F401 (registers the system checks)


class CoreConfig(AppConfig):
    name = "safepassage.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import homes

        homes.autodiscover()
