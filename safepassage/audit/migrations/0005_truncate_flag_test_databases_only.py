"""PostgreSQL: the flush flag lets TRUNCATE of the audit tables through on
a test database only (`test_<name>`); before, any session that set it
could truncate them (docs/security.md, Audit, "TRUNCATE")."""

from django.db import migrations


def replace_function(apps, schema_editor):
    from safepassage.audit import db_guard

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db_guard.postgres_truncate_function(), params=None)


def restore_function(apps, schema_editor):
    from safepassage.audit import db_guard

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db_guard.POSTGRES_TRUNCATE_FUNCTION_0004, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_refuse_truncate")]

    operations = [migrations.RunPython(replace_function, restore_function)]
