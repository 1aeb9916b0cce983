"""Attention written with `keras.ops`: the function, positional encoding, attention pooling.

Attention lets every output step look at every input step and take a weighted
average of what it finds there. With query vectors `q_j`, key vectors `k_i`
and value vectors `v_i`:

Formula:
    scores   `s(i, j) = q_j . k_i / sqrt(d)`          (d = key size)
    weights  `a(i, j) = exp(s(i, j)) / sum_i' exp(s(i', j))`   (softmax over i)
    output   `o_j = sum_i a(i, j) v_i`

A padding mask removes the padded steps `i` from the softmax: their score is
replaced by minus infinity and each row's largest remaining score is subtracted
before the exponential, so a masked key gets exactly zero weight whatever the
scores are, and the output of a padded sequence equals the output of the same
sequence unpadded. (Replacing masked scores by a large negative number such as
`-1e9` is the common shortcut; it fails when a real score is below it.) Scores
beyond float32's range become `+-inf`, never NaN: the weight then goes to the
keys whose score is `+inf`, shared equally.

Everything here uses `keras.ops` only, so it runs on any Keras backend; the
layers are registered serializable under the package name `"course_lib"`.
Integer inputs are cast to float32; when the values are known (outside a
compiled training step) they are checked like the NumPy side checks its input,
and a query whose keys are all masked is refused.
"""

import math

import keras
import numpy as np
from keras import ops

from course_lib._validation import as_flags, check_real, concrete_values, is_concrete
from course_lib.layers import CheckedInputs
from course_lib.tensor_similarity import float_tensor, widened

__all__ = ["scaled_dot_product_attention", "PositionalEncoding", "AttentionPooling"]

# Where no product and no sum of `d` of them can overflow, scores are the plain matrix product.
_SAFE_SCORE = float(np.finfo(np.float32).max) / 2


def _check_attention_inputs(query, key, value):
    """The three inputs as float tensors of one dtype, their shapes checked (values when known)."""
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        concrete_values(tensor, name)  # real and finite, when the values are known
    query, key, value = (float_tensor(tensor) for tensor in (query, key, value))
    dtype = keras.backend.result_type(query.dtype, key.dtype, value.dtype)
    query, key, value = (ops.cast(tensor, dtype) for tensor in (query, key, value))
    rank = len(query.shape)
    if rank < 3 or len(key.shape) != rank or len(value.shape) != rank:
        raise ValueError(
            f"`query`, `key` and `value` must have the same rank, at least 3: (batch, n_queries, d), "
            f"(batch, n_keys, d) and (batch, n_keys, d_value); received shapes {tuple(query.shape)}, "
            f"{tuple(key.shape)} and {tuple(value.shape)}. For one sequence use x[None]."
        )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"`query` and `key` must have the same last axis (the key size d); received "
            f"shapes {tuple(query.shape)} and {tuple(key.shape)}."
        )
    if query.shape[-1] is None or query.shape[-1] < 1:
        raise ValueError(
            f"`query` and `key` must have a known key size d >= 1 (their last axis); received "
            f"shapes {tuple(query.shape)} and {tuple(key.shape)}."
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"`key` and `value` must have the same number of steps (axis -2); received "
            f"shapes {tuple(key.shape)} and {tuple(value.shape)}."
        )
    if key.shape[-2] == 0:
        raise ValueError(
            f"`key` must have at least one step to attend to (axis -2); received shape {tuple(key.shape)}."
        )
    leading = [tuple(tensor.shape[:-2]) for tensor in (query, key, value)]
    for axis in range(rank - 2):
        sizes = {shape[axis] for shape in leading} - {None}
        if len(sizes) > 1:
            raise ValueError(
                f"`query`, `key` and `value` must agree on their leading axes (batch, [heads]); "
                f"received shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}."
            )
    return query, key, value


def _check_mask(mask, scores_shape):
    """`mask` as a bool tensor that broadcasts to the scores; its values checked when known."""
    rank = len(scores_shape)
    values = as_flags(mask, "mask", what="True (a real key) or False (padding)") if is_concrete(mask) else None
    mask = ops.convert_to_tensor(mask if values is None else values)
    shape = tuple(mask.shape)
    if len(shape) == 2:  # one key mask per sequence, shared by every query (and head)
        shape = (shape[0],) + (1,) * (rank - 2) + (shape[-1],)
        mask = ops.reshape(mask, (-1,) + shape[1:])
    fits = len(shape) == rank and all(
        size is None or target is None or size in (1, target) for size, target in zip(shape, scores_shape)
    )
    if not fits:
        raise ValueError(
            f"`mask` must have shape (batch, n_keys) = {(scores_shape[0], scores_shape[-1])}, or one that "
            f"broadcasts to the scores {tuple(scores_shape)}; received shape {tuple(shape)}."
        )
    if values is not None and None not in scores_shape:
        empty = ~np.broadcast_to(values.reshape(shape), tuple(scores_shape)).any(axis=-1)
        if empty.any():
            raise ValueError(
                f"every query needs at least one unmasked key; received a mask that masks all "
                f"{scores_shape[-1]} keys of {int(empty.sum())} query row(s), e.g. at index "
                f"{tuple(int(i) for i in np.argwhere(empty)[0])}. Drop empty sequences, or give "
                f"each one at least one real step (lengths >= 1)."
            )
    return ops.cast(mask, "bool")


def _attention_scores(query, key):
    """`(scores, directions)`: `query @ key^T / sqrt(d)`, and the same of the inputs divided by their largest entry.

    The scores are the plain matrix product wherever no product of entries and no sum of `d`
    of them can overflow (bit for bit the textbook formula); otherwise the product of the
    scaled inputs, multiplied back afterwards, which saturates to +-inf (never NaN) beyond
    float32's range. The scaled scores (`directions`) keep the order of scores that saturated
    together.
    """
    d = int(query.shape[-1])
    scale = 1.0 / math.sqrt(d)
    plain = ops.matmul(query, ops.swapaxes(key, -1, -2)) * scale
    query_largest = ops.stop_gradient(ops.max(ops.abs(query), initial=0.0))
    key_largest = ops.stop_gradient(ops.max(ops.abs(key), initial=0.0))
    unit_query = query / ops.where(query_largest > 0.0, query_largest, 1.0)
    unit_key = key / ops.where(key_largest > 0.0, key_largest, 1.0)
    directions = ops.matmul(unit_query, ops.swapaxes(unit_key, -1, -2))
    safe = query_largest * key_largest * d < _SAFE_SCORE
    return ops.where(safe, plain, directions * scale * query_largest * key_largest), directions


def _masked_softmax(scores, directions, mask):
    """Softmax over the last axis in which masked entries get exactly 0.

    Rows whose largest unmasked score is finite: the softmax of the scores with masked entries
    at -inf (the row maximum is subtracted first). Rows whose scores went beyond float32's
    range: the limit of the softmax, all the weight on the largest score (by `directions`,
    which orders scores that saturated together), shared equally by ties. A row with no
    unmasked key gets no weight.
    """
    negative_infinity = ops.cast(-np.inf, scores.dtype)
    masked = scores if mask is None else ops.where(mask, scores, negative_infinity)
    row_max = ops.max(masked, axis=-1, keepdims=True, initial=-np.inf)  # `initial`: empty batches work
    ordinary = ops.isfinite(row_max)
    if scores.shape[-1] == 1:  # one key takes all the weight (Keras warns on a softmax over one entry)
        weights = ops.ones_like(scores)
    else:
        weights = ops.softmax(ops.where(ordinary, masked, 0.0), axis=-1)
    ranked = directions if mask is None else ops.where(mask, directions, negative_infinity)
    top = ops.logical_and(
        ranked >= ops.max(ranked, axis=-1, keepdims=True, initial=-np.inf), ranked > negative_infinity
    )
    top = ops.cast(top, scores.dtype)
    limit = top / ops.maximum(ops.sum(top, axis=-1, keepdims=True), 1.0)
    return ops.where(ordinary, weights, limit)


def scaled_dot_product_attention(query, key, value, mask=None):
    """Scaled dot-product attention, with an optional padding mask.

    Formula:
        `weights = softmax_i(query @ key^T / sqrt(d))`, `output = weights @ value`,
        the softmax taken over the unmasked keys only (a masked key gets
        exactly 0, whatever the scores).

    Args:
        query: float tensor `(batch, n_queries, d)`, or `(batch, heads, n_queries, d)`.
        key: float tensor `(batch, n_keys, d)` (same leading axes as `query`).
        value: float tensor `(batch, n_keys, d_value)`.
        mask: `None`, a bool tensor `(batch, n_keys)` (True on real key steps,
            e.g. `course_lib.sequences.sequence_mask`), or one that broadcasts
            to the scores `(batch, [heads,] n_queries, n_keys)`, e.g.
            `(batch, n_queries, n_keys)` for a mask per query. Every query needs
            one True key (checked when the mask's values are known).

    Returns:
        A tuple `(output, weights)`: `output` of shape `(batch, n_queries,
        d_value)` and `weights` `(batch, n_queries, n_keys)`, each row summing to 1,
        zero on masked keys. A batch of 0 sequences, or 0 queries, gives empty
        tensors of these shapes. (Inside a compiled training step, where the
        mask cannot be checked, a query with every key masked gets zero
        weights and a zero output, never NaN.)

    Raises:
        ValueError: if the inputs are not of one rank >= 3, the last axes of
            `query` and `key` differ or are 0, `key` has no step or a number of
            steps other than `value`'s, the leading axes disagree, the mask
            does not fit the scores or (when known) masks every key of a query,
            or an input's known values hold NaN or infinity.
        TypeError: if an input or the mask holds values that are not real
            numbers (checked when known). Integers are cast to float32.

    Example:

    >>> import numpy as np
    >>> q = np.ones((1, 1, 2), "float32")
    >>> k = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]], "float32")
    >>> out, w = scaled_dot_product_attention(q, k, k, mask=np.array([[True, True, False]]))
    >>> np.round(ops.convert_to_numpy(w), 3).tolist()
    [[[0.5, 0.5, 0.0]]]
    """
    query, key, value = _check_attention_inputs(query, key, value)
    (query, dtype), (key, _), (value, _) = widened(query), widened(key), widened(value)  # float16: in float32
    scores, directions = _attention_scores(query, key)
    if mask is not None:
        mask = _check_mask(mask, tuple(scores.shape))
    weights = _masked_softmax(scores, directions, mask)
    return ops.cast(ops.matmul(weights, value), dtype), ops.cast(weights, dtype)


@keras.saving.register_keras_serializable(package="course_lib")
class PositionalEncoding(CheckedInputs, keras.layers.Layer):
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
        TypeError: if `scale` is not a number (NumPy numbers are numbers).
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
        value = check_real(scale, "scale", example=1.0)
        if not math.isfinite(value) or value < 0:
            raise ValueError(
                f"`scale` must be a finite number >= 0, e.g. 1.0 (0.0 turns the "
                f"position signal off); received {scale!r}."
            )
        self.scale = value
        self.supports_masking = True

    def call(self, inputs):
        inputs = float_tensor(inputs)
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
class AttentionPooling(CheckedInputs, keras.layers.Layer):
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
        `(batch, steps)` weights for plotting (and builds the layer first if it
        has not been called yet).

    Raises:
        ValueError: if `inputs` is not 3-D, or (when the mask's values are
            known) a sequence has no real step: it has nothing to pool.

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
        """The `(batch, steps)` pooling weights of `inputs` `(batch, steps, d)`, zero on masked steps."""
        inputs = float_tensor(inputs)
        if len(inputs.shape) != 3 or inputs.shape[-1] is None:
            raise ValueError(
                f"AttentionPooling expects inputs of shape (batch, steps, d) with a known d; "
                f"received shape {tuple(inputs.shape)}."
            )
        if not self.built:  # called before the layer: build it from these inputs, as a call would
            self.build(inputs.shape)
            self.built = True
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
