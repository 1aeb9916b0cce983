"""course_lib.dtw: dynamic time warping against a naive double loop and a published figure."""

import numpy as np
import pytest

from course_lib.dtw import dtw_distance, dtw_distances
from course_lib.sequences import pad_sequences, sequence_mask


def _naive_dtw(a, b):
    table = np.full((len(a) + 1, len(b) + 1), np.inf)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = float(np.sum((a[i - 1] - b[j - 1]) ** 2))
            table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
    return table[-1, -1]


def _random_sequences(rng, n, max_length, n_features):
    lengths = rng.integers(1, max_length + 1, size=n)
    return [rng.normal(size=(length, n_features)) for length in lengths]


def test_dtw_distances_match_naive_double_loop_on_random_pairs_of_different_lengths():
    rng = np.random.default_rng(0)
    queries = _random_sequences(rng, 6, 9, 3)
    database = _random_sequences(rng, 5, 12, 3)
    q, q_len = pad_sequences(queries, max_length=10, dtype=np.float64)
    d, d_len = pad_sequences(database, dtype=np.float64)
    got = dtw_distances(q, d, query_lengths=q_len, database_lengths=d_len)
    expected = np.array([[_naive_dtw(a, b) for b in database] for a in queries])
    assert got.shape == (6, 5)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    for i, a in enumerate(queries):
        for j, b in enumerate(database):
            assert dtw_distance(a, b) == pytest.approx(expected[i, j])


def test_dtw_hand_cases_and_properties():
    assert dtw_distance([0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0]) == 0.0
    assert dtw_distance([0.0, 2.0], [0.0, 2.0, 2.0, 2.0]) == 0.0
    assert dtw_distance([1.0], [3.0, 3.0]) == 8.0  # the single frame is matched twice
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(7, 2)), rng.normal(size=(4, 2))
    assert dtw_distance(a, b) == pytest.approx(dtw_distance(b, a))
    assert dtw_distance(a, a) == 0.0


def test_dtw_distances_without_lengths_uses_every_step_and_ignores_padding_with_lengths():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5, 2))
    full = dtw_distances(x, x)
    assert np.allclose(np.diag(full), 0.0)
    lengths = np.array([2, 5, 3])
    padded = x * sequence_mask(lengths, 5)[..., None]
    noisy = padded + (~sequence_mask(lengths, 5))[..., None] * 100.0  # garbage after the end
    np.testing.assert_allclose(
        dtw_distances(padded, padded, query_lengths=lengths, database_lengths=lengths),
        dtw_distances(noisy, noisy, query_lengths=lengths, database_lengths=lengths),
    )


def test_dtw_validation_errors():
    x = np.zeros((2, 4, 3))
    with pytest.raises(ValueError, match=r"must be 3-D .* For one sequence use queries\[None\]"):
        dtw_distances(np.zeros((4, 3)), x)
    with pytest.raises(ValueError, match="same number of features"):
        dtw_distances(x, np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"must lie in \[1, 4\].*from 0 to 5"):
        dtw_distances(x, x, query_lengths=[0, 5])
    with pytest.raises(ValueError, match=r"must have shape \(2,\)"):
        dtw_distances(x, x, database_lengths=[1, 2, 3])
    with pytest.raises(ValueError, match="NaN or infinite"):
        dtw_distances(np.full((1, 2, 3), np.nan), x)
    with pytest.raises(ValueError, match="same number of features"):
        dtw_distance(np.zeros((3, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="non-empty sequences"):
        dtw_distance(np.zeros((0, 2)), np.zeros((3, 2)))


def test_dtw_reproduces_published_one_nn_accuracy_on_japanese_vowels():
    from course_lib.data import load_japanese_vowels

    x_train, lengths_train, y_train = load_japanese_vowels("train")
    x_test, lengths_test, y_test = load_japanese_vowels("test")
    distances = dtw_distances(x_test, x_train, query_lengths=lengths_test, database_lengths=lengths_train)
    accuracy = np.mean(y_train[distances.argmin(axis=1)] == y_test)
    assert abs(accuracy - 0.949) < 0.01
