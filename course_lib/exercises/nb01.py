"""Exercises of notebook 01, similarity basics.

- `cosine_matrix`: cosine similarity between two batches of vectors.
- `recall_at_k`: the retrieval metric R@k from neighbour labels.
- `map_at_r`: MAP@R of a set searched against itself (leave-one-out), from a
  similarity matrix and labels.
- `nearest_neighbours`: the k most similar database rows to ONE query with `top_k`.
- `unit_distance`: a question: the squared distance between unit vectors of a given cosine.
"""

import numpy as np

from course_lib import metrics, similarity
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    Question,
    as_learner_array,
    check_cases,
    close_to,
    register,
)

__all__ = ["cosine_matrix", "recall_at_k", "map_at_r", "nearest_neighbours", "unit_distance"]


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
    unit_a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    unit_b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return [
        (dot, "you returned the plain dot product a @ b.T; cosine divides by both lengths. "
              "L2-normalise each row of a and of b first."),
        (euclidean, "you returned Euclidean distances. Cosine similarity is the dot product of "
                    "L2-normalised rows: it measures the angle, not the gap."),
        (-euclidean, "you returned negative Euclidean distances. Cosine similarity is the dot "
                     "product of L2-normalised rows: it measures the angle, not the gap."),
        (norm_a0 @ norm_b0.T, "you normalised the columns (axis=0). Each row is one vector: use "
                              "np.linalg.norm(x, axis=1, keepdims=True)."),
        (unit_a @ b.T, "you normalised the rows of a but not those of b; both sides need length 1."),
        (a @ unit_b.T, "you normalised the rows of b but not those of a; both sides need length 1."),
    ]


def _as_matrix(got, expected, description):
    got = as_learner_array(got, f"an array of shape {expected.shape}")
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
    return got



def _check_cosine_matrix(function):
    check_cases(
        function, [(description, (a, b)) for description, a, b in _cosine_cases()],
        expected=lambda a, b: similarity.cosine_similarity(a, b).astype(np.float64),
        convert=_as_matrix, same=close_to(1e-4), mistakes=_cosine_mistakes,
    )
    return "your cosine matrix matches course_lib.cosine_similarity, zero vectors included."


cosine_matrix = register(
    Exercise(
        "01.cosine_matrix",
        title="Cosine similarity between every row of a (n, d) and every row of b (m, d).",
        checker=_check_cosine_matrix,
        hint=(
            """
            Cosine similarity is the dot product of two vectors of length 1. Make every
            row of a and of b a unit vector, then compare every row of one with every
            row of the other in one matrix product.
            """,
            """
            Divide each row by its length, np.linalg.norm(x, axis=1, keepdims=True),
            guarded with np.maximum(..., 1e-12) so a zero row stays zero; then
            a_unit @ b_unit.T has shape (n, m).
            """,
        ),
        solution_code="""
            def cosine_matrix(a, b):
                a_unit = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
                b_unit = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
                return a_unit @ b_unit.T
        """,
        answer_name="cosine_matrix",
        references=(similarity.cosine_similarity, similarity.cosine_distance),
    )
)


# --- 01.recall_at_k -----------------------------------------------------------------


def _recall_cases():
    rng = np.random.default_rng(2)
    return [
        ("neighbour_labels [[1, 0, 0], [2, 2, 1], [0, 0, 0]], query_labels [0, 1, 0], k=1",
         (np.array([[1, 0, 0], [2, 2, 1], [0, 0, 0]]), np.array([0, 1, 0]), 1)),
        ("neighbour_labels [[1, 0, 0], [2, 2, 1], [0, 0, 0]], query_labels [0, 1, 0], k=2",
         (np.array([[1, 0, 0], [2, 2, 1], [0, 0, 0]]), np.array([0, 1, 0]), 2)),
        ("neighbour_labels [[3, 3, 1, 1], [0, 2, 2, 2]], query_labels [3, 2], k=3",
         (np.array([[3, 3, 1, 1], [0, 2, 2, 2]]), np.array([3, 2]), 3)),
        ("random labels of 50 queries x 10 neighbours, k=5",
         (rng.integers(0, 4, size=(50, 10)), rng.integers(0, 4, size=50), 5)),
    ]


def _recall_mistakes(neighbour_labels, query_labels, k):
    hits = neighbour_labels == query_labels[:, None]
    return [
        (hits[:, :k].mean(),
         "you returned the average fraction of matching neighbours (precision@k). "
         "R@k asks only whether at least one of the first k matches: use .any(axis=1)."),
        (hits[:, k - 1].mean(), "you looked only at the k-th neighbour; look at all of the first k."),
        (hits[:, : k + 1].any(axis=1).mean(),
         "you counted k + 1 neighbours; the first k are neighbour_labels[:, :k]."),
        (hits[:, 1: k + 1].any(axis=1).mean(),
         "you skipped the first neighbour; the first k are neighbour_labels[:, :k] (column 0 "
         "is the nearest)."),
        (hits.any(axis=1).mean(), "you used every neighbour column; keep only the first k."),
    ]


def _as_number(what):
    """`convert` for answers that are one number."""
    def convert(got, expected, description):
        got = as_learner_array(got, what)
        if got.size != 1:
            raise Incorrect(f"on {description}: expected one number, got an array of shape "
                            f"{got.shape}.")
        return float(got.reshape(()))
    return convert


def _check_recall_at_k(function):
    check_cases(
        function, _recall_cases(), expected=metrics.recall_at_k,
        convert=_as_number("a single number between 0 and 1"), same=close_to(1e-9),
        mistakes=_recall_mistakes, render=lambda value: f"{value:.4f}",
    )
    return "your recall@k matches course_lib.metrics.recall_at_k."


recall_at_k = register(
    Exercise(
        "01.recall_at_k",
        title="Recall@k: the fraction of queries with a same-label item among their first k neighbours.",
        checker=_check_recall_at_k,
        hint=(
            """
            For each query ask one yes/no question: is there a same-label item among its
            first k neighbours? R@k is the fraction of queries answering yes.
            """,
            """
            Compare neighbour_labels[:, :k] with query_labels[:, None] (broadcasting makes a
            boolean (n_queries, k) table), ask .any(axis=1) for each query, then take the mean.
            """,
        ),
        solution_code="""
            def recall_at_k(neighbour_labels, query_labels, k):
                hits = neighbour_labels[:, :k] == query_labels[:, None]
                return float(hits.any(axis=1).mean())
        """,
        answer_name="recall_at_k",
        references=(metrics.recall_at_k, metrics.evaluate_retrieval, metrics.retrieval_from_distances),
    )
)


# --- 01.map_at_r ----------------------------------------------------------------------


def _leave_one_out(similarities, labels, *, keep_self=False, ascending=False):
    """Each item's neighbour labels (itself left out unless `keep_self`) and its R."""
    n = len(labels)
    scores = np.array(similarities, dtype=np.float64)
    if not keep_self:
        np.fill_diagonal(scores, np.inf if ascending else -np.inf)
    order = np.argsort(scores if ascending else -scores, axis=1, kind="stable")
    if not keep_self:
        order = order[:, : n - 1]
    n_relevant = (labels[:, None] == labels[None, :]).sum(axis=1) - (0 if keep_self else 1)
    return labels[order], n_relevant


def reference_map_at_r(similarities, labels, *, keep_self=False, ascending=False,
                       divide_by="R", singletons="leave out", weighting="precision"):
    """MAP@R with each item searched against the others; the options give the usual slips."""
    neighbour_labels, n_relevant = _leave_one_out(similarities, labels, keep_self=keep_self,
                                                  ascending=ascending)
    precisions = []
    for row, query, r in zip(neighbour_labels, labels, n_relevant):
        if r == 0:
            if singletons == "zero":
                precisions.append(0.0)
            continue
        hits = row[:r] == query
        precision_at = np.cumsum(hits) / np.arange(1, r + 1)
        total = np.sum(precision_at * hits) if weighting == "precision" else np.sum(hits)
        precisions.append(total / (max(hits.sum(), 1) if divide_by == "hits" else r))
    return float(np.mean(precisions))


def _map_cases():
    rng = np.random.default_rng(11)
    small = np.array([[1.0, 0.9, 0.1, 0.8, 0.2],
                      [0.9, 1.0, 0.3, 0.2, 0.7],
                      [0.1, 0.3, 1.0, 0.6, 0.4],
                      [0.8, 0.2, 0.6, 1.0, 0.5],
                      [0.2, 0.7, 0.4, 0.5, 1.0]])
    centres = rng.normal(size=(4, 6))
    labels = np.append(rng.integers(0, 3, size=39), 3)  # class 3 has one item: no relevant other
    points = centres[labels] + rng.normal(scale=1.2, size=(40, 6))
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    return [
        ("the 5 x 5 similarities [[1, .9, .1, .8, .2], [.9, 1, .3, .2, .7], [.1, .3, 1, .6, .4], "
         "[.8, .2, .6, 1, .5], [.2, .7, .4, .5, 1]] with labels [0, 0, 1, 0, 1]",
         (small, np.array([0, 0, 1, 0, 1]))),
        ("cosine similarities of 40 random points in 4 classes, one class with a single item",
         (unit @ unit.T, labels)),
    ]


def _map_mistakes(similarities, labels):
    def variant(**options):
        return reference_map_at_r(similarities, labels, **options)

    return [
        (variant(keep_self=True),
         "you left each item among its own neighbours (it is always the first, similarity 1) "
         "and counted it in R. Leave-one-out searches each item against the OTHERS: R is the "
         "number of other items with its label."),
        (variant(ascending=True),
         "you ranked the least similar items first; these are similarities, so the nearest "
         "neighbour has the LARGEST value."),
        (variant(divide_by="hits"),
         "you divided by the number of hits among the first R neighbours (plain average "
         "precision); MAP@R divides by R, so a missed relevant item costs."),
        (variant(weighting="hits"),
         "you returned the fraction of relevant items among the first R (R-precision); MAP@R "
         "weights each hit by the precision P(i) at its rank."),
        (variant(singletons="zero"),
         "you counted items with no other item of their class as 0; they have R = 0 and are "
         "left out of the mean."),
    ]


def _check_map_at_r(function):
    check_cases(
        function, _map_cases(), expected=reference_map_at_r,
        convert=_as_number("one number between 0 and 1"), same=close_to(1e-9),
        mistakes=_map_mistakes, render=lambda value: f"{value:.4f}",
    )
    return ("your MAP@R matches course_lib's leave-one-out evaluation: it rewards putting ALL "
            "same-class items first, not just one.")


map_at_r = register(
    Exercise(
        "01.map_at_r",
        title="MAP@R of a set searched against itself, leaving each query out.",
        checker=_check_map_at_r,
        hint=(
            """
            Treat each item in turn as the query and the other items as the database. Its R
            is the number of OTHER items with its label; look at its R most similar others
            and average P(i) over the ranks i where a relevant item sits, dividing by R.
            Items with R = 0 are left out of the mean.
            """,
            """
            For item i: others = np.delete(np.arange(n), i); relevant = labels[others] ==
            labels[i]; r = relevant.sum(); ranked = relevant[np.argsort(-similarities[i,
            others])][:r]; then np.sum(np.cumsum(ranked) / np.arange(1, r + 1) * ranked) / r.
            """,
        ),
        solution_code="""
            def map_at_r(similarities, labels):
                n = len(labels)
                average_precisions = []
                for i in range(n):
                    others = np.delete(np.arange(n), i)
                    relevant = labels[others] == labels[i]
                    r = relevant.sum()
                    if r == 0:
                        continue
                    ranked = relevant[np.argsort(-similarities[i, others], kind="stable")][:r]
                    precision_at = np.cumsum(ranked) / np.arange(1, r + 1)
                    average_precisions.append(np.sum(precision_at * ranked) / r)
                return float(np.mean(average_precisions))
        """,
        answer_name="map_at_r",
        references=(metrics.map_at_r, metrics.evaluate_retrieval, metrics.retrieval_from_distances),
    )
)


# --- 01.nearest_neighbours ------------------------------------------------------------


def _neighbour_cases():
    rng = np.random.default_rng(3)
    database = rng.normal(size=(40, 6)) * rng.uniform(0.1, 5.0, size=(40, 1))
    # large enough that np.argpartition returns its k best unsorted
    large = rng.normal(size=(4000, 6)) * rng.uniform(0.1, 5.0, size=(4000, 1))
    return [
        ("query of shape (6,), database (40, 6), k=5", (rng.normal(size=6), database, 5)),
        ("query of shape (6,), database (40, 6), k=1", (rng.normal(size=6), database, 1)),
        ("query of shape (3,), database [[1, 0, 0], [0, 1, 0], [1, 1, 0]], k=2",
         (np.array([1.0, 0.1, 0.0]), np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 1.0, 0]]), 2)),
        ("query of shape (6,), database (4000, 6), k=400", (rng.normal(size=6), large, 400)),
    ]


def _expected_neighbours(query, database, k):
    return similarity.top_k(query[None, :], database, k)[1][0]


def _neighbour_mistakes(query, database, k):
    scores = similarity.cosine_similarity(query, database)
    expected = _expected_neighbours(query, database, k)
    euclidean = similarity.top_k(query[None, :], database, k, metric="euclidean")[1][0]
    return [
        (scores[expected], "you returned the scores; return the indices."),
        (expected[::-1], "right neighbours, wrong order: best (most similar) first."),
        (np.argsort(scores, kind="stable")[:k],
         "you returned the k LEAST similar rows: np.argsort sorts from small to large; sort "
         "-scores, or take the last k reversed."),
        (np.argsort(-(database @ query), kind="stable")[:k],
         "you ranked by the plain dot product, which favours long database rows; cosine "
         "divides by the lengths (top_k's default metric does)."),
        (euclidean, "these are the Euclidean nearest neighbours. The exercise asks for cosine "
                    "(top_k's default metric)."),
        (lambda got: set(np.asarray(got).astype(int).tolist()) == set(expected.tolist()),
         "right neighbours, wrong order: return them best (most similar) first. (np.argpartition "
         "finds the k best but does not sort them.)"),
    ]


def _as_indices(got, expected, description):
    k = len(expected)
    got = as_learner_array(got, f"an array of {k} indices")
    if got.shape == (1, k):
        raise Incorrect(
            f"on {description}: you returned shape (1, {k}), the answer for a batch of "
            f"one query. Return the indices for this one query, shape ({k},): take row 0."
        )
    if got.shape != (k,):
        raise Incorrect(f"on {description}: expected {k} indices, shape ({k},); got shape {got.shape}.")
    return got


def _render_indices(value, *, shown=12):
    values = np.asarray(value).astype(int).tolist()
    return str(values) if len(values) <= shown else f"{str(values[:shown])[:-1]}, ...] ({len(values)} in all)"


def _check_nearest_neighbours(function):
    check_cases(
        function, _neighbour_cases(), expected=_expected_neighbours, convert=_as_indices,
        same=lambda got, value: np.shape(got) == np.shape(value) and np.array_equal(got, value),
        mistakes=_neighbour_mistakes, render=_render_indices,
    )
    return "you found the cosine nearest neighbours of a single query, best first."


nearest_neighbours = register(
    Exercise(
        "01.nearest_neighbours",
        title="Indices of the k database rows most cosine-similar to ONE query vector, best first.",
        checker=_check_nearest_neighbours,
        hint=(
            """
            top_k answers a BATCH of queries at once. One query is a batch of size one: add
            the batch axis on the way in and remove it on the way out.
            """,
            """
            Give top_k a batch of one with query[None, :], shape (1, d); it returns scores and
            indices of shape (1, k). Take row 0 of the indices.
            """,
        ),
        solution_code="""
            def nearest_neighbours(query, database, k):
                scores, indices = top_k(query[None, :], database, k)
                return indices[0]
        """,
        answer_name="nearest_neighbours",
    )
)


# --- 01.unit_distance (question) -----------------------------------------------------------

unit_distance = register(
    Question(
        "01.unit_distance",
        title="The squared Euclidean distance between two unit vectors with cosine 0.5.",
        prompt="""
            **Question.** Two L2-normalised vectors $u$ and $v$ (length 1) have cosine
            similarity 0.5. What is their *squared* Euclidean distance $\\|u - v\\|^2$?
            Answer with a number.
        """,
        answer=1.0,
        answer_name="unit_distance_answer",
        explanations=(
            (0.5, "That is 1 - cos: expand ||u - v||^2 = ||u||^2 + ||v||^2 - 2 u.v."),
            (1.5, "That is 2 - cos: the dot product is counted twice in ||u - v||^2."),
            (0.0, "Distance 0 would mean u = v, cosine 1."),
        ),
        hint=(
            "Expand ||u - v||^2 as a dot product of (u - v) with itself.",
            "||u - v||^2 = ||u||^2 + ||v||^2 - 2 u.v, and both lengths are 1.",
        ),
        why=("||u - v||^2 = 2 - 2 cos(u, v) for unit vectors: after L2 normalisation, ranking by "
             "Euclidean distance and ranking by cosine give the same neighbours."),
    )
)
