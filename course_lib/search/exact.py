"""Exact nearest-neighbour search: `top_k`, and `ExactIndex` (the same search behind add/search).

`top_k` is the course's exact search (`course_lib.top_k`): one matrix product per
chunk of queries and an exact top-k selection, in `keras.ops`, so it imports
Keras when called. Its NumPy build, `course_lib.neighbours.nearest_neighbours`,
has the same contract and shares its input checks and precision steps; the
retrieval metrics (`course_lib.metrics`) rank with that one and need no Keras.
"""

import numpy as np

from course_lib._validation import check_positive_int
from course_lib.neighbours import (
    EXTRA_CANDIDATES,
    centred_and_scaled,
    check_search_arguments,
    euclidean_neighbours,
    search_identical_rows_once,
)
from course_lib.search._common import check_vectors
from course_lib.similarity import l2_normalize

__all__ = ["top_k", "ExactIndex"]


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
    # Per row, not through flat indices: `row * n_padded + column` overflows int32 once
    # batch * n_padded passes 2**31 (e.g. 2048 queries into 1.1 million items).
    candidates = ops.take_along_axis(scores, columns, axis=1)
    best, positions = ops.top_k(candidates, k=k)
    return best, ops.take_along_axis(columns, positions, axis=1)


# Columns per group in `_grouped_top_k`; 64 was fastest of 32-256 on 100,000 x 64.
_GROUP_SIZE = 64


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

    For `metric="euclidean"` the data are first centred on the database mean and
    scaled by a power of two, so that float32 scores neither overflow nor lose
    the differences between rows to a large common offset; the float32 scores
    then pick `k + 16` candidates. The nearest 64 of them are ranked by distances
    computed in float64 from the original vectors; farther neighbours keep the
    order of the float32 scores, with their distances from those scores
    (accurate to float32 round-off of the centred data). A row is exactly 0
    from itself.

    Ties are broken by the lower database index first, and identical database
    rows always tie (see `course_lib.neighbours`). The NumPy build of the same
    search, with the same results, is `course_lib.neighbours.nearest_neighbours`.

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
        into `database`, best first. A Euclidean distance beyond float32's range
        (about 3.4e38) is returned as `inf`.

    Raises:
        ValueError: on inputs that are not 2-D, NaN/inf values, different feature
            dimensions, an unknown `metric`, or `k` out of range.
        TypeError: on inputs that are not real-valued, a `k` or `batch_size`
            that is not an int, or an `exclude_self` that is not a bool.

    Example:

    >>> database = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    >>> scores, indices = top_k([[1.0, 0.1]], database, k=2)
    >>> indices
    array([[0, 2]])
    >>> scores.round(3)
    array([[0.995, 0.774]], dtype=float32)
    """
    queries, database, k, batch_size, _ = check_search_arguments(
        queries, database, k, metric=metric, batch_size=batch_size, exclude_self=exclude_self
    )

    def search(queries, database, k, exclude_self):
        return _search(queries, database, k, metric=metric, batch_size=batch_size, exclude_self=exclude_self)

    return search_identical_rows_once(search, queries, database, k, metric=metric, exclude_self=exclude_self)


def _search(queries, database, k, *, metric, batch_size, exclude_self):
    """`top_k` on checked float32 arrays."""
    from keras import ops

    n_database = database.shape[0]
    n_candidates = n_database - (1 if exclude_self else 0)
    if metric == "cosine":
        queries, database = l2_normalize(queries), l2_normalize(database)
        offsets, n_search, originals = None, k, None
    else:
        originals = (queries, database)  # the exact distances of the candidates come from these
        queries, database, scale = centred_and_scaled(queries, database)
        # Ranking by -||q - x||^2 / 2 = q.x - ||x||^2 / 2 - ||q||^2 / 2, and ||q||^2 is
        # the same for every x: the score q.x - ||x||^2 / 2 ranks like the distance.
        offsets = -0.5 * np.einsum("ij,ij->i", database, database)
        # float32 scores choose a few more candidates than k; float64 distances rank them.
        n_search = min(k + EXTRA_CANDIDATES, n_candidates)
    grouped = n_database >= 4 * n_search * _GROUP_SIZE
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
            best, indices = _grouped_top_k(scores, n_search, _GROUP_SIZE)
        else:
            best, indices = ops.top_k(scores, k=n_search, sorted=True)
        indices = ops.convert_to_numpy(indices).astype(np.int64)
        if metric == "euclidean":
            best, indices = euclidean_neighbours(
                originals[0][start : start + batch_size],
                originals[1],
                queries[start : start + batch_size],
                ops.convert_to_numpy(best),
                indices,
                k,
                scale,
            )
        else:
            best = np.clip(ops.convert_to_numpy(best), -1.0, 1.0)
        all_scores.append(best.astype(np.float32))
        all_indices.append(indices)
    return np.concatenate(all_scores), np.concatenate(all_indices)


class ExactIndex:
    """Exact cosine search over stored vectors: `top_k` behind an add/search interface.

    Args:
        dim: int, the length of the vectors.

    Example:

    >>> index = ExactIndex(2)
    >>> index.add([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> scores, indices = index.search([[1.0, 0.1]], k=2)
    >>> indices
    array([[0, 2]])
    """

    def __init__(self, dim):
        self.dim = check_positive_int(dim, "dim")
        self._vectors = np.zeros((0, self.dim), dtype=np.float32)

    def __len__(self):
        return len(self._vectors)

    @property
    def memory_bytes(self):
        """Bytes held by the stored vectors (float32)."""
        return int(self._vectors.nbytes)

    @classmethod
    def from_vectors(cls, vectors):
        """Builds an index holding `vectors`: `ExactIndex.from_vectors(x)`."""
        vectors = check_vectors(vectors, "vectors")
        index = cls(vectors.shape[1])
        index.add(vectors)
        return index

    def add(self, vectors):
        """Stores `(n, dim)` vectors, L2-normalised; they get the next indices."""
        vectors = l2_normalize(check_vectors(vectors, "vectors", self.dim))
        self._vectors = np.concatenate([self._vectors, vectors])

    def search(self, queries, k, *, batch_size=None):
        """Top-`k` by cosine: `(scores, indices)`, both `(n_queries, k)`, best first.

        `batch_size` queries are scored at a time (`top_k`), so memory holds a
        `(batch_size, len(index))` block of float32 scores; the default picks a
        block of about 64 MiB (167 queries for 100,000 vectors).
        """
        if not len(self):
            raise ValueError("The index is empty; call add(vectors) before search(queries, k).")
        queries = check_vectors(queries, "queries", self.dim)
        return top_k(queries, self._vectors, k, batch_size=batch_size)
