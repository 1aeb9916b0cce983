"""course_lib.tensor_similarity: vector maths on tensors against NumPy, gradients, huge and tiny vectors.

The layers built on it (`L2Normalize`, `PairDistance`) are tested in test_layers.py, the
losses in test_losses.py; the property tests (any magnitude, bad input) are in
test_properties_keras.py.
"""

import numpy as np
from _gradients import value_and_gradient
from keras import ops
from test_losses import _numpy_distances, _random_batch

from course_lib.tensor_similarity import l2_normalize_tensor, pairwise_distances_tensor


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
