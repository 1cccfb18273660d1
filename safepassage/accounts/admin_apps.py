"""The admin app, bound to SafePassage's admin site.

Listed in INSTALLED_APPS instead of `django.contrib.admin` so that
`admin.site` (and `@admin.register` in every app) is
`SafePassageAdminSite`, which only verified administrators may enter.
"""

from django.contrib.admin import apps as admin_apps


class SafePassageAdminConfig(admin_apps.AdminConfig):
    default_site = "safepassage.accounts.admin_site.SafePassageAdminSite"
