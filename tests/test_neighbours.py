"""Exact search in its two builds: `course_lib.top_k` (Keras) and `nearest_neighbours` (NumPy).

Every test runs on both (the `search` fixture), against a brute-force sort; the property
test at the end checks that the two agree on any input, ties included.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from properties import matrices
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine
from sklearn.metrics.pairwise import euclidean_distances as sk_euclidean

from course_lib.neighbours import nearest_neighbours
from course_lib.search.exact import top_k


@pytest.fixture(params=[top_k, nearest_neighbours], ids=["top_k", "nearest_neighbours"])
def search(request):
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _brute_force(queries, database, k, metric):
    if metric == "cosine":
        scores = sk_cosine(queries, database)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    else:
        scores = sk_euclidean(queries, database)
        order = np.argsort(scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), order


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("batch_size", [1, 7, 1024])
def test_equals_brute_force_sort(search, rng, metric, batch_size):
    queries = rng.normal(size=(23, 16)).astype("float32")
    database = rng.normal(size=(101, 16)).astype("float32")
    scores, indices = search(queries, database, 10, metric=metric, batch_size=batch_size)
    expected_scores, expected_indices = _brute_force(queries, database, 10, metric)
    assert scores.shape == indices.shape == (23, 10)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-4)


# Databases of 4 * k * 64 items or more take top_k's grouped selection path; 5,003 is not
# a multiple of the group size, so the padding is exercised too.
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("k", [1, 10, 19])
def test_large_database_equals_brute_force_sort(search, rng, metric, k):
    queries = rng.normal(size=(57, 8)).astype("float32")
    database = rng.normal(size=(5003, 8)).astype("float32")
    scores, indices = search(queries, database, k, metric=metric, batch_size=20)
    expected_scores, expected_indices = _brute_force(queries, database, k, metric)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-4)


def test_large_database_breaks_ties_by_lower_index(search, rng):
    # 40 distinct vectors, each repeated 100 times in shuffled order: every query has
    # long runs of equal scores spread over many groups.
    database = np.repeat(rng.normal(size=(40, 6)), 100, axis=0)[rng.permutation(4000)]
    queries = database[:25] + 0.01
    _, indices = search(queries, database, 10)
    _, expected = _brute_force(queries, database, 10, "cosine")
    np.testing.assert_array_equal(indices, expected)


def test_large_database_exclude_self(search, rng):
    x = rng.normal(size=(3000, 5)).astype("float32")
    _, indices = search(x, x, 5, exclude_self=True, batch_size=256)
    assert not np.any(indices == np.arange(3000)[:, None])
    _, expected = _brute_force(x, x, 6, "cosine")
    # Without the query itself the neighbours are the brute-force list minus the query.
    for row, found in enumerate(indices):
        np.testing.assert_array_equal(found, [i for i in expected[row] if i != row][:5])


def test_exclude_self_never_returns_the_query(search, rng):
    x = rng.normal(size=(30, 4))
    _, indices = search(x, x, 29, exclude_self=True, batch_size=8)
    assert not np.any(indices == np.arange(30)[:, None])
    _, with_self = search(x, x, 1)
    np.testing.assert_array_equal(with_self[:, 0], np.arange(30))


def test_breaks_ties_by_lower_index(search):
    database = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    scores, indices = search([[1.0, 0.0]], database, 3)
    np.testing.assert_array_equal(indices, [[0, 1, 3]])
    np.testing.assert_allclose(scores, [[1.0, 1.0, 1.0]])


def test_zero_query_scores_zero(search):
    scores, _ = search(np.zeros((1, 3)), np.eye(3), 3)
    np.testing.assert_array_equal(scores, np.zeros((1, 3)))


def test_errors(search):
    database = np.ones((5, 3))
    with pytest.raises(ValueError, match=r"1-D array of shape \(3,\).*queries\[None, :\]"):
        search(np.ones(3), database, 1)
    with pytest.raises(ValueError, match=r"`k` must be <= 5 \(the database has 5"):
        search(np.ones((2, 3)), database, 6)
    with pytest.raises(ValueError, match=r"`k` must be <= 4"):
        search(database, database, 5, exclude_self=True)
    with pytest.raises(ValueError, match=r"`k` must be >= 1"):
        search(np.ones((2, 3)), database, 0)
    with pytest.raises(ValueError, match=r"same number of features.*\(2, 4\) and \(5, 3\)"):
        search(np.ones((2, 4)), database, 1)
    with pytest.raises(ValueError, match=r"`metric` must be one of 'cosine', 'euclidean'; received 'dot'"):
        search(np.ones((2, 3)), database, 1, metric="dot")
    with pytest.raises(ValueError, match="same set"):
        search(np.ones((2, 3)), database, 1, exclude_self=True)
    with pytest.raises(ValueError, match="NaN"):
        search(np.full((1, 3), np.nan), database, 1)
    with pytest.raises(TypeError, match="positive integer"):
        search(np.ones((2, 3)), database, 1.5)


def test_nearest_neighbours_in_float64_is_a_reference():
    queries = np.array([[1.0, 1e-4]])
    database = np.array([[1.0, 0.0], [1.0, 1.5e-4]])  # float32 cannot tell the two cosines apart
    assert nearest_neighbours(queries, database, 1)[1].tolist() == [[0]]  # a tie: the lower index
    assert nearest_neighbours(queries, database, 1, dtype=np.float64)[1].tolist() == [[1]]
    with pytest.raises(ValueError, match="`dtype` must be np.float32 or np.float64; received"):
        nearest_neighbours(queries, database, 1, dtype=np.int64)


def _reference_with_exact_ties(queries, database, k, metric, *, exclude_self=False):
    """Neighbours from float64 scores of each distinct row, so that identical rows tie exactly."""
    rows = database.astype(np.float64) + 0.0
    if metric == "cosine":  # rows of one direction tie: group them by their unit vectors
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
    if metric == "cosine":
        scores = -(sk_cosine(queries.astype(np.float64), distinct)[:, inverse.ravel()])
    else:
        scores = sk_euclidean(queries.astype(np.float64), distinct)[:, inverse.ravel()]
    if exclude_self:
        np.fill_diagonal(scores, np.inf)
    return np.argsort(scores, axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("batch_size", [1, 64])
def test_identical_rows_tie_lowest_index_first(search, metric, batch_size):
    """Many copies of each row, in shuffled order: copies come lowest index first, whatever the
    matrix product's rounding of identical columns (a single query uses another kernel)."""
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(30, 16)).astype(np.float32)
    database = rows[rng.integers(0, 30, size=500)]
    database[rng.integers(0, 500, size=20)] *= 2.0  # same direction, other length: a cosine tie
    queries = database[:40] + rng.normal(size=(40, 16)).astype(np.float32) * 0.1
    _, indices = search(queries, database, 25, metric=metric, batch_size=batch_size)
    np.testing.assert_array_equal(indices, _reference_with_exact_ties(queries, database, 25, metric))
    _, indices = search(database, database, 12, metric=metric, batch_size=batch_size, exclude_self=True)
    expected = _reference_with_exact_ties(database, database, 12, metric, exclude_self=True)
    np.testing.assert_array_equal(indices, expected)


def _identical_rows(database):
    """`same[i, j]`: rows i and j of `database` are equal entry by entry."""
    return np.all(database[:, None, :] == database[None, :, :], axis=-1)


@given(matrices(min_rows=2, max_rows=40), st.data())
def test_the_two_builds_agree_ties_included(database, data):
    """top_k and nearest_neighbours return the same scores, and the same neighbours up to ties.

    Where the two lists differ, the neighbours they hold are equally near (float64
    reference, float32 tolerance); a row never comes before an identical row of lower
    index, nor is chosen without it.
    """
    metric = data.draw(st.sampled_from(["cosine", "euclidean"]))
    exclude_self = data.draw(st.booleans())
    queries = database if exclude_self else database[: data.draw(st.integers(1, len(database)))]
    k = data.draw(st.integers(1, len(database) - exclude_self))
    batch_size = data.draw(st.sampled_from([None, 1, 7]))
    options = dict(metric=metric, batch_size=batch_size, exclude_self=exclude_self)
    keras_scores, keras_indices = top_k(queries, database, k, **options)
    numpy_scores, numpy_indices = nearest_neighbours(queries, database, k, **options)
    if metric == "cosine":
        np.testing.assert_allclose(numpy_scores, keras_scores, atol=2e-6, rtol=0)
        reference = sk_cosine(queries.astype(np.float64), database.astype(np.float64))
        tolerance = dict(atol=2e-6, rtol=0)
    else:
        np.testing.assert_allclose(numpy_scores, keras_scores, rtol=1e-6, atol=0)
        with np.errstate(over="ignore"):
            reference = sk_euclidean(queries.astype(np.float64), database.astype(np.float64)).astype(np.float32)
        tolerance = dict(rtol=1e-6, atol=0)
    differ = keras_indices != numpy_indices
    rows = np.nonzero(differ)[0]
    np.testing.assert_allclose(
        reference[rows, keras_indices[differ]], reference[rows, numpy_indices[differ]], **tolerance
    )
    same = _identical_rows(database)
    for indices in (keras_indices, numpy_indices):
        for row, found in enumerate(indices.tolist()):
            chosen = set(found)
            for position, item in enumerate(found):
                lower = [i for i in np.flatnonzero(same[item, :item]) if not (exclude_self and i == row)]
                assert all(i in chosen and found.index(i) < position for i in lower), (row, found, lower)
