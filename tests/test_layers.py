"""Tests for course_lib.layers: values, shapes, masks, configs and save/load."""

import keras
import numpy as np
import pytest
from _gradients import value_and_gradient
from keras import ops

from course_lib.layers import L2Normalize, PairDistance
from course_lib.similarity import l2_normalize
from course_lib.tensor_similarity import l2_normalize_tensor, paired_distances_tensor


def test_l2_normalize_matches_numpy_and_keeps_zero_rows():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)).astype(np.float32) * rng.uniform(0.01, 100, size=(6, 1)).astype(np.float32)
    x[2] = 0.0
    got = np.asarray(L2Normalize()(x))
    np.testing.assert_allclose(got, l2_normalize(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(got[[0, 1, 3, 4, 5]], axis=1), 1.0, rtol=1e-5)
    assert np.all(got[2] == 0.0) and np.all(np.isfinite(got))


def test_l2_normalize_other_axis_and_function():
    x = np.array([[3.0, 1.0], [4.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(np.asarray(L2Normalize(axis=0)(x)), [[0.6, 1.0], [0.8, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(l2_normalize_tensor(x, axis=0)), [[0.6, 1.0], [0.8, 0.0]], rtol=1e-6)


def test_l2_normalize_gradient_is_finite_at_zero():
    _, gradient = value_and_gradient(lambda x: ops.sum(L2Normalize()(x)), np.zeros((2, 3)))
    assert np.all(np.isfinite(gradient))


@pytest.mark.parametrize("normalize", [L2Normalize(), l2_normalize_tensor], ids=["layer", "function"])
def test_zero_vector_gives_zero_and_a_finite_gradient(normalize):
    """A zero row stays zero (no NaN), and its gradient is `1 / epsilon` (the slope of `x / epsilon`),
    on every backend: bare `keras.ops.normalize` has a NaN gradient there on JAX."""
    x = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]], np.float32)
    np.testing.assert_allclose(np.asarray(normalize(x)), [[0.0, 0.0, 0.0], [1 / 3, 2 / 3, 2 / 3]], rtol=1e-6)
    _, gradient = value_and_gradient(lambda t: ops.sum(normalize(t)[0]), x)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient[0], 1e12, rtol=1e-6)


def test_l2_normalize_is_keras_unit_normalization_on_ordinary_vectors():
    """Random vectors of ordinary sizes: the values of `keras.ops.normalize` and of
    `keras.layers.UnitNormalization` (epsilon 1e-12 in both), within 1e-6."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 16)).astype(np.float32) * 10.0 ** rng.uniform(-3, 3, size=(64, 1)).astype(np.float32)
    assert isinstance(L2Normalize(), keras.layers.UnitNormalization)
    keras_layer = np.asarray(keras.layers.UnitNormalization()(x))
    np.testing.assert_allclose(np.asarray(L2Normalize()(x)), keras_layer, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        np.asarray(l2_normalize_tensor(x)), np.asarray(ops.normalize(x, epsilon=1e-12)), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(np.asarray(L2Normalize()(x)), l2_normalize(x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"axis": 1.5}, TypeError, r"`axis` must be an int.*received 1.5"),
        ({"epsilon": 0}, ValueError, r"`epsilon` must be a positive float.*received 0"),
        ({"epsilon": -1e-3}, ValueError, r"received -0.001"),
    ],
)
def test_l2_normalize_rejects_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        L2Normalize(**kwargs)


def test_pair_distance_euclidean_and_cosine():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 7, 4)).astype(np.float32)
    b[3] = a[3]
    euclidean = np.asarray(PairDistance()([a, b]))
    np.testing.assert_allclose(euclidean, np.linalg.norm(a - b, axis=1), rtol=1e-5)
    assert euclidean.shape == (7,) and euclidean[3] == 0.0
    cosine = np.asarray(PairDistance(metric="cosine")([a, b]))
    expected = 1 - (l2_normalize(a) * l2_normalize(b)).sum(1)
    np.testing.assert_allclose(cosine, expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(paired_distances_tensor(a, b)), euclidean)


def test_pair_distance_gradient_is_finite_for_identical_pairs():
    _, gradient = value_and_gradient(lambda a: ops.sum(PairDistance()([a, ops.ones((3, 2))])), np.ones((3, 2)))
    np.testing.assert_array_equal(gradient, 0.0)


def test_pair_distance_errors():
    with pytest.raises(ValueError, match=r"`metric` must be one of 'cosine', 'euclidean'; received 'manhattan'"):
        PairDistance(metric="manhattan")
    with pytest.raises(ValueError, match=r"list of two tensors \[a, b\].*received list of length 3"):
        PairDistance()([np.ones((1, 2))] * 3)


@pytest.mark.parametrize("layer", [L2Normalize(axis=-1, epsilon=1e-6), PairDistance(metric="cosine")])
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert keras.saving.get_registered_name(type(layer)) == f"course_lib>{type(layer).__name__}"


def test_model_with_both_layers_saves_and_loads(tmp_path):
    encoder_input = keras.Input((5,))
    hidden = keras.layers.Dense(3, kernel_initializer=keras.initializers.GlorotUniform(seed=0))(encoder_input)
    encoder = keras.Model(encoder_input, L2Normalize(name="l2")(hidden))
    left, right = keras.Input((5,)), keras.Input((5,))
    model = keras.Model([left, right], PairDistance(name="distance")([encoder(left), encoder(right)]))
    x = np.random.default_rng(2).normal(size=(2, 4, 5)).astype(np.float32)
    path = tmp_path / "pair.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: both layers are registered
    assert isinstance(loaded.get_layer("distance"), PairDistance)
    l2 = loaded.layers[2].get_layer("l2")  # inside the shared encoder
    assert isinstance(l2, L2Normalize) and (l2.axis, l2.epsilon) == (-1, 1e-12)
    np.testing.assert_allclose(
        loaded.predict([x[0], x[1]], verbose=0), model.predict([x[0], x[1]], verbose=0), atol=1e-6
    )


def test_l2_normalize_loads_the_config_earlier_course_versions_saved():
    """The layer entry of a `.keras` file saved when `L2Normalize` subclassed `keras.layers.Layer`."""
    saved = {
        "module": "course_lib.layers",
        "class_name": "L2Normalize",
        "config": {"name": "l2", "trainable": True, "dtype": "float32", "axis": -1, "epsilon": 1e-06},
        "registered_name": "course_lib>L2Normalize",
    }
    layer = keras.saving.deserialize_keras_object(saved)
    assert isinstance(layer, L2Normalize) and (layer.axis, layer.epsilon, layer.name) == (-1, 1e-6, "l2")
    np.testing.assert_allclose(np.asarray(layer(np.array([[3.0, 4.0]]))), [[0.6, 0.8]], rtol=1e-6)
