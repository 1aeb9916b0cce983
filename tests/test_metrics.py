"""Tests for course_lib.metrics: hand-computed cases and a brute-force reference."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

from course_lib.metrics import evaluate_retrieval, map_at_r, recall_at_k, retrieval_from_distances
from course_lib.similarity import euclidean_distances


def _reference(queries, labels, index=None, index_labels=None, ks=(1, 5, 10)):
    """A slow, obviously-correct implementation for comparison."""
    leave_one_out = index is None
    if leave_one_out:
        index, index_labels = queries, labels
    similarity = sk_cosine(queries, index)
    results = {f"R@{k}": [] for k in ks}
    average_precisions = []
    for q in range(len(queries)):
        order = [j for j in np.argsort(-similarity[q], kind="stable") if not (leave_one_out and j == q)]
        relevant = [index_labels[j] == labels[q] for j in order]
        for k in ks:
            results[f"R@{k}"].append(any(relevant[:k]))
        r = sum(relevant)
        if r:
            precision_sum = sum(sum(relevant[: i + 1]) / (i + 1) for i in range(r) if relevant[i])
            average_precisions.append(precision_sum / r)
    out = {key: float(np.mean(value)) for key, value in results.items()}
    out["MAP@R"] = float(np.mean(average_precisions))
    return out


def test_recall_at_k_by_hand():
    neighbours = [[1, 0, 0], [2, 2, 1], [0, 0, 0]]
    assert recall_at_k(neighbours, [0, 1, 0], k=1) == pytest.approx(1 / 3)
    assert recall_at_k(neighbours, [0, 1, 0], k=2) == pytest.approx(2 / 3)
    assert recall_at_k(neighbours, [0, 1, 0], k=3) == 1.0


def test_map_at_r_by_hand():
    # R = 3, relevant at ranks 1, 3 (rank 4 is beyond R): (1/3) * (1 + 2/3) = 5/9
    assert map_at_r([[0, 1, 0, 0]], [0], [3]) == pytest.approx(5 / 9)
    # perfect ranking
    assert map_at_r([[4, 4, 9]], [4], [2]) == 1.0
    # a query without relevant items is left out of the mean
    assert map_at_r([[0, 1], [2, 2]], [0, 5], [1, 0]) == 1.0
    assert np.isnan(map_at_r([[1]], [0], [0]))


def test_map_at_r_needs_enough_neighbours():
    with pytest.raises(ValueError, match=r"at least R = 3 neighbours.*received 2"):
        map_at_r([[0, 0]], [0], [3])
    with pytest.raises(ValueError, match=r"one entry per query, shape \(1,\)"):
        map_at_r([[0, 0]], [0], [1, 1])


def test_recall_at_k_errors():
    with pytest.raises(ValueError, match=r"2-D \(n_queries, n_neighbours\)"):
        recall_at_k([0, 1], [0, 1], k=1)
    with pytest.raises(ValueError, match="has 1 labels but the embeddings have 2 rows"):
        recall_at_k([[0], [1]], [0], k=1)
    with pytest.raises(ValueError, match=r"`k` must be <= 2"):
        recall_at_k([[0, 1]], [0], k=3)


@pytest.mark.parametrize("seed", [0, 1])
def test_leave_one_out_matches_reference(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=60)
    embeddings = rng.normal(size=(60, 6)) + labels[:, None] * 0.8
    result = evaluate_retrieval(embeddings, labels)
    expected = _reference(embeddings, labels)
    assert result.keys() == expected.keys()
    for key in expected:
        assert result[key] == pytest.approx(expected[key], abs=1e-9), key


def test_query_into_index_matches_reference():
    rng = np.random.default_rng(2)
    index_labels = rng.integers(0, 3, size=50)
    index = rng.normal(size=(50, 5)) + index_labels[:, None]
    labels = rng.integers(0, 3, size=20)
    queries = rng.normal(size=(20, 5)) + labels[:, None]
    result = evaluate_retrieval(queries, labels, index, index_labels, ks=(1, 3))
    expected = _reference(queries, labels, index, index_labels, ks=(1, 3))
    for key in expected:
        assert result[key] == pytest.approx(expected[key], abs=1e-9), key


def test_perfect_and_values_are_floats():
    embeddings = np.repeat(np.eye(3), 4, axis=0) + 0.01 * np.arange(12)[:, None]
    result = evaluate_retrieval(embeddings, np.repeat(np.arange(3), 4), ks=(1, 3))
    assert result == {"R@1": 1.0, "R@3": 1.0, "MAP@R": 1.0}
    assert all(type(value) is float for value in result.values())


def test_evaluate_retrieval_errors():
    x = np.ones((4, 2))
    with pytest.raises(ValueError, match="both `index_embeddings` and `index_labels`"):
        evaluate_retrieval(x, [0, 0, 1, 1], x)
    with pytest.raises(ValueError, match="has 3 labels but the embeddings have 4 rows"):
        evaluate_retrieval(x, [0, 0, 1])
    with pytest.raises(ValueError, match="asks for 10 neighbours but each query has only 3"):
        evaluate_retrieval(x, [0, 0, 1, 1])
    with pytest.raises(ValueError, match="`metric` must be one of"):
        evaluate_retrieval(x, [0, 0, 1, 1], ks=(1,), metric="manhattan")
    with pytest.raises(ValueError, match="1-D array of integer class labels"):
        evaluate_retrieval(x, np.eye(4), ks=(1,))
    with pytest.raises(ValueError, match=r"received a 1-D array of shape \(4,\)"):
        evaluate_retrieval(np.ones(4), [0, 0, 1, 1], ks=(1,))


def test_retrieval_from_distances_matches_evaluate_retrieval():
    rng = np.random.default_rng(3)
    queries, labels = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    index, index_labels = rng.normal(size=(25, 4)), rng.integers(0, 3, size=25)
    assert retrieval_from_distances(euclidean_distances(queries), labels) == pytest.approx(
        evaluate_retrieval(queries, labels, metric="euclidean")
    )
    assert retrieval_from_distances(euclidean_distances(queries, index), labels, index_labels) == pytest.approx(
        evaluate_retrieval(queries, labels, index, index_labels, metric="euclidean")
    )
    with pytest.raises(ValueError, match="must be square"):
        retrieval_from_distances(np.zeros((3, 4)), [0, 1, 2])
    with pytest.raises(ValueError, match="one label per index item"):
        retrieval_from_distances(np.zeros((3, 4)), [0, 1, 2], [0, 1])
