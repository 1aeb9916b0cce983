"""Tests for course_lib.models.autoencoders: shapes, seeds, input checks, training, saving."""

import keras
import numpy as np
import pytest

from course_lib.models import build_conv_autoencoder, build_dense_autoencoder

BUILDERS = {"dense": build_dense_autoencoder, "conv": build_conv_autoencoder}
SMALL = {  # small models keep the tests fast
    "dense": {"embedding_dim": 4, "hidden_units": 8},
    "conv": {"embedding_dim": 4, "filters": (2, 4)},
}


def _build(kind, input_shape=(28, 28), **overrides):
    return BUILDERS[kind](input_shape, **{**SMALL[kind], **overrides})


def _images(shape, n=8, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def _weights(model):
    return [w.copy() for w in model.get_weights()]


# --- shapes and structure -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, input_shape, options, code_shape",
    [
        ("dense", (28, 28), {}, (8, 32)),
        ("dense", (784,), {"embedding_dim": 8}, (8, 8)),
        ("dense", (28, 28, 1), {"hidden_units": 16}, (8, 32)),
        ("conv", (28, 28), {}, (8, 32)),
        ("conv", (28, 28, 1), {"embedding_dim": 16}, (8, 16)),
        ("conv", (32, 32, 3), {"filters": (4, 8, 8)}, (8, 32)),
        ("conv", (28, 28), {"filters": (8,), "embedding_dim": 2}, (8, 2)),
    ],
)
def test_output_shapes(kind, input_shape, options, code_shape):
    autoencoder, encoder = BUILDERS[kind](input_shape, **options)
    images = _images(input_shape)
    reconstruction = autoencoder.predict(images, verbose=0)
    assert reconstruction.shape == images.shape
    assert np.all((reconstruction >= 0) & (reconstruction <= 1)), "sigmoid output"
    assert encoder.predict(images, verbose=0).shape == code_shape
    assert autoencoder.output_shape == (None, *input_shape)
    assert encoder.output_shape == (None, code_shape[1])


def test_dense_layers_and_sizes():
    autoencoder, encoder = build_dense_autoencoder((28, 28), embedding_dim=32, hidden_units=128)
    assert [layer.name for layer in autoencoder.layers] == ["image", "encoder", "decoder"]
    names = [layer.name for layer in encoder.layers]
    assert names == ["image", "flatten", "encoder_hidden", "code"]
    decoder = autoencoder.get_layer("decoder")
    assert [layer.name for layer in decoder.layers] == [
        "code_input",
        "decoder_hidden",
        "decoder_output",
        "reconstruction",
    ]
    assert encoder.get_layer("encoder_hidden").activation.__name__ == "relu"
    assert encoder.get_layer("code").activation.__name__ == "linear"
    assert decoder.get_layer("decoder_output").activation.__name__ == "sigmoid"
    # 784 -> 128 -> 32 -> 128 -> 784
    assert encoder.count_params() == 784 * 128 + 128 + 128 * 32 + 32
    assert decoder.count_params() == 32 * 128 + 128 + 128 * 784 + 784


def test_conv_layers_and_sizes():
    autoencoder, encoder = build_conv_autoencoder((28, 28), embedding_dim=32, filters=(16, 32))
    names = [layer.name for layer in encoder.layers]
    assert names == ["image", "add_channel", "encoder_conv_1", "encoder_conv_2", "flatten", "code"]
    decoder = autoencoder.get_layer("decoder")
    assert [layer.name for layer in decoder.layers] == [
        "code_input",
        "decoder_dense",
        "decoder_reshape",
        "decoder_deconv_1",
        "decoder_output",
        "remove_channel",
    ]
    assert encoder.get_layer("encoder_conv_2").output.shape == (None, 7, 7, 32)
    assert decoder.get_layer("decoder_deconv_1").output.shape == (None, 14, 14, 16)
    assert encoder.get_layer("code").activation.__name__ == "linear"
    for name in ("encoder_conv_1", "encoder_conv_2"):
        conv = encoder.get_layer(name)
        assert conv.strides == (2, 2) and conv.padding == "same"
    # channels given: no Reshape layers
    _, encoder = build_conv_autoencoder((28, 28, 1))
    assert "add_channel" not in [layer.name for layer in encoder.layers]


@pytest.mark.parametrize("kind", BUILDERS)
def test_encoder_is_the_autoencoders_encoder_and_shares_weights(kind):
    autoencoder, encoder = _build(kind)
    assert autoencoder.get_layer("encoder") is encoder
    images = _images((28, 28))
    decoder = autoencoder.get_layer("decoder")
    np.testing.assert_allclose(
        autoencoder.predict(images, verbose=0),
        decoder.predict(encoder.predict(images, verbose=0), verbose=0),
        atol=1e-6,
    )
    assert not autoencoder.compiled and not encoder.compiled


# --- seeds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_same_seed_same_weights_whatever_the_global_seed(kind):
    keras.utils.set_random_seed(1)
    first, _ = _build(kind, seed=7)
    keras.utils.set_random_seed(2)
    second, _ = _build(kind, seed=7)
    for a, b in zip(_weights(first), _weights(second), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", BUILDERS)
def test_different_seed_different_weights(kind):
    first, _ = _build(kind, seed=0)
    second, _ = _build(kind, seed=1)
    kernels = [(a, b) for a, b in zip(_weights(first), _weights(second)) if a.ndim > 1]
    assert kernels and all(not np.allclose(a, b) for a, b in kernels)


@pytest.mark.parametrize(
    "autoencoder_and_encoder",
    [
        # every kernel 8x8: equal shapes, so equal seeds would give copies
        lambda: build_dense_autoencoder((8,), embedding_dim=8, hidden_units=8),
        # encoder_conv_2 and decoder_deconv_1 both have (3, 3, 2, 4) kernels
        lambda: build_conv_autoencoder((16, 16), embedding_dim=8, filters=(2, 4)),
    ],
    ids=["dense", "conv"],
)
def test_layers_of_one_model_get_different_initial_weights(autoencoder_and_encoder):
    """Each layer draws from its own seed: two kernels of the same shape are not copies."""
    autoencoder, _ = autoencoder_and_encoder()
    kernels = [w for w in _weights(autoencoder) if w.ndim > 1]
    pairs = [(a, b) for i, a in enumerate(kernels) for b in kernels[i + 1 :] if a.shape == b.shape]
    assert pairs and all(not np.allclose(a, b) for a, b in pairs)


# --- input validation -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"embedding_dim": 0}, ValueError, r"`embedding_dim` must be >= 1; received 0"),
        ({"embedding_dim": 2.5}, TypeError, r"`embedding_dim` must be a positive integer"),
        ({"seed": -1}, ValueError, r"`seed` must be between 0 and 2\*\*32 - 1"),
        ({"seed": "0"}, TypeError, r"`seed` must be a non-negative integer; received '0'"),
    ],
)
def test_invalid_sizes_and_seeds(kind, kwargs, error, match):
    with pytest.raises(error, match=match):
        BUILDERS[kind]((28, 28), **kwargs)


@pytest.mark.parametrize(
    "builder, input_shape, error, match",
    [
        (build_dense_autoencoder, [28, 28.0], TypeError, r"must hold ints only.*received \[28, 28.0\]"),
        (build_dense_autoencoder, (None, 784), TypeError, r"no None"),
        (build_dense_autoencoder, "28x28", TypeError, r"must be a tuple of ints.*received str"),
        (build_dense_autoencoder, (0, 28), ValueError, r"entries must be >= 1; received \(0, 28\)"),
        (
            build_dense_autoencoder,
            (100, 28, 28, 1),
            ValueError,
            r"must have 1, 2 or 3 entries.*received \(100, 28, 28, 1\).*Drop the batch axis: pass "
            r"x.shape\[1:\] = \(28, 28, 1\)",
        ),
        (build_conv_autoencoder, (784,), ValueError, r"must have 2 or 3 entries.*received \(784,\)"),
        (build_conv_autoencoder, (2000, 28, 28, 1), ValueError, r"Drop the batch axis"),
    ],
)
def test_invalid_input_shapes(builder, input_shape, error, match):
    with pytest.raises(error, match=match):
        builder(input_shape)


def test_conv_size_must_survive_the_strided_convolutions():
    with pytest.raises(
        ValueError,
        match=r"divisible by 2 \*\* len\(filters\) = 8.*received "
        r"input_shape=\(28, 28\) with filters=\(8, 16, 32\)",
    ):
        build_conv_autoencoder((28, 28), filters=(8, 16, 32))
    with pytest.raises(ValueError, match=r"divisible by 2 \*\* len\(filters\) = 2"):
        build_conv_autoencoder((27, 28, 1), filters=(8,))


@pytest.mark.parametrize(
    "filters, error, match",
    [
        ((), ValueError, r"`filters` must name at least one convolution.*received \(\)"),
        ("16", TypeError, r"`filters` must be a tuple of ints.*received str '16'"),
        ((16, 0), ValueError, r"`filters\[1\]` must be >= 1; received 0"),
        ((16, 2.0), TypeError, r"`filters\[1\]` must be a positive integer; received 2.0"),
    ],
)
def test_invalid_filters(filters, error, match):
    with pytest.raises(error, match=match):
        build_conv_autoencoder((28, 28), filters=filters)


def test_hidden_units_checked():
    with pytest.raises(ValueError, match=r"`hidden_units` must be >= 1; received -3"):
        build_dense_autoencoder((28, 28), hidden_units=-3)


# --- training and saving --------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_one_training_step_changes_the_weights_and_gives_a_finite_loss(kind):
    autoencoder, encoder = _build(kind)
    images = _images((28, 28))
    before = _weights(encoder)
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    history = autoencoder.fit(images, images, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = _weights(encoder)  # the encoder trains with the autoencoder: shared weights
    assert any(not np.allclose(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("kind", BUILDERS)
def test_save_and_load_round_trip(kind, tmp_path):
    autoencoder, encoder = _build(kind, seed=3)
    images = _images((28, 28), seed=1)
    path = tmp_path / f"{kind}_autoencoder.keras"
    autoencoder.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(images, verbose=0), autoencoder.predict(images, verbose=0))
    np.testing.assert_array_equal(
        loaded.get_layer("encoder").predict(images, verbose=0), encoder.predict(images, verbose=0)
    )


@pytest.mark.parametrize("kind", BUILDERS)
def test_config_round_trip(kind):
    autoencoder, _ = _build(kind)
    rebuilt = keras.Model.from_config(autoencoder.get_config())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in autoencoder.layers]
    assert rebuilt.count_params() == autoencoder.count_params()
    assert rebuilt.output_shape == autoencoder.output_shape
