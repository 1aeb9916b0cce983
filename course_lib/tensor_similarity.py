"""Vector maths on tensors, with `keras.ops` only: the tensor twin of `course_lib.similarity`.

`course_lib.similarity` works on NumPy arrays (a notebook's embeddings); the
functions here work on tensors inside models, layers and losses, on any Keras
backend, with finite gradients everywhere (zero vectors and identical pairs
included). Each name ends in `_tensor`:

- `l2_normalize_tensor`: `x / max(||x||, epsilon)` (the computation of
  `course_lib.layers.L2Normalize`); `unit_vectors_tensor`: `x / ||x||` with no
  floor, for cosines;
- `paired_distances_tensor`: the distance between row `i` of `a` and row `i` of
  `b` (the output of `course_lib.layers.PairDistance`);
- `pairwise_distances_tensor`: the distance between every two rows of one
  batch (the triplet loss's mining); `course_lib.similarity.euclidean_distances`
  is its NumPy counterpart between two sets.

Lengths are taken after dividing each vector by its largest entry wherever
squaring would overflow or underflow float32, so that huge and tiny vectors
get exact results; ordinary vectors take the plain formulas. Integers are cast
to float32; float16 and bfloat16 tensors (mixed precision) are computed in
float32 and the result cast back, since their squares overflow from 256. Values
known when called (outside a compiled training step) are checked as the NumPy
side checks them. Importing this module imports Keras.
"""

import math

import keras
import numpy as np
from keras import ops

from course_lib._validation import check_bool, concrete_values

__all__ = ["l2_normalize_tensor", "unit_vectors_tensor", "paired_distances_tensor", "pairwise_distances_tensor"]

# Squared distances below this count as 0 in the plain formula (a sqrt's gradient is infinite at 0).
_SQUARED_EPSILON = 1e-12


def check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"`axis` must be an int, e.g. -1 (the last axis); received {axis!r}.")
    return axis


def check_epsilon(epsilon):
    if (
        isinstance(epsilon, bool)
        or not isinstance(epsilon, (int, float))
        or not epsilon > 0
        or not math.isfinite(epsilon)
    ):
        raise ValueError(f"`epsilon` must be a positive float, e.g. 1e-12; received {epsilon!r}.")
    return float(epsilon)


def _vector_lengths(x, axis):
    """`(largest, unit_length)` along `axis` (kept): `||x|| = largest * unit_length`.

    Each vector is divided by its largest entry before squaring, so that no
    length overflows or underflows in float32 (entries from about 1e19 or below
    about 1e-19 would). `unit_length` is 1 for a zero vector (`largest = 0`), and
    every step has a finite gradient there.
    """
    largest = ops.max(ops.abs(x), axis=axis, keepdims=True, initial=0.0)  # 0 for no entries
    nonzero = largest > 0.0
    scaled = x / ops.where(nonzero, largest, 1.0)
    squared = ops.sum(ops.square(scaled), axis=axis, keepdims=True)
    return largest, ops.sqrt(ops.where(nonzero, squared, 1.0))


# Vectors whose largest entry lies in [_PLAIN_SMALLEST, _PLAIN_LARGEST) take the plain
# formulas (sum of squares, square root): no square can overflow or underflow there,
# and models trained on ordinary data give exactly the numbers they gave before the
# rescaled formulas existed. Only vectors outside that range take the rescaled path.
_PLAIN_LARGEST = 1e15
_PLAIN_SMALLEST = 1e-6


def _plain_range(largest, *, smallest=0.0):
    return ops.logical_and(largest < _PLAIN_LARGEST, largest >= smallest)


def check_tensor_input(inputs, name="inputs"):
    """A tensor argument, checked before Keras converts it: real, finite, at least 1-D (when known).

    Python lists become NumPy arrays (Keras takes a list for several inputs); tensors whose
    values are not known yet (a functional model being built, a compiled step) pass as they are.
    """
    values = concrete_values(inputs, name)
    if values is None:
        return inputs
    if values.ndim == 0:
        raise ValueError(f"`{name}` must have at least one axis, e.g. (batch_size, features); received a scalar.")
    return np.asarray(inputs) if isinstance(inputs, (list, tuple)) else inputs


def float_tensor(x):
    """`x` as a tensor, integers and booleans cast to float32 (as the NumPy side does)."""
    x = ops.convert_to_tensor(x)
    return x if keras.backend.is_float_dtype(x.dtype) else ops.cast(x, "float32")


# Float types whose squares overflow from entries of 256 (float16) or lose most digits (bfloat16):
# lengths and distances are computed in float32 and the result is cast back.
_NARROW_FLOATS = ("float16", "bfloat16")


def widened(x):
    """`(x, dtype)`: `x` in float32 when its float type is float16 or bfloat16, and its own dtype to cast back to."""
    dtype = keras.backend.standardize_dtype(x.dtype)
    return (ops.cast(x, "float32"), dtype) if dtype in _NARROW_FLOATS else (x, dtype)


def _check_axis_in_range(axis, x, name):
    rank = len(x.shape)
    if not -rank <= axis < rank:
        raise ValueError(
            f"`axis` must be in [{-rank}, {rank - 1}] for `{name}` of shape {tuple(x.shape)}; received axis={axis}."
        )


def check_features(x, name):
    """Raises if the vectors of `x` (its last axis) have no entries: no similarity to measure."""
    if x.shape[-1] == 0:
        raise ValueError(
            f"`{name}` must have at least one feature (last axis); received shape {tuple(x.shape)}. "
            f"Check the step that built the vectors (an empty slice?)."
        )


def check_pair_shapes(a, b):
    """Raises unless `a` and `b` are 2-D `(batch_size, embedding_dim)` of one shape (where known)."""
    for name, value in (("a", a), ("b", b)):
        if len(value.shape) != 2:
            raise ValueError(
                f"`{name}` must be 2-D (batch_size, embedding_dim), one pair per row; received "
                f"shape {tuple(value.shape)}. For one pair use {name}[None, :]."
            )
        check_features(value, name)
    if any(left is not None and right is not None and left != right for left, right in zip(a.shape, b.shape)):
        raise ValueError(
            f"`a` and `b` must have the same shape (batch_size, embedding_dim), one pair per "
            f"row; received shapes {tuple(a.shape)} and {tuple(b.shape)}."
        )


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
        A tensor of the shape of `x`, of its dtype (float32 for integers, which
        are cast first, as `course_lib.similarity.l2_normalize` does). An empty
        tensor (no vectors, or vectors of no entries) is returned with its shape.

    Raises:
        TypeError: if `axis` is not an int, or `x` (when its values are known,
            i.e. outside a compiled training step) is not real-valued.
        ValueError: if `epsilon` is not a positive finite number, `axis` is out
            of range for `x`, or `x` holds NaN or infinite values or is a
            scalar (checked when known).

    Example:

    >>> import numpy as np
    >>> np.asarray(l2_normalize_tensor(np.array([[3.0, 4.0], [0.0, 0.0]]))).round(2).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    check_axis(axis)
    epsilon = check_epsilon(epsilon)
    check_tensor_input(x, "x")
    x, dtype = widened(float_tensor(x))
    _check_axis_in_range(axis, x, "x")
    largest, unit_length = _vector_lengths(x, axis)
    plain = _plain_range(largest, smallest=_PLAIN_SMALLEST)
    # Keras's formula where it is exact; the other vectors are replaced by ones there, so that
    # no NaN from its gradient at 0 (or inf from an overflowed square) leaks through the where.
    normalized = ops.normalize(ops.where(plain, x, 1.0), axis=axis, order=2, epsilon=epsilon)
    unit = x / ops.where(largest > 0.0, largest, 1.0) / unit_length
    # ||x|| >= epsilon: the unit vector; shorter: x / epsilon, as the formula says.
    rescaled = ops.where(largest * unit_length >= epsilon, unit, x / epsilon)
    return ops.cast(ops.where(plain, normalized, rescaled), dtype)


def unit_vectors_tensor(x, axis=-1):
    """`x / ||x||` along `axis` with no floor: every non-zero vector gets length 1, zero stays 0.

    For cosines (`PairDistance(metric="cosine")`, `course_lib.heads.cosine_logits`),
    where a floor such as `l2_normalize_tensor`'s would turn two short parallel
    vectors into a cosine near 0.

    Formula:
        `y = x / ||x||_2` along `axis`, and `0` for the zero vector.

    Args:
        x: float tensor of any shape, e.g. `(batch_size, embedding_dim)`
            (integers are cast to float32).
        axis: int, the axis that holds each vector. Defaults to `-1`.

    Returns:
        A tensor of the shape of `x`.

    Raises:
        TypeError: if `axis` is not an int, or `x` (when known) is not real-valued.
        ValueError: if `axis` is out of range for `x`, or `x` (when known)
            holds NaN or infinite values or is a scalar.

    Example:

    >>> import numpy as np
    >>> np.asarray(unit_vectors_tensor(np.array([[3e-30, 4e-30], [0.0, 0.0]]))).round(2).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    check_axis(axis)
    check_tensor_input(x, "x")
    x, dtype = widened(float_tensor(x))
    _check_axis_in_range(axis, x, "x")
    largest, unit_length = _vector_lengths(x, axis)
    rescaled = x / ops.where(largest > 0.0, largest, 1.0) / unit_length
    plain = x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-24))
    return ops.cast(ops.where(_plain_range(largest, smallest=_PLAIN_SMALLEST), plain, rescaled), dtype)


def paired_distances_tensor(a, b, epsilon=1e-12):
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
        A float tensor `(batch_size,)` of non-negative distances; `(0,)` for an
        empty batch.

    Raises:
        ValueError: if an input is not 2-D, the shapes differ, `epsilon` is
            not positive, or (when the values are known) an input holds NaN or
            infinite values.
        TypeError: if an input is not real-valued (checked when known).

    Example:

    >>> import numpy as np
    >>> np.asarray(paired_distances_tensor(np.array([[0.0, 0.0], [1.0, 1.0]]),
    ...                                    np.array([[3.0, 4.0], [1.0, 1.0]]))).tolist()
    [5.0, 0.0]
    """
    epsilon = check_epsilon(epsilon)
    for name, value in (("a", a), ("b", b)):
        check_tensor_input(value, name)
    a, b = float_tensor(a), float_tensor(b)
    dtype = keras.backend.result_type(a.dtype, b.dtype, float)  # e.g. float64 with float32
    (a, dtype), (b, _) = widened(ops.cast(a, dtype)), widened(ops.cast(b, dtype))
    check_pair_shapes(a, b)
    largest, unit_length = _vector_lengths(a - b, -1)
    distance = ops.squeeze(largest * unit_length, axis=-1)
    # Squared distances below epsilon count as 0, with a zero gradient.
    rescaled = ops.where(distance > math.sqrt(epsilon), distance, 0.0)
    squared = ops.sum(ops.square(a - b), axis=-1)
    positive = squared > epsilon
    plain = ops.where(positive, ops.sqrt(ops.where(positive, squared, 1.0)), 0.0)
    distances = ops.where(_plain_range(ops.squeeze(largest, axis=-1), smallest=_PLAIN_SMALLEST), plain, rescaled)
    return ops.cast(distances, dtype)


def pairwise_distances_tensor(embeddings, *, squared=False):
    """Euclidean distances between every pair of rows of one batch, with `keras.ops` only.

    Computed from the differences of every pair of rows (a `(batch_size,
    batch_size, embedding_dim)` tensor: small for the batches of this course),
    so identical rows are exactly 0 apart; the shortcut `||a||^2 + ||b||^2 -
    2 a.b` leaves round-off of about 1e-3 there. Each difference is divided by
    its largest entry `m` before squaring, `||d|| = m ||d / m||`, so the
    gradient stays finite at 0 (a plain `sqrt` would give NaN gradients for
    identical rows) and distances do not overflow in float32 below its limit
    (about 3.4e38); with `squared=True`, squared distances beyond it
    (distances from about 1.8e19) are `inf`, and those below float32's
    smallest normal number (about 1.2e-38) may be 0 (TensorFlow on a CPU
    flushes subnormal numbers to zero). That rescaling is only needed for
    differences whose largest entry lies outside `[1e-6, 1e15)`; when no pair
    of the batch has one (as in training, on unit vectors), the batch takes
    the plain formula alone, which gives the same numbers (and gradients) at a
    third of the cost.

    Formula:
        `D_ij = ||e_i - e_j||_2` (or its square with `squared=True`).

    Args:
        embeddings: float tensor `(batch_size, embedding_dim)` (integers are
            cast to float32).
        squared: bool, return squared distances. Keyword-only. Defaults to
            `False`.

    Returns:
        A float tensor `(batch_size, batch_size)`, symmetric, with a zero
        diagonal; `(0, 0)` for an empty batch.

    Raises:
        ValueError: if `embeddings` is not 2-D or has no feature, or (when its
            values are known, i.e. outside a compiled training step) holds NaN
            or infinite values.
        TypeError: if `squared` is not a bool, or the values (when known) are
            not real numbers.

    Example:

    >>> import numpy as np
    >>> np.asarray(pairwise_distances_tensor(np.array([[0.0, 0.0], [3.0, 4.0]]))).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    squared = check_bool(squared, "squared")
    concrete_values(embeddings, "embeddings")  # real and finite, when the values are known
    embeddings, dtype = widened(float_tensor(embeddings))
    if len(embeddings.shape) != 2:
        raise ValueError(
            f"`embeddings` must be 2-D (batch_size, embedding_dim); received shape {tuple(embeddings.shape)}."
        )
    check_features(embeddings, "embeddings")
    differences = embeddings[:, None, :] - embeddings[None, :, :]
    largest = ops.stop_gradient(ops.max(ops.abs(differences), axis=-1, initial=0.0))  # initial: an empty batch
    # Identical rows (largest entry 0) are 0 apart, with a zero gradient, on either path.
    all_plain = ops.all(ops.logical_or(_plain_range(largest, smallest=_PLAIN_SMALLEST), largest == 0.0))
    distances = ops.cond(
        all_plain,
        lambda: _plain_distances(differences, squared),
        lambda: _rescaled_distances(differences, squared),
    )
    return ops.cast(distances, dtype)


def _plain_distances(differences, squared):
    """Distances (or squares) from a `(..., dim)` tensor of differences by the plain formula."""
    plain_squared = ops.sum(ops.square(differences), axis=-1)
    if squared:
        return plain_squared
    # A squared distance below 1e-12 counts as 0: such pairs differ by less than 1e-6
    # everywhere, and with the rescaled path next to it they take that path instead.
    positive = plain_squared > _SQUARED_EPSILON
    return ops.where(positive, ops.sqrt(ops.where(positive, plain_squared, 1.0)), 0.0)


def _rescaled_distances(differences, squared):
    """The plain formula where it is exact, each difference rescaled by its largest entry elsewhere."""
    largest, unit_length = _vector_lengths(differences, -1)  # no overflow in the squares
    rescaled = ops.squeeze(largest * unit_length, axis=-1)
    plain = _plain_range(ops.squeeze(largest, axis=-1), smallest=_PLAIN_SMALLEST)
    if squared:
        return ops.where(plain, _plain_distances(differences, True), ops.square(rescaled))
    return ops.where(plain, _plain_distances(differences, False), rescaled)
