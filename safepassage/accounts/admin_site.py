"""The Django admin, open only to verified administrators.

Installed as the default admin site (see admin_apps.py), so `admin.site`
everywhere is this one. Every admin URL declares
`requires_role(Role.ADMINISTRATOR)`, which also needs the second factor;
the admin's own login page only redirects to the product's sign-in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from safepassage.core.permissions import get_access_policy, is_verified, public, requires_role

from .roles import Role


@public
def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME, "/admin/"))


class SafePassageAdminSite(admin.AdminSite):
    site_header = _("SafePassage administration")
    site_title = _("SafePassage administration")
    index_title = _("Administration")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and is_verified(user)
            and user.has_any_role([Role.ADMINISTRATOR])
        )

    def get_urls(self) -> list[URLPattern | URLResolver]:
        urls: list[URLPattern | URLResolver] = super().get_urls()
        return [self._declare(pattern) for pattern in urls]

    def _declare(self, pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
        if isinstance(pattern, URLResolver):
            for child in pattern.url_patterns:
                self._declare(child)
            return pattern
        if pattern.name == "login":
            return path("login/", admin_login_redirect, name="login")
        if get_access_policy(pattern.callback) is None:
            pattern.callback = requires_role(Role.ADMINISTRATOR)(pattern.callback)
        return pattern


class AdministratorsOnly:
    """Permissions for a ModelAdmin that administrators run: view, add and
    change as the site allows (administrators with the second factor);
    never delete (switch off instead, so the audit keeps who did it)."""

    admin_site: Any

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(self.admin_site.has_permission(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
