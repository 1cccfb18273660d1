"""Disclosure control of a two-way table of amounts (items, rounds, money).

``publish_amounts(table, contributors, k=...)`` is ``disclosure.publish``
for sums. What differs, and why:

- **Primary suppression by people, not by size.** An amount (a cell or a
  total) is suppressed when fewer than ``k`` distinct people contributed
  to it (``contributors``, from the contributor cubes: see
  ``amounts.py``), whatever its size: three rifles from one person are as
  telling as one person; 900 rounds from one person more so. A zero (no
  one contributed) is published, as for counts.
- **Protection scaled to the amount.** A hidden amount must not be
  narrowed, by the linear-programming attack on what is published, to an
  interval narrower than ``max(k, ⌈share × amount⌉)`` (``share`` = 1/2 by
  default): for 900 rounds, no narrower than 450 rounds; for 2 rifles, no
  narrower than k. A fixed width of k would protect a count of people but
  not a sum of money.
- The attacker is the same as for counts (``attack.py``): they hold the
  published cells and totals and know that a hidden amount is at least 1.
  Complementary suppression is the same rectangle method, then verified
  by the attack, falling back to hiding every non-zero entry.

Not done: a dominance rule (one contributor holding most of a cell that
has k or more). The adversary here is outside the cell; a contributor who
knows their own share could narrow another's. Documented in
docs/reports.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .attack import intervals
from .disclosure import (
    Published,
    Table,
    _add_rectangle,
    _augmented,
    _certified,
    _every_nonzero,
    _hidden_mask,
    _published,
)

Entry = tuple[int, int]
SHARE = Fraction(1, 2)


def required_width(amount: int, *, k: int, share: Fraction = SHARE) -> int:
    """The narrowest interval an attacker may be left with for `amount`."""
    return max(k, math.ceil(share * amount))


def publish_amounts(
    table: Table,
    contributors: Sequence[Sequence[int]],
    *,
    k: int,
    share: Fraction = SHARE,
) -> Published:
    """The table of amounts as it may be shown at threshold ``k``.

    ``contributors`` is the augmented grid of distinct people (rows and
    columns of the table, then its row totals as a last column and column
    totals as a last row). Raises ``ValueError`` for ``k`` below 2, a
    share outside (0, 1], or a contributors grid of another shape.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError(
            f"the disclosure threshold k must be a whole number of at least 2 (got {k!r})"
        )
    if not 0 < share <= 1:
        raise ValueError(f"the share must lie in (0, 1] (got {share})")
    values = _augmented(table)
    people = np.array(contributors, dtype=np.int64)
    if people.shape != values.shape:
        raise ValueError(
            f"the contributors grid is {people.shape}; the table with its totals is {values.shape}"
        )
    if (people < 0).any():
        raise ValueError("a contributor count is negative")
    need = {
        (int(i), int(j)): required_width(int(values[i, j]), k=k, share=share)
        for i, j in zip(*np.nonzero(values), strict=True)
    }
    primary = {e for e in need if people[e] < k}
    suppressed = set(primary)
    for entry in sorted(primary, key=lambda e: (values[e], e)):
        _add_rectangle(values, suppressed, entry, need[entry], require_new=False)
    while True:
        failing = _failing(values, suppressed, need)
        if not failing:
            break
        for entry in failing:
            if not _add_rectangle(values, suppressed, entry, need[entry], require_new=True):
                suppressed |= _every_nonzero(values)
                break
    return _published(table, values, primary, suppressed, k, k)


def _failing(values: np.ndarray, suppressed: set[Entry], need: dict[Entry, int]) -> list[Entry]:
    """The hidden entries the attack narrows below what they need."""
    hidden = _hidden_mask(values.shape, suppressed)
    doubtful = [e for e in suppressed if not _certified(values, hidden, e, need[e])]
    if not doubtful:
        return []
    grid: list[list[int | None]] = [
        [None if (i, j) in suppressed else int(values[i, j]) for j in range(values.shape[1])]
        for i in range(values.shape[0])
    ]
    found = intervals(grid, doubtful)
    return sorted(
        (e for e, (low, high) in found.items() if not high - low >= need[e] - 1e-6),
        key=lambda e: (values[e], e),
    )


__all__ = ["SHARE", "publish_amounts", "required_width"]
