"""course_lib.infonce: the in-batch softmax loss against NumPy, its masks, gradients and config."""

import keras
import numpy as np
import pytest
from _gradients import value_and_gradient

from course_lib.infonce import InBatchSoftmaxLoss, in_batch_softmax_loss


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _pairs(batch=6, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    return _unit(rng.normal(size=(batch, 2, dim))).astype(np.float32)


def numpy_loss(labels, pairs, temperature, symmetric):
    """The loss row by row in float64, duplicates removed by hand."""
    q, d = pairs[:, 0].astype(np.float64), pairs[:, 1].astype(np.float64)
    logits = q @ d.T / temperature
    losses = []
    for i in range(len(labels)):
        keep = [j for j in range(len(labels)) if j == i or labels[j] != labels[i]]
        rows = np.log(np.exp(logits[i, keep]).sum()) - logits[i, i]
        columns = np.log(np.exp(logits[keep, i]).sum()) - logits[i, i]
        losses.append((rows + columns) / 2 if symmetric else rows)
    return np.array(losses)


@pytest.mark.parametrize("temperature", [1.0, 0.1, 0.05])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [[0, 1, 2, 3, 4, 5], [0, 1, 0, 2, 2, 2]])
def test_matches_numpy_with_and_without_shared_documents(temperature, symmetric, labels):
    pairs, labels = _pairs(), np.array(labels)
    got = np.asarray(in_batch_softmax_loss(labels, pairs, temperature=temperature, symmetric=symmetric))
    np.testing.assert_allclose(got, numpy_loss(labels, pairs, temperature, symmetric), rtol=1e-4, atol=1e-4)


def test_shared_documents_are_not_negatives():
    pairs = _pairs(4)
    pairs[1] = pairs[0]  # the same query and document twice: a perfect copy is no mistake
    distinct = np.asarray(in_batch_softmax_loss(np.arange(4), pairs))
    shared = np.asarray(in_batch_softmax_loss(np.array([7, 7, 1, 2]), pairs))
    assert shared[0] < distinct[0] and shared[1] < distinct[1]
    np.testing.assert_allclose(shared[2:], distinct[2:] - (distinct[2:] - shared[2:]), rtol=1e-6)


def test_perfect_pairs_lose_little_at_low_temperature_and_the_scale_is_one_over_it():
    pairs = np.stack([np.eye(4), np.eye(4)], axis=1).astype(np.float32)  # orthogonal documents
    for temperature in (1.0, 0.1):
        value = float(np.mean(in_batch_softmax_loss(np.arange(4), pairs, temperature=temperature)))
        scale = 1.0 / temperature
        np.testing.assert_allclose(value, np.log(1 + 3 * np.exp(-scale)), rtol=1e-5, atol=1e-6)


def test_the_loss_class_averages_and_its_gradient_is_finite():
    pairs, labels = _pairs(), np.array([0, 1, 2, 3, 3, 5])
    loss = InBatchSoftmaxLoss(temperature=0.05)
    value, gradient = value_and_gradient(lambda p: loss(labels, p), pairs)
    np.testing.assert_allclose(value, numpy_loss(labels, pairs, 0.05, True).mean(), rtol=1e-4)
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).sum() > 0


def test_config_round_trip_and_serialization():
    loss = InBatchSoftmaxLoss(temperature=0.1, symmetric=False)
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(again, InBatchSoftmaxLoss)
    assert (again.temperature, again.symmetric) == (0.1, False)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match=r"`temperature` must be a finite number > 0.*s = 1 / temperature"):
        InBatchSoftmaxLoss(temperature=0.0)
    with pytest.raises(TypeError, match="`temperature`"):
        in_batch_softmax_loss([0], _pairs(1), temperature="cold")
    with pytest.raises(ValueError, match=r"shape \(batch_size, 2, embedding_dim\).*received shape \(6, 5\)"):
        in_batch_softmax_loss(np.arange(6), _pairs()[:, 0])
    with pytest.raises(ValueError, match="labels"):
        InBatchSoftmaxLoss()(np.arange(5), _pairs())
