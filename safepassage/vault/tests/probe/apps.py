from django.apps import AppConfig


class ProbeConfig(AppConfig):
    """A test-only app whose model carries one field of every vault kind."""

    name = "safepassage.vault.tests.probe"
    label = "vault_probe"
    default_auto_field = "django.db.models.BigAutoField"
