"""Keras layers for similarity models: `L2Normalize` and `PairDistance`.

Both are written with `keras.ops` only, so they run on any Keras backend, and
both are registered serializable under the package name `"course_lib"`: a
model that uses them saves to `.keras` and loads back with
`keras.saving.load_model(path)` as long as `course_lib.layers` is imported.

- `L2Normalize` ends every embedding model of the course: it divides each
  embedding by its Euclidean length, so that cosine similarity is a dot product
  and Euclidean distance lies in `[0, 2]`.
- `PairDistance` turns two batches of embeddings into one Euclidean distance
  per pair: the output of a siamese model trained with the contrastive loss.
- `MaskedMeanPooling` averages a padded sequence over its real steps, and
  gives zeros (not NaN) for a sequence with none: a text of unknown words.

Importing this module imports Keras.
"""

import math

import keras
from keras import ops

from course_lib._validation import check_choice, concrete_values
from course_lib.similarity import METRICS

__all__ = ["L2Normalize", "MaskedMeanPooling", "PairDistance", "l2_normalize_tensor", "pair_distance"]

_SERIALIZATION_PACKAGE = "course_lib"


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"`axis` must be an int, e.g. -1 (the last axis); received {axis!r}.")
    return axis


def _check_epsilon(epsilon):
    if (
        isinstance(epsilon, bool)
        or not isinstance(epsilon, (int, float))
        or not epsilon > 0
        or not math.isfinite(epsilon)
    ):
        raise ValueError(f"`epsilon` must be a positive float, e.g. 1e-12; received {epsilon!r}.")
    return float(epsilon)


def vector_lengths(x, axis):
    """`(largest, unit_length)` along `axis` (kept): `||x|| = largest * unit_length`.

    Each vector is divided by its largest entry before squaring, so that no
    length overflows or underflows in float32 (entries from about 1e19 or below
    about 1e-19 would). `unit_length` is 1 for a zero vector (`largest = 0`), and
    every step has a finite gradient there.
    """
    largest = ops.max(ops.abs(x), axis=axis, keepdims=True)
    nonzero = largest > 0.0
    scaled = x / ops.where(nonzero, largest, 1.0)
    squared = ops.sum(ops.square(scaled), axis=axis, keepdims=True)
    return largest, ops.sqrt(ops.where(nonzero, squared, 1.0))


# Vectors whose largest entry lies in [PLAIN_SMALLEST, _PLAIN_LARGEST) take the plain
# formulas (sum of squares, square root): no square can overflow or underflow there,
# and models trained on ordinary data give exactly the numbers they gave before the
# rescaled formulas existed. Only vectors outside that range take the rescaled path.
_PLAIN_LARGEST = 1e15
PLAIN_SMALLEST = 1e-6


def plain_range(largest, *, smallest=0.0):
    return ops.logical_and(largest < _PLAIN_LARGEST, largest >= smallest)


def _check_concrete_tensor(x, name):
    """Checks `x`'s values when they are known (real, finite) and that it has an axis."""
    values = concrete_values(x, name)
    if values is not None and values.ndim == 0:
        raise ValueError(f"`{name}` must have at least one axis; received a scalar.")


def l2_normalize_tensor(x, axis=-1, epsilon=1e-12):
    """Divides `x` by its Euclidean length along `axis`: `keras.ops.normalize`, safe at 0 and at any scale.

    The tensor twin of `course_lib.similarity.l2_normalize` (which works on
    NumPy arrays): use it inside models and losses.

    Ordinary vectors (largest entry between 1e-6 and 1e15) go through
    `keras.ops.normalize(x, axis=axis, epsilon=epsilon)`, which computes
    `x * min(1 / sqrt(sum(x ** 2)), 1 / epsilon)`: the formula below, with the
    floor on the length itself (not on its square). Keras's own default
    `epsilon` there is `keras.config.epsilon()` (1e-7); this function, like
    `keras.layers.UnitNormalization`, uses 1e-12.

    Two cases `keras.ops.normalize` alone gets wrong are handled here:

    - A zero vector becomes a zero vector, and its gradient is finite
      (`1 / epsilon` per entry, the slope of `x / epsilon`). Bare
      `keras.ops.normalize` returns 0 too, but on JAX its gradient at a zero
      vector is NaN, which would poison every weight in a training step.
    - Vectors outside that range are divided by their largest entry before
      the length is taken, so it neither overflows nor underflows in float32:
      a vector of entries around 1e20 still becomes a unit vector, not a zero
      one (squaring 1e20 overflows float32).

    Formula:
        `y = x / max(||x||_2, epsilon)`, the norm taken along `axis`. A zero
        vector stays zero instead of becoming NaN.

    Args:
        x: float tensor of any shape, e.g. `(batch_size, embedding_dim)`.
        axis: int, the axis that holds each vector. Defaults to `-1`.
        epsilon: positive float, the smallest length divided by. Defaults to
            `1e-12`.

    Returns:
        A tensor of the shape and dtype of `x`.

    Raises:
        TypeError: if `axis` is not an int, or `x` (when its values are known,
            i.e. outside a compiled training step) is not real-valued.
        ValueError: if `epsilon` is not a positive finite number, or `x` holds
            NaN or infinite values or is a scalar (checked when known).

    Example:

    >>> import numpy as np
    >>> np.asarray(l2_normalize_tensor(np.array([[3.0, 4.0], [0.0, 0.0]]))).round(2).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    _check_axis(axis)
    epsilon = _check_epsilon(epsilon)
    _check_concrete_tensor(x, "x")
    x = ops.convert_to_tensor(x)
    largest, unit_length = vector_lengths(x, axis)
    plain = plain_range(largest, smallest=PLAIN_SMALLEST)
    # Keras's formula where it is exact; the other vectors are replaced by ones there, so that
    # no NaN from its gradient at 0 (or inf from an overflowed square) leaks through the where.
    normalized = ops.normalize(ops.where(plain, x, 1.0), axis=axis, order=2, epsilon=epsilon)
    unit = x / ops.where(largest > 0.0, largest, 1.0) / unit_length
    # ||x|| >= epsilon: the unit vector; shorter: x / epsilon, as the formula says.
    rescaled = ops.where(largest * unit_length >= epsilon, unit, x / epsilon)
    return ops.where(plain, normalized, rescaled)


def unit_vectors_tensor(x, axis=-1):
    """`x / ||x||` along `axis` with no floor: every non-zero vector gets length 1, zero stays 0.

    For cosines (`PairDistance(metric="cosine")`, `course_lib.heads.cosine_logits`),
    where a floor would turn two short parallel vectors into a cosine near 0.
    """
    _check_concrete_tensor(x, "x")
    x = ops.convert_to_tensor(x)
    largest, unit_length = vector_lengths(x, axis)
    rescaled = x / ops.where(largest > 0.0, largest, 1.0) / unit_length
    plain = x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-24))
    return ops.where(plain_range(largest, smallest=PLAIN_SMALLEST), plain, rescaled)


def pair_distance(a, b, epsilon=1e-12):
    """Euclidean distance between row `i` of `a` and row `i` of `b`, with `keras.ops` only.

    The gradient of a square root is infinite at 0, so an identical pair
    would give NaN gradients with a plain `sqrt`. Below `epsilon` the distance
    is returned as exactly 0 with a zero gradient instead. The differences are
    divided by their largest entry before squaring, so distances up to
    float32's limit (about 3.4e38) do not overflow; beyond it they are `inf`.

    Formula:
        `d_i = sqrt(sum_j (a_ij - b_ij)^2)`.

    Args:
        a: float tensor `(batch_size, embedding_dim)`.
        b: float tensor `(batch_size, embedding_dim)`, the same shape as `a`.
        epsilon: squared distances below it count as 0. Defaults to `1e-12`.

    Returns:
        A float tensor `(batch_size,)` of non-negative distances.

    Raises:
        ValueError: if the shapes differ, `epsilon` is not positive, or (when
            the values are known) an input holds NaN or infinite values.
        TypeError: if an input is not real-valued (checked when known).

    Example:

    >>> import numpy as np
    >>> np.asarray(pair_distance(np.array([[0.0, 0.0], [1.0, 1.0]]),
    ...                          np.array([[3.0, 4.0], [1.0, 1.0]]))).tolist()
    [5.0, 0.0]
    """
    epsilon = _check_epsilon(epsilon)
    for name, value in (("a", a), ("b", b)):
        _check_concrete_tensor(value, name)
    a, b = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    dtype = keras.backend.result_type(a.dtype, b.dtype, float)  # e.g. float64 with float32
    a, b = ops.cast(a, dtype), ops.cast(b, dtype)
    if None not in (*a.shape, *b.shape) and tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"`a` and `b` must have the same shape (batch_size, embedding_dim), one pair per "
            f"row; received shapes {tuple(a.shape)} and {tuple(b.shape)}."
        )
    largest, unit_length = vector_lengths(a - b, -1)
    distance = ops.squeeze(largest * unit_length, axis=-1)
    # Squared distances below epsilon count as 0, with a zero gradient.
    rescaled = ops.where(distance > math.sqrt(epsilon), distance, 0.0)
    squared = ops.sum(ops.square(a - b), axis=-1)
    positive = squared > epsilon
    plain = ops.where(positive, ops.sqrt(ops.where(positive, squared, 1.0)), 0.0)
    return ops.where(plain_range(ops.squeeze(largest, axis=-1), smallest=PLAIN_SMALLEST), plain, rescaled)


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class L2Normalize(keras.layers.UnitNormalization):
    """Scales each vector to unit Euclidean length: the last layer of an embedding model.

    After it, cosine similarity is a plain dot product and, for unit vectors,
    `||a - b||^2 = 2 - 2 cos(a, b)`: ranking by cosine or by Euclidean
    distance gives the same neighbours (notebook 01). It has no weights.

    It is Keras's `keras.layers.UnitNormalization` (a subclass of it) with
    two additions: an `epsilon` argument (UnitNormalization fixes it at
    1e-12, the default here too), and `l2_normalize_tensor` as its
    computation, so that a zero vector gives a zero output with a finite
    gradient on every backend, and huge or tiny vectors still give unit
    vectors. It is registered as `"course_lib>L2Normalize"`: a saved `.keras`
    model that uses it loads with `keras.saving.load_model(path)` once
    `course_lib` is imported, without `custom_objects`.

    Formula:
        `y = x / max(||x||_2, epsilon)`, along `axis`.

    Args:
        axis: int, the axis that holds each vector. Defaults to `-1`.
        epsilon: smallest length divided by, so a zero vector stays zero.
            Defaults to `1e-12`.
        **kwargs: standard layer arguments (`name`, `dtype`, ...).

    Input shape:
        Any, e.g. `(batch_size, embedding_dim)`.

    Output shape:
        The input shape.

    Raises:
        TypeError: if `axis` is not an int.
        ValueError: if `epsilon` is not a positive number.

    Example:

    >>> import numpy as np
    >>> layer = L2Normalize()
    >>> np.asarray(layer(np.array([[3.0, 4.0]]))).round(3).tolist()
    [[0.6, 0.8]]
    >>> L2Normalize.from_config(layer.get_config()).axis
    -1
    """

    def __init__(self, axis=-1, epsilon=1e-12, **kwargs):
        super().__init__(axis=_check_axis(axis), **kwargs)
        self.epsilon = _check_epsilon(epsilon)

    def call(self, inputs):
        return l2_normalize_tensor(inputs, axis=self.axis, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class PairDistance(keras.layers.Layer):
    """Euclidean (or cosine) distance between two batches of embeddings, row by row.

    Called on a list `[a, b]` of two tensors of the same shape, it returns one
    distance per row: the output of a siamese model, compared with a pair
    label by `course_lib.losses.ContrastiveLoss`.

    Formula:
        `"euclidean"`: `d_i = ||a_i - b_i||_2` (zero gradient at `d_i = 0`);
        `"cosine"`: `d_i = 1 - cos(a_i, b_i)`, with cosine 0 for a zero
        vector and no length floor (short parallel vectors are 0 apart).

    Args:
        metric: `"euclidean"` (default) or `"cosine"`.
        **kwargs: standard layer arguments (`name`, `dtype`, ...).

    Input shape:
        A list of two tensors `(batch_size, embedding_dim)`.

    Output shape:
        `(batch_size,)`.

    Raises:
        ValueError: if `metric` is not one of the two names (the message lists
            them and the value received), or if the layer is not called on a
            list of two tensors.

    Example:

    >>> import numpy as np
    >>> a, b = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])
    >>> np.asarray(PairDistance()([a, b])).tolist()
    [5.0]
    >>> PairDistance(metric="cosine").get_config()["metric"]
    'cosine'
    """

    METRICS = METRICS  # the course's one list, `course_lib.similarity.METRICS`

    def __init__(self, metric="euclidean", **kwargs):
        super().__init__(**kwargs)
        self.metric = check_choice(metric, "metric", self.METRICS)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"PairDistance must be called on a list of two tensors [a, b] of shape "
                f"(batch_size, embedding_dim); received {type(inputs).__name__}"
                f"{'' if not isinstance(inputs, (list, tuple)) else f' of length {len(inputs)}'}."
            )
        a, b = inputs
        if self.metric == "cosine":
            return 1.0 - ops.sum(unit_vectors_tensor(a) * unit_vectors_tensor(b), axis=-1)
        return pair_distance(a, b)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1])

    def get_config(self):
        return {**super().get_config(), "metric": self.metric}


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class MaskedMeanPooling(keras.layers.Layer):
    """Averages each sequence over its real steps: the masked mean of notebook 04, safe when empty.

    `keras.layers.GlobalAveragePooling1D` does the same given a mask, but
    divides by zero for a sequence whose steps are all masked, and its NaN
    then spreads through every layer after it. A text whose tokens are all
    padding (an empty string, or one whose only characters are stripped)
    is such a sequence; here it pools to a zero vector.

    Formula:
        `y_i = sum_t m_it x_it / max(1, sum_t m_it)`, with `m` the mask (1 on real steps).

    Call arguments:
        inputs: float tensor `(batch, steps, d)`.
        mask: bool tensor `(batch, steps)` or None (every step real); set by
            an `Embedding(mask_zero=True)` or `Masking` layer upstream.

    Returns:
        A tensor `(batch, d)`; the mask stops here.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [100.0]], [[5.0], [7.0], [9.0]]], "float32")
    >>> mask = np.array([[True, True, False], [False, False, False]])
    >>> ops.convert_to_numpy(MaskedMeanPooling()(x, mask=mask)).tolist()
    [[2.0], [0.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.cast(mask, inputs.dtype)[:, :, None]
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
