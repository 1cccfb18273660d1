"""The home page's panel registry: order, and a failing panel that never
stops the panels after it."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory

from safepassage.core import homes


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(homes, "_REGISTRY", {})
    monkeypatch.setattr(homes, "_CLOSING", {})
    return homes


def test_panels_come_in_order_and_none_is_left_out(registry):
    @registry.home_panel(order=50)
    def later(request):
        return homes.HomePanel(title="later")

    @registry.home_panel(order=10)
    def first(request):
        return homes.HomePanel(title="first")

    @registry.home_panel(order=10)
    def hidden(request):
        return None

    shown = registry.home_panels(RequestFactory().get("/"))
    assert [s.panel.title for s in shown] == ["first", "later"]


def test_a_failing_panel_is_marked_and_the_next_one_still_shows(registry, caplog):
    @registry.home_panel(order=10)
    def broken(request):
        raise ValueError("a secret that must not be logged")

    @registry.home_panel(order=20)
    def fine(request):
        return homes.HomePanel(title="fine")

    with caplog.at_level(logging.ERROR, logger="safepassage.core.homes"):
        shown = registry.home_panels(RequestFactory().get("/"))
    assert [(s.failed, s.panel and s.panel.title) for s in shown] == [(True, None), (False, "fine")]
    assert "ValueError" in caplog.text
    assert "a secret" not in caplog.text


def test_registering_a_function_again_replaces_it(registry):
    def panel(request):
        return homes.HomePanel(title="one")

    registry.home_panel(order=10)(panel)
    registry.home_panel(order=10)(panel)
    assert len(registry.home_panels(RequestFactory().get("/"))) == 1


def test_a_closing_panel_comes_last_and_sees_what_was_served(registry):
    seen = []

    @registry.home_panel(order=10)
    def work(request):
        return homes.HomePanel(title="work", serves=frozenset({"unit_handler"}))

    @registry.home_panel(order=20)
    def shared(request):
        return homes.HomePanel(title="shared")

    @registry.home_closing_panel
    def last(request, shown):
        seen.append(homes.roles_served(shown))
        return homes.HomePanel(title="last")

    shown = registry.home_panels(RequestFactory().get("/"))
    assert [s.panel.title for s in shown] == ["work", "shared", "last"]
    assert seen == [frozenset({"unit_handler"})]


def test_a_failing_closing_panel_is_marked(registry):
    @registry.home_closing_panel
    def broken(request, shown):
        raise ValueError("x")

    shown = registry.home_panels(RequestFactory().get("/"))
    assert [s.failed for s in shown] == [True]
