"""Measuring a search: recall against exact search, R@k and MAP@R, queries per second."""

import time

import numpy as np

from course_lib._validation import as_integers, as_labels, as_matrix, check_ks, check_positive_int, to_numpy
from course_lib.metrics import relevant_counts, retrieval_scores

__all__ = ["recall_at_k_vs_exact", "evaluate_search", "queries_per_second"]


def recall_at_k_vs_exact(found, exact):
    """The share of the exact top-k neighbours that an approximate search found.

    Not the retrieval R@k of `course_lib.metrics` (which asks for a same-label
    item): here the truth is exact search, and the question is how many of its
    `k` neighbours the approximate index returned, in any order.

    Formula:
        `recall against exact search = (1 / n_queries) * sum_q |found_k(q) ∩ exact_k(q)| / k`

        The intersection is of sets: an index the approximate search returns
        twice counts once.

    Args:
        found: int array `(n_queries, k)` of indices from the approximate index
            (-1 for "nothing found" never matches).
        exact: int array `(n_queries, k)` from exact search: `k` distinct,
            non-negative indices per query.

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: if the shapes differ or are not 2-D, are empty, or `exact`
            holds a negative or repeated index in a row.
        TypeError: if either array does not hold integers.

    Example:

    >>> recall_at_k_vs_exact([[0, 1, 2], [5, 9, 7]], [[2, 1, 0], [5, 6, 7]])
    0.8333333333333334
    """
    found, exact = to_numpy(found, "found"), to_numpy(exact, "exact")
    if found.ndim != 2 or found.shape != exact.shape:
        raise ValueError(
            f"`found` and `exact` must be 2-D index arrays of the same shape (n_queries, k); "
            f"received shapes {found.shape} and {exact.shape}. Search both with the same k."
        )
    if not np.issubdtype(found.dtype, np.integer) or not np.issubdtype(exact.dtype, np.integer):
        raise TypeError(
            f"`found` and `exact` must hold integer indices; received dtypes {found.dtype} and "
            f"{exact.dtype}. Pass the indices, the second array that search returns."
        )
    if not exact.size:
        raise ValueError(
            f"`found` and `exact` must hold at least one query and one neighbour each; received shape {exact.shape}."
        )
    ordered = np.sort(exact, axis=1)
    if ordered[:, 0].min() < 0 or np.any(ordered[:, 1:] == ordered[:, :-1]):
        raise ValueError(
            "`exact` must hold k distinct, non-negative indices per query, as exact search "
            f"returns them; received a row with a negative or repeated index, e.g. "
            f"{exact[(ordered[:, 0] < 0) | np.any(ordered[:, 1:] == ordered[:, :-1], axis=1)][0].tolist()}. "
            "Pass the indices top_k returns as the second argument."
        )
    # Each exact neighbour counts once, however often `found` repeats it (-1 is never in `exact`).
    hits = (exact[:, :, None] == found[:, None, :]).any(axis=2)
    return float(hits.sum() / exact.size)


def evaluate_search(query_embeddings, query_labels, search, index_labels, *, ks=(1, 5, 10)):
    """R@k and MAP@R of any search function, for queries that are not in the index.

    `course_lib.metrics.evaluate_retrieval` measures exact search; this
    measures whatever `search` returns, e.g. `IVFIndex(...).search`, under the
    `"test->train"` protocol. The arguments come in the order of
    `evaluate_retrieval(query_embeddings, query_labels, index_embeddings,
    index_labels)`, with the search in place of the index embeddings. An index of -1 ("nothing found", from an
    approximate index whose probed cells were too small) counts as a miss.

    Args:
        query_embeddings: `(n_queries, dim)`.
        query_labels: int array `(n_queries,)`.
        search: callable `search(query_embeddings, k) -> (scores, indices)`,
            indices `(n_queries, k)` into the index, best first.
        index_labels: int array `(n_index,)`, the labels of the indexed items.
        ks: the k of each R@k. Defaults to `(1, 5, 10)`.

    Returns:
        A dict `{"R@1": ..., "R@5": ..., "R@10": ..., "MAP@R": ...}` of floats,
        the keys of `evaluate_retrieval`.

    Raises:
        ValueError: on mismatched lengths, or if `search` returns indices of
            another shape than `(n_queries, k)` or outside the index.
        TypeError: if `search` is not callable (e.g. the arguments in another
            order), or returns no `(scores, indices)` pair of integer indices.

    Example:

    >>> from course_lib.search import ExactIndex
    >>> index = ExactIndex.from_vectors([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]])
    >>> evaluate_search([[1.0, 0.1], [0.1, 1.0]], [0, 1], index.search, [0, 0, 1], ks=(1,))
    {'R@1': 1.0, 'MAP@R': 1.0}
    """
    if not callable(search):
        raise TypeError(
            f"`search` (the third argument) must be callable, search(query_embeddings, k); "
            f"received {type(search).__name__}. The order is evaluate_search(query_embeddings, "
            f"query_labels, index.search, index_labels), as in evaluate_retrieval."
        )
    query_embeddings = as_matrix(query_embeddings, "query_embeddings")
    query_labels = as_labels(query_labels, "query_labels", n_samples=len(query_embeddings))
    index_labels = as_labels(index_labels, "index_labels")
    ks = check_ks(ks)
    n_relevant = relevant_counts(query_labels, index_labels)
    k = max(max(ks), int(n_relevant.max()))
    if k > len(index_labels):
        raise ValueError(
            f"`ks` and the largest class ask for {k} neighbours per query; received `index_labels` "
            f"for only {len(index_labels)} indexed items. Use smaller ks or a larger index."
        )
    found = search(query_embeddings, k)
    if not isinstance(found, (tuple, list)) or len(found) != 2:
        raise TypeError(
            f"`search(query_embeddings, {k})` must return a pair (scores, indices), as "
            f"index.search does; received {type(found).__name__}."
        )
    indices = as_integers(found[1], "indices returned by search", what="integer indices")
    if indices.shape != (len(query_embeddings), k):
        raise ValueError(
            f"`search(query_embeddings, {k})` must return indices of shape "
            f"{(len(query_embeddings), k)}; received {indices.shape}."
        )
    if indices.size and (indices.min() < -1 or indices.max() >= len(index_labels)):
        raise ValueError(
            f"`search` must return indices into the {len(index_labels)} indexed items (or -1 for "
            f"nothing found); received values from {indices.min()} to {indices.max()}. Pass the "
            f"labels of the vectors the index holds, in the order they were added."
        )
    # "Nothing found" gets a label no query has: one of 0 ... n_queries is always free.
    free = np.setdiff1d(np.arange(len(query_labels) + 1), query_labels)
    never_a_label = free[0]
    neighbour_labels = np.where(indices >= 0, index_labels[np.maximum(indices, 0)], never_a_label)
    return retrieval_scores(neighbour_labels, query_labels, n_relevant, ks=ks)


def queries_per_second(search, queries, *, repeats=3):
    """Times `search(queries)` and returns queries answered per second (median of `repeats`).

    One untimed warm-up call comes first (imports, caches, thread pools); the
    figure is the median of the timed runs. It is a wall-clock figure, so
    compare numbers from the same machine, taken side by side, only.

    Args:
        search: callable taking the `(n_queries, dim)` queries.
        queries: the queries.
        repeats: int >= 1, how many times to run. Defaults to 3.

    Returns:
        A float, `n_queries / median seconds`.

    Raises:
        TypeError: if `search` is not callable or `repeats` not an int.
        ValueError: if `queries` is empty or has no length, or `repeats < 1`.

    Example:

    >>> rate = queries_per_second(lambda q: q @ q.T, np.ones((10, 4)), repeats=1)
    >>> rate > 0
    True
    """
    repeats = check_positive_int(repeats, "repeats")
    if not callable(search):
        raise TypeError(f"`search` must be callable; received {type(search).__name__}.")
    if not hasattr(queries, "__len__") or not len(queries):
        raise ValueError(
            f"`queries` must be a non-empty batch (an array or list of queries) to count per second; "
            f"received {type(queries).__name__}" + (" of length 0." if hasattr(queries, "__len__") else ".")
        )
    search(queries)  # warm-up, not timed
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        search(queries)
        seconds.append(time.perf_counter() - start)
    return float(len(queries) / max(float(np.median(seconds)), 1e-9))
