"""Exercises of notebook 09, the capstone: similarity search as a system.

- `choose_threshold`: the F1-maximising threshold of a verification score, from pairs.
- `evaluate_search`: the mini-project's first part: R@1 and MAP@R of any search
  (exact or approximate) for a new query set against an index.
- `verification_project`: the mini-project's second part: choose an encoder and a
  threshold on validation pairs, report their rates on test pairs (in
  `course_lib.exercises.nb09_project`, with `PairSet`, the pairs it works on).
- `threshold_data`: a question: which pairs may choose the verification threshold.
"""

import numpy as np

from course_lib import verification
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    Question,
    as_learner_array,
    call_learner,
    check_cases,
    register,
)
from course_lib.exercises.nb09_project import PairSet, verification_project
from course_lib.metrics import map_at_r, recall_at_k
from course_lib.verification import precision_recall_f1

__all__ = ["PairSet", "choose_threshold", "evaluate_search", "threshold_data", "verification_project"]


# --- 09.choose_threshold -------------------------------------------------------------------


def _f1(scores, is_same, threshold, *, strict=False):
    """F1 of "same when score >= threshold" (with `strict`, "score > threshold")."""
    if strict:  # score > t is score >= the next float above t
        threshold = np.nextafter(threshold, np.inf)
    return precision_recall_f1(scores, is_same, threshold)[2]


def _threshold_cases():
    rng = np.random.default_rng(71)
    is_same = rng.random(400) < 0.2  # one pair in five is "same", as in most real systems
    scores = np.where(is_same, rng.normal(0.6, 0.15, 400), rng.normal(0.2, 0.2, 400))
    return [
        (
            "scores [0.9, 0.8, 0.6, 0.3, 0.1], is_same [1, 0, 1, 0, 0]",
            np.array([0.9, 0.8, 0.6, 0.3, 0.1]),
            np.array([True, False, True, False, False]),
        ),
        ("400 random pairs, 20% of them same", scores, is_same),
    ]


def _returns_best_f1(function):
    """Whether the answer is the best F1 on every case (not a threshold that happens to equal it)."""
    for _, scores, is_same in _threshold_cases():
        got = float(np.ravel(call_learner(function, scores.copy(), is_same.astype(np.int64), description=""))[0])
        if not np.isclose(got, precision_recall_f1(scores, is_same, np.unique(scores))[2].max()):
            return False
    return True


def _check_choose_threshold(function):
    for description, scores, is_same in _threshold_cases():
        got = call_learner(function, scores.copy(), is_same.astype(np.int64), description=description)
        got = as_learner_array(got, "one threshold, a number")
        if got.size != 1:
            raise Incorrect(
                f"on {description}: return one threshold, a number; you returned an array of shape {got.shape}."
            )
        threshold = float(got.ravel()[0])
        if np.isnan(threshold):
            raise Incorrect(f"on {description}: your threshold is NaN; return one of the scores.")
        candidates = np.unique(scores)
        f1s = precision_recall_f1(scores, is_same, candidates)[2]
        best = f1s.max()
        mine = _f1(scores, is_same, threshold)
        if np.isclose(mine, best, atol=1e-12):
            continue
        if np.isclose(threshold, best) and _returns_best_f1(function):
            raise Incorrect(
                f"on {description}: you returned the best F1 ({best:.3f}); return the threshold that reaches it."
            )
        if threshold <= scores.min():
            raise Incorrect(
                f"on {description}: a threshold at or below every score accepts every "
                f"pair (recall 1, F1 {mine:.3f}); the best F1 is {best:.3f}."
            )
        accuracies = np.array([np.mean((scores >= t) == is_same) for t in candidates])
        if np.isclose(threshold, candidates[np.argmax(accuracies)]) and accuracies.max() > np.mean(
            (scores >= candidates[np.argmax(f1s)]) == is_same
        ):
            raise Incorrect(
                f"on {description}: your threshold maximises accuracy (F1 {mine:.3f}); "
                f"maximise F1, which ignores the many easy different pairs (best "
                f"F1 {best:.3f})."
            )
        if np.isclose(_f1(scores, is_same, threshold, strict=True), best, atol=1e-12):
            raise Incorrect(
                f"on {description}: your threshold is best for 'same when score > t'; "
                f"the course accepts a pair when score >= threshold."
            )
        raise Incorrect(
            f"on {description}: at your threshold {threshold:.4f} F1 is {mine:.3f}; "
            f"the best threshold reaches {best:.3f}."
        )
    return (
        "your threshold maximises F1. In the notebook, choose it on validation pairs and only measure it on test pairs."
    )


choose_threshold = register(
    Exercise(
        "09.choose_threshold",
        title="Return the threshold t that maximises F1 of 'same when score >= t'.",
        checker=_check_choose_threshold,
        hint=(
            """
            Only the distinct scores matter as thresholds: between two scores nothing changes.
            Try each, measure F1 (it balances precision and recall and ignores the many easy
            different pairs), and keep the best threshold, not the best F1.
            """,
            """
            For t in np.unique(scores): accepted = scores >= t; TP = (accepted & is_same).sum();
            precision = TP / accepted.sum(); recall = TP / is_same.sum();
            F1 = 2 P R / (P + R). Return the t with the largest F1.
            """,
        ),
        solution_code="""
            def choose_threshold(scores, is_same):
                is_same = np.asarray(is_same).astype(bool)
                best_threshold, best_f1 = None, -1.0
                for threshold in np.unique(scores):
                    accepted = scores >= threshold
                    true_positives = np.sum(accepted & is_same)
                    precision = true_positives / accepted.sum()
                    recall = true_positives / is_same.sum()
                    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
                    if f1 > best_f1:
                        best_threshold, best_f1 = threshold, f1
                return best_threshold
        """,
        answer_name="choose_threshold",
        references=(verification.choose_threshold, verification.precision_recall_f1),
    )
)


# --- 09.evaluate_search --------------------------------------------------------------------


def _reference_evaluation(query_embeddings, query_labels, search, index_labels, *, leave_one_out=False, fixed_r=None):
    n_relevant = (query_labels[:, None] == index_labels[None, :]).sum(axis=1)
    if leave_one_out:
        n_relevant = n_relevant - 1
    if fixed_r is not None:
        n_relevant = np.minimum(n_relevant, fixed_r)
    k = int(n_relevant.max()) + (1 if leave_one_out else 0)
    indices = np.asarray(search(query_embeddings, k)[1])
    if leave_one_out:
        indices = indices[:, 1:]
    neighbour_labels = index_labels[indices]
    return {
        "R@1": recall_at_k(neighbour_labels, query_labels, k=1),
        "MAP@R": map_at_r(neighbour_labels, query_labels, n_relevant),
    }


def _search_cases():
    from course_lib.search import IVFIndex
    from course_lib.search.exact import top_k

    rng = np.random.default_rng(77)
    centres = rng.normal(size=(4, 8))
    index_labels = rng.integers(0, 4, 240)
    index = centres[index_labels] + rng.normal(scale=1.1, size=(240, 8))
    index *= rng.uniform(0.2, 5.0, size=(240, 1))  # lengths vary: only the direction counts
    query_labels = rng.integers(0, 4, 60)
    queries = (centres[query_labels] + rng.normal(scale=1.1, size=(60, 8))) * rng.uniform(0.2, 5.0, size=(60, 1))

    def exact_search(query_embeddings, k):
        return top_k(query_embeddings, index, k)

    ivf = IVFIndex.from_vectors(index, n_lists=4, n_probe=3, seed=0)
    return [
        (
            "an exact cosine search: 60 new queries against an index of 240 vectors, 4 classes",
            queries,
            query_labels,
            exact_search,
            index_labels,
        ),
        (
            "an approximate search (IVFIndex, 3 of 4 cells probed) on the same data",
            queries,
            query_labels,
            ivf.search,
            index_labels,
        ),
    ], index


def _search_mistakes(index):
    """`mistakes` for 09.evaluate_search, given the index vectors the searches look in."""
    from course_lib.search.exact import top_k

    def mistakes(queries, query_labels, search, index_labels):
        def variant(**options):
            return _reference_evaluation(queries, query_labels, search, index_labels, **options)

        return [
            (
                variant(leave_one_out=True),
                "you treated the queries as part of the index (leave-one-out: the first neighbour "
                "dropped, or R - 1 relevant items). The new queries are not in the index: keep "
                "every neighbour, and R is the number of index items with the query's label.",
            ),
            (
                variant(fixed_r=10),
                "MAP@R needs R neighbours per query, R = the number of index items with the "
                "query's label, not a fixed 10.",
            ),
            (
                _reference_evaluation(queries, query_labels, lambda q, k: top_k(q, index, k), index_labels),
                "your figures are those of exact search; evaluate the `search` function you are "
                "given (it may be approximate).",
            ),
        ]

    return mistakes


def _as_figures(got, expected, description):
    """`convert` for 09.evaluate_search: the dict {"R@1": number, "MAP@R": number}."""
    if not isinstance(got, dict) or set(got) != {"R@1", "MAP@R"}:
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        raise Incorrect(
            f"on {description}: return a dict with exactly the keys 'R@1' and 'MAP@R'; you returned {keys}."
        )
    return {key: float(as_learner_array(got[key], f"a number for {key!r}")) for key in got}


def _check_evaluate_search(function):
    cases, index = _search_cases()
    check_cases(
        function,
        [(description, tuple(args)) for description, *args in cases],
        expected=_reference_evaluation,
        convert=_as_figures,
        mistakes=_search_mistakes(index),
        same=lambda got, value: all(np.isclose(got[key], value[key], atol=1e-6) for key in value),
        render=lambda figures: ", ".join(f"{key} {value:.4f}" for key, value in figures.items()),
    )
    return (
        "your evaluation matches course_lib.metrics.evaluate_retrieval for new queries, for "
        "exact and approximate search alike."
    )


evaluate_search = register(
    Exercise(
        "09.evaluate_search",
        title="R@1 and MAP@R of search(queries, k) for new queries against an index.",
        checker=_check_evaluate_search,
        hint=(
            """
            The new queries are not in the index, so nothing is left out: each query's R is
            the number of index items with its label, and it needs at least R neighbours
            from the search it is given.
            """,
            """
            n_relevant = (query_labels[:, None] == index_labels[None, :]).sum(axis=1). Search
            with k = n_relevant.max(), take index_labels[indices], then use recall_at_k(...,
            k=1) and map_at_r(..., n_relevant) from course_lib.
            """,
        ),
        solution_code="""
            def evaluate_search(query_embeddings, query_labels, search, index_labels):
                n_relevant = (query_labels[:, None] == index_labels[None, :]).sum(axis=1)
                _, indices = search(query_embeddings, int(n_relevant.max()))
                neighbour_labels = index_labels[indices]
                return {"R@1": recall_at_k(neighbour_labels, query_labels, k=1),
                        "MAP@R": map_at_r(neighbour_labels, query_labels, n_relevant)}
        """,
        answer_name="evaluate_search",
    )
)


# --- 09.threshold_data (question) ------------------------------------------------------------

threshold_data = register(
    Question(
        "09.threshold_data",
        title="Which pairs may choose the verification threshold.",
        prompt="""
            **Question.** You will report the F1 of your verification system on the test
            pairs. The threshold that decides "same" should be chosen on:
        """,
        choices={
            "a": "the test pairs, since that is where the F1 is reported",
            "b": "validation pairs, kept apart from training and from the test",
            "c": "pairs from the training data the embedding was trained on",
            "d": "any pairs: a threshold is a single number, so it cannot overfit",
        },
        answer="b",
        answer_name="threshold_data_answer",
        explanations={
            "a": "Then the test F1 is the best F1 over many thresholds on those very pairs: an "
            "optimistic figure that new pairs will not reach. The test pairs only measure.",
            "c": "The embedding has fit those items: their same and different pairs are further "
            "apart than new pairs' will be, so the threshold lands in the wrong place.",
            "d": "Choosing the best of many candidate thresholds is fitting, even for one number; "
            "on the pairs you report, it inflates the figure.",
        },
        hint=(
            "Choosing a threshold is fitting a parameter: the pairs you fit on cannot also give "
            "an honest measure of the result.",
            "Training data is fit by the embedding, test data is kept to measure; one set is "
            "left for choosing settings such as the threshold.",
        ),
        why="the threshold is a fitted setting: choose it on validation pairs, then measure it once on the test pairs.",
    )
)
