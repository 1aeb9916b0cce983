"""Exact nearest neighbours in NumPy: `nearest_neighbours`, and the steps it shares with `top_k`.

The course has one exact search, in two builds with one contract:

- `course_lib.top_k` (`course_lib.search.exact`): the matrix products and the
  top-k selection run on Keras, several times faster on a large database
  (`python -m course_lib bench`). Notebooks search with it.
- `nearest_neighbours` (here): the same search in NumPy only, so that the
  retrieval metrics (`course_lib.metrics.evaluate_retrieval`) need neither
  Keras nor TensorFlow, and the benchmark has a NumPy method and a float64
  reference.

Both take `(queries, database, k)` and return `(scores, indices)`, best first,
with ties broken by the lower database index, and both get their precision
from the steps defined here (tests/test_neighbours.py checks that they agree):

- cosine: the vectors are L2-normalised (`course_lib.similarity.l2_normalize`),
  so a score is a dot product of unit vectors, clipped to `[-1, 1]`;
- Euclidean: the data are scaled by a power of two and centred on the database
  mean (`centred_and_scaled`), so the score `q.x - ||x||^2 / 2` (which ranks as
  the distance does) neither overflows nor loses the differences between rows
  to a large common offset; it chooses `k + 16` candidates, and the nearest 64
  of them are ranked by distances computed in float64 from the original
  vectors (`refine_euclidean`), so exact ties stay ties.

**Ties.** Equal scores go to the lower database index first. Identical
database rows (for cosine: rows with the same direction) always tie: the
search scores one row of each group of identical rows (`identical_row_groups`)
and hands its place to the group's members, lowest index first
(`expand_groups`). Scoring every copy would not do: a matrix product may round
two identical columns differently in the last bit (vectorised kernels treat
the last few columns apart), and the copies would then come in any order.
"""

import numpy as np

from course_lib._validation import as_matrix, check_bool, check_choice, check_positive_int, query_batch_size
from course_lib.similarity import METRICS, l2_normalize

__all__ = ["nearest_neighbours"]

# The Euclidean search takes this many candidates beyond k from the float32 scores.
EXTRA_CANDIDATES = 16
# It ranks this many nearest neighbours of each query by float64 distances; farther ones keep
# the order of the scores of the centred data (accurate to their round-off), so that a large k
# (MAP@R needs each class's size) stays cheap.
REFINED_NEIGHBOURS = 64
_FLOAT_TYPES = (np.float32, np.float64)


def check_search_arguments(queries, database, k, *, metric, batch_size, exclude_self, dtype=np.float32):
    """The checked arguments of an exact search: `(queries, database, k, batch_size, n_candidates)`.

    Shared by `nearest_neighbours` and `course_lib.top_k`, so that both refuse
    the same input with the same words.
    """
    check_choice(metric, "metric", METRICS)
    exclude_self = check_bool(exclude_self, "exclude_self")
    queries = as_matrix(queries, "queries", dtype=dtype)
    database = as_matrix(database, "database", dtype=dtype)
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
    n_candidates = database.shape[0] - (1 if exclude_self else 0)
    k = check_positive_int(
        k, "k", maximum=n_candidates, maximum_reason=f" (the database has {n_candidates} candidate(s) per query)"
    )
    return queries, database, k, query_batch_size(batch_size, database.shape[0]), n_candidates


def centred_and_scaled(queries, database):
    """Queries and database scaled by a power of two to at most 1 and centred on the database mean.

    Returns `(queries, database, scale)` in the input's float type. Distances keep
    their ranking, and the score `q.x - ||x||^2 / 2` neither overflows (entries
    from about 1e19 would in float32) nor loses the differences between rows to a
    large common offset.
    """
    dtype = queries.dtype.type
    largest = max(float(np.max(np.abs(queries))), float(np.max(np.abs(database))))
    scale = dtype(2.0 ** -np.ceil(np.log2(largest))) if largest > 0 else dtype(1)
    queries, database = queries * scale, database * scale  # exact: a power of two
    centre = database.mean(axis=0, dtype=np.float64).astype(dtype)
    return queries - centre, database - centre, scale


def refine_euclidean(queries, database, candidates, k):
    """The `k` nearest of each query's `candidates`, by distances computed in float64.

    Returns float64 distances `(n_queries, k)` and their indices, nearest first,
    ties to the lower index. Identical rows are exactly 0 apart.
    """
    n_queries, n_search = candidates.shape
    distances = np.empty((n_queries, n_search))
    step = max(1, 2**22 // (n_search * queries.shape[1]))  # about 32 MiB of differences
    for start in range(0, n_queries, step):
        rows = slice(start, start + step)
        differences = database[candidates[rows]].astype(np.float64) - queries[rows, None, :].astype(np.float64)
        distances[rows] = np.sqrt(np.einsum("qcf,qcf->qc", differences, differences))
    order = np.lexsort((candidates, distances), axis=-1)[:, :k]
    return np.take_along_axis(distances, order, axis=1), np.take_along_axis(candidates, order, axis=1)


def euclidean_neighbours(queries, database, scaled_queries, scores, candidates, k, scale):
    """The `k` nearest of the `candidates`: the first 64 by float64 distances, the rest by score.

    `scores` are the scores `q.x - ||x||^2 / 2` of the centred, scaled data
    (`scaled_queries`) of each candidate, best first; `scale` is that scaling;
    `queries` and `database` are the original vectors. Returns float32 distances
    and int64 indices, both `(n_queries, k)`, nearest first.
    """
    head = min(k, REFINED_NEIGHBOURS)
    n_head = min(head + EXTRA_CANDIDATES, candidates.shape[1])
    head_distances, head_indices = refine_euclidean(queries, database, candidates[:, :n_head], head)
    if head == k:
        distances, indices = head_distances, head_indices
    else:
        # The tail: the head's candidates that were not kept (in score order), then the rest.
        kept = (candidates[:, :n_head, None] == head_indices[:, None, :]).any(axis=-1)
        left = np.argsort(kept, axis=1, kind="stable")[:, : n_head - head]
        tail = np.concatenate(
            [np.take_along_axis(candidates[:, :n_head], left, axis=1), candidates[:, n_head:]], axis=1
        )[:, : k - head]
        tail_scores = np.concatenate(
            [np.take_along_axis(scores[:, :n_head], left, axis=1), scores[:, n_head:]], axis=1
        )[:, : k - head].astype(np.float64)
        # ||q - x||^2 = ||q||^2 - 2 (q.x - ||x||^2 / 2), in the scaled units.
        squared_norms = np.einsum("ij,ij->i", scaled_queries, scaled_queries, dtype=np.float64)
        tail_distances = np.sqrt(np.maximum(squared_norms[:, None] - 2.0 * tail_scores, 0.0)) / float(scale)
        distances = np.concatenate([head_distances, tail_distances], axis=1)
        indices = np.concatenate([head_indices, tail], axis=1)
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as documented
        return distances.astype(np.float32), indices.astype(np.int64)


_HASH_CHUNK = 8192  # rows hashed at a time (a uint64 copy of each)


def identical_row_groups(rows):
    """Groups of identical rows of `rows` `(n, d)`, or None when every row differs.

    Rows are hashed (their bits times fixed odd multipliers, summed modulo 2**64), and
    rows with equal hashes are compared entry by entry, so a collision never merges
    different rows. `0.0` and `-0.0` count as the same value.

    Returns:
        None, or a tuple `(first, group)`: int64 `(n_groups,)`, the lowest index of each
        group, ascending; int64 `(n,)`, the group of each row.
    """
    rows = np.ascontiguousarray(rows + rows.dtype.type(0))  # -0.0 + 0.0 is 0.0
    unsigned = np.uint32 if rows.dtype.itemsize == 4 else np.uint64
    multipliers = np.random.default_rng(0).integers(1, 2**63, size=rows.shape[1], dtype=np.uint64) | np.uint64(1)
    hashes = np.concatenate(
        [
            rows[start : start + _HASH_CHUNK].view(unsigned).astype(np.uint64) @ multipliers
            for start in range(0, len(rows), _HASH_CHUNK)
        ]
    )
    order = np.argsort(hashes, kind="stable")
    repeated = hashes[order][1:] == hashes[order][:-1]
    if not repeated.any():
        return None
    suspects = np.unique(order[np.concatenate([repeated, [False]]) | np.concatenate([[False], repeated])])
    as_bytes = rows[suspects].view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, inverse = np.unique(as_bytes, return_inverse=True)
    lowest = np.full(inverse.max() + 1, len(rows))
    np.minimum.at(lowest, inverse, suspects)
    representative = np.arange(len(rows))
    representative[suspects] = lowest[inverse]
    first, group = np.unique(representative, return_inverse=True)
    if len(first) == len(rows):  # the hashes collided, the rows differ
        return None
    return first.astype(np.int64), group.astype(np.int64)


def expand_groups(scores, groups, k, grouping, *, exclude_self):
    """Per query, the `k` best rows from the `groups` of identical rows it found, best first.

    `scores` and `groups` `(n_queries, m)` are a search of one row per group (`first`
    of `grouping`, from `identical_row_groups`); each group's members take its place,
    lowest index first, with its score. With `exclude_self`, query `i` is row `i` of
    the database and is left out (the last member is dropped when `i` is not among them).
    """
    first, group_of = grouping
    n_rows, n_queries = len(group_of), len(groups)
    counts = np.bincount(group_of, minlength=len(first))
    members = np.argsort(group_of, kind="stable")  # by group, lowest index first
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    wanted = k + (1 if exclude_self else 0)
    chosen_counts = counts[groups]
    ends = np.cumsum(chosen_counts, axis=1)  # per query, increasing, at most n_rows
    row_offsets = np.arange(n_queries)[:, None] * (n_rows + 1)
    positions = np.arange(wanted)[None, :]
    slot = np.searchsorted((ends + row_offsets).ravel(), (positions + row_offsets).ravel(), side="right")
    slot = slot.reshape(n_queries, wanted) - np.arange(n_queries)[:, None] * groups.shape[1]
    query_rows = np.arange(n_queries)[:, None]
    chosen = groups[query_rows, slot]
    indices = members[starts[chosen] + positions - (ends - chosen_counts)[query_rows, slot]]
    scores = scores[query_rows, slot]
    if exclude_self:
        drop = indices == np.arange(n_queries)[:, None]
        drop[~drop.any(axis=1), -1] = True
        indices, scores = indices[~drop].reshape(n_queries, k), scores[~drop].reshape(n_queries, k)
    return scores, indices.astype(np.int64)


def search_identical_rows_once(search, queries, database, k, *, metric, exclude_self):
    """Runs `search(queries, database, k, exclude_self)` with one row of each group of identical rows.

    The search behind both builds: when every row differs it is called as it is;
    otherwise on the first row of each group, and the groups are expanded
    (`expand_groups`), so that identical rows tie exactly, lowest index first.
    """
    grouping = identical_row_groups(
        l2_normalize(database, dtype=database.dtype.type) if metric == "cosine" else database
    )
    if grouping is None:
        return search(queries, database, k, exclude_self)
    first = grouping[0]
    scores, groups = search(queries, database[first], min(k + (1 if exclude_self else 0), len(first)), False)
    return expand_groups(scores, groups, k, grouping, exclude_self=exclude_self)


def best_scores(scores, n):
    """The `n` largest entries of each row of `scores`, best first, ties to the lower column.

    Returns `(best, columns)`, both `(n_rows, n)`.
    """
    n_columns = scores.shape[1]
    if n < n_columns:
        columns = np.argpartition(-scores, n - 1, axis=1)[:, :n]
        nth = np.take_along_axis(scores, columns, axis=1).min(axis=1, keepdims=True)
        # A tie at the n-th score: argpartition may keep either item; keep the lower column.
        for row in np.flatnonzero(np.count_nonzero(scores >= nth, axis=1) > n):
            columns[row] = np.argsort(-scores[row], kind="stable")[:n]
    else:
        columns = np.broadcast_to(np.arange(n_columns), scores.shape)
    best = np.take_along_axis(scores, columns, axis=1)
    order = np.lexsort((columns, -best), axis=-1)
    return np.take_along_axis(best, order, axis=1), np.take_along_axis(columns, order, axis=1).astype(np.int64)


def nearest_neighbours(queries, database, k, *, metric="cosine", batch_size=None, exclude_self=False, dtype=np.float32):
    """Exact k-nearest-neighbour search in NumPy, best match first: `course_lib.top_k` without Keras.

    The same contract as `course_lib.top_k`, with the same neighbours and
    scores (to float32 round-off) and the same tie rule: equal scores go to the
    lower database index first. The queries are scored in chunks of
    `batch_size`, so memory holds at most a `(batch_size, n_database)` block
    of scores. See the module docstring for how the scores keep their
    precision at any magnitude.

    Formula:
        `metric="cosine"`: score = `cos(q, x)`, larger is better.
        `metric="euclidean"`: score = `||q - x||`, smaller is better.

    Args:
        queries: `(n_queries, n_features)`. One query must still be a batch:
            `query[None, :]`.
        database: `(n_database, n_features)`.
        k: number of neighbours, `1 <= k <= n_database` (`n_database - 1` when
            `exclude_self`).
        metric: `"cosine"` (default) or `"euclidean"`. Keyword-only.
        batch_size: queries per chunk. Default (None): as many as fit in a
            float32 block of about 64 MiB, between 16 and 2,048.
        exclude_self: if True, `queries` and `database` are the same set and
            query `i` never returns database item `i` (leave-one-out search).
        dtype: `np.float32` (default: the precision of `top_k`) or
            `np.float64` (slower; a reference to measure other searches by).

    Returns:
        A tuple `(scores, indices)`, both `(n_queries, k)`: float32 scores
        (cosine similarities or Euclidean distances; a distance beyond
        float32's range is `inf`) and int64 indices into `database`, best first.

    Raises:
        ValueError: on inputs that are not 2-D or are empty, NaN/inf values,
            different feature dimensions, an unknown `metric` or `dtype`, or
            `k` out of range.
        TypeError: on inputs that are not real-valued, or a `k`, `batch_size`
            or `exclude_self` of the wrong type.

    Example:

    >>> database = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    >>> scores, indices = nearest_neighbours([[1.0, 0.9]], database, k=3)
    >>> indices  # the two equal rows 2 and 3: the lower index first
    array([[2, 3, 0]])
    >>> nearest_neighbours([[1.0, 0.9]], database, k=1, metric="euclidean")[0].round(3)
    array([[0.1]], dtype=float32)
    """
    if dtype not in _FLOAT_TYPES:
        raise ValueError(f"`dtype` must be np.float32 or np.float64; received {dtype!r}.")
    queries, database, k, batch_size, _ = check_search_arguments(
        queries, database, k, metric=metric, batch_size=batch_size, exclude_self=exclude_self, dtype=dtype
    )

    def search(queries, database, k, exclude_self):
        return _search(queries, database, k, metric=metric, batch_size=batch_size, exclude_self=exclude_self)

    return search_identical_rows_once(search, queries, database, k, metric=metric, exclude_self=exclude_self)


def _search(queries, database, k, *, metric, batch_size, exclude_self):
    """`nearest_neighbours` on checked arrays of one float type."""
    n_candidates = len(database) - (1 if exclude_self else 0)
    dtype = database.dtype.type
    if metric == "cosine":
        scored_queries, scored_database = l2_normalize(queries, dtype=dtype), l2_normalize(database, dtype=dtype)
        offsets, n_search = None, k
    else:
        scored_queries, scored_database, scale = centred_and_scaled(queries, database)
        # -||q - x||^2 / 2 = q.x - ||x||^2 / 2 - ||q||^2 / 2, and ||q||^2 is the same for every x.
        offsets = -0.5 * np.einsum("ij,ij->i", scored_database, scored_database)
        n_search = min(k + EXTRA_CANDIDATES, n_candidates)
    all_scores, all_indices = [], []
    for start in range(0, len(queries), batch_size):
        chunk = scored_queries[start : start + batch_size]
        scores = chunk @ scored_database.T
        if offsets is not None:
            scores += offsets
        if exclude_self:
            rows = np.arange(len(chunk))
            scores[rows, start + rows] = -np.inf
        best, indices = best_scores(scores, n_search)
        if metric == "euclidean":
            best, indices = euclidean_neighbours(
                queries[start : start + batch_size], database, chunk, best, indices, k, scale
            )
        else:
            best = np.clip(best, -1.0, 1.0).astype(np.float32)
        all_scores.append(best)
        all_indices.append(indices)
    return np.concatenate(all_scores), np.concatenate(all_indices)
