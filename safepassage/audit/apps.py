from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safepassage.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from safepassage.vault.signals import integrity_failed, unit_binding_refused

        from . import db_guard, receivers, vault_alerts

        connection_created.connect(
            db_guard.install_guard, dispatch_uid="safepassage.audit.sqlite_guard"
        )
        integrity_failed.connect(
            receivers.integrity_failed_record, dispatch_uid="safepassage.audit.integrity_failed"
        )
        unit_binding_refused.connect(
            vault_alerts.on_unit_binding_refused, dispatch_uid="safepassage.audit.unit_mismatch"
        )
