"""course_lib.attention: the hand-written attention equals Keras's layers; masks; round trips."""

import keras
import numpy as np
import pytest
from keras import ops

from course_lib.attention import AttentionPooling, PositionalEncoding, scaled_dot_product_attention
from course_lib.sequences import sequence_mask


def _numpy(x):
    return ops.convert_to_numpy(x)


def _mha_by_hand(mha, query_input, value_input, mask):
    """Multi-head attention from `mha`'s own weights and `scaled_dot_product_attention`."""
    wq, bq, wk, bk, wv, bv, wo, bo = mha.get_weights()
    q = np.einsum("btd,dhk->bhtk", query_input, wq) + bq[None, :, None, :]
    k = np.einsum("btd,dhk->bhtk", value_input, wk) + bk[None, :, None, :]
    v = np.einsum("btd,dhk->bhtk", value_input, wv) + bv[None, :, None, :]
    heads, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    return np.einsum("bhtk,hkd->btd", _numpy(heads), wo) + bo, _numpy(weights)


@pytest.mark.parametrize("num_heads, key_dim", [(1, 8), (2, 4)])
def test_hand_attention_equals_multi_head_attention_with_the_same_weights(num_heads, key_dim):
    rng = np.random.default_rng(0)
    query_input = rng.normal(size=(3, 5, 8)).astype("float32")
    value_input = rng.normal(size=(3, 7, 8)).astype("float32")
    key_mask = sequence_mask([7, 4, 2], 7)
    mha = keras.layers.MultiHeadAttention(num_heads, key_dim, seed=0)
    attention_mask = np.broadcast_to(key_mask[:, None, :], (3, 5, 7))
    expected, expected_weights = mha(
        query_input, value_input, attention_mask=attention_mask, return_attention_scores=True
    )
    got, weights = _mha_by_hand(mha, query_input, value_input, key_mask)
    np.testing.assert_allclose(got, _numpy(expected), atol=1e-5)
    np.testing.assert_allclose(weights, _numpy(expected_weights), atol=1e-6)


def test_hand_attention_equals_keras_attention_layer():
    rng = np.random.default_rng(1)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 6, 4)).astype("float32")
    mask = sequence_mask([6, 3], 6)
    # keras.layers.Attention does not divide by sqrt(d): pre-scale the query.
    expected = keras.layers.Attention()([q / 2.0, v], mask=[None, mask])
    got, _ = scaled_dot_product_attention(q, v, v, mask=mask)
    np.testing.assert_allclose(_numpy(got), _numpy(expected), atol=1e-5)


def test_masked_positions_get_exactly_zero_weight_and_padding_changes_nothing():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 4, 3)).astype("float32")
    padded = np.concatenate([x, 50 * np.ones((1, 3, 3), "float32")], axis=1)
    mask = sequence_mask([4], 7)
    out, weights = scaled_dot_product_attention(x, padded, padded, mask=mask)
    weights = _numpy(weights)
    assert np.all(weights[..., 4:] == 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)
    unpadded, _ = scaled_dot_product_attention(x, x, x)
    np.testing.assert_allclose(_numpy(out), _numpy(unpadded), atol=1e-5)


def test_attention_formula_by_hand():
    q = np.array([[[1.0, 0.0]]], "float32")
    k = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    v = np.array([[[10.0], [20.0]]], "float32")
    out, weights = scaled_dot_product_attention(q, k, v)
    expected_weights = np.exp([1 / np.sqrt(2), 0.0]) / np.exp([1 / np.sqrt(2), 0.0]).sum()
    np.testing.assert_allclose(_numpy(weights)[0, 0], expected_weights, rtol=1e-5)
    np.testing.assert_allclose(_numpy(out)[0, 0, 0], expected_weights @ [10.0, 20.0], rtol=1e-5)


def test_attention_shape_errors():
    with pytest.raises(ValueError, match=r"same last axis .* \(1, 2, 3\) and \(1, 2, 4\)"):
        scaled_dot_product_attention(np.zeros((1, 2, 3)), np.zeros((1, 2, 4)), np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="same number of steps"):
        scaled_dot_product_attention(np.zeros((1, 2, 3)), np.zeros((1, 2, 3)), np.zeros((1, 5, 3)))


def test_positional_encoding_values_and_mask_passthrough():
    out = _numpy(PositionalEncoding()(np.zeros((1, 5, 6), "float32")))[0]
    t, k = 3, 1  # dimensions 2k, 2k+1
    angle = t / 10000 ** (2 * k / 6)
    np.testing.assert_allclose(out[t, 2 * k : 2 * k + 2], [np.sin(angle), np.cos(angle)], rtol=1e-5)
    layer = PositionalEncoding()
    assert layer.supports_masking
    mask = np.array([[True, False]])
    assert np.array_equal(_numpy(layer.compute_mask(np.zeros((1, 2, 6), "float32"), mask)), mask)


def test_positional_encoding_takes_sequences_of_any_length():
    inputs = keras.Input((None, 4))
    model = keras.Model(inputs, PositionalEncoding(scale=0.5)(inputs))
    for steps in (3, 7):  # one model, two lengths: the step count is read when called
        out = model.predict(np.zeros((2, steps, 4), "float32"), verbose=0)
        assert out.shape == (2, steps, 4)
        np.testing.assert_allclose(out[0, :, 1], 0.5 * np.cos(np.arange(steps)), atol=1e-6)


@pytest.mark.parametrize(
    "scale, error, received",
    [
        (-1.0, ValueError, "-1.0"),
        (float("nan"), ValueError, "nan"),
        (float("inf"), ValueError, "inf"),
        ("1", TypeError, "'1'"),
        (True, TypeError, "True"),
        (None, TypeError, "None"),
    ],
)
def test_positional_encoding_rejects_bad_scales(scale, error, received):
    with pytest.raises(error, match=rf"`scale` must be a (finite )?number.*received {received}"):
        PositionalEncoding(scale=scale)
    assert _numpy(PositionalEncoding(scale=0)(np.ones((1, 2, 2), "float32"))).tolist() == [[[1, 1], [1, 1]]]


@pytest.mark.parametrize("scale", [np.float32(0.5), np.int64(2), np.float64(1.0)])
def test_positional_encoding_takes_numpy_numbers(scale):
    layer = PositionalEncoding(scale=scale)
    assert layer.scale == float(scale) and type(layer.get_config()["scale"]) is float


def test_positional_encoding_rejects_inputs_that_are_not_sequences():
    with pytest.raises(ValueError, match=r"shape \(batch, steps, d\).*received shape \(2, 4\)"):
        PositionalEncoding()(np.zeros((2, 4), "float32"))


def test_attention_pooling_weights_and_mask():
    pool = AttentionPooling()
    x = np.array([[[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]]], "float32")
    mask = np.array([[True, True, False]])
    np.testing.assert_allclose(_numpy(pool(x, mask=mask)), [[0.5, 0.5]], atol=1e-6)
    pool.query.assign(np.array([4.0, 0.0], "float32"))
    weights = _numpy(pool.attention_weights(x, mask))
    assert weights[0, 2] == 0.0 and weights[0, 0] > weights[0, 1]
    np.testing.assert_allclose(weights.sum(), 1.0, atol=1e-6)


@pytest.mark.parametrize("layer", [PositionalEncoding(scale=0.5), AttentionPooling()])
def test_layers_get_config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_model_with_attention_layers_saves_and_loads(tmp_path):
    inputs = keras.Input((6, 4))
    x = keras.layers.Masking()(inputs)
    x = PositionalEncoding(name="positions")(x)
    outputs = AttentionPooling(name="pool")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("pool").query.assign(np.arange(4, dtype="float32"))
    data = np.random.default_rng(3).normal(size=(2, 6, 4)).astype("float32")
    data[0, 3:] = 0.0
    path = tmp_path / "attention.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), atol=1e-6)
