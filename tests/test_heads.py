"""Tests for course_lib.heads: cosine logits, margins, the layer and the loss."""

import math

import keras
import numpy as np
import pytest
from _gradients import value_and_gradient
from keras import ops

from course_lib.heads import MARGIN_TYPES, CosineClassifier, MarginCosineLoss, cosine_logits, margin_logits


def _unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _reference_logits(cosines, labels, margin_type, scale, margin):
    """NumPy reference, one entry at a time."""
    logits = scale * cosines.astype(np.float64)
    for i, y in enumerate(labels):
        c = float(cosines[i, y])
        if margin_type == "cosface":
            logits[i, y] = scale * (c - margin)
        elif margin_type == "arcface":
            theta = math.acos(min(max(c, -1.0), 1.0))
            value = math.cos(theta + margin) if theta + margin <= math.pi else c - margin * math.sin(margin)
            logits[i, y] = scale * value
    return logits


def _cosines(n=6, classes=4, seed=0):
    return np.tanh(np.random.default_rng(seed).normal(size=(n, classes))).astype(np.float32)


# --- cosine_logits ------------------------------------------------------------------------


def test_cosine_logits_hand_computed():
    embeddings = np.array([[3.0, 4.0], [0.0, 2.0]])
    weights = np.array([[1.0, 0.0], [0.0, 5.0], [-1.0, 0.0]])
    expected = np.array([[0.6, 0.8, -0.6], [0.0, 1.0, 0.0]]) * 2.0
    np.testing.assert_allclose(np.asarray(cosine_logits(embeddings, weights, scale=2.0)), expected, atol=1e-6)


def test_cosine_logits_matches_numpy_and_ignores_lengths():
    rng = np.random.default_rng(1)
    embeddings, weights = rng.normal(size=(5, 8)), rng.normal(size=(3, 8))
    expected = 16.0 * _unit(embeddings) @ _unit(weights).T
    np.testing.assert_allclose(np.asarray(cosine_logits(embeddings, weights, scale=16.0)), expected, atol=1e-4)
    rescaled = cosine_logits(embeddings * 7.0, weights * np.array([[0.1], [3.0], [50.0]]), scale=16.0)
    np.testing.assert_allclose(np.asarray(rescaled), expected, atol=1e-4)


def test_cosine_logits_zero_vectors_give_zero_not_nan():
    logits = np.asarray(cosine_logits(np.zeros((2, 3)), np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), scale=30.0))
    assert np.all(np.isfinite(logits)) and np.all(logits == 0.0)


def test_cosine_logits_rejects_bad_shapes_and_scales():
    with pytest.raises(ValueError, match=r"pass weights\.T"):
        cosine_logits(np.ones((2, 3)), np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"embeddings\[None, :\]"):
        cosine_logits(np.ones(3), np.ones((4, 3)))
    with pytest.raises(ValueError, match="`scale` must be a finite number > 0"):
        cosine_logits(np.ones((2, 3)), np.ones((4, 3)), scale=0.0)
    with pytest.raises(TypeError, match="`scale` must be a number"):
        cosine_logits(np.ones((2, 3)), np.ones((4, 3)), scale="16")


# --- margin_logits ------------------------------------------------------------------------


@pytest.mark.parametrize("margin_type, margin", [("none", 0.0), ("cosface", 0.35), ("arcface", 0.5)])
def test_margin_logits_match_reference(margin_type, margin):
    cosines, labels = _cosines(), np.array([0, 3, 1, 1, 2, 0])
    got = np.asarray(margin_logits(cosines, labels, margin_type=margin_type, scale=8.0, margin=margin))
    np.testing.assert_allclose(got, _reference_logits(cosines, labels, margin_type, 8.0, margin), atol=2e-4)


@pytest.mark.parametrize("margin_type", ["cosface", "arcface"])
def test_margin_only_changes_the_true_class(margin_type):
    cosines, labels = _cosines(), np.array([2, 0, 3, 1, 1, 0])
    plain = np.asarray(margin_logits(cosines, labels, margin_type="none", scale=4.0))
    with_margin = np.asarray(margin_logits(cosines, labels, margin_type=margin_type, scale=4.0, margin=0.3))
    is_true = np.eye(4, dtype=bool)[labels]
    np.testing.assert_allclose(with_margin[~is_true], plain[~is_true], atol=1e-6)
    assert np.all(with_margin[is_true] < plain[is_true])  # a margin always makes the true class harder


def test_labels_of_shape_batch_by_one_and_float_labels_work():
    cosines = _cosines()
    labels = np.array([0, 3, 1, 1, 2, 0])
    expected = np.asarray(margin_logits(cosines, labels, scale=2.0, margin=0.1))
    np.testing.assert_allclose(np.asarray(margin_logits(cosines, labels[:, None], scale=2.0, margin=0.1)), expected)
    np.testing.assert_allclose(
        np.asarray(margin_logits(cosines, labels.astype("float32"), scale=2.0, margin=0.1)), expected
    )


def test_arcface_fallback_beyond_pi_keeps_decreasing():
    margin = 0.5
    angles = np.linspace(0.0, np.pi, 181)
    cosines = np.stack([np.cos(angles), np.zeros_like(angles)], axis=1).astype(np.float32)
    target = np.asarray(
        margin_logits(cosines, np.zeros(len(angles), dtype=int), margin_type="arcface", scale=1.0, margin=margin)
    )[:, 0]
    assert np.all(np.diff(target) <= 1e-6), "the true-class logit must not rise as the angle grows"
    beyond = angles + margin > np.pi + 1e-3
    np.testing.assert_allclose(target[beyond], np.cos(angles[beyond]) - margin * np.sin(margin), atol=1e-5)
    inside = ~beyond & (angles > 0.01)  # at theta = 0 the clip to 1 - 1e-6 shifts theta by 0.0014
    np.testing.assert_allclose(target[inside], np.cos(angles[inside] + margin), atol=1e-4)
    assert abs(target[0] - np.cos(margin)) < 1e-3


@pytest.mark.parametrize("cosine", [1.0, -1.0, 0.999999999])
def test_arcface_gradient_is_finite_at_the_ends(cosine):
    loss = MarginCosineLoss("arcface", scale=30.0, margin=0.5)
    value, gradient = value_and_gradient(lambda cosines: loss(np.array([0]), cosines), [[cosine, 0.0]])
    assert np.isfinite(value) and np.all(np.isfinite(gradient))


def test_margin_logits_validation_messages():
    cosines = _cosines()
    labels = np.zeros(6, dtype=int)
    with pytest.raises(
        ValueError, match="`margin_type` must be one of 'none', 'cosface', 'arcface'; received 'sphereface'"
    ):
        margin_logits(cosines, labels, margin_type="sphereface")
    with pytest.raises(ValueError, match=r"`margin` must be in \[0, 1\)"):
        margin_logits(cosines, labels, margin_type="cosface", margin=1.5)
    with pytest.raises(ValueError, match=r"`margin` must be in \[0, 1.571\) \(radians\)"):
        margin_logits(cosines, labels, margin_type="arcface", margin=2.0)
    with pytest.raises(ValueError, match="received -0.1"):
        margin_logits(cosines, labels, margin=-0.1)
    with pytest.raises(ValueError, match=r"must lie in \[0, 4\) for 4 classes; received values from 0 to 4"):
        margin_logits(cosines, np.array([0, 1, 2, 3, 4, 0]))
    with pytest.raises(ValueError, match="`labels` must have one entry per row of `cosines` \\(6\\); received 5"):
        margin_logits(cosines, labels[:5])
    with pytest.raises(ValueError, match=r"`cosines` must be 2-D"):
        margin_logits(cosines[0], labels[:1])
    with pytest.raises(TypeError, match="integer class labels"):
        margin_logits(cosines, labels + 0.5)


# --- CosineClassifier ---------------------------------------------------------------------


def test_cosine_classifier_outputs_cosines_of_its_weights():
    layer = CosineClassifier(3, seed=1)
    x = np.random.default_rng(2).normal(size=(4, 5)).astype(np.float32)
    cosines = np.asarray(layer(x))
    weights = np.asarray(layer.class_weights)
    assert weights.shape == (3, 5)
    np.testing.assert_allclose(cosines, _unit(x) @ _unit(weights).T, atol=1e-5)
    again = CosineClassifier(3, seed=1)
    again(x)
    np.testing.assert_array_equal(np.asarray(again.class_weights), weights)


def test_cosine_classifier_config_round_trip_and_validation():
    layer = CosineClassifier(7, seed=3, name="head")
    clone = CosineClassifier.from_config(layer.get_config())
    assert (clone.num_classes, clone.seed, clone.name) == (7, 3, "head")
    with pytest.raises(ValueError, match="`num_classes` must be >= 2"):
        CosineClassifier(1)
    with pytest.raises(TypeError, match="`num_classes` must be a positive integer"):
        CosineClassifier(2.5)
    with pytest.raises(ValueError, match=r"\(batch_size, embedding_dim\)"):
        CosineClassifier(3)(np.ones((2, 3, 4)))


# --- MarginCosineLoss ---------------------------------------------------------------------


@pytest.mark.parametrize("margin_type", MARGIN_TYPES)
def test_loss_is_cross_entropy_of_margin_logits(margin_type):
    cosines, labels = _cosines(), np.array([0, 3, 1, 1, 2, 0])
    logits = _reference_logits(cosines, labels, margin_type, 10.0, 0.3 if margin_type != "none" else 0.0)
    log_probabilities = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_probabilities[np.arange(6), labels]
    loss = MarginCosineLoss(margin_type, scale=10.0, margin=0.3, reduction=None)
    np.testing.assert_allclose(np.asarray(loss(labels, cosines)), expected, atol=1e-4)
    mean = MarginCosineLoss(margin_type, scale=10.0, margin=0.3)
    assert np.isclose(float(mean(labels, cosines)), expected.mean(), atol=1e-4)


def test_loss_floor_falls_with_the_scale():
    perfect = np.array([[1.0, 0.0, 0.0]])
    losses = [float(MarginCosineLoss("none", scale=s)(np.array([0]), perfect)) for s in (1.0, 4.0, 16.0)]
    np.testing.assert_allclose(losses, [math.log(1 + 2 * math.exp(-s)) for s in (1.0, 4.0, 16.0)], rtol=1e-4, atol=1e-6)


def test_loss_config_round_trip_and_validation():
    loss = MarginCosineLoss("arcface", scale=30.0, margin=0.4, name="arc")
    clone = MarginCosineLoss.from_config(loss.get_config())
    assert (clone.margin_type, clone.scale, clone.margin, clone.name) == ("arcface", 30.0, 0.4, "arc")
    with pytest.raises(ValueError, match="`margin_type` must be one of"):
        MarginCosineLoss("softmax")
    with pytest.raises(ValueError, match="`scale` must be a finite number > 0"):
        MarginCosineLoss(scale=-1.0)
    with pytest.raises(TypeError, match="`margin` must be a number"):
        MarginCosineLoss(margin=None)


def test_fit_one_step_and_save_load_round_trip(tmp_path):
    inputs = keras.Input(shape=(6,))
    cosines = CosineClassifier(3, seed=0, name="head")(keras.layers.Dense(4, name="embed")(inputs))
    model = keras.Model(inputs, cosines)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=MarginCosineLoss("arcface", scale=8.0, margin=0.3))
    x = np.random.default_rng(0).normal(size=(9, 6)).astype(np.float32)
    y = np.array([0, 1, 2] * 3)
    before = np.asarray(model.get_layer("head").class_weights).copy()
    history = model.fit(x, y, batch_size=9, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.array_equal(before, np.asarray(model.get_layer("head").class_weights))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert isinstance(loaded.loss, MarginCosineLoss) and loaded.loss.margin_type == "arcface"
    assert np.isclose(
        float(ops.convert_to_numpy(loaded.loss(y, model.predict(x, verbose=0)))),
        float(ops.convert_to_numpy(model.loss(y, model.predict(x, verbose=0)))),
        atol=1e-6,
    )
