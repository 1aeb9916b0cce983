"""Tests for course_lib.recommenders: popularity, item-item cosine, implicit ALS, top k, coverage."""

import numpy as np
import pytest
from scipy import sparse

from course_lib.recommenders import (
    coverage_at_k,
    fold_in_users,
    implicit_als,
    item_cosine_similarity,
    item_popularity,
    top_k_items,
)


def _random_matrix(seed=0, shape=(40, 30), density=0.2):
    rng = np.random.default_rng(seed)
    dense = (rng.random(shape) < density).astype(np.float32)
    dense[:, 7] = 0.0  # an item nobody met
    return sparse.csr_array(dense), dense


def _dense_cosine(dense):
    lengths = np.linalg.norm(dense, axis=0)
    cosines = dense.T @ dense / np.maximum(np.outer(lengths, lengths), 1e-12)
    np.fill_diagonal(cosines, 0.0)
    return cosines


def test_popularity_counts_the_users_of_each_item():
    matrix, dense = _random_matrix()
    np.testing.assert_array_equal(item_popularity(matrix), dense.sum(axis=0))
    with pytest.raises(TypeError, match="SciPy sparse matrix"):
        item_popularity(dense)


@pytest.mark.parametrize("block_size", [1, 7, 1024])
def test_item_cosine_matches_the_dense_formula_in_any_block_size(block_size):
    matrix, dense = _random_matrix()
    similarity = item_cosine_similarity(matrix, block_size=block_size)
    assert sparse.issparse(similarity) and similarity.dtype == np.float32
    np.testing.assert_allclose(similarity.toarray(), _dense_cosine(dense), atol=1e-6)
    assert np.all(similarity.toarray()[7] == 0) and np.all(np.diag(similarity.toarray()) == 0)


def test_item_cosine_keeps_each_items_k_best_neighbours():
    matrix, dense = _random_matrix(seed=2)
    full = _dense_cosine(dense)
    kept = item_cosine_similarity(matrix, k=3).toarray()
    assert np.all((kept > 0).sum(axis=1) <= 3)
    for row in range(full.shape[0]):
        if (full[row] > 0).sum() >= 3:
            third_best = np.sort(full[row])[-3]
            np.testing.assert_allclose(np.sort(kept[row][kept[row] > 0])[0], third_best, atol=1e-6)
    sklearn_pairwise = pytest.importorskip("sklearn.metrics.pairwise")
    reference = sklearn_pairwise.cosine_similarity(matrix.T)
    np.fill_diagonal(reference, 0.0)
    np.testing.assert_allclose(item_cosine_similarity(matrix).toarray(), reference, atol=1e-6)


def test_item_cosine_breaks_ties_at_the_cut_towards_the_lower_index():
    # item 0 is equally similar to items 1, 2 and 3
    matrix = sparse.csr_array(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1]], dtype=np.float32))
    kept = item_cosine_similarity(matrix, k=2).toarray()
    assert np.flatnonzero(kept[0]).tolist() == [1, 2]


def test_item_cosine_checks_its_arguments():
    matrix, _ = _random_matrix()
    with pytest.raises(ValueError, match="must be >= 1"):
        item_cosine_similarity(matrix, k=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        item_cosine_similarity(sparse.csr_array(np.array([[np.nan, 1.0]])))


def test_implicit_als_fits_a_block_structure_and_is_seeded():
    blocks = np.kron(np.eye(3), np.ones((4, 5)))  # 3 groups of 4 users x 5 items
    matrix = sparse.csr_array(blocks)
    users, items = implicit_als(matrix, factors=3, regularization=0.1, alpha=10.0, iterations=8, seed=0)
    scores = users @ items.T
    assert users.shape == (12, 3) and items.shape == (15, 3)
    assert scores[blocks == 1].min() > 0.8 and np.abs(scores[blocks == 0]).max() < 0.1
    again = implicit_als(matrix, factors=3, regularization=0.1, alpha=10.0, iterations=8, seed=0)
    np.testing.assert_array_equal(again[0], users)


def test_implicit_als_matches_the_closed_form_of_one_user():
    matrix, _ = _random_matrix(seed=4)
    users, items = implicit_als(matrix, factors=4, regularization=2.0, alpha=5.0, iterations=2, seed=1)
    refreshed = fold_in_users(matrix, items, regularization=2.0, alpha=5.0)
    # the normal equations, written out with the full confidence matrix for user 0
    confidence = 1.0 + 5.0 * matrix.toarray()[0]
    preference = matrix.toarray()[0]
    system = items.T @ (confidence[:, None] * items) + 2.0 * np.eye(4)
    expected = np.linalg.solve(system, items.T @ (confidence * preference))
    np.testing.assert_allclose(refreshed[0], expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"regularization": -1.0}, ValueError, "finite number >= 0"),
        ({"alpha": float("inf")}, ValueError, "finite number >= 0"),
        ({"alpha": "10"}, TypeError, "must be a number"),
        ({"factors": 0}, ValueError, "must be >= 1"),
    ],
)
def test_implicit_als_checks_its_settings(kwargs, error, match):
    matrix, _ = _random_matrix()
    with pytest.raises(error, match=match):
        implicit_als(matrix, **kwargs)


def test_fold_in_checks_the_item_vectors():
    matrix, _ = _random_matrix()
    with pytest.raises(ValueError, match="one row per item"):
        fold_in_users(matrix, np.ones((5, 2)))


def test_top_k_items_orders_best_first_and_breaks_ties_by_index():
    scores = np.array([[0.2, 0.9, 0.5, 0.5, 0.5, 0.1]])
    assert top_k_items(scores, 3).tolist() == [[1, 2, 3]]
    excluded = np.array([[False, True, False, False, False, False]])
    assert top_k_items(scores, 4, exclude=excluded).tolist() == [[2, 3, 4, 0]]
    assert top_k_items(scores, 2, exclude=sparse.csr_array(excluded)).tolist() == [[2, 3]]
    rng = np.random.default_rng(0)
    random = rng.normal(size=(5, 40))
    np.testing.assert_array_equal(top_k_items(random, 7), np.argsort(-random, axis=1)[:, :7])


def test_top_k_items_checks_there_are_enough_items():
    with pytest.raises(ValueError, match="fewer than k=2"):
        top_k_items(np.ones((1, 3)), 2, exclude=np.array([[True, True, False]]))
    with pytest.raises(ValueError, match="at most the number of items"):
        top_k_items(np.ones((1, 3)), 4)
    with pytest.raises(ValueError, match=r"shape of `scores`, \(1, 3\)"):
        top_k_items(np.ones((1, 3)), 1, exclude=np.zeros((2, 3), dtype=bool))


def test_coverage_counts_distinct_items_over_the_catalogue():
    same_list = np.tile(np.arange(10.0), (5, 1))
    assert coverage_at_k(same_list, k=3) == 3 / 10
    personal = np.eye(10)[:5]  # user u's best item is u
    assert coverage_at_k(personal, k=1) == 5 / 10
    seen = np.zeros((5, 10), dtype=bool)
    seen[:, 9] = True
    assert coverage_at_k(same_list, k=3, exclude=seen) == 3 / 10  # items 6, 7, 8 instead
    assert set(top_k_items(same_list, 3, exclude=seen)[0].tolist()) == {6, 7, 8}
