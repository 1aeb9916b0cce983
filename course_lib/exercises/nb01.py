"""Exercises of notebook 01, similarity basics.

- `cosine_matrix`: cosine similarity between two batches of vectors.
- `recall_at_k`: the retrieval metric R@k from neighbour labels.
- `nearest_neighbours`: the k most similar database rows to ONE query with `top_k`.
"""

import numpy as np

from course_lib import metrics, similarity
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    as_learner_array,
    call_learner,
    describe_array,
    register,
)

__all__ = ["cosine_matrix", "recall_at_k", "nearest_neighbours"]


# --- 01.cosine_matrix -------------------------------------------------------------


def _cosine_cases():
    rng = np.random.default_rng(1)
    scaled = rng.normal(size=(4, 3)) * np.array([[1.0], [10.0], [0.1], [3.0]])
    with_zero = rng.normal(size=(3, 3))
    with_zero[1] = 0.0
    return [
        ("a = [[1, 0], [0, 1]], b = [[1, 1]]", np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])),
        ("a random (5, 3), b random (4, 3)", rng.normal(size=(5, 3)), rng.normal(size=(4, 3))),
        ("rows of very different lengths, (4, 3) and (2, 3)", scaled, rng.normal(size=(2, 3)) * 5),
        ("a (3, 3) whose row 1 is all zeros, b (2, 3)", with_zero, rng.normal(size=(2, 3))),
    ]


def _cosine_mistakes(a, b):
    """The usual wrong answers for inputs `a`, `b`, each with what to tell the learner."""
    dot = a @ b.T
    euclidean = np.sqrt(np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * dot, 0))
    norm_a0 = a / np.maximum(np.linalg.norm(a, axis=0, keepdims=True), 1e-12)
    norm_b0 = b / np.maximum(np.linalg.norm(b, axis=0, keepdims=True), 1e-12)
    return [
        (dot, "you returned the plain dot product a @ b.T; cosine divides by both lengths. "
              "L2-normalise each row of a and of b first."),
        (euclidean, "you returned Euclidean distances. Cosine similarity is the dot product of "
                    "L2-normalised rows: it measures the angle, not the gap."),
        (-euclidean, "you returned negative Euclidean distances. Cosine similarity is the dot "
                     "product of L2-normalised rows: it measures the angle, not the gap."),
        (norm_a0 @ norm_b0.T, "you normalised the columns (axis=0). Each row is one vector: use "
                              "np.linalg.norm(x, axis=1, keepdims=True)."),
    ]


def _diagnose_cosine(failures):
    """Names the usual mistake that explains every failing case, or returns None."""
    for index, (_, message) in enumerate(_cosine_mistakes(*failures[0][1:3])):
        if all(np.allclose(got, _cosine_mistakes(a, b)[index][0], atol=1e-4) for _, a, b, got, _ in failures):
            return message
    return None


def _check_cosine_matrix(function):
    cases = []
    for description, a, b in _cosine_cases():
        got = call_learner(function, a.copy(), b.copy(), description=description)
        expected_shape = f"an array of shape ({len(a)}, {len(b)})"
        cases.append((description, a, b, as_learner_array(got, expected_shape)))
    failures = []
    for description, a, b, got in cases:
        expected = similarity.cosine_similarity(a, b).astype(np.float64)
        if got.shape != expected.shape:
            hint = " Did you swap a and b (transpose)?" if got.shape == expected.shape[::-1] else ""
            raise Incorrect(
                f"on {description}: expected shape {expected.shape} (one row per vector "
                f"of a, one column per vector of b), got {got.shape}.{hint}"
            )
        if np.isnan(got).any():
            raise Incorrect(
                f"on {description}: your result holds NaN. A zero vector has length 0, "
                f"so dividing by it gives NaN; divide by np.maximum(norm, 1e-12) so a "
                f"zero vector gets cosine 0."
            )
        if not np.allclose(got, expected, atol=1e-4):
            failures.append((description, a, b, got, expected))
    if failures:
        description, _, _, got, expected = failures[0]
        mistake = _diagnose_cosine(failures)
        if mistake:
            raise Incorrect(f"on {description}: {mistake}")
        raise Incorrect(
            f"on {description}: expected\n{describe_array(expected)}\ngot\n{describe_array(got)}"
        )
    return "your cosine matrix matches course_lib.cosine_similarity, zero vectors included."


cosine_matrix = register(
    Exercise(
        "01.cosine_matrix",
        title="Cosine similarity between every row of a (n, d) and every row of b (m, d).",
        checker=_check_cosine_matrix,
        hint="""
            Normalise first, multiply second. Divide each row by its length,
            np.linalg.norm(x, axis=1, keepdims=True), guarded with np.maximum(..., 1e-12)
            so a zero row stays zero; then a_unit @ b_unit.T has shape (n, m).
        """,
        solution_code="""
            def cosine_matrix(a, b):
                a_unit = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
                b_unit = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
                return a_unit @ b_unit.T
        """,
        answer_name="cosine_matrix",
    )
)


# --- 01.recall_at_k -----------------------------------------------------------------


def _recall_cases():
    rng = np.random.default_rng(2)
    return [
        ("neighbour_labels [[1, 0, 0], [2, 2, 1], [0, 0, 0]], query_labels [0, 1, 0], k=1",
         np.array([[1, 0, 0], [2, 2, 1], [0, 0, 0]]), np.array([0, 1, 0]), 1),
        ("neighbour_labels [[1, 0, 0], [2, 2, 1], [0, 0, 0]], query_labels [0, 1, 0], k=2",
         np.array([[1, 0, 0], [2, 2, 1], [0, 0, 0]]), np.array([0, 1, 0]), 2),
        ("neighbour_labels [[3, 3, 1, 1], [0, 2, 2, 2]], query_labels [3, 2], k=3",
         np.array([[3, 3, 1, 1], [0, 2, 2, 2]]), np.array([3, 2]), 3),
        ("random labels of 50 queries x 10 neighbours, k=5",
         rng.integers(0, 4, size=(50, 10)), rng.integers(0, 4, size=50), 5),
    ]


def _diagnose_recall(neighbour_labels, query_labels, k, got):
    hits = neighbour_labels == query_labels[:, None]
    if np.isclose(got, hits[:, :k].mean()):
        return (
            "you returned the average fraction of matching neighbours (precision@k). "
            "R@k asks only whether at least one of the first k matches: use .any(axis=1)."
        )
    if np.isclose(got, hits[:, k - 1].mean()):
        return "you looked only at the k-th neighbour; look at all of the first k."
    if k + 1 <= hits.shape[1] and np.isclose(got, hits[:, : k + 1].any(axis=1).mean()):
        return "you counted k + 1 neighbours; the first k are neighbour_labels[:, :k]."
    if np.isclose(got, hits.any(axis=1).mean()):
        return "you used every neighbour column; keep only the first k."
    return None


def _check_recall_at_k(function):
    for description, neighbour_labels, query_labels, k in _recall_cases():
        got = call_learner(
            function, neighbour_labels.copy(), query_labels.copy(), k, description=description
        )
        got = as_learner_array(got, "a single number between 0 and 1")
        if got.size != 1:
            raise Incorrect(
                f"on {description}: expected one number (the fraction of queries), got an "
                f"array of shape {got.shape}. Average over the queries with .mean()."
            )
        got = float(got.reshape(()))
        expected = metrics.recall_at_k(neighbour_labels, query_labels, k)
        if not np.isclose(got, expected):
            mistake = _diagnose_recall(neighbour_labels, query_labels, k, got)
            detail = mistake or f"expected {expected:.4f}, got {got:.4f}."
            raise Incorrect(f"on {description}: {detail}")
    return "your recall@k matches course_lib.metrics.recall_at_k."


recall_at_k = register(
    Exercise(
        "01.recall_at_k",
        title="Recall@k: the fraction of queries with a same-label item among their first k neighbours.",
        checker=_check_recall_at_k,
        hint="""
            Compare neighbour_labels[:, :k] with query_labels[:, None] (broadcasting makes a
            boolean (n_queries, k) table), ask .any(axis=1) for each query, then take the mean.
        """,
        solution_code="""
            def recall_at_k(neighbour_labels, query_labels, k):
                hits = neighbour_labels[:, :k] == query_labels[:, None]
                return float(hits.any(axis=1).mean())
        """,
        answer_name="recall_at_k",
    )
)


# --- 01.nearest_neighbours ------------------------------------------------------------


def _neighbour_cases():
    rng = np.random.default_rng(3)
    database = rng.normal(size=(40, 6)) * rng.uniform(0.1, 5.0, size=(40, 1))
    return [
        ("query of shape (6,), database (40, 6), k=5", rng.normal(size=6), database, 5),
        ("query of shape (6,), database (40, 6), k=1", rng.normal(size=6), database, 1),
        ("query of shape (3,), database [[1, 0, 0], [0, 1, 0], [1, 1, 0]], k=2",
         np.array([1.0, 0.1, 0.0]), np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 1.0, 0]]), 2),
    ]


def _check_nearest_neighbours(function):
    for description, query, database, k in _neighbour_cases():
        got = call_learner(function, query.copy(), database.copy(), k, description=description)
        got = as_learner_array(got, f"an array of {k} indices")
        _, expected = similarity.top_k(query[None, :], database, k)
        expected = expected[0]
        if got.shape == (1, k):
            raise Incorrect(
                f"on {description}: you returned shape (1, {k}), the answer for a batch of "
                f"one query. Return the indices for this one query, shape ({k},): take row 0."
            )
        if got.shape != (k,):
            raise Incorrect(f"on {description}: expected {k} indices, shape ({k},); got shape {got.shape}.")
        if np.array_equal(got, expected):
            continue
        all_scores = similarity.cosine_similarity(query, database)
        if np.allclose(got, all_scores[expected]):
            raise Incorrect(f"on {description}: you returned the scores; return the indices.")
        if np.array_equal(got, expected[::-1]):
            raise Incorrect(f"on {description}: right neighbours, wrong order: best (most similar) first.")
        _, euclidean = similarity.top_k(query[None, :], database, k, metric="euclidean")
        if np.array_equal(got, euclidean[0]):
            raise Incorrect(
                f"on {description}: these are the Euclidean nearest neighbours. The exercise "
                f"asks for cosine (top_k's default metric)."
            )
        raise Incorrect(
            f"on {description}: expected indices {expected.tolist()}, got {got.astype(int).tolist()}."
        )
    return "you found the cosine nearest neighbours of a single query."


nearest_neighbours = register(
    Exercise(
        "01.nearest_neighbours",
        title="Indices of the k database rows most cosine-similar to ONE query vector, best first.",
        checker=_check_nearest_neighbours,
        hint="""
            top_k expects a batch of queries, shape (n_queries, n_features). Give it a batch of
            one with query[None, :], then take row 0 of the indices it returns.
        """,
        solution_code="""
            def nearest_neighbours(query, database, k):
                scores, indices = top_k(query[None, :], database, k)
                return indices[0]
        """,
        answer_name="nearest_neighbours",
    )
)
