"""Retrieval metrics: recall@k and MAP@R.

An embedding is good for similarity when, for each query, the items nearest to
it share its label. Two numbers measure that throughout the course:

- **R@k** (recall at k): the fraction of queries with at least one item of the
  same label among their k nearest neighbours. R@1 is the accuracy of a
  1-nearest-neighbour classifier.
- **MAP@R** (mean average precision at R; Musgrave, Belongie & Lim, "A Metric
  Learning Reality Check", ECCV 2020): for a query with R relevant items in the
  index, look at its R nearest neighbours and average the precision at each rank
  where a relevant item sits. It rewards putting *all* same-label items first,
  not just one, so it separates embeddings that R@1 calls equal.

`evaluate_retrieval` computes both with exact search
(`course_lib.neighbours.nearest_neighbours`: NumPy, so this module needs neither
Keras nor TensorFlow, with the neighbours `course_lib.top_k` finds);
`retrieval_from_distances` does the
same from a precomputed distance matrix, and `course_lib.search.evaluate_search`
for any search function. All three score with `retrieval_scores`, given the
neighbours' labels and each query's number of relevant items (`relevant_counts`).
"""

import numpy as np

from course_lib._validation import (
    as_integers,
    as_labels,
    as_matrix,
    check_bool,
    check_choice,
    check_ks,
    check_positive_int,
    query_batch_size,
)
from course_lib.neighbours import nearest_neighbours
from course_lib.similarity import METRICS

__all__ = [
    "recall_at_k",
    "map_at_r",
    "relevant_counts",
    "retrieval_scores",
    "evaluate_retrieval",
    "retrieval_from_distances",
]


def _neighbour_labels(neighbour_labels, query_labels):
    neighbour_labels = as_labels(neighbour_labels, "neighbour_labels", layout="(n_queries, n_neighbours)")
    query_labels = as_labels(query_labels, "query_labels", n_samples=neighbour_labels.shape[0])
    if not len(query_labels):
        raise ValueError(
            f"`neighbour_labels` must hold at least one query (a mean over no query has no "
            f"value); received shape {neighbour_labels.shape}."
        )
    return neighbour_labels, query_labels


def _relevant_counts(n_relevant, query_labels):
    """`n_relevant` checked: int64 counts >= 0, one per query."""
    n_relevant = as_integers(n_relevant, "n_relevant", what="counts (integers >= 0)")
    if n_relevant.shape != query_labels.shape:
        raise ValueError(
            f"`n_relevant` must have one entry per query, shape {query_labels.shape}; "
            f"received shape {n_relevant.shape}."
        )
    if n_relevant.size and n_relevant.min() < 0:
        raise ValueError(
            f"`n_relevant` must hold counts >= 0 (the number of same-label items of each "
            f"query); received {int(n_relevant.min())}."
        )
    return n_relevant


def recall_at_k(neighbour_labels, query_labels, k):
    """Fraction of queries with at least one same-label item among the first `k` neighbours.

    Formula:
        `R@k = (1 / n) * sum_q [ any(label(neighbour_i(q)) == label(q), i <= k) ]`

    Args:
        neighbour_labels: `(n_queries, n_neighbours)` labels of each query's
            neighbours, nearest first (the query itself excluded).
        query_labels: `(n_queries,)` labels of the queries.
        k: how many neighbours count, `1 <= k <= n_neighbours`.

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: on mismatched shapes, ragged input, no query at all, or `k`
            out of range.
        TypeError: on labels that are not integers (floats holding integers
            are accepted), or a `k` that is not an int.

    Example:

    >>> recall_at_k([[1, 0, 0], [2, 2, 1]], [0, 1], k=1)
    0.0
    >>> recall_at_k([[1, 0, 0], [2, 2, 1]], [0, 1], k=3)
    1.0
    """
    neighbour_labels, query_labels = _neighbour_labels(neighbour_labels, query_labels)
    k = check_positive_int(
        k,
        "k",
        maximum=neighbour_labels.shape[1],
        maximum_reason=f" (each query has {neighbour_labels.shape[1]} neighbour(s))",
    )
    hits = neighbour_labels[:, :k] == query_labels[:, None]
    return float(np.mean(np.any(hits, axis=1)))


def map_at_r(neighbour_labels, query_labels, n_relevant):
    """Mean average precision at R (Musgrave et al., 2020).

    For query `q` with `R = n_relevant[q]` same-label items in the index:

    Formula:
        `AP@R(q) = (1 / R) * sum_{i=1..R} P(i) * rel(i)`, where `rel(i)` is 1 if
        the i-th neighbour shares the query's label and `P(i)` is the fraction of
        the first i neighbours that do. `MAP@R` is the mean over queries with
        `R >= 1`; queries with no relevant item in the index are left out.

    Args:
        neighbour_labels: `(n_queries, n_neighbours)` labels of each query's
            neighbours, nearest first; `n_neighbours >= max(n_relevant)`.
        query_labels: `(n_queries,)`.
        n_relevant: `(n_queries,)` number of same-label items in the index for
            each query (R).

    Returns:
        A float in [0, 1] (`nan` only if no query has a relevant item).

    Raises:
        ValueError: on mismatched shapes, no query at all, a negative R, or
            fewer neighbours than the largest R.
        TypeError: on labels or R that are not integers.

    Example:

    >>> # R = 2: relevant at ranks 1 and 3 of 3 -> AP@R = (1/2) * (1/1 + 0) = 0.5
    >>> map_at_r([[0, 1, 0]], [0], n_relevant=[2])
    0.5
    """
    neighbour_labels, query_labels = _neighbour_labels(neighbour_labels, query_labels)
    n_relevant = _relevant_counts(n_relevant, query_labels)
    max_r = int(n_relevant.max(initial=0))
    if max_r > neighbour_labels.shape[1]:
        raise ValueError(
            f"MAP@R needs at least R = {max_r} neighbours per query; received "
            f"{neighbour_labels.shape[1]}. Retrieve more neighbours (k >= R)."
        )
    has_relevant = n_relevant > 0
    if not np.any(has_relevant):
        return float("nan")
    ranks = np.arange(1, max_r + 1)
    hits = (neighbour_labels[:, :max_r] == query_labels[:, None]) & (ranks[None, :] <= n_relevant[:, None])
    precision_at_i = np.cumsum(hits, axis=1) / ranks[None, :]
    average_precision = np.sum(precision_at_i * hits, axis=1) / np.maximum(n_relevant, 1)
    return float(np.mean(average_precision[has_relevant]))


def relevant_counts(query_labels, index_labels, *, leave_one_out=False):
    """R for each query: the number of items in the index that share its label.

    Args:
        query_labels: int array `(n_queries,)`.
        index_labels: int array `(n_index,)`.
        leave_one_out: True when the queries are the index itself, so that each
            query's own item is not counted. Keyword-only. Defaults to False.

    Returns:
        An int64 array `(n_queries,)`.

    Raises:
        ValueError: on labels that are not 1-D.
        TypeError: on labels that are not integers, or a `leave_one_out` that
            is not a bool.

    Example:

    >>> relevant_counts([0, 1, 2], [0, 0, 1])
    array([2, 1, 0])
    >>> relevant_counts([0, 0, 1], [0, 0, 1], leave_one_out=True)
    array([1, 1, 0])
    """
    leave_one_out = check_bool(leave_one_out, "leave_one_out")
    query_labels = as_labels(query_labels, "query_labels")
    index_labels = as_labels(index_labels, "index_labels")
    classes, index_counts = np.unique(index_labels, return_counts=True)
    count_by_label = dict(zip(classes.tolist(), index_counts.tolist()))
    n_relevant = np.array([count_by_label.get(label, 0) for label in query_labels.tolist()], np.int64)
    return n_relevant - 1 if leave_one_out else n_relevant


def retrieval_scores(neighbour_labels, query_labels, n_relevant, *, ks=(1, 5, 10)):
    """R@k for each k in `ks` and MAP@R, from the ranked labels of each query's neighbours.

    The one scoring step behind `evaluate_retrieval`, `retrieval_from_distances`
    and `course_lib.search.evaluate_search`: they differ only in how they rank.

    Args:
        neighbour_labels: `(n_queries, n_neighbours)` labels of each query's
            neighbours, nearest first; `n_neighbours >= max(ks)` and
            `>= max(n_relevant)`. A label no query has marks "nothing found".
        query_labels: `(n_queries,)`.
        n_relevant: `(n_queries,)` same-label items in the index per query, as
            `relevant_counts` gives.
        ks: the k of each R@k. Keyword-only. Defaults to `(1, 5, 10)`.

    Returns:
        A dict `{"R@1": ..., "R@5": ..., "R@10": ..., "MAP@R": ...}` of floats in
        [0, 1]; MAP@R is 0.0 when no query has a relevant item (nothing can be
        found, as R@k says).

    Raises:
        ValueError: on mismatched shapes, no query at all, counts that are
            negative, or too few neighbours.
        TypeError: on labels or counts that are not integers, or invalid `ks`.

    Example:

    >>> retrieval_scores([[0, 1], [0, 1]], [0, 1], [1, 1], ks=(1, 2))
    {'R@1': 0.5, 'R@2': 1.0, 'MAP@R': 0.5}
    """
    ks = check_ks(ks)
    neighbour_labels, query_labels = _neighbour_labels(neighbour_labels, query_labels)
    n_relevant = _relevant_counts(n_relevant, query_labels)
    results = {f"R@{k}": recall_at_k(neighbour_labels, query_labels, k) for k in ks}
    has_relevant = np.any(n_relevant > 0)
    results["MAP@R"] = map_at_r(neighbour_labels, query_labels, n_relevant) if has_relevant else 0.0
    return results


def evaluate_retrieval(
    query_embeddings,
    query_labels,
    index_embeddings=None,
    index_labels=None,
    *,
    ks=(1, 5, 10),
    metric="cosine",
    batch_size=None,
):
    """Measures how well an embedding retrieves same-label items.

    With no index, each query is searched against the rest of its own set, itself
    excluded (the "leave-one-out" protocol). With an index (e.g. the training
    set), each query is searched against the whole index. The search is exact
    and runs in NumPy (`course_lib.neighbours.nearest_neighbours`); it finds the
    neighbours `course_lib.top_k` finds, ties to the lower index.

    Args:
        query_embeddings: `(n_queries, dim)`.
        query_labels: `(n_queries,)` integer labels.
        index_embeddings: `(n_index, dim)`, or None for leave-one-out.
        index_labels: `(n_index,)`; required exactly when `index_embeddings` is given.
        ks: the k of each recall@k to report, each `>= 1`.
        metric: `"cosine"` or `"euclidean"`.
        batch_size: queries per search chunk: memory holds a
            `(batch_size, n_index)` block of distances. Default (None): the
            rule of `course_lib.top_k`, a float32 block of about 64 MiB.

    Returns:
        A dict with `"R@k"` for each k in `ks` and `"MAP@R"`, all Python floats in
        [0, 1]. Queries whose label has no other item in the index count as misses
        for R@k and are left out of MAP@R; if no query has one, MAP@R is 0.0.

    Raises:
        ValueError: on mismatched shapes (a different number of features in
            queries and index included), NaN/inf embeddings, an unknown metric,
            an index given without labels (or the reverse), or a k larger than
            the index.
        TypeError: on labels that are not integers, complex embeddings, or `ks`
            that is not an int or a sequence of ints.

    Example:

    >>> embeddings = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]
    >>> evaluate_retrieval(embeddings, [0, 0, 1, 1], ks=(1,))
    {'R@1': 1.0, 'MAP@R': 1.0}
    """
    check_choice(metric, "metric", METRICS)
    query_embeddings = as_matrix(query_embeddings, "query_embeddings")
    query_labels = as_labels(query_labels, "query_labels", n_samples=query_embeddings.shape[0])
    if (index_embeddings is None) != (index_labels is None):
        raise ValueError(
            "Pass both `index_embeddings` and `index_labels`, or neither (leave-one-out search within the queries)."
        )
    leave_one_out = index_embeddings is None
    if leave_one_out:
        index_embeddings, index_labels = query_embeddings, query_labels
    else:
        index_embeddings = as_matrix(index_embeddings, "index_embeddings")
        index_labels = as_labels(index_labels, "index_labels", n_samples=index_embeddings.shape[0])
        if index_embeddings.shape[1] != query_embeddings.shape[1]:
            raise ValueError(
                f"`query_embeddings` and `index_embeddings` must have the same number of features; "
                f"received shapes {query_embeddings.shape} and {index_embeddings.shape}. Embed both "
                f"with the same model (or flatten both the same way)."
            )
    ks = check_ks(ks)
    batch_size = query_batch_size(batch_size, index_embeddings.shape[0])
    n_relevant = relevant_counts(query_labels, index_labels, leave_one_out=leave_one_out)
    n_candidates = index_embeddings.shape[0] - (1 if leave_one_out else 0)
    if max(ks) > n_candidates:
        raise ValueError(
            f"`ks` asks for {max(ks)} neighbours but each query has only {n_candidates} "
            f"candidate(s) in the index; use smaller ks."
        )
    n_neighbours = max(max(ks), int(n_relevant.max(initial=0)))
    _, indices = nearest_neighbours(
        query_embeddings,
        index_embeddings,
        n_neighbours,
        metric=metric,
        batch_size=batch_size,
        exclude_self=leave_one_out,
    )
    return retrieval_scores(index_labels[indices], query_labels, n_relevant, ks=ks)


def retrieval_from_distances(distances, query_labels, index_labels=None, *, ks=(1, 5, 10)):
    """R@k and MAP@R from a precomputed distance matrix (DTW has no embeddings).

    The same metrics and keys as `evaluate_retrieval`, for methods that give
    distances directly (dynamic time warping, say). Without `index_labels` the matrix is
    square, queries against themselves, and each query's own column is left
    out (leave-one-out).

    Args:
        distances: float array `(n_queries, n_index)`, smaller means more similar.
        query_labels: int array `(n_queries,)`.
        index_labels: int array `(n_index,)`, or `None` for leave-one-out.
        ks: tuple of ints. Keyword-only. Defaults to `(1, 5, 10)`.

    Returns:
        A dict `{"R@1": ..., "R@5": ..., "R@10": ..., "MAP@R": ...}` of floats in
        [0, 1] (MAP@R is 0.0 when no query has a relevant item).

    Raises:
        ValueError: on NaN in `distances`, mismatched shapes, a non-square
            matrix without `index_labels`, or a k larger than the index.
        TypeError: on labels that are not integers or invalid `ks`.

    Example:

    >>> distances = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 4.0], [5.0, 4.0, 0.0]])
    >>> retrieval_from_distances(distances, np.array([0, 0, 1]), ks=(1,))  # query 2 has no match
    {'R@1': 0.6666666666666666, 'MAP@R': 1.0}
    """
    given = distances
    distances = as_matrix(distances, "distances", dtype=np.float64)
    query_labels = as_labels(query_labels, "query_labels", n_samples=distances.shape[0])
    leave_one_out = index_labels is None
    if leave_one_out:
        if distances.shape[0] != distances.shape[1]:
            raise ValueError(
                f"without `index_labels`, `distances` must be square (queries against "
                f"themselves); received shape {distances.shape}. Pass `index_labels`."
            )
        index_labels = query_labels
        if np.may_share_memory(distances, given):  # never change the caller's array
            distances = distances.copy()
        np.fill_diagonal(distances, np.inf)  # in place: no second n x n matrix
    else:
        index_labels = as_labels(index_labels, "index_labels")
        if index_labels.shape[0] != distances.shape[1]:
            raise ValueError(
                f"`index_labels` has {index_labels.shape[0]} labels but `distances` has "
                f"{distances.shape[1]} columns; pass one label per index item."
            )
    ks = check_ks(ks)
    n_relevant = relevant_counts(query_labels, index_labels, leave_one_out=leave_one_out)
    # The query itself, at distance inf, sorts last and so is never among the first n_candidates.
    n_candidates = distances.shape[1] - (1 if leave_one_out else 0)
    n_neighbours = min(max(max(ks), int(n_relevant.max(initial=0))), n_candidates)
    # A block of queries at a time, keeping the labels of the first n_neighbours only: the
    # neighbours of one full stable sort (ties in index order), without an n x n index array.
    blocks = [
        index_labels[np.argsort(distances[start : start + 512], axis=1, kind="stable")[:, :n_neighbours]]
        for start in range(0, len(distances), 512)
    ]
    neighbour_labels = np.concatenate(blocks) if blocks else np.zeros((0, n_neighbours), index_labels.dtype)
    return retrieval_scores(neighbour_labels, query_labels, n_relevant, ks=ks)
