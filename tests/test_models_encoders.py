"""Tests for course_lib.models.encoders: shapes, unit norm, seeds, one fit step, save/load."""

import keras
import numpy as np
import pytest

from course_lib import models
from course_lib.layers import L2Normalize, PairDistance
from course_lib.losses import ContrastiveLoss, TripletLoss
from course_lib.models.encoders import build_cnn_encoder, build_siamese_model

SMALL = {"embedding_dim": 8, "filters": (4, 8)}


def _images(n=12, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).random(size=(n, *shape)).astype(np.float32)


@pytest.mark.parametrize("input_shape", [(28, 28, 1), (28, 28), (32, 20, 3)])
def test_cnn_encoder_shapes_and_unit_norm(input_shape):
    encoder = build_cnn_encoder(input_shape, **SMALL)
    assert encoder.input_shape == (None, *input_shape) and encoder.output_shape == (None, 8)
    embeddings = encoder.predict(_images(5, input_shape), verbose=0)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
    assert isinstance(encoder.layers[-1], L2Normalize)


def test_cnn_encoder_default_architecture():
    encoder = build_cnn_encoder()
    assert encoder.name == "cnn_encoder" and encoder.output_shape == (None, 64)
    names = [layer.name for layer in encoder.layers]
    assert names[:5] == ["image", "conv_1", "batch_norm_1", "relu_1", "pool_1"]
    assert "pool_3" not in names and names[-3:] == ["flatten", "embedding", "l2_normalize"]
    assert [encoder.get_layer(f"conv_{i}").filters for i in (1, 2, 3)] == [32, 64, 128]
    assert encoder.get_layer("embedding").kernel.shape == (7 * 7 * 128, 64)
    average = build_cnn_encoder(pooling="average")
    assert average.layers[-3].name == "global_pool" and average.get_layer("embedding").kernel.shape == (128, 64)


def test_cnn_encoder_pools_before_the_norm_on_request_with_the_same_weights():
    usual = build_cnn_encoder((28, 28), embedding_dim=8, filters=(4, 8, 16), seed=1)
    early = build_cnn_encoder((28, 28), embedding_dim=8, filters=(4, 8, 16), pool_before_norm=True, seed=1)
    names = [layer.name for layer in early.layers]
    assert names[1:7] == ["add_channel", "conv_1", "pool_1", "batch_norm_1", "relu_1", "conv_2"]
    assert names[-6:] == ["conv_3", "batch_norm_3", "relu_3", "flatten", "embedding", "l2_normalize"]  # no pool_3
    assert early.get_layer("batch_norm_1").output.shape[1:] == (14, 14, 4)
    assert [w.shape for w in early.get_weights()] == [w.shape for w in usual.get_weights()]
    for w_usual, w_early in zip(usual.get_weights(), early.get_weights()):
        np.testing.assert_array_equal(w_usual, w_early)  # same seeds, same initial weights
    # With the initial batch statistics (mean 0, variance 1, scale 1 > 0), normalisation and ReLU
    # are increasing in each channel, so they commute with max pooling: the same embeddings.
    x = _images(5, (28, 28))
    np.testing.assert_allclose(early.predict(x, verbose=0), usual.predict(x, verbose=0), atol=1e-6)
    early.compile(optimizer=keras.optimizers.Adam(1e-2), loss=TripletLoss(margin=0.2, mining="semi_hard"))
    history = early.fit(_images(12, (28, 28)), np.repeat(np.arange(3), 4), batch_size=12, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_cnn_encoder_seed_determinism():
    x = _images(4)
    first = build_cnn_encoder(seed=3, **SMALL).predict(x, verbose=0)
    again = build_cnn_encoder(seed=3, **SMALL).predict(x, verbose=0)
    other = build_cnn_encoder(seed=4, **SMALL).predict(x, verbose=0)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_cnn_encoder_one_step_fit_with_triplet_loss_changes_weights():
    encoder = build_cnn_encoder(**SMALL)
    encoder.compile(optimizer=keras.optimizers.Adam(1e-2), loss=TripletLoss(margin=0.2, mining="batch_all"))
    before = [w.copy() for w in encoder.get_weights()]
    history = encoder.fit(_images(12), np.repeat(np.arange(3), 4), batch_size=12, epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, encoder.get_weights()))


def test_siamese_model_shares_the_encoder_and_fits_one_step():
    encoder = build_cnn_encoder((28, 28), **SMALL)
    siamese = build_siamese_model(encoder)
    assert siamese.get_layer("cnn_encoder") is encoder
    assert siamese.input_shape == [(None, 28, 28), (None, 28, 28)] and siamese.output_shape == (None,)
    left, right = _images(6, (28, 28)), _images(6, (28, 28), seed=1)
    distances = siamese.predict([left, right], verbose=0)
    expected = np.linalg.norm(encoder.predict(left, verbose=0) - encoder.predict(right, verbose=0), axis=1)
    np.testing.assert_allclose(distances, expected, atol=1e-5)
    siamese.compile(optimizer="adam", loss=ContrastiveLoss(margin=1.0))
    history = siamese.fit([left, right], np.array([1, 0, 1, 0, 1, 0]), batch_size=6, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert np.allclose(siamese.predict([left, left], verbose=0), 0.0)


@pytest.mark.parametrize("build", ["encoder", "siamese"])
def test_save_and_load_round_trip(tmp_path, build):
    encoder = build_cnn_encoder(**SMALL)
    if build == "encoder":
        model, loss, x = encoder, TripletLoss(mining="semi_hard"), _images(6)
    else:
        model, loss, x = (
            build_siamese_model(encoder, metric="cosine"),
            ContrastiveLoss(margin=0.5),
            [_images(6), _images(6, seed=2)],
        )
    model.compile(optimizer="adam", loss=loss)
    y = np.array([0, 0, 1, 1, 2, 2]) if build == "encoder" else np.array([1, 0, 1, 0, 1, 0])
    model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)  # builds the optimizer's state
    path = tmp_path / f"{build}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert loaded.loss.get_config() == loss.get_config()
    if build == "siamese":
        assert loaded.get_layer("distance").metric == "cosine"
        assert isinstance(loaded.get_layer("distance"), PairDistance)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"input_shape": (784,)}, ValueError, r"`input_shape` must have 2 or 3 entries"),
        ({"input_shape": (1, 28, 28, 1)}, ValueError, r"Drop the batch axis"),
        ({"input_shape": (3, 3), "filters": (4, 8, 16)}, ValueError, r"at least 4.*Use fewer filters"),
        ({"embedding_dim": 0}, ValueError, r"`embedding_dim` must be >= 1"),
        ({"filters": ()}, ValueError, r"`filters` must name at least one convolution, e.g. \(32, 64, 128\)"),
        ({"filters": (8, 2.5)}, TypeError, r"must be a positive integer"),
        ({"seed": -1}, ValueError, r"`seed` must be between 0 and 2\*\*32 - 1"),
        ({"pooling": "max"}, ValueError, r"`pooling` must be one of 'flatten', 'average'; received 'max'"),
        ({"pool_before_norm": "yes"}, TypeError, r"`pool_before_norm` must be True or False; received 'yes'"),
    ],
)
def test_cnn_encoder_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        build_cnn_encoder(**kwargs)


def test_siamese_model_validation():
    with pytest.raises(TypeError, match=r"`encoder` must be a keras.Model with one image input"):
        build_siamese_model(keras.layers.Dense(3))
    with pytest.raises(ValueError, match=r"`metric` must be one of 'cosine', 'euclidean'; received 'l1'"):
        build_siamese_model(build_cnn_encoder(**SMALL), metric="l1")


def test_builders_are_exported_lazily():
    assert models.build_cnn_encoder is build_cnn_encoder
    assert models.build_siamese_model is build_siamese_model
