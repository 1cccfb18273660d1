"""The home page is made of panels that the apps contribute.

Each app that has work to show on a signed-in user's home page keeps a
`homes.py` module with functions decorated by `home_panel`. The function
takes the request and returns a `HomePanel` when the user has work there
(or should be told where it is), and `None` otherwise: deciding who sees a
panel is the panel's own business, through its app's policies and
selectors, so the kernel knows nothing of roles or units.

Invariants:
- a panel that raises is left out and replaced by a short notice; it never
  stops the panels after it, and its exception is logged without the
  request's data;
- panels are shown in (`order`, registration) order; the lower the order,
  the nearer the top. Queues a role works from every day come first (10-
  29), then lists (30-69), then links and notes (70-);
- a panel names in `serves` the roles whose own daily work it is (the
  case list serves the handler, not the reward officer who may also open
  it). Closing panels (`home_closing_panel`) run after every other panel
  and are given what was shown, so that one of them can tell a role that
  no panel served that its pages are still to come. A panel that serves
  no role named is a shared link and serves nobody's day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomePanel:
    """One card on the home page.

    `template` is rendered with `context` plus `request`; `title` is shown
    as the card's heading. `links` are (label, url) pairs shown under it.
    """

    title: str
    template: str = "core/panels/links.html"
    context: Mapping[str, Any] = field(default_factory=dict)
    links: tuple[tuple[str, str], ...] = ()
    serves: frozenset[str] = frozenset()


PanelFunction = Callable[[HttpRequest], "HomePanel | None"]
ClosingFunction = Callable[[HttpRequest, "Sequence[ShownPanel]"], "HomePanel | None"]


@dataclass(frozen=True)
class _Registered:
    order: int
    sequence: int
    name: str
    function: PanelFunction


_REGISTRY: dict[str, _Registered] = {}
_CLOSING: dict[str, ClosingFunction] = {}


def home_panel(*, order: int = 50) -> Callable[[PanelFunction], PanelFunction]:
    """Register a panel function. Registering the same function twice (a
    module imported again) replaces the earlier entry."""

    def register(function: PanelFunction) -> PanelFunction:
        name = f"{function.__module__}.{function.__qualname__}"
        previous = _REGISTRY.get(name)
        sequence = previous.sequence if previous else len(_REGISTRY)
        _REGISTRY[name] = _Registered(order=order, sequence=sequence, name=name, function=function)
        return function

    return register


def home_closing_panel(function: ClosingFunction) -> ClosingFunction:
    """Register a panel shown after all the others, given what they showed
    (in registration order)."""
    _CLOSING[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def roles_served(shown: Sequence[ShownPanel]) -> frozenset[str]:
    """The roles whose daily work one of the shown panels is."""
    served: set[str] = set()
    for entry in shown:
        if entry.panel is not None:
            served |= {str(role) for role in entry.panel.serves}
    return frozenset(served)


@dataclass(frozen=True)
class ShownPanel:
    name: str
    panel: HomePanel | None
    failed: bool = False


def home_panels(request: HttpRequest) -> list[ShownPanel]:
    """The panels for this request, in order; a failing panel is kept as a
    failed entry so the page can say that something could not be shown."""
    shown: list[ShownPanel] = []
    for entry in sorted(_REGISTRY.values(), key=lambda e: (e.order, e.sequence)):
        try:
            panel = entry.function(request)
        except Exception as error:  # one bad panel must not stop the others
            logger.error("home panel %s failed [%s]", entry.name, type(error).__name__)
            shown.append(ShownPanel(name=entry.name, panel=None, failed=True))
            continue
        if panel is not None:
            shown.append(ShownPanel(name=entry.name, panel=panel))
    closing: list[ShownPanel] = []
    for name, function in _CLOSING.items():
        try:
            panel = function(request, tuple(shown))
        except Exception as error:  # as above
            logger.error("home panel %s failed [%s]", name, type(error).__name__)
            closing.append(ShownPanel(name=name, panel=None, failed=True))
            continue
        if panel is not None:
            closing.append(ShownPanel(name=name, panel=panel))
    return shown + closing


def autodiscover() -> None:
    """Import every installed app's `homes` module (called once at start)."""
    autodiscover_modules("homes")
