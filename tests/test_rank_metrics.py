"""MRR, R@k and NDCG@k for one right answer per query, against brute force over tie orders."""

import itertools

import numpy as np
import pytest
import scipy.sparse

from course_lib.rank_metrics import ranking_scores, relevant_ranks


def _brute_force(scores, relevant, exclude, ks):
    """Every metric averaged over every order of the tied candidates (small inputs only)."""
    totals = {"MRR": 0.0, **{f"R@{k}": 0.0 for k in ks}, **{f"NDCG@{k}": 0.0 for k in ks}}
    for row, answer in enumerate(relevant):
        candidates = [item for item in range(scores.shape[1]) if exclude is None or not exclude[row, item]]
        orders = list(itertools.permutations(candidates))
        for order in orders:
            # a stable sort by score, descending, of this permutation: one random tie order
            ranked = sorted(order, key=lambda item: -scores[row, item])
            rank = ranked.index(answer) + 1
            totals["MRR"] += 1 / rank / len(orders)
            for k in ks:
                totals[f"R@{k}"] += (rank <= k) / len(orders)
                totals[f"NDCG@{k}"] += (rank <= k) / np.log2(1 + rank) / len(orders)
    return {name: value / len(relevant) for name, value in totals.items()}


@pytest.mark.parametrize("seed", range(12))
def test_matches_the_average_over_every_tie_order(seed):
    rng = np.random.default_rng(seed)
    n_queries, n_items = 3, 6
    scores = rng.integers(0, 3, size=(n_queries, n_items)).astype(np.float32)  # many ties
    relevant = rng.integers(0, n_items, size=n_queries)
    exclude = None
    if seed % 2:
        exclude = rng.random((n_queries, n_items)) < 0.3
        exclude[np.arange(n_queries), relevant] = False
    ks = (1, 2, 4)
    got = ranking_scores(scores, relevant, exclude=exclude, ks=ks)
    want = _brute_force(scores, relevant, exclude, ks)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == pytest.approx(want[name], abs=1e-12), name


def test_no_ties_gives_plain_ranks():
    scores = np.array([[0.1, 0.9, 0.5, 0.3], [0.4, 0.3, 0.2, 0.1]])
    better, tied = relevant_ranks(scores, [2, 3])
    assert better.tolist() == [1, 3] and tied.tolist() == [0, 0]
    result = ranking_scores(scores, [2, 3], ks=(1, 2, 10))
    assert result["MRR"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert result["R@1"] == 0.0 and result["R@2"] == 0.5 and result["R@10"] == 1.0
    assert result["NDCG@2"] == pytest.approx(1 / np.log2(3) / 2)
    assert result["NDCG@10"] == pytest.approx((1 / np.log2(3) + 1 / np.log2(5)) / 2)


def test_all_scores_equal_is_a_random_ranking():
    n_items = 1000
    result = ranking_scores(np.zeros((1, n_items)), [7], ks=10)
    assert result["R@10"] == pytest.approx(10 / n_items)
    assert result["MRR"] == pytest.approx(np.sum(1 / np.arange(1, n_items + 1)) / n_items)


def test_excluded_items_are_not_candidates_and_sparse_matches_dense():
    scores = np.array([[0.9, 0.8, 0.1, 0.5]])
    exclude = np.array([[True, True, False, False]])
    assert ranking_scores(scores, [3], exclude=exclude, ks=1)["R@1"] == 1.0
    assert ranking_scores(scores, [3], ks=1)["R@1"] == 0.0
    sparse = scipy.sparse.csr_matrix(exclude)
    assert ranking_scores(scores, [3], exclude=sparse) == ranking_scores(scores, [3], exclude=exclude)


def test_float32_ties_are_kept_and_k_beyond_the_catalogue_is_fine():
    scores = np.array([[0.1, 0.1, 0.3]], dtype=np.float32)
    assert relevant_ranks(scores, [0])[1].tolist() == [1]
    assert ranking_scores(scores, [2], ks=50) == {"MRR": 1.0, "R@50": 1.0, "NDCG@50": 1.0}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"scores": [[0.1, 0.2]], "relevant": [0, 1]}, ValueError, r"one item index per query, shape \(1,\)"),
        ({"scores": [[0.1, 0.2]], "relevant": [2]}, ValueError, r"index the 2 columns"),
        ({"scores": [[0.1, 0.2]], "relevant": [-1]}, ValueError, r"index the 2 columns"),
        ({"scores": [[0.1, 0.2]], "relevant": [0.5]}, TypeError, r"item indices"),
        ({"scores": [[np.nan, 0.2]], "relevant": [0]}, ValueError, r"NaN or infinite"),
        ({"scores": [0.1, 0.2], "relevant": [0]}, ValueError, r"must be 2-D"),
        ({"scores": np.zeros((0, 3)), "relevant": []}, ValueError, r"at least one sample"),
        ({"scores": [["a", "b"]], "relevant": [0]}, TypeError, r"real numbers|numbers"),
        ({"scores": [[0.1, 0.2]], "relevant": [0], "exclude": [[1, 0]]}, TypeError, r"boolean"),
        ({"scores": [[0.1, 0.2]], "relevant": [0], "exclude": [[False]]}, ValueError, r"shape of `scores`"),
        ({"scores": [[0.1, 0.2]], "relevant": [0], "exclude": [[True, False]]}, ValueError, r"excluded"),
        ({"scores": [[0.1, 0.2]], "relevant": [0], "ks": 0}, ValueError, r"ks"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, error, match):
    with pytest.raises(error, match=match):
        ranking_scores(**kwargs)


def test_sparse_exclude_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"sparse matrix of shape \(1, 3\)"):
        relevant_ranks([[0.1, 0.2]], [0], exclude=scipy.sparse.csr_matrix(np.zeros((1, 3), dtype=bool)))
