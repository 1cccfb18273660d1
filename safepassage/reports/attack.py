"""The linear-programming attack on a published table.

An attacker holds what a report publishes: the cells that are shown, the
row, column and grand totals that are shown, and the knowledge that every
row and column adds up. For a suppressed value they can minimise and
maximise it over every table consistent with that; the width of the
interval is what disclosure control must keep at or above the protection
level (``disclosure.publish``).

The attacker here also knows the policy: zeros are always published, so
every suppressed value is at least 1. That makes the attack stronger than
plain non-negativity, never weaker.

The table with its totals is an *augmented* grid of ``R + 1`` rows and
``C + 1`` columns: row ``R`` holds the column totals, column ``C`` the row
totals, and ``(R, C)`` the grand total. Its equations (each inner row sums
to its total, each inner column to its total, the totals to the grand
total) form a transportation matrix, which is totally unimodular: the
linear-programming bounds are integers already, so the relaxation loses
nothing against an attacker who also knows that counts are whole (the
tests check this against the integer programme).

Each bound is one HiGHS solve (``scipy.optimize.linprog``). Unknowns that
share no equation do not constrain each other, so the grid is split into
connected components and each is solved on its own.

``linked_intervals`` is the same attack on any set of published sums
over shared unknown counts ("atoms"): several tables that overlap (all
units and each unit; two releases of one table), each published value
an equation, each hidden one a sum of at least 1. The tests use it to
attack everything one audience is shown at once.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import Protocol

import numpy as np
from scipy.optimize import linprog

Grid = Sequence[Sequence[int | None]]
Entry = tuple[int, int]

# What the attacker knows of every suppressed value (zeros are published).
SUPPRESSED_FLOOR = 1


class Published(Protocol):
    """What the attack reads of ``disclosure.Published`` (which imports this module)."""

    @property
    def cells(self) -> Sequence[Sequence[int | None]]: ...
    @property
    def row_totals(self) -> Sequence[int | None]: ...
    @property
    def col_totals(self) -> Sequence[int | None]: ...
    @property
    def total(self) -> int | None: ...


class InconsistentTable(ValueError):
    """The published values admit no table: they do not add up."""


def augmented_grid(published: Published) -> list[list[int | None]]:
    """The published cells with the totals as a last row and column."""
    grid: list[list[int | None]] = [
        [*row, total] for row, total in zip(published.cells, published.row_totals, strict=True)
    ]
    grid.append([*published.col_totals, published.total])
    return grid


def attack_interval(
    published: Published, row: int, col: int, *, integer: bool = False
) -> tuple[float, float]:
    """The least and the greatest value the entry ``(row, col)`` can hold.

    ``row`` may be ``len(row_labels)`` for the column totals and ``col`` may
    be ``len(col_labels)`` for the row totals (both: the grand total). A
    published entry answers its own value twice; an entry nothing bounds
    from above answers ``math.inf``. ``integer`` solves the integer
    programme instead of its relaxation (slower; the same answer).
    """
    grid = augmented_grid(published)
    if not (0 <= row < len(grid) and 0 <= col < len(grid[0])):
        raise IndexError(f"no entry ({row}, {col}) in this table")
    return intervals(grid, [(row, col)], integer=integer)[(row, col)]


def intervals(
    grid: Grid, targets: Iterable[Entry] | None = None, *, integer: bool = False
) -> dict[Entry, tuple[float, float]]:
    """The attacker's interval for each target entry of an augmented grid.

    ``targets`` defaults to every unknown (``None``) entry. Raises
    ``InconsistentTable`` when the known values admit no table.
    """
    n_rows = len(grid)
    n_cols = len(grid[0]) if n_rows else 0
    unknown = [(i, j) for i in range(n_rows) for j in range(n_cols) if grid[i][j] is None]
    wanted = list(unknown if targets is None else targets)
    result: dict[Entry, tuple[float, float]] = {}
    for entry in wanted:
        value = grid[entry[0]][entry[1]]
        if value is not None:
            result[entry] = (float(value), float(value))
    wanted_set = set(wanted)
    for members in _components(unknown, n_rows):
        asked = [e for e in members if e in wanted_set]
        if asked:
            result.update(_solve_component(grid, members, asked, integer=integer))
    return result


def _components(unknown: list[Entry], n_rows: int) -> list[list[Entry]]:
    """Unknown entries grouped by the equations (rows, columns) they share."""
    parent = list(range(n_rows + max((j for _, j in unknown), default=0) + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in unknown:
        a, b = find(i), find(n_rows + j)
        if a != b:
            parent[a] = b
    groups: dict[int, list[Entry]] = {}
    for entry in unknown:
        groups.setdefault(find(entry[0]), []).append(entry)
    return list(groups.values())


def _equations(grid: Grid) -> list[list[tuple[Entry, int]]]:
    """Every additive equation of the augmented grid, as signed entries = 0."""
    last_row = len(grid) - 1
    last_col = len(grid[0]) - 1
    equations: list[list[tuple[Entry, int]]] = []
    for i in range(last_row + 1):
        equations.append([((i, j), 1) for j in range(last_col)] + [((i, last_col), -1)])
    for j in range(last_col + 1):
        equations.append([((i, j), 1) for i in range(last_row)] + [((last_row, j), -1)])
    return equations


def _solve_component(
    grid: Grid, members: list[Entry], asked: list[Entry], *, integer: bool
) -> dict[Entry, tuple[float, float]]:
    index = {entry: n for n, entry in enumerate(members)}
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for equation in _equations(grid):
        coefficients = np.zeros(len(members))
        constant = 0.0
        touches = False
        for (i, j), sign in equation:
            value = grid[i][j]
            if value is None:
                if (i, j) in index:
                    coefficients[index[(i, j)]] += sign
                    touches = True
            else:
                constant -= sign * value
        if touches:
            rows.append(coefficients)
            rhs.append(constant)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    bounds = [(SUPPRESSED_FLOOR, None)] * len(members)
    integrality = np.ones(len(members)) if integer else None
    found: dict[Entry, tuple[float, float]] = {}
    for entry in asked:
        objective = np.zeros(len(members))
        objective[index[entry]] = 1.0
        low = _bound(objective, a_eq, b_eq, bounds, integrality)
        high = -_bound(-objective, a_eq, b_eq, bounds, integrality)
        found[entry] = (low, high)
    return found


def _bound(
    objective: np.ndarray,
    a_eq: np.ndarray | None,
    b_eq: np.ndarray | None,
    bounds: list[tuple[int, None]],
    integrality: np.ndarray | None,
) -> float:
    outcome = linprog(
        objective,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
        integrality=integrality,
    )
    if outcome.status == 3:  # unbounded: nothing published caps this value
        return -math.inf
    if outcome.status == 4 and integrality is not None:
        # HiGHS's integer solver may answer "infeasible or unbounded"; the
        # relaxation tells which (an integer point exists whenever it is
        # feasible: the matrix is totally unimodular).
        relaxed = _bound(objective, a_eq, b_eq, bounds, None)
        if relaxed == -math.inf:
            return relaxed
    if outcome.status == 2:
        raise InconsistentTable("the published values do not add up")
    if outcome.status != 0:
        raise RuntimeError(f"the attack's solver failed: {outcome.message}")
    return float(outcome.fun)


def linked_intervals(
    published: Sequence[tuple[Collection[Hashable], int]],
    hidden: Sequence[Collection[Hashable]],
    *,
    floor: int = SUPPRESSED_FLOOR,
) -> list[tuple[float, float]]:
    """The attacker's interval for each hidden sum, given published sums.

    Every atom is a count (at least 0); each ``published`` pair (atoms,
    value) says that those atoms add up to the value; each ``hidden`` sum
    is at least ``floor`` (zeros are published). Answers, for each hidden
    sum, its least and greatest value (``math.inf`` when unbounded).
    Raises ``InconsistentTable`` if the published sums contradict each
    other.
    """
    index: dict[Hashable, int] = {}
    for atoms, _value in published:
        for atom in atoms:
            index.setdefault(atom, len(index))
    for atoms in hidden:
        for atom in atoms:
            index.setdefault(atom, len(index))
    size = len(index)
    if size == 0:
        return [(0.0, 0.0) for _atoms in hidden]

    def row(atoms: Collection[Hashable]) -> np.ndarray:
        line = np.zeros(size)
        for atom in atoms:
            line[index[atom]] += 1
        return line

    a_eq = np.array([row(atoms) for atoms, _v in published]) if published else None
    b_eq = np.array([float(v) for _atoms, v in published]) if published else None
    a_ub = np.array([-row(atoms) for atoms in hidden]) if hidden else None
    b_ub = np.full(len(hidden), -float(floor)) if hidden else None
    found = []
    for atoms in hidden:
        objective = row(atoms)
        bounds = []
        for sign in (1.0, -1.0):
            outcome = linprog(
                sign * objective,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=[(0, None)] * size,
                method="highs",
            )
            if outcome.status == 3:
                bounds.append(-math.inf)
            elif outcome.status == 2:
                raise InconsistentTable("the published values do not add up")
            elif outcome.status != 0:
                raise RuntimeError(f"the attack's solver failed: {outcome.message}")
            else:
                bounds.append(float(outcome.fun))
        found.append((bounds[0], -bounds[1]))
    return found
