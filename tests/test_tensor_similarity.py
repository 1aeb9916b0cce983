"""course_lib.tensor_similarity: vector maths on tensors against NumPy, gradients, huge and tiny vectors.

The layers built on it (`L2Normalize`, `PairDistance`) are tested in test_layers.py, the
losses in test_losses.py; the property tests (any magnitude, bad input) are in
test_properties_keras.py.
"""

import numpy as np
import pytest
from _gradients import value_and_gradient
from keras import ops
from test_losses import _numpy_distances, _random_batch

import course_lib.losses as losses_module
from course_lib.losses import triplet_loss
from course_lib.tensor_similarity import _rescaled_distances, l2_normalize_tensor, pairwise_distances_tensor


def test_l2_normalize_keeps_huge_and_tiny_vectors_unit():
    """Where the squares overflow (1e20) or underflow (1e-25, with epsilon 1e-30) in float32,
    `keras.ops.normalize` alone gives 0 and 1e5; the rescaled path gives unit vectors."""
    x = np.array([[1e20, 1e20], [1e-25, 1e-25]], np.float32)
    np.testing.assert_allclose(np.asarray(l2_normalize_tensor(x, epsilon=1e-30)), np.full((2, 2), 0.5**0.5), rtol=1e-6)


def test_pairwise_distances_match_numpy_and_have_finite_gradients():
    _, embeddings = _random_batch(1, normalise=False)
    embeddings[3] = embeddings[0]  # two identical rows: the sqrt must not produce NaN
    np.testing.assert_allclose(
        np.asarray(pairwise_distances_tensor(embeddings)), _numpy_distances(embeddings), atol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(pairwise_distances_tensor(embeddings, squared=True)), _numpy_distances(embeddings) ** 2, atol=1e-4
    )
    _, gradient = value_and_gradient(lambda x: ops.sum(pairwise_distances_tensor(x)), embeddings)
    assert np.all(np.isfinite(gradient))


def _rescaled_everywhere(embeddings, *, squared=False):
    """pairwise_distances_tensor as it was before the plain-only shortcut: both formulas, chosen per pair."""
    embeddings = ops.convert_to_tensor(embeddings)
    return _rescaled_distances(embeddings[:, None, :] - embeddings[None, :, :], squared)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize(
    "scale, duplicate",
    [(1.0, False), (1.0, True), (1e-3, True), (1e12, False)],
    ids=["unit", "unit-duplicate", "small-duplicate", "large"],
)
def test_pairwise_distances_shortcut_changes_no_bit_of_distances_or_triplet_gradients(
    scale, duplicate, squared, monkeypatch
):
    """Ordinary batches take the plain formula alone: same distances and same gradients, bit for bit."""
    labels, embeddings = _random_batch(5, normalise=True)
    embeddings = (embeddings * np.float32(scale)).astype(np.float32)
    if duplicate:
        embeddings[3] = embeddings[0]  # a zero difference: still 0 apart, with a zero gradient
    np.testing.assert_array_equal(
        np.asarray(pairwise_distances_tensor(embeddings, squared=squared)),
        np.asarray(_rescaled_everywhere(embeddings, squared=squared)),
    )
    if squared:
        return  # the triplet loss takes distances unsquared

    def loss(x):
        return triplet_loss(labels, x, margin=0.2 * scale, mining="semi_hard")

    value, gradient = value_and_gradient(loss, embeddings)
    monkeypatch.setattr(losses_module, "pairwise_distances_tensor", _rescaled_everywhere)
    reference_value, reference_gradient = value_and_gradient(loss, embeddings)
    assert value == reference_value
    np.testing.assert_array_equal(gradient, reference_gradient)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("scale", [1e-9, 1e20], ids=["tiny", "huge"])
def test_pairwise_distances_rescale_a_batch_with_a_difference_out_of_the_plain_range(scale, squared):
    """Differences below 1e-6 or from 1e15 need the rescaled formula (the plain one gives 0 or inf there)."""
    _, embeddings = _random_batch(5, normalise=True)
    embeddings = (embeddings * np.float32(scale)).astype(np.float32)
    expected = np.asarray(_rescaled_everywhere(embeddings, squared=squared))
    # A backend that compiles the chosen branch (JAX) may round the last bit differently.
    np.testing.assert_allclose(np.asarray(pairwise_distances_tensor(embeddings, squared=squared)), expected, rtol=1e-6)
    reference = _numpy_distances(embeddings.astype(np.float64))
    with np.errstate(over="ignore"):  # squares of distances from about 1.8e19 are inf in float32
        reference = (reference**2 if squared else reference).astype(np.float32)
    np.testing.assert_allclose(expected, reference, rtol=1e-5)
