"""Notebook 04's exercise checkers: the usual wrong answers and other right answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import numpy as np

from course_lib.exercises import get_exercise
from course_lib.exercises.core import CORRECT


def _pool_all_steps(x, mask):
    return x.mean(axis=1)


def _pool_sum(x, mask):
    return (x * mask[..., None]).sum(axis=1)


def _pool_batch_count(x, mask):
    return (x * mask[..., None]).sum(axis=1) / mask.sum()


def _pool_wrong_axis(x, mask):
    return (x * mask[..., None]).mean(axis=2)


def _dtw(a, b, *, diagonal=True, cost="squared", border=np.inf, reduce=min):
    table = np.full((len(a) + 1, len(b) + 1), border)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            difference = a[i - 1] - b[j - 1]
            frame = {"squared": np.sum(difference ** 2), "euclidean": np.linalg.norm(difference),
                     "abs": np.sum(np.abs(difference))}[cost]
            moves = [table[i - 1, j], table[i, j - 1]] + ([table[i - 1, j - 1]] if diagonal else [])
            table[i, j] = frame + reduce(moves)
    return table


def _dtw_no_diagonal(a, b):
    return _dtw(a, b, diagonal=False)


def _dtw_euclidean(a, b):
    return _dtw(a, b, cost="euclidean")


def _dtw_zero_border(a, b):
    return _dtw(a, b, border=0.0)


def _dtw_max(a, b):
    return _dtw(a, b, reduce=max)


def _dtw_no_border(a, b):
    return _dtw(a, b)[1:, 1:]


def _eer_min_gap(scores, is_same, *, flip_scores=False, flip_labels=False, combine="mean",
                 return_threshold=False):
    is_same = np.asarray(is_same).astype(bool)
    if flip_labels:
        is_same = ~is_same
    scores = -scores if flip_scores else scores
    thresholds = np.unique(scores)
    fpr = np.array([np.mean(scores[~is_same] >= t) for t in thresholds])
    fnr = np.array([np.mean(scores[is_same] < t) for t in thresholds])
    best = np.argmin(np.abs(fpr - fnr))
    if return_threshold:
        return thresholds[best]
    return fpr[best] + fnr[best] if combine == "sum" else (fpr[best] + fnr[best]) / 2


def _eer_distances(scores, is_same):
    return _eer_min_gap(scores, is_same, flip_scores=True)


def _eer_all_pairs(scores, is_same):
    is_same = np.asarray(is_same).astype(bool)
    thresholds = np.unique(scores)
    fpr = np.array([np.sum(scores[~is_same] >= t) for t in thresholds]) / len(scores)
    fnr = np.array([np.sum(scores[is_same] < t) for t in thresholds]) / len(scores)
    best = np.argmin(np.abs(fpr - fnr))
    return (fpr[best] + fnr[best]) / 2


def _eer_swapped(scores, is_same):
    return _eer_min_gap(scores, is_same, flip_labels=True)


def _eer_sum(scores, is_same):
    return _eer_min_gap(scores, is_same, combine="sum")


def _eer_threshold(scores, is_same):
    return _eer_min_gap(scores, is_same, return_threshold=True)


WRONG_ANSWERS = {
    "04.masked_mean_pooling": [
        (_pool_all_steps, "padding included"),
        (_pool_sum, "sum of the real steps"),
        (_pool_batch_count, r"whole batch, mask.sum\(\)"),
        (_pool_wrong_axis, "axis=1"),
    ],
    "04.dtw_table": [
        (_dtw_no_diagonal, "diagonal move"),
        (_dtw_euclidean, "squared distance"),
        (_dtw_zero_border, "must be inf"),
        (_dtw_max, "every inner cell is inf"),
        (_dtw_no_border, "border row and column"),
    ],
    "04.eer": [
        (_eer_distances, "LOW score"),
        (_eer_swapped, "swapped the labels"),
        (_eer_all_pairs, "number of all pairs"),
        (_eer_sum, r"FPR \+ FNR"),
        (_eer_threshold, "threshold"),
    ],
}


def test_min_gap_eer_is_accepted():
    assert get_exercise("04.eer").evaluate(_eer_min_gap).status == CORRECT
