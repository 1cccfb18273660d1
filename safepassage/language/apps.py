from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "safepassage.language"
    label = "language"
    default_auto_field = "django.db.models.BigAutoField"
