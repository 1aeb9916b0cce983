"""course_lib.sequences: padding, masks, standardisation and DTW against a naive reference."""

import numpy as np
import pytest

from course_lib.sequences import (
    dtw_distance,
    dtw_distances,
    feature_statistics,
    masked_mean,
    move_padding,
    pad_sequences,
    sequence_mask,
    standardize_sequences,
)


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


def test_pad_sequences_and_mask():
    padded, lengths = pad_sequences([np.ones((2, 3)), 2 * np.ones((4, 3))], max_length=5)
    assert padded.shape == (2, 5, 3) and padded.dtype == np.float32
    assert lengths.tolist() == [2, 4]
    assert np.all(padded[0, 2:] == 0) and np.all(padded[1, :4] == 2)
    mask = sequence_mask(lengths, 5)
    assert mask.tolist() == [[True, True, False, False, False], [True, True, True, True, False]]
    assert sequence_mask([3, 1]).shape == (2, 3)
    with pytest.raises(ValueError, match="raise `max_length`"):
        pad_sequences([np.ones((6, 3))], max_length=5)
    with pytest.raises(ValueError, match="same number of features"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"For a 1-D signal use s\[:, None\]"):
        pad_sequences([np.ones(3)])
    with pytest.raises(ValueError, match="non-empty list"):
        pad_sequences([])
    with pytest.raises(ValueError, match=r"must lie in \[1, 3\]"):
        sequence_mask([4], max_length=3)


def test_standardize_maps_a_constant_feature_to_zero():
    x = np.array([[[4.0, 1.0], [4.0, 3.0], [0.0, 0.0]], [[4.0, 2.0], [0.0, 0.0], [0.0, 0.0]]])
    lengths = np.array([2, 1])
    standardized = standardize_sequences(x, lengths, np.array([4.0, 2.0]), np.array([0.0, 1.0]))
    assert np.all(np.isfinite(standardized))
    assert standardized[..., 0].tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert standardized[0, :2, 1].tolist() == [-1.0, 1.0]
    # The statistics of the same data give the same answer.
    mean, std = feature_statistics(x, lengths)
    np.testing.assert_array_equal(standardize_sequences(x, lengths, mean, std)[..., 0], 0.0)
    with pytest.raises(ValueError, match=r"`std` must be >= 0.*features \[1\]"):
        standardize_sequences(x, lengths, np.zeros(2), np.array([1.0, -1.0]))


def test_masked_mean_standardize_and_move_padding():
    x = np.array([[[1.0, 2.0], [3.0, 6.0], [0.0, 0.0]], [[5.0, 5.0], [0.0, 0.0], [0.0, 0.0]]])
    lengths = np.array([2, 1])
    mask = sequence_mask(lengths, 3)
    np.testing.assert_allclose(masked_mean(x, mask), [[2.0, 4.0], [5.0, 5.0]])
    with pytest.raises(ValueError, match="at least one True"):
        masked_mean(x, np.zeros((2, 3), bool))
    mean, std = feature_statistics(x, lengths)
    np.testing.assert_allclose(mean, [3.0, 13 / 3], rtol=1e-6)
    standardized = standardize_sequences(x, lengths, mean, std)
    assert np.all(standardized[~mask] == 0)
    np.testing.assert_allclose(standardized[mask].mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(standardized[mask].std(axis=0), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match=r"must have shape \(2,\)"):
        standardize_sequences(x, lengths, mean[:1], std)
    pre = move_padding(x, lengths)
    assert pre[0, :, 0].tolist() == [0.0, 1.0, 3.0] and pre[1, :, 0].tolist() == [0.0, 0.0, 5.0]
    np.testing.assert_allclose(move_padding(x, lengths, padding="post"), x)
    with pytest.raises(ValueError, match="`padding` must be one of 'pre', 'post'"):
        move_padding(x, lengths, padding="middle")


def test_dtw_reproduces_published_one_nn_accuracy_on_japanese_vowels():
    from course_lib.data import load_japanese_vowels

    x_train, lengths_train, y_train = load_japanese_vowels("train")
    x_test, lengths_test, y_test = load_japanese_vowels("test")
    distances = dtw_distances(x_test, x_train, query_lengths=lengths_test, database_lengths=lengths_train)
    accuracy = np.mean(y_train[distances.argmin(axis=1)] == y_test)
    assert abs(accuracy - 0.949) < 0.01
