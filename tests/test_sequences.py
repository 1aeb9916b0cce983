"""course_lib.sequences: padding, masks and standardisation."""

import numpy as np
import pytest

from course_lib.sequences import (
    feature_statistics,
    masked_mean,
    move_padding,
    pad_sequences,
    sequence_mask,
    standardize_sequences,
)


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
