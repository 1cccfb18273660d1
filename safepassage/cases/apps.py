from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "safepassage.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.vault.keyring import keyring_locked

        # Decrypted people leave memory with the keys.
        keyring_locked.connect(_forget_index, dispatch_uid="cases.forget_index")


def _forget_index(**kwargs: object) -> None:
    from .screening.index import screening_index_reset

    screening_index_reset()
