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
from course_lib.exercises.answers import Number, Record, RightAnswers, WrongShape
from course_lib.exercises.diagnosis import Mistake, Symptom
from course_lib.exercises.nb09_project import SCORE_TOLERANCE, PairSet, verification_project
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question
from course_lib.metrics import map_at_r, recall_at_k

__all__ = ["PairSet", "choose_threshold", "evaluate_search", "threshold_data", "verification_project"]


# --- 09.choose_threshold -------------------------------------------------------------------


def _f1(scores, is_same, threshold, *, rule="score >= t"):
    """F1 of "same when score >= threshold" ("score > t" or "score <= t" for the usual
    slips); scores within `SCORE_TOLERANCE` of the threshold count as at it."""
    scores = np.asarray(scores, dtype=np.float64)
    is_same = np.asarray(is_same).astype(bool)
    accepted = {
        "score >= t": scores >= threshold - SCORE_TOLERANCE,
        "score > t": scores > threshold + SCORE_TOLERANCE,
        "score <= t": scores <= threshold + SCORE_TOLERANCE,
    }[rule]
    true_positives = np.sum(accepted & is_same)
    if true_positives == 0:
        return 0.0
    precision, recall = true_positives / accepted.sum(), true_positives / is_same.sum()
    return float(2 * precision * recall / (precision + recall))


def _threshold_cases():
    rng = np.random.default_rng(71)
    is_same = rng.random(400) < 0.2  # one pair in five is "same", as in most real systems
    scores = np.round(np.where(is_same, rng.normal(0.6, 0.15, 400), rng.normal(0.2, 0.2, 400)), 4)
    return [
        Case(
            "scores [0.9, 0.8, 0.6, 0.3, 0.1], is_same [1, 0, 1, 0, 0]",
            np.array([0.9, 0.8, 0.6, 0.3, 0.1]),
            np.array([1, 0, 1, 0, 0]),
        ),
        Case(
            "400 random pairs (scores to 4 decimals, some shared), 20% of them same", scores, is_same.astype(np.int64)
        ),
    ]


class BestF1Thresholds(RightAnswers):
    """The right answers of one case: every threshold at which F1 is the best one."""

    def __init__(self, scores, is_same, rule="score >= t"):
        self.scores, self.is_same, self.rule = scores, is_same, rule
        candidates = np.unique(scores)
        f1s = [_f1(scores, is_same, t, rule=rule) for t in candidates]
        self.best = max(f1s)
        self.example = float(candidates[int(np.argmax(f1s))])

    def accepts(self, got):
        return bool(np.isfinite(got)) and _f1(self.scores, self.is_same, got, rule=self.rule) >= self.best - 1e-12

    def render(self, answer_format, other=None):
        return f"{answer_format.render(self.example, other)} (F1 {self.best:.3f}), or any threshold as good"


def _threshold_mistakes(scores, is_same):
    right = BestF1Thresholds(scores, is_same)
    candidates = np.unique(scores)
    accuracies = np.array([np.mean((scores >= t) == (is_same == 1)) for t in candidates])
    accurate = candidates[np.isclose(accuracies, accuracies.max())]
    accept_all_f1 = _f1(scores, is_same, scores.min())
    return [
        Symptom(
            np.isnan,
            "your threshold is NaN, 'not a number' (from 0/0, or a max over no scores); return one of the scores.",
        ),
        Mistake(
            lambda got: np.isclose(got, right.best) and not right.accepts(got),
            f"you returned the best F1 ({right.best:.3f}); return the threshold that reaches it.",
        ),
        Mistake(
            lambda got: got <= scores.min() + SCORE_TOLERANCE,
            f"a threshold at or below every score accepts every pair (recall 1, F1 {accept_all_f1:.3f}); "
            f"the best F1 is {right.best:.3f}.",
        ),
        Mistake(
            lambda got: np.any(np.abs(accurate - got) <= SCORE_TOLERANCE),
            "your threshold maximises accuracy; maximise F1, which ignores the many easy "
            f"different pairs (best F1 {right.best:.3f}).",
        ),
        Mistake(
            BestF1Thresholds(scores, is_same, rule="score > t").accepts,
            "your threshold is best for 'same when score > t'; the course accepts a pair when score >= threshold.",
        ),
        Mistake(
            BestF1Thresholds(scores, is_same, rule="score <= t").accepts,
            "your threshold is best for 'same when score <= t', which accepts the LOW scores; the "
            "scores are similarities: accept a pair when score >= threshold.",
        ),
        Symptom(
            lambda got: not right.accepts(got),
            lambda got: (
                f"at your threshold {got:.4f} F1 is {_f1(scores, is_same, got):.3f}; the best "
                f"threshold reaches {right.best:.3f}."
            ),
        ),
    ]


choose_threshold = FunctionExercise(
    "09.choose_threshold",
    title="Return the threshold t that maximises F1 of 'same when score >= t'.",
    answer_name="choose_threshold",
    cases=_threshold_cases,
    reference=BestF1Thresholds,
    answer=Number(
        "one threshold, a number",
        decimals=4,
        shapes=[WrongShape(lambda *_: True, "return one threshold, a number; you returned an array of shape {shape}.")],
    ),
    mistakes=_threshold_mistakes,
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
    solution="""
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
    success=(
        "your threshold maximises F1. In the notebook, choose it on validation pairs and only measure it on test pairs."
    ),
    references=(verification.choose_threshold, verification.precision_recall_f1),
)


# --- 09.evaluate_search --------------------------------------------------------------------


def _reference_evaluation(
    query_embeddings, query_labels, search, index_labels, *, leave_one_out=False, fixed_r=None, r_from="index"
):
    if r_from == "queries":
        n_relevant = (query_labels[:, None] == query_labels[None, :]).sum(axis=1)
    else:
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


def search_data():
    """The made-up index and queries of 09.evaluate_search: `(index, index_labels, queries, query_labels)`."""
    rng = np.random.default_rng(77)
    centres = rng.normal(size=(4, 8))
    index_labels = rng.integers(0, 4, 240)
    index = centres[index_labels] + rng.normal(scale=1.1, size=(240, 8))
    index *= rng.uniform(0.2, 5.0, size=(240, 1))  # lengths vary: only the direction counts
    query_labels = rng.integers(0, 4, 60)
    queries = (centres[query_labels] + rng.normal(scale=1.1, size=(60, 8))) * rng.uniform(0.2, 5.0, size=(60, 1))
    return index, index_labels, queries, query_labels


def _search_cases():
    from course_lib.search import IVFIndex
    from course_lib.search.exact import top_k

    index, index_labels, queries, query_labels = search_data()

    def exact_search(query_embeddings, k):
        return top_k(query_embeddings, index, k)

    ivf = IVFIndex.from_vectors(index, n_lists=4, n_probe=3, seed=0)
    return [
        Case(
            "an exact cosine search: 60 new queries against an index of 240 vectors, 4 classes",
            queries,
            query_labels,
            exact_search,
            index_labels,
        ),
        Case(
            "an approximate search (IVFIndex, 3 of 4 cells probed) on the same data",
            queries,
            query_labels,
            ivf.search,
            index_labels,
        ),
    ]


def _search_mistakes(queries, query_labels, search, index_labels):
    from course_lib.search.exact import top_k

    index = search_data()[0]

    def variant(**options):
        return _reference_evaluation(queries, query_labels, search, index_labels, **options)

    right = variant()
    return [
        Mistake(
            variant(leave_one_out=True),
            "you treated the queries as part of the index (leave-one-out: the first neighbour "
            "dropped, or R - 1 relevant items). The new queries are not in the index: keep "
            "every neighbour, and R is the number of index items with the query's label.",
        ),
        Mistake(
            variant(fixed_r=10),
            "MAP@R needs R neighbours per query, R = the number of index items with the query's label, not a fixed 10.",
        ),
        Mistake(
            variant(r_from="queries"),
            "your R counts the QUERIES with the query's label; R is the number of INDEX items "
            "with it: (query_labels[:, None] == index_labels[None, :]).sum(axis=1).",
        ),
        Mistake(
            _reference_evaluation(queries, query_labels, lambda q, k: top_k(q, index, k), index_labels),
            "your figures are those of exact search; evaluate the `search` function you are "
            "given (it may be approximate).",
        ),
        Mistake(
            _reference_evaluation(
                queries, query_labels, lambda q, k: top_k(q, index, k, metric="euclidean"), index_labels
            ),
            "your figures are those of a Euclidean search of the index; evaluate the `search` "
            "function you are given, whatever it measures.",
        ),
        Mistake(
            {"R@1": right["MAP@R"], "MAP@R": right["R@1"]},
            "your two figures are swapped: 'R@1' is the share of queries whose first neighbour "
            "has their label, 'MAP@R' the mean average precision over R neighbours.",
        ),
    ]


def _search_evaluator():
    from course_lib.search import evaluate_search as course_evaluate_search

    return (course_evaluate_search,)


evaluate_search = FunctionExercise(
    "09.evaluate_search",
    title="R@1 and MAP@R of search(queries, k) for new queries against an index.",
    answer_name="evaluate_search",
    cases=_search_cases,
    reference=_reference_evaluation,
    answer=Record(
        {"R@1": Number("a number for 'R@1'", decimals=4), "MAP@R": Number("a number for 'MAP@R'", decimals=4)}
    ),
    mistakes=_search_mistakes,
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
    solution="""
        def evaluate_search(query_embeddings, query_labels, search, index_labels):
            n_relevant = (query_labels[:, None] == index_labels[None, :]).sum(axis=1)
            _, indices = search(query_embeddings, int(n_relevant.max()))
            neighbour_labels = index_labels[indices]
            return {"R@1": recall_at_k(neighbour_labels, query_labels, k=1),
                    "MAP@R": map_at_r(neighbour_labels, query_labels, n_relevant)}
    """,
    success=(
        "your evaluation matches course_lib.metrics.evaluate_retrieval for new queries, for "
        "exact and approximate search alike."
    ),
    references=_search_evaluator,
    written_with="recall_at_k and map_at_r",
)


# --- 09.threshold_data (question) ------------------------------------------------------------

threshold_data = Question(
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
