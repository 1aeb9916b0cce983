"""Tests for course_lib.similarity against NumPy and scikit-learn references."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine
from sklearn.metrics.pairwise import euclidean_distances as sk_euclidean

from course_lib.similarity import cosine_distance, cosine_similarity, euclidean_distances, l2_normalize


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_l2_normalize_unit_rows_and_zero_row():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [-2.0, 0.0]])
    out = l2_normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0], [-1.0, 0.0]], atol=1e-7)
    assert out.dtype == np.float32


def test_l2_normalize_axis_zero_normalises_columns():
    x = np.array([[3.0, 0.0], [4.0, 2.0]])
    np.testing.assert_allclose(l2_normalize(x, axis=0), [[0.6, 0.0], [0.8, 1.0]], atol=1e-7)


def test_l2_normalize_rejects_bad_axis_and_scalar():
    with pytest.raises(ValueError, match=r"`axis` must be in \[-2, 1\].*axis=2"):
        l2_normalize(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="scalar"):
        l2_normalize(3.0)


def test_cosine_matrix_matches_sklearn(rng):
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(cosine_similarity(a, b), sk_cosine(a, b), atol=1e-6)
    np.testing.assert_allclose(cosine_similarity(a), sk_cosine(a), atol=1e-6)


def test_cosine_two_vectors_returns_float():
    value = cosine_similarity([1.0, 0.0], [1.0, 1.0])
    assert isinstance(value, float)
    assert value == pytest.approx(1 / np.sqrt(2), abs=1e-6)


def test_cosine_vector_against_batch_either_order(rng):
    vector, batch = rng.normal(size=5), rng.normal(size=(6, 5))
    expected = sk_cosine(vector[None, :], batch)[0]
    np.testing.assert_allclose(cosine_similarity(vector, batch), expected, atol=1e-6)
    np.testing.assert_allclose(cosine_similarity(batch, vector), expected, atol=1e-6)
    assert cosine_similarity(vector, batch).shape == (6,)


def test_zero_vector_gives_zero_without_warning():
    with np.errstate(all="raise"):
        assert cosine_similarity([0.0, 0.0], [1.0, 2.0]) == 0.0
        assert cosine_similarity([0.0, 0.0], [0.0, 0.0]) == 0.0
        assert cosine_distance([0.0, 0.0], [1.0, 2.0]) == 1.0
        matrix = cosine_similarity(np.zeros((2, 3)), np.ones((3, 3)))
    assert not np.isnan(matrix).any()
    np.testing.assert_array_equal(matrix, np.zeros((2, 3)))


def test_cosine_is_clipped_to_valid_range():
    x = np.full((3, 4), 1e3) + np.arange(4)
    assert cosine_similarity(x).max() <= 1.0
    assert cosine_distance(x).min() >= 0.0


def test_accepts_keras_tensor_and_lists(rng):
    import keras

    a = rng.normal(size=(3, 4)).astype("float32")
    tensor = keras.ops.convert_to_tensor(a)
    np.testing.assert_allclose(cosine_similarity(tensor), sk_cosine(a), atol=1e-6)
    np.testing.assert_allclose(cosine_similarity(a.tolist()), sk_cosine(a), atol=1e-6)


def test_identity_between_euclidean_and_cosine_for_unit_vectors(rng):
    a = l2_normalize(rng.normal(size=(10, 8)))
    squared = euclidean_distances(a, squared=True)
    np.testing.assert_allclose(squared, 2 - 2 * cosine_similarity(a), atol=1e-5)


def test_euclidean_matches_sklearn(rng):
    a, b = rng.normal(size=(6, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(euclidean_distances(a, b), sk_euclidean(a, b), atol=1e-5)
    np.testing.assert_allclose(euclidean_distances(a, b, squared=True), sk_euclidean(a, b, squared=True), atol=1e-4)
    assert euclidean_distances([0.0, 0.0], [3.0, 4.0]) == pytest.approx(5.0)


def _float64_distances(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return np.sqrt(np.sum(np.square(a[:, None, :] - b[None, :, :]), axis=-1))


@pytest.mark.parametrize("shape, offset", [((500, 64), 0.0), ((500, 64), 1000.0), ((1200, 784), 0.0)])
def test_euclidean_self_comparison_has_an_exactly_zero_diagonal(rng, shape, offset):
    a = (rng.normal(size=shape) + offset).astype(np.float32)
    for distances in (euclidean_distances(a), euclidean_distances(a, a), euclidean_distances(a, squared=True)):
        assert distances.dtype == np.float32
        np.testing.assert_array_equal(np.diag(distances), np.zeros(shape[0], np.float32))
    # Equal rows in a different array are 0 apart too.
    np.testing.assert_array_equal(np.diag(euclidean_distances(a, a.copy())), 0.0)


@pytest.mark.parametrize("offset", [0.0, 1000.0])
def test_euclidean_non_self_within_documented_tolerance(rng, offset):
    """The docstring promises float32 rounding: relative error below 1e-6 against float64."""
    a = (rng.normal(size=(500, 64)) + offset).astype(np.float32)
    b = (rng.normal(size=(300, 64)) + offset).astype(np.float32)
    b[:3] = a[:3] + np.float32(1e-3)  # near-duplicates, the hard case for the matrix-product form
    expected = _float64_distances(a, b)
    np.testing.assert_allclose(euclidean_distances(a, b), expected, rtol=1e-6)
    np.testing.assert_allclose(euclidean_distances(a, b, squared=True), expected**2, rtol=1e-6)
    if offset == 0.0:  # scikit-learn's float32 path loses digits on near-duplicates far from 0
        np.testing.assert_allclose(euclidean_distances(a, b), sk_euclidean(a, b), rtol=1e-4)


@pytest.mark.parametrize("function", [cosine_similarity, cosine_distance, euclidean_distances])
def test_pairwise_errors_name_shapes(function):
    with pytest.raises(ValueError, match=r"same number of features.*\(2, 3\) and \(2, 4\)"):
        function(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"3-D array of shape \(2, 28, 28\).*reshape"):
        function(np.ones((2, 28, 28)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        function(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        function(np.array([[1.0, 2.0]]), np.array([[np.inf, 0.0]]))


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="must hold numbers"):
        cosine_similarity(np.array(["a", "b"]), np.array(["c", "d"]))
