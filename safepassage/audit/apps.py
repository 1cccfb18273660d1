from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safepassage.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import db_guard

        connection_created.connect(
            db_guard.install_sqlite_guard, dispatch_uid="safepassage.audit.sqlite_guard"
        )
