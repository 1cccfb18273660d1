"""The chain's state row and the triggers that refuse UPDATE and DELETE.

Vendor-specific SQL chosen at run time, since the same migrations run on
SQLite and PostgreSQL. On SQLite, a later migration that rebuilds either
table drops its triggers: re-create them (see db_guard) in that migration.
"""

from django.db import migrations


def create_state_row(apps, schema_editor):
    State = apps.get_model("audit", "AuditChainState")
    State.objects.using(schema_editor.connection.alias).get_or_create(pk=1)


def create_triggers(apps, schema_editor):
    from safepassage.audit import db_guard

    for statement in db_guard.create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    from safepassage.audit import db_guard

    for statement in db_guard.drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_state_row, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
