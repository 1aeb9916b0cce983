"""Cosine similarity, distances and exact nearest-neighbour search.

The functions here accept NumPy arrays, nested lists and Keras/TensorFlow
tensors, and return NumPy arrays. They are careful where the textbook formula
is not:

- a zero vector has cosine similarity 0 with anything (itself included),
  instead of the NaN that `a @ b / (|a| |b|)` gives;
- a single vector passed where a batch `(n_samples, n_features)` is expected is
  either handled (`cosine_similarity`) or rejected with the one-line fix
  (`top_k`), never silently broadcast;
- NaN or infinite input, mismatched feature dimensions and `k` larger than the
  database raise `ValueError` naming the shapes received.

For unit vectors the two measures carry the same information:
`||a - b||^2 = 2 - 2 cos(a, b)`, so ranking by cosine similarity and ranking by
Euclidean distance between L2-normalised vectors give the same neighbours.
"""

import numpy as np

from course_lib._validation import as_array, as_matrix, check_choice, check_positive_int

__all__ = [
    "METRICS",
    "l2_normalize",
    "cosine_similarity",
    "cosine_distance",
    "euclidean_distances",
    "top_k",
]

#: Metrics understood by `top_k` and `course_lib.metrics.evaluate_retrieval`.
METRICS = ("cosine", "euclidean")

# Norms below this are treated as zero: the vector is left at zero, not divided.
_EPSILON = 1e-12


def l2_normalize(x, axis=-1):
    """Scales vectors to unit Euclidean length along `axis`.

    Zero vectors stay zero (no division by zero, no NaN, no warning).

    Formula:
        `l2_normalize(x) = x / max(||x||_2, 1e-12)`

    Args:
        x: array-like of any shape, e.g. `(n_samples, n_features)` or a single
            vector `(n_features,)`. Must be finite.
        axis: axis along which to normalise. Defaults to `-1` (each row of a
            matrix).

    Returns:
        A float32 NumPy array of the same shape as `x`.

    Raises:
        ValueError: if `x` holds NaN or infinite values, or `axis` is out of range.

    Example:

    >>> l2_normalize([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    """
    x = as_array(x, "x")
    if x.ndim == 0:
        raise ValueError(
            f"`x` must have at least one axis; received a scalar {x!r}. "
            f"Pass a vector such as [x]."
        )
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"`axis` must be in [{-x.ndim}, {x.ndim - 1}] for an input of shape "
            f"{x.shape}; received axis={axis}."
        )
    norms = np.linalg.norm(x, axis=axis, keepdims=True)  # float32: no float64 copy of x
    return x / np.maximum(norms, np.float32(_EPSILON))


def _pair_of_inputs(a, b):
    """Checks `a` and `b` for the pairwise functions; returns arrays and a squeeze flag."""
    a = as_array(a, "a")
    b = a if b is None else as_array(b, "b")
    for name, value in (("a", a), ("b", b)):
        if value.ndim not in (1, 2):
            fix = (
                f" Flatten each sample first: {name}.reshape(len({name}), -1)."
                if value.ndim > 2
                else ""
            )
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

    Raises:
        ValueError: on NaN/inf values, inputs of rank other than 1 or 2, or a
            different number of features in `a` and `b`.

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


def euclidean_distances(a, b=None, *, squared=False):
    """Euclidean distances between vectors or between every pair of rows.

    Formula:
        `||a - b||^2 = ||a||^2 + ||b||^2 - 2 a . b`, clipped at 0 against
        rounding error.

    Args:
        a: a vector `(n_features,)` or a batch `(n, n_features)`.
        b: a vector, a batch `(m, n_features)`, or `None` to compare `a` with itself.
        squared: return squared distances (cheaper, same ranking).

    Returns:
        A float for two vectors, an array `(m,)`/`(n,)` for a vector and a batch,
        else an array of shape `(n, m)`.

    Raises:
        ValueError: as `cosine_similarity`.

    Example:

    >>> euclidean_distances([0.0, 0.0], [3.0, 4.0])
    5.0
    >>> euclidean_distances([[0.0, 0.0], [1.0, 0.0]], squared=True)
    array([[0., 1.],
           [1., 0.]], dtype=float32)
    """
    a, b = _pair_of_inputs(a, b)
    a2, b2 = np.atleast_2d(a).astype(np.float64), np.atleast_2d(b).astype(np.float64)
    distances = (
        np.sum(a2 * a2, axis=1)[:, None] + np.sum(b2 * b2, axis=1)[None, :] - 2.0 * (a2 @ b2.T)
    )
    distances = np.maximum(distances, 0.0)
    if not squared:
        distances = np.sqrt(distances)
    distances = distances.astype(np.float32)
    if a.ndim == 1 and b.ndim == 1:
        return float(distances[0, 0])
    if a.ndim == 1:
        return distances[0]
    if b.ndim == 1:
        return distances[:, 0]
    return distances


def _grouped_top_k(scores, k, group_size):
    """Exact `top_k` of `scores` `(batch, n_groups * group_size)`, without sorting every row.

    The database columns are cut into groups of `group_size`. The k groups with the
    largest maxima hold every one of the k best scores: those k maxima are k scores at
    least as large as the k-th group maximum `t`, so nothing outside them can beat `t`.
    Selecting on the group maxima (`n / group_size` values a row) and then among the
    `k * group_size` candidates is several times faster than one `top_k` over all n.
    Ties keep the lower database index first, as `keras.ops.top_k` does: groups are
    selected lower index first and the candidates are kept in database order.
    """
    from keras import ops

    batch, n_padded = scores.shape
    n_groups = n_padded // group_size
    group_max = ops.max(ops.reshape(scores, (batch, n_groups, group_size)), axis=2)
    _, groups = ops.top_k(group_max, k=k)
    groups = ops.sort(groups, axis=1)  # database order, so ties go to the lower index
    columns = groups[:, :, None] * group_size + ops.arange(group_size)[None, None, :]
    columns = ops.reshape(columns, (batch, k * group_size))
    rows = ops.arange(batch)[:, None] * n_padded
    candidates = ops.take(ops.reshape(scores, (-1,)), rows + columns)
    best, positions = ops.top_k(candidates, k=k)
    return best, ops.take_along_axis(columns, positions, axis=1)


# Columns per group in `_grouped_top_k`; 64 was fastest of 32-256 on 100,000 x 64.
_GROUP_SIZE = 64
# Auto chunk size: keep each `(chunk, n_database)` block of float32 scores near 64 MiB.
_BLOCK_BYTES = 64 * 2**20


def top_k(queries, database, k, *, metric="cosine", batch_size=None, exclude_self=False):
    """Exact k-nearest-neighbour search, best match first.

    The queries are processed in chunks of `batch_size`, so memory holds at most a
    `(batch_size, n_database)` block of scores and never the full
    `(n_queries, n_database)` matrix. Each chunk is one matrix product with the
    database (held once as a tensor) and an exact top-k selection in two steps:
    the database is cut into groups of 64 items, the k groups with the largest
    maximum score are kept, and the k best are chosen among their `64 k`
    candidates. That gives the same neighbours as `keras.ops.top_k` over every
    score, several times faster (see `python -m course_lib bench`).

    Ties are broken by the lower database index first.

    Formula:
        `metric="cosine"`: score = `cos(q, x)`, larger is better.
        `metric="euclidean"`: score = `||q - x||`, smaller is better.

    Args:
        queries: `(n_queries, n_features)`. One query must still be a batch:
            `query[None, :]`.
        database: `(n_database, n_features)`.
        k: number of neighbours, `1 <= k <= n_database` (`n_database - 1` when
            `exclude_self`).
        metric: `"cosine"` or `"euclidean"`.
        batch_size: queries per chunk; the score block takes about
            `4 * batch_size * n_database` bytes. Default (None): as many queries
            as fit in a block of about 64 MiB, between 16 and 2,048.
        exclude_self: if True, `queries` and `database` are the same set and
            query `i` never returns database item `i` (leave-one-out search).

    Returns:
        A tuple `(scores, indices)`, both of shape `(n_queries, k)`: float32
        scores (cosine similarities or Euclidean distances) and int64 indices
        into `database`, best first.

    Raises:
        ValueError: on inputs that are not 2-D, NaN/inf values, different feature
            dimensions, an unknown `metric`, or `k` out of range.

    Example:

    >>> database = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    >>> scores, indices = top_k([[1.0, 0.1]], database, k=2)
    >>> indices
    array([[0, 2]])
    >>> scores.round(3)
    array([[0.995, 0.774]], dtype=float32)
    """
    from keras import ops

    check_choice(metric, "metric", METRICS)
    queries = as_matrix(queries, "queries")
    database = as_matrix(database, "database")
    if queries.shape[1] != database.shape[1]:
        raise ValueError(
            f"`queries` and `database` must have the same number of features; received "
            f"shapes {queries.shape} and {database.shape}. Embed both with the same "
            f"model (or flatten both the same way)."
        )
    if exclude_self and queries.shape[0] != database.shape[0]:
        raise ValueError(
            f"`exclude_self=True` needs queries and database to be the same set; "
            f"received {queries.shape[0]} queries and {database.shape[0]} database "
            f"items. Pass the same array twice, or set exclude_self=False."
        )
    n_database = database.shape[0]
    n_candidates = n_database - (1 if exclude_self else 0)
    k = check_positive_int(
        k,
        "k",
        maximum=n_candidates,
        maximum_reason=f" (the database has {n_candidates} candidate(s) per query)",
    )
    if batch_size is None:
        batch_size = int(np.clip(_BLOCK_BYTES // (4 * n_database), 16, 2048))
    batch_size = check_positive_int(batch_size, "batch_size")

    queries = queries.astype(np.float32, copy=False)
    database = database.astype(np.float32, copy=False)
    if metric == "cosine":
        queries, database = l2_normalize(queries), l2_normalize(database)
        offsets = None
    else:
        # Ranking by -||q - x||^2 / 2 = q.x - ||x||^2 / 2 - ||q||^2 / 2, and ||q||^2 is
        # the same for every x: the score q.x - ||x||^2 / 2 ranks like the distance.
        offsets = -0.5 * np.einsum("ij,ij->i", database, database)
    grouped = n_database >= 4 * k * _GROUP_SIZE
    padding = -n_database % _GROUP_SIZE if grouped else 0
    if padding:
        # Pad the database to whole groups with items no query can choose.
        database = np.concatenate([database, np.zeros((padding, database.shape[1]), np.float32)])
        offsets = np.zeros(n_database, np.float32) if offsets is None else offsets
        offsets = np.concatenate([offsets, np.full(padding, np.finfo(np.float32).min)])
    if offsets is not None:
        # One more feature carries each item's offset: [q, 1] . [x, offset] = q.x + offset,
        # so the matrix product adds it, with no second pass over the scores.
        database = np.concatenate([database, offsets[:, None].astype(np.float32)], axis=1)
    database_t = ops.transpose(ops.convert_to_tensor(database))
    del database  # the tensor is the copy that is searched

    all_scores, all_indices = [], []
    for start in range(0, queries.shape[0], batch_size):
        chunk = queries[start : start + batch_size]
        if offsets is not None:
            chunk = np.concatenate([chunk, np.ones((len(chunk), 1), np.float32)], axis=1)
        scores = ops.matmul(ops.convert_to_tensor(chunk), database_t)
        if exclude_self:
            rows = np.arange(chunk.shape[0])
            self_items = np.stack([rows, start + rows], axis=1)
            scores = ops.scatter_update(scores, self_items, np.full(len(rows), -np.inf, np.float32))
        if grouped:
            best, indices = _grouped_top_k(scores, k, _GROUP_SIZE)
        else:
            best, indices = ops.top_k(scores, k=k, sorted=True)
        best = ops.convert_to_numpy(best).astype(np.float64)
        indices = ops.convert_to_numpy(indices).astype(np.int64)
        if metric == "euclidean":
            query_sq_norms = np.einsum("ij,ij->i", chunk[:, :-1], chunk[:, :-1])[:, None]
            best = np.sqrt(np.maximum(query_sq_norms - 2.0 * best, 0.0))
        else:
            best = np.clip(best, -1.0, 1.0)
        all_scores.append(best.astype(np.float32))
        all_indices.append(indices)
    return np.concatenate(all_scores), np.concatenate(all_indices)
