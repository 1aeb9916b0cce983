"""Sequence encoder builders: shapes, seeds, masks, one training step, save/load."""

import keras
import numpy as np
import pytest

from course_lib.losses import TripletLoss
from course_lib.models import build_attention_encoder, build_rnn_encoder, build_sequence_autoencoder
from course_lib.sequences import move_padding, sequence_mask

SMALL = {
    build_rnn_encoder: dict(embedding_dim=8, units=6),
    build_attention_encoder: dict(embedding_dim=8, model_dim=8, num_heads=2, feedforward_dim=16, dropout_rate=0.0),
}


def _data(n=12, steps=10, features=3, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, steps + 1, size=n)
    x = rng.normal(size=(n, steps, features)).astype("float32") * sequence_mask(lengths, steps)[..., None]
    return x, lengths, np.arange(n) % 3


@pytest.mark.parametrize("builder", list(SMALL), ids=lambda b: b.__name__)
def test_shapes_unit_norm_and_seed_determinism(builder):
    x, _, _ = _data()
    first = builder((10, 3), seed=1, **SMALL[builder])
    again = builder((10, 3), seed=1, **SMALL[builder])
    other = builder((10, 3), seed=2, **SMALL[builder])
    e1, e2, e3 = (model.predict(x, verbose=0) for model in (first, again, other))
    assert e1.shape == (12, 8)
    np.testing.assert_allclose(np.linalg.norm(e1, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(e1, e2)
    assert not np.allclose(e1, e3)


@pytest.mark.parametrize("builder", list(SMALL), ids=lambda b: b.__name__)
def test_mask_on_ignores_trailing_padding_and_mask_off_does_not(builder):
    x, lengths, _ = _data()
    masked = builder((10, 3), use_mask=True, **SMALL[builder])
    unmasked = builder((10, 3), use_mask=False, **SMALL[builder])
    assert "masking" in [layer.name for layer in masked.layers]
    assert "masking" not in [layer.name for layer in unmasked.layers]
    # the same utterance followed by more padding: widen to 14 steps and rebuild
    wide = np.concatenate([x, np.zeros((12, 4, 3), "float32")], axis=1)
    masked_wide = builder((14, 3), use_mask=True, **SMALL[builder])
    masked_wide.set_weights(masked.get_weights())
    unmasked_wide = builder((14, 3), use_mask=False, **SMALL[builder])
    unmasked_wide.set_weights(unmasked.get_weights())
    if builder is build_rnn_encoder:  # no positions: also blind to padding placed in front
        np.testing.assert_allclose(
            masked.predict(move_padding(x, lengths), verbose=0), masked.predict(x, verbose=0), atol=1e-5
        )
    np.testing.assert_allclose(masked_wide.predict(wide, verbose=0), masked.predict(x, verbose=0), atol=1e-5)
    assert not np.allclose(unmasked_wide.predict(wide, verbose=0), unmasked.predict(x, verbose=0), atol=1e-3)


@pytest.mark.parametrize("builder", list(SMALL), ids=lambda b: b.__name__)
def test_one_training_step_with_triplet_loss_and_save_load(builder, tmp_path):
    x, _, y = _data()
    model = builder((10, 3), **SMALL[builder])
    model.compile(optimizer="adam", loss=TripletLoss(margin=0.2, mining="batch_all"))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=1, batch_size=12, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    path = tmp_path / f"{builder.__name__}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


def test_rnn_options():
    lstm = build_rnn_encoder((10, 3), embedding_dim=4, units=5, cell="lstm", bidirectional=False)
    assert lstm.get_layer("lstm").units == 5 and lstm.output_shape == (None, 4)
    with pytest.raises(ValueError, match="`cell` must be one of 'gru', 'lstm'; received 'rnn'"):
        build_rnn_encoder(cell="rnn")
    with pytest.raises(ValueError, match=r"Drop the batch axis: pass x.shape\[1:\] = \(29, 12\)"):
        build_rnn_encoder((270, 29, 12))
    with pytest.raises(TypeError, match="`use_mask` must be True or False"):
        build_rnn_encoder(use_mask="yes")


def test_attention_options():
    with pytest.raises(ValueError, match="`num_heads` must divide `model_dim`"):
        build_attention_encoder(model_dim=10, num_heads=3)
    with pytest.raises(ValueError, match=r"`dropout_rate` must be in \[0, 1\)"):
        build_attention_encoder(dropout_rate=1.0)
    two = build_attention_encoder((10, 3), num_layers=2, **SMALL[build_attention_encoder])
    assert "self_attention_2" in [layer.name for layer in two.layers]


def test_sequence_autoencoder_masked_fit_and_save(tmp_path):
    x, lengths, _ = _data()
    autoencoder, encoder = build_sequence_autoencoder((10, 3), embedding_dim=4, units=5, seed=0)
    assert autoencoder.output_shape == (None, 10, 3) and encoder.output_shape == (None, 4)
    assert autoencoder.get_layer("encoder") is encoder
    again, _ = build_sequence_autoencoder((10, 3), embedding_dim=4, units=5, seed=0)
    np.testing.assert_array_equal(autoencoder.predict(x, verbose=0), again.predict(x, verbose=0))
    autoencoder.compile(optimizer="adam", loss="mse")
    history = autoencoder.fit(
        x, x, sample_weight=sequence_mask(lengths, 10).astype("float32"), epochs=1, batch_size=6, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])
    path = tmp_path / "sequence_autoencoder.keras"
    autoencoder.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), autoencoder.predict(x, verbose=0), atol=1e-5)


def test_sequence_autoencoder_loss_is_the_mean_squared_error_over_real_frames():
    # The loss notebook 04 trains with: MSE with the mask as sample weight, divided by the
    # number of real frames (not by batch * max_length).
    rng = np.random.default_rng(0)
    lengths = np.array([3, 7, 5, 2])
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    x[np.arange(7)[None, :] >= lengths[:, None]] = 0.0
    mask = sequence_mask(lengths, max_length=7).astype("float32")
    autoencoder, _ = build_sequence_autoencoder((7, 3), embedding_dim=4, units=4, seed=0)
    autoencoder.compile(loss=keras.losses.MeanSquaredError(reduction="mean_with_sample_weight"))
    loss = autoencoder.evaluate(x, x, sample_weight=mask, batch_size=4, verbose=0)
    error = (x - autoencoder.predict(x, verbose=0)) ** 2
    expected = (error.sum(axis=-1) * mask).sum() / (3 * mask.sum())
    assert np.isclose(loss, expected, rtol=1e-5)
    # The default reduction divides by every step, padding included: a different number.
    autoencoder.compile(loss="mse")
    default = autoencoder.evaluate(x, x, sample_weight=mask, batch_size=4, verbose=0)
    assert np.isclose(default, (error.sum(axis=-1) * mask).sum() / (3 * mask.size), rtol=1e-5)
