"""Dynamic time warping (DTW): a distance between sequences of different lengths.

Dynamic time warping compares two sequences of different lengths by aligning
them: each step of one is matched to one or more steps of the other, in order,
so that the total cost of the matches is smallest.

Formula:
    With frame cost `c(i, j) = ||a_i - b_j||^2` (squared Euclidean) and
    `D(0, 0) = 0`, `D(i, 0) = D(0, j) = inf`:
    `D(i, j) = c(i, j) + min(D(i-1, j), D(i, j-1), D(i-1, j-1))`;
    the DTW distance is `D(len_a, len_b)`.

`dtw_distances` computes the distance for every (query, database) pair at once:
the recurrence loops over the time steps only, each step updating all pairs
with NumPy, so 370 x 270 pairs take about a second. Both names are also
importable from `course_lib.sequences`.
"""

import numpy as np

from course_lib._validation import as_array, as_lengths, as_sequences

__all__ = ["dtw_distance", "dtw_distances"]


def dtw_distance(a, b):
    """Dynamic time warping distance between two sequences, by the plain recurrence.

    The readable version: two Python loops over the steps. Use `dtw_distances`
    for many pairs.

    Formula:
        `D(i, j) = ||a_i - b_j||^2 + min(D(i-1, j), D(i, j-1), D(i-1, j-1))`,
        `D(0, 0) = 0`, other borders `inf`; returns `D(len(a), len(b))`.

    Args:
        a: float array `(length_a, n_features)` (or `(length_a,)` for one feature),
            unpadded.
        b: float array `(length_b, n_features)`, the same `n_features`.

    Returns:
        A float, the accumulated squared Euclidean cost of the best alignment.

    Raises:
        ValueError: if a sequence is empty or the feature counts differ.

    Example:

    >>> dtw_distance([0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0])  # repeating a step is free
    0.0
    """
    a = as_array(a, "a", dtype=np.float64)
    b = as_array(b, "b", dtype=np.float64)
    a = a[:, None] if a.ndim == 1 else a
    b = b[:, None] if b.ndim == 1 else b
    if a.ndim != 2 or b.ndim != 2 or len(a) == 0 or len(b) == 0:
        raise ValueError(
            f"`a` and `b` must be non-empty sequences of shape (length, n_features); received {a.shape} and {b.shape}."
        )
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"`a` and `b` must have the same number of features; received {a.shape[1]} and {b.shape[1]}.")
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    table = np.full((len(a) + 1, len(b) + 1), np.inf)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i, j] = cost[i - 1, j - 1] + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
    return float(table[-1, -1])


def dtw_distances(queries, database, *, query_lengths=None, database_lengths=None):
    """DTW distances between every query and every database sequence, vectorised.

    All `(n_queries, n_database)` pairs advance together: the recurrence loops
    over the rows `i` and columns `j` of the DTW table, and each step is one
    NumPy operation on every pair at once. Padding is handled by reading each
    pair's answer at `D(query_length, database_length)`, so the zeros after a
    sequence's end never enter its distance.

    Formula:
        As `dtw_distance`, per pair, with frame cost `||q_i - d_j||^2`.

    Args:
        queries: float array `(n_queries, max_length_q, n_features)`, zero-padded.
        database: float array `(n_database, max_length_d, n_features)`.
        query_lengths: int array `(n_queries,)` of real lengths, or `None` (all
            steps are real).
        database_lengths: int array `(n_database,)`, or `None`.

    Returns:
        A float64 array of shape `(n_queries, n_database)`.

    Raises:
        ValueError: if an input is not 3-D, the feature counts differ, or a
            length is outside `[1, max_length]`.

    Example:

    >>> from course_lib.sequences import pad_sequences
    >>> q, q_len = pad_sequences([np.array([[0.0], [1.0], [2.0]])])
    >>> d, d_len = pad_sequences([np.array([[0.0], [1.0], [1.0], [2.0]]), np.array([[5.0]])])
    >>> dtw_distances(q, d, query_lengths=q_len, database_lengths=d_len).tolist()
    [[0.0, 50.0]]
    """
    queries = as_sequences(queries, "queries")
    database = as_sequences(database, "database")
    if queries.shape[2] != database.shape[2]:
        raise ValueError(
            f"`queries` and `database` must have the same number of features; received "
            f"shapes {queries.shape} and {database.shape}."
        )
    query_lengths = as_lengths(query_lengths, "query_lengths", n_sequences=len(queries), max_length=queries.shape[1])
    database_lengths = as_lengths(
        database_lengths, "database_lengths", n_sequences=len(database), max_length=database.shape[1]
    )
    length_q, length_d = int(query_lengths.max()), int(database_lengths.max())
    q = queries[:, :length_q]
    d = database[:, :length_d]
    d_sq = (d**2).sum(-1)  # (n_d, length_d)
    n_q, n_d = len(q), len(d)
    previous = np.full((n_q, n_d, length_d + 1), np.inf)
    previous[:, :, 0] = 0.0  # row i = 0 of every pair's table
    result = np.empty((n_q, n_d))
    for i in range(1, length_q + 1):
        # frame costs ||q_i - d_j||^2 of row i, for every pair and every j: (n_q, n_d, length_d)
        frame = q[:, i - 1]
        cost = np.maximum(
            (frame**2).sum(-1)[:, None, None] + d_sq[None] - 2.0 * np.einsum("qf,djf->qdj", frame, d),
            0.0,
        )
        # vertical and diagonal moves for all j at once; then the horizontal chain over j
        best_up = np.minimum(previous[:, :, 1:], previous[:, :, :-1]) + cost
        current = np.full_like(previous, np.inf)
        for j in range(1, length_d + 1):
            current[:, :, j] = np.minimum(best_up[:, :, j - 1], current[:, :, j - 1] + cost[:, :, j - 1])
        done = query_lengths == i
        if done.any():
            result[done] = current[done][:, np.arange(n_d), database_lengths]
        previous = current
    return result
