"""Disclosure control of a two-way table of counts.

``publish(table, k=...)`` turns true counts into what a report may show.
It promises that no suppressed value can be worked out, within the
protection level, from everything it publishes:

- **Primary suppression.** A cell or total from 1 to ``k - 1`` is
  suppressed: a count that small may point to a person.
- **Zeros are published.** A true zero says that nobody is in the cell;
  it points to no one, and government statistics publish it. In return
  the attacker knows that every suppressed value is at least 1, and the
  attack (``attack.py``) uses that.
- **Complementary (secondary) suppression.** Further cells (and, only
  when nothing else serves, totals) are suppressed until, for *every*
  suppressed value, primary or secondary, the interval of values
  consistent with the published cells, the published totals, the
  additive constraints and the floor of 1 is at least ``protection``
  wide (upper minus lower bound). ``protection`` defaults to ``k``: an
  attacker cannot narrow any suppressed count to fewer than ``k`` + 1
  candidate values, as many as a count of ``k`` itself would leave.
  Requiring it of secondary cells too costs little (they move together
  with the primary cells they protect) and means the published table
  needs no record of which suppression was which.

How: each unprotected suppressed entry is paired with the cheapest
*rectangle* of three further entries (two in its row and column, one at
their crossing) that alone gives it the protection; cheapness is the sum
of the counts newly hidden, and hiding a total costs more than any set of
inner cells. A rectangle's width has a closed form, and hiding more can
only widen an interval, so the choice is safe; the result is then
verified by the linear-programming attack (HiGHS), and where the attack
still narrows a value below ``protection`` (only when no single rectangle
sufficed), more is hidden and the attack run again, falling back to
hiding every non-zero entry, which leaves nothing bounded above.

What it does not promise: two publications of overlapping tables (a unit
commander's at a lower k and headquarters' at a higher one, or the same
table in two releases) are each safe alone, not necessarily together.
``publication.py`` therefore publishes each closed period once, frozen,
as one table whose margins hold every figure headquarters is shown of
it (all units and each unit), so that what one audience sees is one
protected table per period (docs/reports.md, "Releases").
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .attack import intervals

Entry = tuple[int, int]


class Suppression(enum.Enum):
    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Table:
    """True counts; never shown. Raises ``ValueError`` if malformed."""

    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # len(rows) x len(cols), each >= 0

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.row_labels):
            raise ValueError(
                f"the table has {len(self.row_labels)} row labels "
                f"but {len(self.counts)} rows of counts"
            )
        for n, row in enumerate(self.counts):
            if len(row) != len(self.col_labels):
                raise ValueError(
                    f"row {n} has {len(row)} counts; the table has {len(self.col_labels)} columns"
                )
            for count in row:
                if isinstance(count, bool) or not isinstance(count, int | np.integer):
                    raise ValueError(f"row {n} holds {count!r}, which is not a whole count")
                if count < 0:
                    raise ValueError(f"row {n} holds a negative count ({count})")

    @classmethod
    def from_rows(
        cls,
        row_labels: Sequence[str],
        col_labels: Sequence[str],
        counts: Sequence[Sequence[int]],
    ) -> Table:
        """A table from any sequences (lists are accepted and frozen)."""
        return cls(
            tuple(row_labels),
            tuple(col_labels),
            tuple(tuple(int(c) if isinstance(c, np.integer) else c for c in r) for r in counts),
        )


@dataclass(frozen=True)
class Published:
    """What a report may show: suppressed values are ``None`` (``[c]``)."""

    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]  # None = suppressed, shown "[c]"
    row_totals: tuple[int | None, ...]
    col_totals: tuple[int | None, ...]
    total: int | None
    status: tuple[tuple[Suppression, ...], ...]
    k: int
    protection: int = 0
    row_total_status: tuple[Suppression, ...] = field(default=())
    col_total_status: tuple[Suppression, ...] = field(default=())
    total_status: Suppression = Suppression.NONE

    @property
    def suppressed_count(self) -> int:
        """How many values (cells and totals) are hidden."""
        return sum(
            1
            for row in (*self.cells, self.row_totals, self.col_totals, (self.total,))
            for v in row
            if v is None
        )


def publish(table: Table, *, k: int, protection: int | None = None) -> Published:
    """The table as it may be shown to an audience allowed counts >= ``k``.

    Raises ``ValueError`` for ``k`` below 2 or a ``protection`` below 1.
    Deterministic: the same table and settings give the same result.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError(
            f"the disclosure threshold k must be a whole number of at least 2 (got {k!r})"
        )
    if protection is None:
        protection = k
    if isinstance(protection, bool) or not isinstance(protection, int) or protection < 1:
        raise ValueError(
            f"the protection level must be a whole number of at least 1 (got {protection!r})"
        )
    values = _augmented(table)
    primary = {
        (int(i), int(j)) for i, j in zip(*np.nonzero((values >= 1) & (values < k)), strict=True)
    }
    suppressed = set(primary)
    _protect(values, suppressed, sorted(primary, key=lambda e: (values[e], e)), protection)
    while True:
        failing = _failing(values, suppressed, protection)
        if not failing:
            break
        for entry in failing:
            if not _add_rectangle(values, suppressed, entry, protection, require_new=True):
                suppressed |= _every_nonzero(values)
                break
    return _published(table, values, primary, suppressed, k, protection)


def _augmented(table: Table) -> np.ndarray:
    """Counts with row totals as a last column and column totals as a last row."""
    n_rows, n_cols = len(table.row_labels), len(table.col_labels)
    values = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    if n_rows and n_cols:
        values[:n_rows, :n_cols] = np.array(table.counts, dtype=np.int64)
    values[:n_rows, n_cols] = values[:n_rows, :n_cols].sum(axis=1)
    values[n_rows, :n_cols] = values[:n_rows, :n_cols].sum(axis=0)
    values[n_rows, n_cols] = values[:n_rows, :n_cols].sum()
    return values


def _signs(shape: tuple[int, int]) -> np.ndarray:
    """+1 for inner cells and the grand total, -1 for the margins.

    With these signs every row and column of the augmented table sums to
    zero, so moving +t, -t, -t, +t (signed) round a rectangle keeps every
    published sum.
    """
    signs = np.ones(shape, dtype=np.int64)
    signs[-1, :] *= -1
    signs[:, -1] *= -1
    return signs


def _protect(
    values: np.ndarray, suppressed: set[Entry], order: list[Entry], protection: int
) -> None:
    for entry in order:
        _add_rectangle(values, suppressed, entry, protection, require_new=False)


def _rectangle_widths(values: np.ndarray, entry: Entry) -> np.ndarray:
    """For each far corner (i2, j2), the interval width that the rectangle
    (i, j), (i, j2), (i2, j), (i2, j2) alone gives ``entry``, if all four
    were hidden and nothing else (every hidden value at least 1).

    Moving the entry up by t moves each corner up or down by t; the
    interval is limited by the corners that fall to 1 on either side.
    Rows or columns through the entry itself are meaningless (-inf).
    """
    i, j = entry
    signs = _signs(values.shape)
    flip = signs[i, j]
    slack = (values - 1).astype(float)
    row_dir = (-signs[i, :] * flip)[None, :]  # corners (i, j2)
    col_dir = (-signs[:, j] * flip)[:, None]  # corners (i2, j)
    far_dir = signs * flip  # corners (i2, j2)
    row_slack = np.broadcast_to(slack[i, :][None, :], values.shape)
    col_slack = np.broadcast_to(slack[:, j][:, None], values.shape)
    inf = np.inf
    down = np.minimum.reduce(
        [
            np.where(row_dir == -1, row_slack, inf),
            np.where(col_dir == -1, col_slack, inf),
            np.where(far_dir == -1, slack, inf),
        ]
    )
    up = np.minimum.reduce(
        [
            np.full(values.shape, slack[i, j]),
            np.where(row_dir == 1, row_slack, inf),
            np.where(col_dir == 1, col_slack, inf),
            np.where(far_dir == 1, slack, inf),
        ]
    )
    width = down + up
    usable = (values[i, :] > 0)[None, :] & (values[:, j] > 0)[:, None] & (values > 0)
    usable[i, :] = False
    usable[:, j] = False
    return np.where(usable, width, -inf)


def _hidden_mask(shape: tuple[int, int], suppressed: set[Entry]) -> np.ndarray:
    hidden = np.zeros(shape, dtype=bool)
    for e in suppressed:
        hidden[e] = True
    return hidden


def _certified(values: np.ndarray, hidden: np.ndarray, entry: Entry, protection: int) -> bool:
    """Whether a rectangle of hidden entries alone protects ``entry``.

    A sufficient proof: hiding more only widens the attacker's interval.
    """
    if values.shape[0] < 2 or values.shape[1] < 2:
        return False
    i, j = entry
    whole = hidden[i, :][None, :] & hidden[:, j][:, None] & hidden
    widths = np.where(whole, _rectangle_widths(values, entry), -np.inf)
    return bool(widths.max() >= protection)


def _add_rectangle(
    values: np.ndarray,
    suppressed: set[Entry],
    entry: Entry,
    protection: int,
    *,
    require_new: bool,
) -> bool:
    """Hide the cheapest rectangle through ``entry`` that protects it.

    With no rectangle wide enough, the widest is hidden. ``require_new``
    skips rectangles already wholly hidden. Answers whether anything new
    was hidden, or (without ``require_new``) whether a rectangle served.
    """
    i, j = entry
    if values.shape[0] < 2 or values.shape[1] < 2:
        return False
    width = _rectangle_widths(values, entry)
    hidden = _hidden_mask(values.shape, suppressed)
    total = float(values[-1, -1])
    penalty = np.zeros(values.shape)
    penalty[-1, :] += 4 * (total + 1)
    penalty[:, -1] += 4 * (total + 1)
    weight = np.where(hidden, 0.0, values + penalty)
    cost = weight[i, :][None, :] + weight[:, j][:, None] + weight
    valid = width > -np.inf
    if require_new:
        new = (~hidden[i, :])[None, :] | (~hidden[:, j])[:, None] | ~hidden
        valid &= new
    if not valid.any():
        return False
    inf = np.inf
    enough = valid & (width >= protection)
    if enough.any():
        best = np.unravel_index(int(np.argmin(np.where(enough, cost, inf))), values.shape)
        served = True
    else:
        best = np.unravel_index(int(np.argmax(np.where(valid, width, -inf))), values.shape)
        served = False
    i2, j2 = int(best[0]), int(best[1])
    added = {(i, j2), (i2, j), (i2, j2)} - suppressed
    suppressed |= added
    return bool(added) if require_new else served


def _failing(values: np.ndarray, suppressed: set[Entry], protection: int) -> list[Entry]:
    """The suppressed entries the attack narrows below ``protection``.

    An entry that a wholly hidden rectangle protects is proven safe in
    closed form; the linear-programming attack runs on every other one.
    """
    hidden = _hidden_mask(values.shape, suppressed)
    doubtful = [e for e in suppressed if not _certified(values, hidden, e, protection)]
    if not doubtful:
        return []
    grid: list[list[int | None]] = [
        [None if (i, j) in suppressed else int(values[i, j]) for j in range(values.shape[1])]
        for i in range(values.shape[0])
    ]
    found = intervals(grid, doubtful)
    return sorted(
        (e for e, (low, high) in found.items() if not high - low >= protection - 1e-6),
        key=lambda e: (values[e], e),
    )


def _every_nonzero(values: np.ndarray) -> set[Entry]:
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(values), strict=True)}


def _published(
    table: Table,
    values: np.ndarray,
    primary: set[Entry],
    suppressed: set[Entry],
    k: int,
    protection: int,
) -> Published:
    n_rows, n_cols = len(table.row_labels), len(table.col_labels)

    def shown(e: Entry) -> int | None:
        return None if e in suppressed else int(values[e])

    def state(e: Entry) -> Suppression:
        if e in primary:
            return Suppression.PRIMARY
        return Suppression.SECONDARY if e in suppressed else Suppression.NONE

    return Published(
        row_labels=table.row_labels,
        col_labels=table.col_labels,
        cells=tuple(tuple(shown((i, j)) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(shown((i, n_cols)) for i in range(n_rows)),
        col_totals=tuple(shown((n_rows, j)) for j in range(n_cols)),
        total=shown((n_rows, n_cols)),
        status=tuple(tuple(state((i, j)) for j in range(n_cols)) for i in range(n_rows)),
        k=k,
        protection=protection,
        row_total_status=tuple(state((i, n_cols)) for i in range(n_rows)),
        col_total_status=tuple(state((n_rows, j)) for j in range(n_cols)),
        total_status=state((n_rows, n_cols)),
    )


__all__ = ["Published", "Suppression", "Table", "publish"]
