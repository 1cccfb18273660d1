"""Scored pairs to clusters, without chaining namesakes together.

Plain transitive closure turns A~B and B~C into one person even when A and
C are two namesakes who each resemble B. Here pairs are merged strongest
first, and two clusters are joined only when no pair across them is
evidence *against* being one person (`engine.conflict_score` below
`CONFLICT_THRESHOLD`: a different NRC, a different full date of birth, a
different father; a name that differs is not counted there).
Clusters larger than `MAX_CLUSTER` are not grown further: one person is
rarely registered that often, and a huge cluster is a chaining symptom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from safepassage.screening.engine import CONFLICT_THRESHOLD

MAX_CLUSTER = 30


def cluster_pairs(
    n: int,
    edges: Iterable[tuple[float, int, int]],
    pair_conflict: Callable[[int, int], float],
    *,
    conflict: float = CONFLICT_THRESHOLD,
    max_cluster: int = MAX_CLUSTER,
    ordered: bool = False,
) -> list[int]:
    """Cluster label per item 0..n-1 (the smallest member index).

    `edges` are (score, i, j) at or above the match threshold;
    `pair_conflict(i, j)` is any pair's `conflict_score`, for the coherence
    check. They are merged strongest first, then by (i, j); `ordered`:
    the caller gives them in that order already (not sorted again).
    """
    parent = list(range(n))
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _score, i, j in edges if ordered else sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        mi = members.get(ri, [ri])
        mj = members.get(rj, [rj])
        if len(mi) + len(mj) > max_cluster:
            continue
        if (len(mi) > 1 or len(mj) > 1) and any(
            pair_conflict(x, y) < conflict for x in mi for y in mj if (x, y) != (i, j)
        ):
            continue
        if len(mi) < len(mj):
            ri, rj, mi, mj = rj, ri, mj, mi
        parent[rj] = ri
        members[ri] = mi + mj
        members.pop(rj, None)
    # Every item's root by pointer jumping, then each root's smallest member
    # (its first occurrence): vectorised, a Python step per item took a second.
    roots = np.array(parent, dtype=np.int64)
    while True:
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            break
        roots = jumped
    first = np.full(n, n, dtype=np.int64)
    np.minimum.at(first, roots, np.arange(n, dtype=np.int64))
    labels: list[int] = first[roots].tolist()
    return labels
