"""The import graph of `safepassage` has no circle.

Imports inside functions count: grimp reads them too, so a circle hidden
behind a function-level import is still a circle. The last one, intake's
spool → tasks → processing → outbox → tasks loop, was broken in issue 19
(docs/adr/0007-intake-channel-folders.md): none is allowed now.
"""

import sys

import grimp


def _strongly_connected(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """Tarjan's algorithm; the components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_import_circle():
    graph = grimp.build_graph("safepassage")
    circles = [sorted(circle) for circle in _strongly_connected(graph)]
    assert not circles, f"import circles: {circles}"


def test_the_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _strongly_connected(graph) == [frozenset({"pkg.a", "pkg.b", "pkg.c"})]
