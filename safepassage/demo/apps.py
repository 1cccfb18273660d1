from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Invented demo data. Sits above every other app; nothing imports it."""

    name = "safepassage.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
