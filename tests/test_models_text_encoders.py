"""Text encoders and the dual encoder: shapes, padding, empty texts, one training step, save/load."""

import keras
import numpy as np
import pytest

from course_lib.in_batch_softmax import InBatchSoftmaxLoss
from course_lib.layers import MaskedMeanPooling
from course_lib.models import build_dual_encoder, build_text_encoder

SMALL = dict(embedding_dim=8, num_heads=2, feedforward_dim=16)


def _ids(n=8, steps=6, vocabulary=30, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, steps + 1, size=n)
    ids = rng.integers(1, vocabulary, size=(n, steps))
    return np.where(np.arange(steps) < lengths[:, None], ids, 0).astype("int32")


@pytest.mark.parametrize("encoder", ["mean", "attention"])
def test_shapes_unit_norm_seeds_and_trailing_padding(encoder):
    tokens, subwords = _ids(), _ids(steps=9, vocabulary=20, seed=1)
    model = build_text_encoder(30, subword_vocabulary_size=20, encoder=encoder, seed=1, **SMALL)
    again = build_text_encoder(30, subword_vocabulary_size=20, encoder=encoder, seed=1, **SMALL)
    other = build_text_encoder(30, subword_vocabulary_size=20, encoder=encoder, seed=2, **SMALL)
    out = model.predict([tokens, subwords], verbose=0)
    assert out.shape == (8, 8) and model.name == f"{encoder}_text_encoder"
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(out, again.predict([tokens, subwords], verbose=0))
    assert not np.allclose(out, other.predict([tokens, subwords], verbose=0))
    padded = [np.pad(tokens, ((0, 0), (0, 5))), np.pad(subwords, ((0, 0), (0, 3)))]
    np.testing.assert_allclose(model.predict(padded, verbose=0), out, atol=1e-5)


def test_words_only_encoder_and_an_empty_text_gives_zeros_not_nan():
    model = build_text_encoder(30, **SMALL)
    assert [layer.name for layer in model.layers] == [
        "tokens",
        "token_embedding",
        "token_pool",
        "projection",
        "l2_normalize",
    ]
    out = model.predict(np.array([[0, 0, 0], [4, 5, 0]], "int32"), verbose=0)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), [np.linalg.norm(out[0]), 1.0], atol=1e-5)
    assert np.linalg.norm(out[0]) < 1.0  # the projection's bias alone, not a meaning


def test_masked_mean_pooling_matches_numpy_and_round_trips():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], bool)
    got = keras.ops.convert_to_numpy(MaskedMeanPooling()(x, mask=mask))
    expected = [(x[i] * mask[i, :, None]).sum(0) / max(mask[i].sum(), 1) for i in range(3)]
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(MaskedMeanPooling()(x)), x.mean(1), atol=1e-6)
    assert MaskedMeanPooling.from_config(MaskedMeanPooling(name="pool").get_config()).name == "pool"


@pytest.mark.parametrize("encoder", ["mean", "attention"])
def test_dual_encoder_one_training_step_and_save_load(encoder, tmp_path):
    text_encoder = build_text_encoder(30, subword_vocabulary_size=20, encoder=encoder, **SMALL)
    dual = build_dual_encoder(text_encoder)
    assert [i.name for i in dual.inputs] == ["query_tokens", "query_subwords", "document_tokens", "document_subwords"]
    inputs = [_ids(seed=2), _ids(steps=9, vocabulary=20, seed=3), _ids(seed=4), _ids(steps=9, vocabulary=20, seed=5)]
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 6])
    dual.compile(optimizer="adam", loss=InBatchSoftmaxLoss(temperature=0.1, symmetric=True, normalize=False))
    before = [w.copy() for w in text_encoder.get_weights()]
    history = dual.fit(inputs, labels, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, text_encoder.get_weights()))
    pair = dual.predict(inputs, verbose=0)
    assert pair.shape == (8, 2, 8)
    np.testing.assert_allclose(pair[:, 0], text_encoder.predict(inputs[:2], verbose=0), atol=1e-5)
    path = tmp_path / "dual.keras"
    dual.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0), pair, atol=1e-5)
    assert isinstance(loaded.loss, InBatchSoftmaxLoss) and loaded.loss.temperature == 0.1


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="`encoder` must be one of 'mean', 'attention'; received 'lstm'"):
        build_text_encoder(30, encoder="lstm")
    with pytest.raises(ValueError, match="`num_heads` must divide `embedding_dim`"):
        build_text_encoder(30, encoder="attention", embedding_dim=10, num_heads=4)
    with pytest.raises(ValueError, match=r"`dropout_rate` must be in \[0, 1\)"):
        build_text_encoder(30, dropout_rate=1.0)
    with pytest.raises((TypeError, ValueError), match="vocabulary_size"):
        build_text_encoder(0)
    with pytest.raises(TypeError, match="keras.Model with one embedding output"):
        build_dual_encoder("encoder")
