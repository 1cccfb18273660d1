from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchlistsConfig(AppConfig):
    name = "safepassage.watchlists"
    label = "watchlists"
    verbose_name = _("Watch-lists")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.vault.keyring import keyring_locked

        # Decrypted people leave memory with the keys.
        keyring_locked.connect(_forget_index, dispatch_uid="watchlists.forget_index")


def _forget_index(**kwargs: object) -> None:
    from .matching import watchlist_index_reset

    watchlist_index_reset()
