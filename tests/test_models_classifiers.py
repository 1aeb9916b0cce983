"""Tests for course_lib.models.classifiers: softmax and cosine heads around an encoder."""

import keras
import numpy as np
import pytest

from course_lib import models
from course_lib.heads import CosineClassifier, MarginCosineLoss
from course_lib.models.classifiers import build_cosine_classifier, build_softmax_classifier
from course_lib.models.encoders import build_cnn_encoder

SMALL = {"embedding_dim": 8, "filters": (4, 8)}


def _images(n=12, shape=(28, 28), seed=0):
    return np.random.default_rng(seed).random(size=(n, *shape)).astype(np.float32)


def test_builders_are_exported_lazily():
    assert models.build_cosine_classifier is build_cosine_classifier
    assert models.build_softmax_classifier is build_softmax_classifier
    assert {"build_cosine_classifier", "build_softmax_classifier"} <= set(models.__all__)


def test_cosine_classifier_outputs_cosines_of_the_shared_encoder():
    encoder = build_cnn_encoder((28, 28), **SMALL)
    model = build_cosine_classifier(encoder, 5, seed=1)
    assert model.output_shape == (None, 5) and model.get_layer("cnn_encoder") is encoder
    x = _images(4)
    embeddings = encoder.predict(x, verbose=0)
    weights = np.asarray(model.get_layer("cosine_head").class_weights)
    weights = weights / np.linalg.norm(weights, axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), embeddings @ weights.T, atol=1e-5)


def test_softmax_classifier_reads_features_before_the_normalisation():
    encoder = build_cnn_encoder((28, 28), **SMALL)
    model = build_softmax_classifier(encoder, 3, seed=0)
    x = _images(4)
    features = keras.Model(encoder.input, encoder.get_layer("embedding").output).predict(x, verbose=0)
    dense = model.get_layer("logits")
    expected = features @ np.asarray(dense.kernel) + np.asarray(dense.bias)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-4)
    assert not np.allclose(np.linalg.norm(features, axis=1), 1.0)  # unnormalised features


@pytest.mark.parametrize("head", ["softmax", "none", "cosface", "arcface"])
def test_one_step_fit_trains_the_encoder(head):
    encoder = build_cnn_encoder((28, 28), **SMALL)
    if head == "softmax":
        model = build_softmax_classifier(encoder, 3)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        model = build_cosine_classifier(encoder, 3)
        loss = MarginCosineLoss(head, scale=8.0, margin=0.2)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss)
    before = [w.copy() for w in encoder.get_weights()]
    history = model.fit(_images(12), np.repeat(np.arange(3), 4), batch_size=12, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, encoder.get_weights()))


@pytest.mark.parametrize("build", [build_softmax_classifier, build_cosine_classifier])
def test_save_and_load_round_trip(tmp_path, build):
    model = build(build_cnn_encoder((28, 28), **SMALL), 4)
    loss = (
        MarginCosineLoss("arcface", scale=10.0, margin=0.3)
        if build is build_cosine_classifier
        else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    model.compile(optimizer="adam", loss=loss)
    x = _images(6)
    model.fit(x, np.arange(6) % 4, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    if build is build_cosine_classifier:
        assert isinstance(loaded.get_layer("cosine_head"), CosineClassifier)
        assert loaded.loss.margin_type == "arcface"


def test_builders_validate_arguments():
    encoder = build_cnn_encoder((28, 28), **SMALL)
    for build in (build_softmax_classifier, build_cosine_classifier):
        with pytest.raises(TypeError, match="`encoder` must be a keras.Model with one image input"):
            build("encoder", 3)
        with pytest.raises(ValueError, match="`num_classes` must be >= 2"):
            build(encoder, 1)
        with pytest.raises(TypeError, match="`seed` must be a non-negative integer"):
            build(encoder, 3, seed=1.5)
