"""Cosine similarity and distances, in NumPy.

The functions here accept NumPy arrays, nested lists and Keras/TensorFlow
tensors, and return NumPy arrays. They are careful where the textbook formula
is not:

- a zero vector has cosine similarity 0 with anything (itself included),
  instead of the NaN that `a @ b / (|a| |b|)` gives, and every other vector,
  however short or long, is normalised exactly (lengths are computed after
  rescaling, so they neither overflow nor underflow in float32);
- a single vector passed where a batch `(n_samples, n_features)` is expected is
  either handled (`cosine_similarity`) or rejected with the one-line fix
  (`course_lib.top_k`), never silently broadcast;
- NaN or infinite input, mismatched feature dimensions and `k` larger than the
  database raise `ValueError` naming the shapes received.

For unit vectors the two measures carry the same information:
`||a - b||^2 = 2 - 2 cos(a, b)`, so ranking by cosine similarity and ranking by
Euclidean distance between L2-normalised vectors give the same neighbours.

Exact nearest-neighbour search lives elsewhere: `course_lib.top_k` (on Keras,
in `course_lib.search.exact`) and its NumPy build `course_lib.neighbours.
nearest_neighbours`. The same vector maths on tensors, inside models and losses,
is `course_lib.tensor_similarity`. This module needs NumPy only.

Empty input: a batch of 0 vectors gives an empty result of the right shape
(`l2_normalize` of any empty array returns it as it is); vectors with 0
features are refused, since a similarity between them means nothing.
"""

import numpy as np

from course_lib._validation import as_array, check_bool

__all__ = [
    "METRICS",
    "l2_normalize",
    "cosine_similarity",
    "cosine_distance",
    "euclidean_distances",
]

#: Metrics understood by `course_lib.top_k`, `course_lib.metrics.evaluate_retrieval`
#: and `course_lib.layers.PairDistance`; the first is the default everywhere.
METRICS = ("cosine", "euclidean")


# Norms outside [_TINY, _HUGE] are computed after rescaling each vector by its
# largest entry: squaring entries above ~1e19 overflows float32, below ~1e-19 underflows.
_TINY, _HUGE = 1e-15, 1e15


def _unit_vectors(x, axis):
    """`x / ||x||` along `axis` (zero vectors stay zero), exact at every float32 magnitude."""
    with np.errstate(over="ignore", under="ignore"):  # caught just below
        norms = np.linalg.norm(x, axis=axis, keepdims=True)  # float32: no float64 copy of x
    if not np.all((norms >= _TINY) & (norms <= _HUGE)):  # zero, tiny (maybe underflowed) or huge
        # Rare path (as np.linalg.norm does for single vectors): divide each vector by
        # its largest entry first, so that squaring neither overflows nor underflows.
        largest = np.max(np.abs(x), axis=axis, keepdims=True)
        x = x / np.where(largest > 0, largest, np.float32(1))
        norms = np.linalg.norm(x, axis=axis, keepdims=True)
    return x / np.where(norms > 0, norms, np.float32(1))


def l2_normalize(x, axis=-1, *, dtype=np.float32):
    """Scales vectors to unit Euclidean length along `axis`.

    Zero vectors stay zero (no division by zero, no NaN, no warning). Every
    other finite vector gets length 1, however short or long: the length is
    computed after dividing by the largest entry when squaring the entries
    would overflow or underflow float32 (entries from about 1e19, or below
    about 1e-19). An empty array (no vectors, or vectors of no entries) is
    returned as it is, with its shape.

    Formula:
        `l2_normalize(x) = x / ||x||_2`, and `0` for the zero vector.

    Args:
        x: array-like of any shape, e.g. `(n_samples, n_features)` or a single
            vector `(n_features,)`. Must be finite and real.
        axis: int, the axis along which to normalise. Defaults to `-1` (each
            row of a matrix).
        dtype: the float type of the result, `np.float32` (default) or
            `np.float64`. Keyword-only.

    Returns:
        A NumPy array of `dtype`, of the same shape as `x`.

    Raises:
        ValueError: if `x` holds NaN or infinite values, `axis` is out of range,
            or `dtype` is not float32 or float64.
        TypeError: if `x` is not real-valued or `axis` is not an int.

    Example:

    >>> l2_normalize([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    >>> l2_normalize([[3e20, 4e20]])  # no overflow in float32
    array([[0.6, 0.8]], dtype=float32)
    """
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"`dtype` must be np.float32 or np.float64; received {dtype!r}.")
    x = as_array(x, "x", dtype=dtype)
    if x.ndim == 0:
        raise ValueError(f"`x` must have at least one axis; received a scalar {x!r}. Pass a vector such as [x].")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"`axis` must be an int, e.g. -1 (the last axis); received {axis!r}.")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"`axis` must be in [{-x.ndim}, {x.ndim - 1}] for an input of shape {x.shape}; received axis={axis}."
        )
    if x.size == 0:  # no vector to scale
        return x.copy()
    return _unit_vectors(x, int(axis))


def _pair_of_inputs(a, b):
    """Checks `a` and `b` for the pairwise functions; returns arrays and a squeeze flag."""
    a = as_array(a, "a")
    b = a if b is None else as_array(b, "b")
    for name, value in (("a", a), ("b", b)):
        if value.ndim not in (1, 2):
            fix = f" Flatten each sample first: {name}.reshape(len({name}), -1)." if value.ndim > 2 else ""
            raise ValueError(
                f"`{name}` must be a vector (n_features,) or a batch "
                f"(n_samples, n_features); received a {value.ndim}-D array of "
                f"shape {value.shape}.{fix}"
            )
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"`a` and `b` must have the same number of features (last axis); received "
            f"shapes {a.shape} and {b.shape}. Both must come from the same embedding "
            f"(or the same flattening of the images)."
        )
    if a.shape[-1] == 0:
        raise ValueError(
            f"`a` and `b` must have at least one feature (last axis); received shapes {a.shape} "
            f"and {b.shape}. Check the step that built the vectors (an empty slice?)."
        )
    return a, b


def cosine_similarity(a, b=None):
    """Cosine similarity between vectors or between every pair of rows.

    Formula:
        `cos(a, b) = (a . b) / (||a|| ||b||)`, taken as 0 when either vector is
        zero.

    Args:
        a: a vector `(n_features,)` or a batch `(n, n_features)`.
        b: a vector `(n_features,)`, a batch `(m, n_features)`, or `None` to
            compare `a` with itself.

    Returns:
        - two vectors: a Python float in [-1, 1];
        - a vector and a batch (either order): an array of shape `(m,)` (or `(n,)`),
          the vector against each row;
        - two batches: an array of shape `(n, m)`, entry `[i, j]` comparing
          `a[i]` with `b[j]`.

        A batch of 0 rows gives an empty array of the shape above.

    Raises:
        ValueError: on NaN/inf values, inputs of rank other than 1 or 2, a
            different number of features in `a` and `b`, or no features.
        TypeError: if an input is not real-valued.

    Example:

    >>> cosine_similarity([1.0, 0.0], [1.0, 1.0])
    0.7071...
    >>> cosine_similarity([[1.0, 0.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]])
    array([[1., 0.],
           [0., 0.]], dtype=float32)
    """
    a, b = _pair_of_inputs(a, b)
    similarity = l2_normalize(np.atleast_2d(a)) @ l2_normalize(np.atleast_2d(b)).T
    similarity = np.clip(similarity, -1.0, 1.0)
    if a.ndim == 1 and b.ndim == 1:
        return float(similarity[0, 0])
    if a.ndim == 1:
        return similarity[0]
    if b.ndim == 1:
        return similarity[:, 0]
    return similarity


def cosine_distance(a, b=None):
    """Cosine distance, `1 - cosine_similarity(a, b)`, in [0, 2].

    Takes and returns the same shapes as `cosine_similarity`. A zero vector is at
    distance 1 from everything.

    Formula:
        `d(a, b) = 1 - cos(a, b)`

    Args:
        a: a vector `(n_features,)` or a batch `(n, n_features)`.
        b: a vector, a batch `(m, n_features)`, or `None` to compare `a` with itself.

    Returns:
        A float for two vectors, else an array of shape `(m,)`, `(n,)` or `(n, m)`.

    Raises:
        ValueError: as `cosine_similarity`.

    Example:

    >>> cosine_distance([1.0, 0.0], [-1.0, 0.0])
    2.0
    """
    similarity = cosine_similarity(a, b)
    return 1.0 - similarity


def _squared_distances(a, b):
    """Squared Euclidean distances `(n, m)` in float64, accurate for close and far pairs alike.

    The matrix product form is used on data centred on `b`'s mean, which removes the
    cancellation a large common offset would cause; entries still small against the
    norms (near-duplicates) are recomputed from the differences, so a row is exactly
    0 from itself.
    """
    if 0 in (len(a), len(b)):  # no pair to measure
        return np.zeros((len(a), len(b)))
    a, b = a.astype(np.float64), b.astype(np.float64)
    centre = b.mean(axis=0)
    a_centred, b_centred = a - centre, b - centre
    a_sq = np.einsum("ij,ij->i", a_centred, a_centred)
    b_sq = np.einsum("ij,ij->i", b_centred, b_centred)
    squared = np.maximum(a_sq[:, None] + b_sq[None, :] - 2.0 * (a_centred @ b_centred.T), 0.0)
    rows, cols = np.nonzero(squared <= 1e-8 * (a_sq[:, None] + b_sq[None, :]))
    step = max(1, 2**20 // a.shape[1])  # about 8 MiB of differences at a time
    for start in range(0, len(rows), step):
        r, c = rows[start : start + step], cols[start : start + step]
        squared[r, c] = np.sum(np.square(a[r] - b[c]), axis=1)
    return squared


def euclidean_distances(a, b=None, *, squared=False):
    """Euclidean distances between vectors or between every pair of rows.

    Computed in float64 and returned in float32: each distance agrees with the
    exact one to float32 rounding (relative error below `1e-6`), and a distance
    beyond float32's range (about 3.4e38; with `squared=True`, points more than
    about 1.8e19 apart) is returned as `inf`. Identical rows are exactly 0
    apart; in particular a self-comparison (`b` is `None` or `b is a`) has an
    exactly zero diagonal, as in scikit-learn.

    Formula:
        `||a - b||^2 = ||a||^2 + ||b||^2 - 2 a . b`, on data centred on the
        mean of `b`; pairs closer than about `1e-4` of their norms are
        recomputed as `sum((a - b)^2)`.

    Args:
        a: a vector `(n_features,)` or a batch `(n, n_features)`.
        b: a vector, a batch `(m, n_features)`, or `None` to compare `a` with itself.
        squared: bool, return squared distances (cheaper, same ranking).
            Keyword-only. Defaults to False.

    Returns:
        A float for two vectors, an array `(m,)`/`(n,)` for a vector and a batch,
        else a float32 array of shape `(n, m)`.

    Raises:
        ValueError: as `cosine_similarity`.
        TypeError: if an input is not real-valued, or `squared` is not a bool.

    Example:

    >>> euclidean_distances([0.0, 0.0], [3.0, 4.0])
    5.0
    >>> euclidean_distances([[0.0, 0.0], [1.0, 0.0]], squared=True)
    array([[0., 1.],
           [1., 0.]], dtype=float32)
    """
    squared = check_bool(squared, "squared")
    self_comparison = b is None or b is a
    a, b = _pair_of_inputs(a, b)
    distances = _squared_distances(np.atleast_2d(a), np.atleast_2d(b))
    if self_comparison:
        np.fill_diagonal(distances, 0.0)  # a row is 0 from itself, whatever the rounding
    if not squared:
        distances = np.sqrt(distances)
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as documented
        distances = distances.astype(np.float32)
    if a.ndim == 1 and b.ndim == 1:
        return float(distances[0, 0])
    if a.ndim == 1:
        return distances[0]
    if b.ndim == 1:
        return distances[:, 0]
    return distances
