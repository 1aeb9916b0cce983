"""Attention written with `keras.ops`: the function, positional encoding, attention pooling.

Attention lets every output step look at every input step and take a weighted
average of what it finds there. With query vectors `q_j`, key vectors `k_i`
and value vectors `v_i`:

Formula:
    scores   `s(i, j) = q_j . k_i / sqrt(d)`          (d = key size)
    weights  `a(i, j) = exp(s(i, j)) / sum_i' exp(s(i', j))`   (softmax over i)
    output   `o_j = sum_i a(i, j) v_i`

A padding mask removes the padded steps `i` before the softmax (their score
becomes a large negative number), so they get zero weight and the output of a
padded sequence equals the output of the same sequence unpadded.

Everything here uses `keras.ops` only, so it runs on any Keras backend; the
layers are registered serializable under the package name `"course_lib"`.
"""

import math

import keras
from keras import ops

__all__ = ["scaled_dot_product_attention", "PositionalEncoding", "AttentionPooling"]

_MASKED_SCORE = -1e9  # exp(-1e9 - max) underflows to exactly 0 in float32


def scaled_dot_product_attention(query, key, value, mask=None):
    """Scaled dot-product attention, with an optional padding mask.

    Formula:
        `weights = softmax_i(query @ key^T / sqrt(d))`, `output = weights @ value`,
        with `mask == False` entries set to a large negative score first.

    Args:
        query: float tensor `(batch, n_queries, d)`, or `(batch, heads, n_queries, d)`.
        key: float tensor `(batch, n_keys, d)` (same leading axes as `query`).
        value: float tensor `(batch, n_keys, d_value)`.
        mask: `None`, a bool tensor `(batch, n_keys)` (True on real key steps,
            e.g. `course_lib.sequences.sequence_mask`), or one that broadcasts
            to the scores `(batch, [heads,] n_queries, n_keys)`, e.g.
            `(batch, n_queries, n_keys)` for a mask per query. Every query needs
            one True key.

    Returns:
        A tuple `(output, weights)`: `output` of shape `(batch, n_queries,
        d_value)` and `weights` `(batch, n_queries, n_keys)`, each row summing to 1,
        zero on masked keys.

    Raises:
        ValueError: if the last axes of `query` and `key`, or the key axes of
            `key` and `value`, differ.

    Example:

    >>> import numpy as np
    >>> q = np.ones((1, 1, 2), "float32")
    >>> k = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]], "float32")
    >>> out, w = scaled_dot_product_attention(q, k, k, mask=np.array([[True, True, False]]))
    >>> np.round(ops.convert_to_numpy(w), 3).tolist()
    [[[0.5, 0.5, 0.0]]]
    """
    query, key, value = (ops.convert_to_tensor(t) for t in (query, key, value))
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"`query` and `key` must have the same last axis (the key size d); received "
            f"shapes {tuple(query.shape)} and {tuple(key.shape)}."
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"`key` and `value` must have the same number of steps (axis -2); received "
            f"shapes {tuple(key.shape)} and {tuple(value.shape)}."
        )
    scale = 1.0 / math.sqrt(int(query.shape[-1]))
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) * scale
    if mask is not None:
        mask = ops.cast(mask, "bool")
        if len(mask.shape) == 2:  # one key mask per sequence, shared by every query (and head)
            mask = ops.reshape(mask, (-1,) + (1,) * (len(scores.shape) - 2) + (mask.shape[-1],))
        scores = ops.where(mask, scores, ops.cast(_MASKED_SCORE, scores.dtype))
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, value), weights


@keras.saving.register_keras_serializable(package="course_lib")
class PositionalEncoding(keras.layers.Layer):
    """Adds the fixed sinusoidal position signal of the Transformer to each step.

    Attention by itself ignores order: shuffle the steps and the weights follow.
    Adding a different vector to each position makes order visible.

    Formula:
        `pe(t, 2k) = sin(t / 10000^(2k / d))`, `pe(t, 2k+1) = cos(t / 10000^(2k / d))`;
        `output = x + scale * pe`.

    Args:
        scale: non-negative float, multiplies the signal (`0.0` turns it off).
            Defaults to `1.0`.

    Call arguments:
        inputs: float tensor `(batch, steps, d)`; `steps` may be unknown when
            the model is built (`keras.Input((None, d))`). The mask passes
            through.

    Raises:
        ValueError: if `scale` is not a finite number >= 0, or `inputs` is not
            3-D with a known last axis.

    Example:

    >>> import numpy as np
    >>> out = PositionalEncoding()(np.zeros((1, 3, 4), "float32"))
    >>> np.round(ops.convert_to_numpy(out)[0, :, 1], 3).tolist()  # cos(t) at k = 0
    [1.0, 0.54, -0.416]
    """

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale < 0:
            raise ValueError(
                f"`scale` must be a finite number >= 0, e.g. 1.0 (0.0 turns the "
                f"position signal off); received {scale!r}."
            )
        self.scale = float(scale)
        self.supports_masking = True

    def call(self, inputs):
        if len(inputs.shape) != 3 or inputs.shape[-1] is None:
            raise ValueError(
                f"PositionalEncoding expects inputs of shape (batch, steps, d) with "
                f"a known d; received shape {tuple(inputs.shape)}. Fix: reshape to "
                f"3-D, e.g. keras.Input((None, d)) for sequences of any length."
            )
        steps, dim = ops.shape(inputs)[-2], inputs.shape[-1]  # steps may be unknown until called
        positions = ops.cast(ops.arange(steps), "float32")[:, None]
        pair_index = ops.cast(ops.arange(dim) // 2 * 2, "float32")[None, :]
        angles = positions / ops.power(10000.0, pair_index / float(dim))
        even = ops.cast(ops.arange(dim) % 2 == 0, "float32")[None, :]
        signal = even * ops.sin(angles) + (1.0 - even) * ops.cos(angles)
        return inputs + self.scale * ops.cast(signal, inputs.dtype)[None]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="course_lib")
class AttentionPooling(keras.layers.Layer):
    """Pools a sequence into one vector with a learned query: attention over time.

    Mean pooling weighs every step the same; attention pooling learns which
    steps matter. One trainable query vector `w` scores each step, a masked
    softmax over the steps turns the scores into weights, and the output is the
    weighted mean of the steps.

    Formula:
        `s_t = w . x_t / sqrt(d)`, `a_t = softmax_t(s_t)` over real steps,
        `output = sum_t a_t x_t`.

    Args:
        **kwargs: standard layer arguments (`name`, ...). The query starts at
            zero, so untrained pooling is the masked mean.

    Call arguments:
        inputs: float tensor `(batch, steps, d)`.
        mask: bool tensor `(batch, steps)` or `None`; set automatically by a
            `Masking` layer upstream.

    Returns:
        A tensor `(batch, d)`. `attention_weights(inputs, mask)` returns the
        `(batch, steps)` weights for plotting.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [100.0]]], "float32")
    >>> pool = AttentionPooling()
    >>> ops.convert_to_numpy(pool(x, mask=np.array([[True, True, False]]))).tolist()
    [[2.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        self.query = self.add_weight(name="query", shape=(int(input_shape[-1]),), initializer="zeros")

    def attention_weights(self, inputs, mask=None):
        inputs = ops.convert_to_tensor(inputs)
        query = ops.broadcast_to(self.query[None, None, :], (ops.shape(inputs)[0], 1, inputs.shape[-1]))
        _, weights = scaled_dot_product_attention(query, inputs, inputs, mask=mask)
        return weights[:, 0, :]

    def call(self, inputs, mask=None):
        weights = self.attention_weights(inputs, mask)
        return ops.sum(weights[:, :, None] * inputs, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None  # the output has no time axis left to mask

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
