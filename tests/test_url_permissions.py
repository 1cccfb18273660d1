"""Every URL's view declares who may reach it (safepassage.core.permissions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from safepassage.core.permissions import Access, get_access_policy

# The only views anyone may reach without signing in. Adding one is a
# security decision: say why in the review.
PUBLIC_VIEWS = {
    "accounts:login",
    "admin:login",  # redirects to accounts:login
    "set_language",
    # Providers' webhooks: a secret or a signature checked in the view.
    "intake:telegram_webhook",
    "intake:facebook_webhook",
    # The web form for people reaching out: guarded by timed single-use
    # tokens and budgets; a conversation opens only with code and receipt;
    # posts only from the site's own pages (web_views.same_site_posts).
    "contact:start",
    "contact:resume",
    "contact:conversation",
    # A choice of an open prompt (the crossing's buttons on the web): the
    # conversation's session and its guard, as contact:conversation.
    "contact:answer",
    "contact:leave",
    "contact:language",
    # A complaint to headquarters: the same guards as contact:start, the
    # code and receipt checked on the resume path with its limits, and
    # one answer whatever they match (docs/grievances.md).
    "complaint:form",
    # A new member's one-time invitation: a 256-bit token, stored hashed,
    # expiring, used once (accounts.services.invitation_open).
    "accounts:invitation_open",
    "accounts:invitation",
}


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield prefix + str(pattern.pattern), name, pattern.callback


def all_views() -> list[tuple[str, str, Any]]:
    return list(walk(get_resolver("config.urls").url_patterns))


def test_the_walk_sees_the_admin_and_accounts() -> None:
    routes = {route for route, _, _ in all_views()}
    assert any(route.startswith("admin/accounts/user/") for route in routes)
    assert "accounts/login/" in routes
    assert len(routes) > 30


def test_every_view_declares_its_access() -> None:
    undeclared = [route for route, _, view in all_views() if get_access_policy(view) is None]
    assert undeclared == []


def test_public_views_are_the_pinned_few() -> None:
    public = {
        name or route
        for route, name, view in all_views()
        if get_access_policy(view).access is Access.PUBLIC  # type: ignore[union-attr]
    }
    assert public == PUBLIC_VIEWS


def test_every_admin_view_needs_the_administrator_role() -> None:
    for route, name, view in all_views():
        if route.startswith("admin/") and name != "admin:login":
            policy = get_access_policy(view)
            assert policy is not None
            assert policy.access is Access.ROLES, route
            assert policy.roles == {"administrator"}, route
