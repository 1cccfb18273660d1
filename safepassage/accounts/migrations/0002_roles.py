"""Create one group per role, and the model permissions roles hold.

Frozen copies of accounts.roles.Role and ROLE_MODEL_PERMISSIONS: a later
role is added by a later migration (a test checks they agree).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = [
    "intake_operator",
    "unit_handler",
    "screening_officer",
    "protection_officer",
    "reward_officer",
    "reward_approver",
    "caseworker",
    "analyst",
    "administrator",
]

ROLE_MODEL_PERMISSIONS = {
    "administrator": [
        "accounts.view_unit",
        "accounts.add_unit",
        "accounts.change_unit",
        "accounts.view_user",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make this app's now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        for label in ROLE_MODEL_PERMISSIONS.get(role, []):
            app_label, codename = label.split(".")
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
