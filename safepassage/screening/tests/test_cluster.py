"""Clustering that refuses to chain namesakes together."""

from __future__ import annotations

from safepassage.screening.cluster import cluster_pairs


def test_a_bridge_does_not_join_two_conflicting_people() -> None:
    # 0 and 2 conflict (e.g. different NRC); 1 resembles both.
    scores = {(0, 1): 8.0, (1, 2): 7.0, (0, 2): -6.0}

    def pair_score(i: int, j: int) -> float:
        return scores[(min(i, j), max(i, j))]

    labels = cluster_pairs(3, [(8.0, 0, 1), (7.0, 1, 2)], pair_score)
    assert labels == [0, 0, 2]


def test_coherent_triples_merge() -> None:
    labels = cluster_pairs(3, [(8.0, 0, 1), (7.0, 1, 2)], lambda i, j: 5.0)
    assert labels == [0, 0, 0]


def test_cluster_size_is_capped() -> None:
    edges = [(9.0, 0, i) for i in range(1, 10)]
    labels = cluster_pairs(10, edges, lambda i, j: 9.0, max_cluster=4)
    assert labels.count(0) == 4


def test_edges_given_in_merge_order_cluster_as_when_sorted_here() -> None:
    edges = [(9.0, 0, 1), (8.0, 1, 2), (8.0, 3, 4), (7.5, 2, 3), (7.0, 0, 4)]
    conflict = {(0, 2): 9.0, (1, 2): 9.0, (0, 3): -100.0}

    def pair_score(i: int, j: int) -> float:
        return conflict.get((min(i, j), max(i, j)), 9.0)

    shuffled = [edges[k] for k in (3, 0, 4, 2, 1)]
    assert cluster_pairs(5, edges, pair_score, ordered=True) == cluster_pairs(
        5, shuffled, pair_score
    )
    assert cluster_pairs(5, edges, pair_score, ordered=True) == [0, 0, 0, 3, 3]
