"""Metrics for queries with one right answer: MRR, R@k (hit rate) and NDCG@k.

Search for a definition's word, a question's passage or a user's next item has
one right answer per query, not a class of them: what matters is where that
one item ranks among the candidates. Given each query's scores for every
candidate (higher is more similar) and the index of its right answer:

- **R@k**, the hit rate: the fraction of queries whose right answer is among
  their k best-scored candidates. With one right answer per query this is
  also the recall@k of recommender papers, and the course's R@k (a query is a
  hit when one of its k nearest is relevant).
- **MRR**, the mean reciprocal rank: the mean of 1 / rank; 1.0 when every
  right answer comes first, 0.5 when every one comes second.
- **NDCG@k**: the mean of 1 / log2(1 + rank) over the queries whose right
  answer ranks k or better (0 for the others). With one relevant item the
  ideal ordering scores 1, so no further normalisation is needed.

**Ties.** Scores tie often: two documents without a word of the query both
score 0 under TF-IDF, and items of equal popularity score the same. Ranking
ties in index order would reward whatever order the data happens to be in, so
these functions count a tie honestly: the right answer's rank is taken as
uniform over the positions it shares with the items tied with it, and each
metric is its exact expectation under that random order (no sampling, the
same value every time).

**Candidates.** Every item is a candidate unless `exclude` removes it, as a
recommender removes what a user has already seen in training. The metrics
rank against *all* remaining candidates, never a sample of them: sampled
candidates make every model look better than it is.
"""

import numpy as np

from course_lib._validation import as_integers, as_matrix, check_ks, to_numpy

__all__ = ["exclusion_mask", "relevant_ranks", "ranking_scores"]


def _as_exclude(exclude, shape):
    """`exclude` as a dense boolean array of `shape`, from a NumPy array or a SciPy sparse matrix."""
    if hasattr(exclude, "toarray") and hasattr(exclude, "nnz"):  # a SciPy sparse matrix or array
        if tuple(exclude.shape) != shape:
            raise ValueError(
                f"`exclude` must have the shape of `scores`, {shape}; received a sparse matrix of "
                f"shape {tuple(exclude.shape)}. Build it with one row per query and one column per item."
            )
        return exclude.toarray() != 0
    array = to_numpy(exclude, "exclude")
    if array.dtype != bool:
        raise TypeError(
            f"`exclude` must be a boolean array (True = not a candidate for that query) or a SciPy "
            f"sparse matrix; received dtype {array.dtype}. Build it with e.g. `seen > 0`."
        )
    if array.shape != shape:
        raise ValueError(
            f"`exclude` must have the shape of `scores`, {shape}; received {array.shape}. Use one row "
            f"per query and one column per item."
        )
    return array


def exclusion_mask(exclude, shape):
    """`exclude` checked and made a dense boolean array of `shape` (True = not a candidate).

    Accepts a boolean NumPy array (or tensor) or a SciPy sparse matrix (non-zero =
    excluded), the two forms every ranking function here takes.

    Example:

    >>> exclusion_mask(np.array([[True, False]]), (1, 2)).tolist()
    [[True, False]]
    """
    return _as_exclude(exclude, tuple(shape))


def relevant_ranks(scores, relevant, *, exclude=None):
    """Where each query's one right answer ranks: the candidates above it and those tied with it.

    Args:
        scores: array of shape `(n_queries, n_items)`, each query's score for
            every item; higher means more similar (use minus a distance).
            Finite numbers.
        relevant: int array of shape `(n_queries,)`, the column of each
            query's right answer.
        exclude: optional boolean array (or SciPy sparse matrix) of shape
            `(n_queries, n_items)`: True where an item is not a candidate for
            that query (for a recommender, what the user saw in training).
            The right answer itself must stay a candidate.

    Returns:
        A tuple `(better, tied)` of int64 arrays of shape `(n_queries,)`:
        the number of candidates scored strictly higher than the right
        answer, and the number of other candidates scored exactly the same.
        The right answer's rank (1 = first) lies between `better + 1` and
        `better + tied + 1`.

    Raises:
        ValueError: if the shapes disagree, a score is NaN or infinite, an
            index is out of range, or a right answer is excluded.
        TypeError: if `relevant` holds non-integers or `exclude` is not boolean.

    Example:

    >>> scores = np.array([[0.9, 0.5, 0.5, 0.1],
    ...                    [0.2, 0.2, 0.2, 0.8]])
    >>> better, tied = relevant_ranks(scores, [1, 0])
    >>> better.tolist(), tied.tolist()
    ([1, 1], [1, 2])
    """
    scores = as_matrix(scores, "scores", dtype=np.float64)  # exact for float32 and int scores: ties stay ties
    relevant = as_integers(relevant, "relevant", what="item indices")
    n_queries, n_items = scores.shape
    if relevant.shape != (n_queries,):
        raise ValueError(
            f"`relevant` must hold one item index per query, shape ({n_queries},); received shape "
            f"{relevant.shape}. For several right answers per query use course_lib.metrics instead."
        )
    if relevant.size and (relevant.min() < 0 or relevant.max() >= n_items):
        bad = relevant[(relevant < 0) | (relevant >= n_items)][0]
        raise ValueError(
            f"`relevant` must index the {n_items} columns of `scores` (0 to {n_items - 1}); received {bad}."
        )
    rows = np.arange(n_queries)
    target = scores[rows, relevant][:, None]
    if exclude is None:
        candidate = np.ones(scores.shape, dtype=bool)
    else:
        candidate = ~_as_exclude(exclude, scores.shape)
        if not candidate[rows, relevant].all():
            query = int(np.flatnonzero(~candidate[rows, relevant])[0])
            raise ValueError(
                f"query {query}'s right answer (item {relevant[query]}) is excluded from its "
                f"candidates; a held-out item must not also be marked as seen in `exclude`."
            )
    better = np.count_nonzero((scores > target) & candidate, axis=1)
    tied = np.count_nonzero((scores == target) & candidate, axis=1) - 1  # minus the right answer itself
    return better.astype(np.int64), tied.astype(np.int64)


def _mean_over_ranks(cumulative, better, tied):
    """The mean of a per-rank value over the ranks better + 1 ... better + tied + 1, given its
    running sum `cumulative[m]` = sum of the value over ranks 1 ... m (clipped at the end)."""
    last = len(cumulative) - 1
    high = np.minimum(better + tied + 1, last)
    low = np.minimum(better, last)
    return (cumulative[high] - cumulative[low]) / (tied + 1)


def ranking_scores(scores, relevant, *, exclude=None, ks=(1, 10)):
    """MRR, R@k and NDCG@k for queries with one right answer each, ties counted fairly.

    Each metric is its exact expected value when tied candidates are put in a
    random order (see the module's notes on ties).

    Formula:

        rank = 1 + (candidates scored higher), uniform over the tied positions
        MRR = mean(1 / rank)
        R@k = mean(rank <= k)
        NDCG@k = mean(1 / log2(1 + rank) if rank <= k else 0)

    Args:
        scores, relevant, exclude: as `relevant_ranks`.
        ks: the k of R@k and NDCG@k, an int or a sequence of ints >= 1.
            Defaults to `(1, 10)`.

    Returns:
        A dict of floats: `"MRR"`, then `"R@k"` and `"NDCG@k"` for each k.
        With no query at all (`scores` of shape `(0, n_items)`) this raises
        instead: a mean over nothing has no value.

    Raises:
        ValueError, TypeError: as `relevant_ranks`, and for a bad `ks`.

    Example:

    >>> scores = np.array([[0.9, 0.5, 0.1],     # right answer (item 0) first
    ...                    [0.9, 0.5, 0.1]])    # right answer (item 1) second
    >>> {name: round(value, 3) for name, value in ranking_scores(scores, [0, 1], ks=1).items()}
    {'MRR': 0.75, 'R@1': 0.5, 'NDCG@1': 0.5}
    >>> # a tie with one other item: first or second, each half the time
    >>> ranking_scores([[0.5, 0.5, 0.1]], [0], ks=1)["R@1"]
    0.5
    """
    ks = check_ks(ks)
    better, tied = relevant_ranks(scores, relevant, exclude=exclude)
    n_items = np.shape(scores)[1]
    ranks = np.arange(1, n_items + 1, dtype=np.float64)
    reciprocal = np.concatenate([[0.0], np.cumsum(1.0 / ranks)])
    results = {"MRR": float(np.mean(_mean_over_ranks(reciprocal, better, tied)))}
    for k in ks:
        top = ranks[: min(k, n_items)]
        hits = np.arange(len(top) + 1, dtype=np.float64)  # running count of ranks 1..m that are <= k
        gains = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(1.0 + top))])
        results[f"R@{k}"] = float(np.mean(_mean_over_ranks(hits, better, tied)))
        results[f"NDCG@{k}"] = float(np.mean(_mean_over_ranks(gains, better, tied)))
    return results
