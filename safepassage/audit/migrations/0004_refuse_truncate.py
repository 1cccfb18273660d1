"""PostgreSQL: refuse TRUNCATE of the audit tables (statement triggers).

SQLite has no TRUNCATE; an unqualified DELETE there already meets the
DELETE triggers of migration 0002. See db_guard for Django's own flush.
"""

from django.db import migrations


def create_triggers(apps, schema_editor):
    from safepassage.audit import db_guard

    for statement in db_guard.truncate_create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    from safepassage.audit import db_guard

    for statement in db_guard.truncate_drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_integrity_alerts")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
