"""Exercises of notebook 01, similarity basics.

- `cosine_matrix`: cosine similarity between two batches of vectors.
- `recall_at_k`: the retrieval metric R@k from neighbour labels.
- `map_at_r`: MAP@R of a set searched against itself (leave-one-out), from a
  similarity matrix and labels.
- `nearest_neighbours`: for chosen items of a set, the k most similar OTHER items,
  left out by index (another item may tie with it at cosine 1), best first.
- `unit_distance`: a question: the squared distance between unit vectors of a given cosine.
"""

import numpy as np

from course_lib import metrics, similarity
from course_lib.exercises.answers import Array, Indices, Number, RightAnswers, WrongShape, transposed
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question

__all__ = [
    "cosine_matrix",
    "map_at_r",
    "nearest_neighbours",
    "recall_at_k",
    "reference_cosine_matrix",
    "reference_map_at_r",
    "unit_distance",
]


def _unit_rows(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


# --- 01.cosine_matrix -------------------------------------------------------------


def reference_cosine_matrix(a, b):
    """Cosine similarity of every row of `a` with every row of `b`, in float64; a zero row
    has cosine 0 with everything (the course's `cosine_similarity`, computed in float32)."""
    return _unit_rows(np.asarray(a, np.float64)) @ _unit_rows(np.asarray(b, np.float64)).T


def _cosine_cases():
    rng = np.random.default_rng(1)
    scaled = rng.normal(size=(4, 3)) * np.array([[1.0], [10.0], [0.1], [3.0]])
    with_zero = rng.normal(size=(3, 3))
    with_zero[1] = 0.0
    return [
        Case("a = [[1, 0], [0, 1]], b = [[1, 1]]", np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])),
        Case("a random (5, 3), b random (4, 3)", rng.normal(size=(5, 3)), rng.normal(size=(4, 3))),
        Case("rows of very different lengths, (4, 3) and (2, 3)", scaled, rng.normal(size=(2, 3)) * 5),
        Case("a (3, 3) whose row 1 is all zeros, b (2, 3)", with_zero, rng.normal(size=(2, 3))),
    ]


def _cosine_mistakes(a, b):
    dot = a @ b.T
    euclidean = np.sqrt(np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * dot, 0))
    with np.errstate(all="ignore"):
        unguarded = (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    return [
        Mistake(
            dot,
            "you returned the plain dot product a @ b.T; cosine divides by both lengths. "
            "L2-normalise each row of a and of b first.",
        ),
        Mistake(
            euclidean,
            "you returned Euclidean distances. Cosine similarity is the dot product of "
            "L2-normalised rows: it measures the angle, not the gap.",
        ),
        Mistake(
            -euclidean,
            "you returned negative Euclidean distances. Cosine similarity is the dot "
            "product of L2-normalised rows: it measures the angle, not the gap.",
        ),
        Mistake(
            _unit_rows(a.T).T @ _unit_rows(b.T),
            "you normalised the columns (axis=0). Each row is one vector: use "
            "np.linalg.norm(x, axis=1, keepdims=True).",
        ),
        Mistake(
            dot / np.linalg.norm(a) / np.linalg.norm(b),
            "you divided by the length of the whole matrix (np.linalg.norm without an axis); "
            "each row needs its own length: np.linalg.norm(x, axis=1, keepdims=True).",
        ),
        Mistake(_unit_rows(a) @ b.T, "you normalised the rows of a but not those of b; both sides need length 1."),
        Mistake(a @ _unit_rows(b).T, "you normalised the rows of b but not those of a; both sides need length 1."),
        Mistake(
            unguarded,
            "your result holds NaN where a row is all zeros: a zero vector has length 0, and "
            "dividing by it gives 0/0 = NaN. Divide by np.maximum(norm, 1e-12), so a zero "
            "vector gets cosine 0.",
        ),
    ]


cosine_matrix = FunctionExercise(
    "01.cosine_matrix",
    title="Cosine similarity between every row of a (n, d) and every row of b (m, d).",
    answer_name="cosine_matrix",
    cases=_cosine_cases,
    reference=reference_cosine_matrix,
    answer=Array(
        "the cosine matrix",
        per="one row per vector of a, one column per vector of b",
        shapes=[
            transposed(
                "expected shape {expected} (one row per vector of a, one column per vector of b), got "
                "{shape}. Did you swap a and b (transpose)?",
            )
        ],
    ),
    mistakes=_cosine_mistakes,
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
    solution="""
        def cosine_matrix(a, b):
            a_unit = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
            b_unit = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
            return a_unit @ b_unit.T
    """,
    success="your cosine matrix matches course_lib.cosine_similarity, zero vectors included.",
    references=(similarity.cosine_similarity, similarity.cosine_distance),
)


# --- 01.recall_at_k -----------------------------------------------------------------


def _recall_cases():
    rng = np.random.default_rng(2)
    small = np.array([[1, 0, 0], [2, 2, 1], [0, 0, 0]])
    return [
        Case(
            "neighbour_labels [[1, 0, 0], [2, 2, 1], [0, 0, 0]], query_labels [0, 1, 0], k=1",
            small,
            np.array([0, 1, 0]),
            1,
        ),
        Case(
            "neighbour_labels [[1, 0, 0], [2, 2, 1], [0, 0, 0]], query_labels [0, 1, 0], k=2",
            small,
            np.array([0, 1, 0]),
            2,
        ),
        Case(
            "neighbour_labels [[3, 3, 1, 1], [0, 2, 2, 2]], query_labels [3, 2], k=3",
            np.array([[3, 3, 1, 1], [0, 2, 2, 2]]),
            np.array([3, 2]),
            3,
        ),
        Case(
            "random labels of 50 queries x 10 neighbours, k=5",
            rng.integers(0, 4, size=(50, 10)),
            rng.integers(0, 4, size=50),
            5,
        ),
    ]


def _recall_mistakes(neighbour_labels, query_labels, k):
    hits = neighbour_labels == query_labels[:, None]
    return [
        Mistake(
            hits[:, :k].mean(),
            "you returned the average fraction of matching neighbours (precision@k). "
            "R@k asks only whether at least one of the first k matches: use .any(axis=1).",
        ),
        Mistake(hits[:, k - 1].mean(), "you looked only at the k-th neighbour; look at all of the first k."),
        Mistake(
            hits[:, : k + 1].any(axis=1).mean(),
            "you counted k + 1 neighbours; the first k are neighbour_labels[:, :k].",
        ),
        Mistake(
            hits[:, 1 : k + 1].any(axis=1).mean(),
            "you skipped the first neighbour; the first k are neighbour_labels[:, :k] (column 0 is the nearest).",
        ),
        Mistake(hits.any(axis=1).mean(), "you used every neighbour column; keep only the first k."),
        Mistake(
            float(hits[:, :k].any(axis=1).sum()),
            "you returned the number of queries with a same-label item among their first k; R@k "
            "is the fraction of queries: divide by the number of queries (take the mean).",
        ),
    ]


recall_at_k = FunctionExercise(
    "01.recall_at_k",
    title="Recall@k: the fraction of queries with a same-label item among their first k neighbours.",
    answer_name="recall_at_k",
    cases=_recall_cases,
    reference=metrics.recall_at_k,
    answer=Number("one number between 0 and 1", decimals=4),
    mistakes=_recall_mistakes,
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
    solution="""
        def recall_at_k(neighbour_labels, query_labels, k):
            hits = neighbour_labels[:, :k] == query_labels[:, None]
            return float(hits.any(axis=1).mean())
    """,
    success="your recall@k matches course_lib.metrics.recall_at_k.",
    references=(metrics.recall_at_k,),
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


def reference_map_at_r(
    similarities,
    labels,
    *,
    keep_self=False,
    ascending=False,
    divide_by="R",
    singletons="leave out",
    weighting="precision",
    r_counts_self=False,
):
    """MAP@R with each item searched against the others; the options give the usual slips."""
    neighbour_labels, n_relevant = _leave_one_out(similarities, labels, keep_self=keep_self, ascending=ascending)
    if r_counts_self:
        n_relevant = n_relevant + 1
    precisions = []
    for row, query, r in zip(neighbour_labels, labels, n_relevant):
        if r == 0 or (r_counts_self and r == 1):
            if singletons != "leave out":
                precisions.append({"zero": 0.0, "nan": np.nan}[singletons])
            continue
        hits = row[:r] == query
        precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        total = np.sum(precision_at * hits) if weighting == "precision" else np.sum(hits)
        precisions.append(total / (max(hits.sum(), 1) if divide_by == "hits" else r))
    return float(np.mean(precisions))


def _map_cases():
    rng = np.random.default_rng(11)
    small = np.array(
        [
            [1.0, 0.9, 0.1, 0.8, 0.2],
            [0.9, 1.0, 0.3, 0.2, 0.7],
            [0.1, 0.3, 1.0, 0.6, 0.4],
            [0.8, 0.2, 0.6, 1.0, 0.5],
            [0.2, 0.7, 0.4, 0.5, 1.0],
        ]
    )
    centres = rng.normal(size=(4, 6))
    labels = np.append(rng.integers(0, 3, size=39), 3)  # class 3 has one item: no relevant other
    points = centres[labels] + rng.normal(scale=1.2, size=(40, 6))
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    return [
        Case(
            "the 5 x 5 similarities [[1, .9, .1, .8, .2], [.9, 1, .3, .2, .7], [.1, .3, 1, .6, .4], "
            "[.8, .2, .6, 1, .5], [.2, .7, .4, .5, 1]] with labels [0, 0, 1, 0, 1]",
            small,
            np.array([0, 0, 1, 0, 1]),
        ),
        Case(
            "cosine similarities of 40 random points in 4 classes, one class with a single item", unit @ unit.T, labels
        ),
    ]


def _map_mistakes(similarities, labels):
    def variant(**options):
        return reference_map_at_r(similarities, labels, **options)

    return [
        Mistake(
            variant(keep_self=True),
            "you left each item among its own neighbours (it is always the first, similarity 1) "
            "and counted it in R. Leave-one-out searches each item against the OTHERS: R is the "
            "number of other items with its label.",
        ),
        Mistake(
            variant(r_counts_self=True),
            "your R counts the item itself: R is the number of OTHER items with its label, "
            "(labels == labels[i]).sum() - 1.",
        ),
        Mistake(
            variant(ascending=True),
            "you ranked the least similar items first; these are similarities, so the nearest "
            "neighbour has the LARGEST value.",
        ),
        Mistake(
            variant(divide_by="hits"),
            "you divided by the number of hits among the first R neighbours (plain average "
            "precision); MAP@R divides by R, so a missed relevant item costs.",
        ),
        Mistake(
            variant(weighting="hits"),
            "you returned the fraction of relevant items among the first R (R-precision); MAP@R "
            "weights each hit by the precision P(i) at its rank.",
        ),
        Mistake(
            variant(singletons="zero"),
            "you counted items with no other item of their class as 0; they have R = 0 and are left out of the mean.",
        ),
        Mistake(
            variant(singletons="nan"),
            "your MAP@R is NaN: an item with no other item of its class has R = 0, and its "
            "average precision is 0/0. Such items are left out of the mean (skip R = 0).",
        ),
    ]


map_at_r = FunctionExercise(
    "01.map_at_r",
    title="MAP@R of a set searched against itself, leaving each query out.",
    answer_name="map_at_r",
    cases=_map_cases,
    reference=reference_map_at_r,
    answer=Number("one number between 0 and 1", decimals=4),
    mistakes=_map_mistakes,
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
    solution="""
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
    success=(
        "your MAP@R matches course_lib's leave-one-out evaluation: it rewards putting ALL "
        "same-class items first, not just one."
    ),
    references=(metrics.map_at_r, metrics.retrieval_from_distances),
)


# --- 01.nearest_neighbours ------------------------------------------------------------

#: Cosines closer than this count as equal: a right answer computed in float32 (e.g. with
#: `top_k`) may order two neighbours whose float64 cosines differ by less. The cases hold
#: no two different cosines this close, apart from exact ties.
TIE_TOLERANCE = 1e-6


def _neighbour_cases():
    rng = np.random.default_rng(3)
    small = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [4.0, 0.0], [-1.0, 1.0]])
    random = rng.normal(size=(40, 6)) * rng.uniform(0.1, 5.0, size=(40, 1))
    random[[3, 21]] = 2.0 * random[12]  # longer copies: the same direction, cosine 1
    random[35] = 0.5 * random[8]
    # large enough that np.argpartition returns its k best unsorted
    large = rng.normal(size=(4000, 6)) * rng.uniform(0.1, 5.0, size=(4000, 1))
    return [
        Case(
            "embeddings [[1, 0], [2, 0], [0, 1], [1, 1], [4, 0], [-1, 1]], query_indices [1, 3], k=2 "
            "(items 0 and 4 point the same way as item 1: cosine 1)",
            small,
            np.array([1, 3]),
            2,
        ),
        Case(
            "random embeddings (40, 6) in which items 3, 12 and 21 point the same way (and items 8 "
            "and 35), query_indices [12, 8, 30, 0], k=5",
            random,
            np.array([12, 8, 30, 0]),
            5,
        ),
        Case("random embeddings (4000, 6), query_indices [10, 2500], k=400", large, np.array([10, 2500]), 400),
    ]


def ranked_like(got, scores, allowed, *, best_from=None, order="best first"):
    """Whether each row of `got` holds k distinct `allowed` items whose `scores` are the k
    best scores of `best_from` (default: `allowed`), in `order` ("best first", "worst first"
    or "any"); scores within `TIE_TOLERANCE` may come in any order."""
    got = np.asarray(got)
    if got.ndim != 2 or got.shape[0] != len(scores) or not np.all(np.isfinite(got)) or not np.all(got == np.round(got)):
        return False
    best_from = allowed if best_from is None else best_from
    k = got.shape[1]
    for row, row_scores, row_allowed, row_best in zip(got.astype(int), scores, allowed, best_from):
        if len(set(row.tolist())) != k or row.min() < 0 or row.max() >= len(row_scores):
            return False
        if not np.all(row_allowed[row]):
            return False
        best = np.sort(row_scores[row_best])[::-1][:k]
        picked = row_scores[row]
        if not np.allclose(np.sort(picked)[::-1], best, rtol=0, atol=TIE_TOLERANCE):
            return False
        steps = np.diff(picked)
        if order == "best first" and np.any(steps > TIE_TOLERANCE):
            return False
        if order == "worst first" and np.any(steps < -TIE_TOLERANCE):
            return False
    return True


class Neighbours(RightAnswers):
    """The right answers of one case: any k OTHER items with the best cosines, best first
    (equal cosines in any order); `example` ranks equal cosines by index."""

    def __init__(self, embeddings, query_indices, k):
        unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        self.scores = unit[query_indices] @ unit.T
        self.others = np.ones(self.scores.shape, dtype=bool)
        self.others[np.arange(len(query_indices)), query_indices] = False
        ranked = np.argsort(-np.where(self.others, self.scores, -np.inf), axis=1, kind="stable")
        self.example = ranked[:, :k]

    def accepts(self, got):
        return ranked_like(got, self.scores, self.others)


def _neighbour_mistakes(embeddings, query_indices, k):
    right = Neighbours(embeddings, query_indices, k)
    scores, others = right.scores, right.others
    everyone = np.ones_like(others)
    diagonal = np.ones_like(others)
    np.fill_diagonal(diagonal, False)
    queries = embeddings[query_indices]
    dot = queries @ embeddings.T
    euclidean = -np.linalg.norm(queries[:, None, :] - embeddings[None], axis=-1)
    best_scores = np.take_along_axis(scores, right.example, axis=1)

    def kept_self(got):
        return ranked_like(got, scores, everyone) and all(
            index in row for index, row in zip(query_indices, np.asarray(got).astype(int).tolist())
        )

    return [
        Mistake(
            kept_self,
            "each item is its own first neighbour (cosine 1 with itself). Leave the item out: "
            "its neighbours are the OTHER items.",
        ),
        Mistake(
            lambda got: ranked_like(got, scores, everyone, best_from=others),
            "some rows hold the item itself: you dropped the first neighbour, but another item "
            "pointing the same way (cosine 1 too) can come before it. Leave the item out by its "
            "INDEX, e.g. set scores[r, query_indices[r]] = -np.inf before sorting.",
        ),
        Mistake(
            lambda got: ranked_like(got, scores, diagonal),
            "you left out item r from row r (e.g. with np.fill_diagonal), but row r belongs to item "
            "query_indices[r]: leave out scores[r, query_indices[r]].",
        ),
        Mistake(
            lambda got: ranked_like(got, scores, others, order="worst first"),
            "right neighbours, wrong order: best (most similar) first.",
        ),
        Mistake(
            lambda got: ranked_like(got, scores, others, order="any"),
            "right neighbours, but not sorted: np.argpartition finds the k best without ordering "
            "them. Sort them by falling cosine, best first.",
        ),
        Mistake(
            lambda got: ranked_like(got, -scores, others),
            "you returned the k LEAST similar items: np.argsort sorts from small to large; sort -scores instead.",
        ),
        Mistake(
            lambda got: ranked_like(got, dot, others),
            "you ranked by the plain dot product, which favours long vectors; cosine divides by the lengths.",
        ),
        Mistake(
            lambda got: ranked_like(got, euclidean, others),
            "these are the Euclidean nearest neighbours; the exercise asks for cosine similarity.",
        ),
        Mistake(
            lambda got: np.shape(got) == best_scores.shape and np.allclose(got, best_scores, atol=1e-5),
            "you returned the cosines; return the indices of the items.",
        ),
    ]


nearest_neighbours = FunctionExercise(
    "01.nearest_neighbours",
    title="For chosen items of a set, the k OTHER items most cosine-similar to each, best first.",
    answer_name="nearest_neighbours",
    cases=_neighbour_cases,
    reference=Neighbours,
    answer=Indices(
        "the indices of the neighbours",
        per="one row of k indices per query item",
        shapes=[
            WrongShape(
                lambda shape, expected, *_: shape == (expected[0], expected[1] - 1),
                lambda shape, expected, *_: (
                    f"you returned k - 1 = {shape[1]} neighbour{'s' if shape[1] != 1 else ''} per item "
                    f"instead of k = {expected[1]}: taking k and then removing the item leaves k - 1. "
                    f"Leave the item out first, then take k."
                ),
            )
        ],
    ),
    mistakes=_neighbour_mistakes,
    hint=(
        """
        Each item is its own best match, so it has to be left out; but another item may
        point exactly the same way (cosine 1 too), so "drop the first neighbour" is not
        the same as "leave the item out". Leave it out by its index, then sort.
        """,
        """
        scores = cosines of embeddings[query_indices] with every row, shape (m, n); set
        scores[np.arange(m), query_indices] = -np.inf; then
        np.argsort(-scores, axis=1)[:, :k].
        """,
    ),
    solution="""
        def nearest_neighbours(embeddings, query_indices, k):
            unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
            scores = unit[query_indices] @ unit.T
            scores[np.arange(len(query_indices)), query_indices] = -np.inf
            return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    """,
    success="you found each item's nearest OTHER items, best first, even where another item ties with it at cosine 1.",
)


# --- 01.unit_distance (question) -----------------------------------------------------------

unit_distance = Question(
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
    why=(
        "||u - v||^2 = 2 - 2 cos(u, v) for unit vectors: after L2 normalisation, ranking by "
        "Euclidean distance and ranking by cosine give the same neighbours."
    ),
)
