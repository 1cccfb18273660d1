"""Another app's rows are read through its selectors and written through
its services, never through its model's manager (`Case.objects...`).

The check parses every module of the product (not tests, migrations,
management commands or the demo) and lists each use of `.objects` (or
`_default_manager`) on a model imported from another app's `models`.
`KNOWN` holds the uses not yet moved behind a selector or service; the
test fails on any other, and on a known one that is gone (so the list
only shrinks: remove the line).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "safepassage"
SKIPPED_PARTS = {"tests", "migrations", "management"}
SKIPPED_APPS = {"demo"}
MANAGERS = {"objects", "_default_manager"}

#: (module path under safepassage/, model) -> reason it is still here.
#: Units, staff and townships are the reference data other apps read:
#: `accounts.selectors` offers units and staff, `geo.selectors` townships.
KNOWN: dict[tuple[str, str], str] = {}


def _app_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def _foreign_models(tree: ast.AST, app: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        parts = node.module.split(".")
        other_app = len(parts) >= 3 and parts[0] == "safepassage" and parts[1] != app
        if other_app and parts[2] == "models":
            for alias in node.names:
                names[alias.asname or alias.name] = parts[1]
    return names


def manager_uses(root: Path = ROOT) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIPPED_PARTS.intersection(relative.parts) or relative.parts[0] in SKIPPED_APPS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        foreign = _foreign_models(tree, relative.parts[0])
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in MANAGERS
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign
            ):
                found.add((relative.as_posix(), node.value.id))
    return found


def test_no_new_use_of_another_apps_manager() -> None:
    found = manager_uses()
    new = sorted(found - KNOWN.keys())
    assert not new, f"use the owning app's selectors or services instead: {new}"


def test_the_known_list_only_shrinks() -> None:
    gone = sorted(KNOWN.keys() - manager_uses())
    assert not gone, f"no longer used; remove from KNOWN: {gone}"


def test_the_check_sees_a_foreign_manager(tmp_path: Path) -> None:
    app = tmp_path / "shop"
    app.mkdir()
    (app / "views.py").write_text(
        "from safepassage.cases.models import Case\n"
        "from .models import Basket\n"
        "def view():\n"
        "    Basket.objects.all()\n"
        "    return Case.objects.filter(pk=1)\n",
        encoding="utf-8",
    )
    assert manager_uses(tmp_path) == {("shop/views.py", "Case")}
