"""Notebook 07's exercise checkers: the usual wrong answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import numpy as np

from course_lib import map_at_r, recall_at_k, top_k
from course_lib.verification import choose_threshold
from course_lib.exercises.nb07 import _search_cases


def _f1_at(scores, is_same, threshold, strict=False):
    is_same = np.asarray(is_same).astype(bool)
    accepted = scores > threshold if strict else scores >= threshold
    true_positives = np.sum(accepted & is_same)
    if true_positives == 0:
        return 0.0
    precision, recall = true_positives / accepted.sum(), true_positives / is_same.sum()
    return 2 * precision * recall / (precision + recall)


def _threshold_accuracy(scores, is_same):
    candidates = np.unique(scores)
    return candidates[np.argmax([np.mean((scores >= t) == is_same) for t in candidates])]


def _threshold_returns_f1(scores, is_same):
    return max(_f1_at(scores, is_same, t) for t in np.unique(scores))


def _threshold_strict(scores, is_same):
    candidates = np.unique(scores)
    return candidates[np.argmax([_f1_at(scores, is_same, t, strict=True) for t in candidates])]


def _threshold_accept_all(scores, is_same):
    return scores.min()


def _threshold_array(scores, is_same):
    return np.unique(scores)


def _evaluate(search, index_labels, queries, query_labels, *, drop_first=False, r_minus_one=False,
              fixed_r=None):
    n_relevant = (query_labels[:, None] == index_labels[None, :]).sum(axis=1)
    if r_minus_one:
        n_relevant = n_relevant - 1
    if fixed_r is not None:
        n_relevant = np.minimum(n_relevant, fixed_r)
    extra = 1 if drop_first else 0
    indices = search(queries, int(n_relevant.max()) + extra)[1][:, extra:]
    labels = index_labels[indices]
    return {"R@1": recall_at_k(labels, query_labels, k=1), "MAP@R": map_at_r(labels, query_labels, n_relevant)}


def _search_leave_one_out(search, index_labels, queries, query_labels):
    return _evaluate(search, index_labels, queries, query_labels, drop_first=True, r_minus_one=True)


def _search_fixed_r(search, index_labels, queries, query_labels):
    return _evaluate(search, index_labels, queries, query_labels, fixed_r=10)


def _search_exact_instead(search, index_labels, queries, query_labels):
    _, index = _search_cases()
    return _evaluate(lambda q, k: top_k(q, index, k), index_labels, queries, query_labels)


def _search_euclidean(search, index_labels, queries, query_labels):
    _, index = _search_cases()
    return _evaluate(lambda q, k: top_k(q, index, k, metric="euclidean"), index_labels, queries,
                     query_labels)


def _search_tuple(search, index_labels, queries, query_labels):
    result = _evaluate(search, index_labels, queries, query_labels)
    return result["R@1"], result["MAP@R"]


WRONG_ANSWERS = {
    "07.choose_threshold": [
        (_threshold_accuracy, "maximises accuracy"),
        (_threshold_returns_f1, "you returned the best F1"),
        (_threshold_strict, "score >= threshold"),
        (_threshold_accept_all, "accepts every pair"),
        (_threshold_array, "return one threshold"),
    ],
    "07.evaluate_search": [
        (_search_leave_one_out, "not in the index"),
        (_search_fixed_r, "not a fixed 10"),
        (_search_exact_instead, "those of exact search"),
        (_search_euclidean, "expected"),
        (_search_tuple, "return a dict"),
        (lambda search, *args: (_search_fixed_r if hasattr(search, "__self__")
                                else _search_leave_one_out)(search, *args),
         r"^on an exact cosine search.*: expected\nR@1 .*\ngot\nR@1 "),
    ],
}


def test_the_approximate_case_differs_from_exact_and_finds_enough_neighbours():
    (_, exact_search, labels, queries, query_labels), (_, ivf_search, *_) = _search_cases()[0]
    k = int((query_labels[:, None] == labels[None, :]).sum(axis=1).max())
    exact, approximate = exact_search(queries, k)[1], ivf_search(queries, k)[1]
    assert (approximate >= 0).all()
    assert not np.array_equal(exact, approximate)


def _threshold_eer_point(scores, is_same):
    """The threshold where FPR and FNR meet: an EER threshold, not the best-F1 one."""
    is_same = np.asarray(is_same).astype(bool)
    candidates = np.unique(scores)
    gaps = [abs(np.mean(scores[~is_same] >= t) - np.mean(scores[is_same] < t)) for t in candidates]
    return candidates[int(np.argmin(gaps))]


def _threshold_loop_f1(scores, is_same):
    best, best_f1 = None, -1.0
    for t in sorted(set(scores.tolist()), reverse=True):
        f1 = _f1_at(scores, is_same, t)
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def _search_per_query(search, index_labels, queries, query_labels):
    r1, precisions = [], []
    for query, label in zip(queries, query_labels):
        r = int(np.sum(index_labels == label))
        hits = index_labels[search(query[None], r)[1][0]] == label
        r1.append(hits[0])
        precisions.append(np.sum(np.cumsum(hits) / np.arange(1, r + 1) * hits) / r)
    return {"R@1": float(np.mean(r1)), "MAP@R": float(np.mean(precisions))}


WRONG_ANSWERS["07.choose_threshold"] += [
    (_threshold_eer_point, r"^on scores \[0.9, .*: at your threshold 0.8000 F1 is 0.500; the best threshold reaches 0.800"),
    (lambda scores, is_same: choose_threshold(scores, is_same)[0], "course's own version"),
]
RIGHT_ANSWERS = {
    "07.choose_threshold": [_threshold_loop_f1,
                            lambda s, y: max(np.unique(s), key=lambda t: _f1_at(s, y, t))],
    "07.evaluate_search": [_search_per_query, lambda *args: _evaluate(*args)],
}


def test_the_threshold_question_keeps_test_pairs_for_measuring():
    from course_lib.exercises import get_exercise

    question = get_exercise("07.threshold_data")
    assert question.evaluate("b").correct
    assert "only measure" in question.evaluate("a").message
    assert "wrong place" in question.evaluate("c").message
