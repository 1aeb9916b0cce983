"""Notebook 04's exercise checkers: the usual wrong answers and other right answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import functools

import numpy as np

from course_lib.sequences import masked_mean
from course_lib.verification import equal_error_rate


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
            frame = {
                "squared": np.sum(difference**2),
                "euclidean": np.linalg.norm(difference),
                "abs": np.sum(np.abs(difference)),
            }[cost]
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


def _eer_min_gap(scores, is_same, *, flip_scores=False, flip_labels=False, combine="mean", return_threshold=False):
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


def _pool_unmasked_sum(x, mask):  # exact only when padded steps hold zeros
    return x.sum(axis=1) / mask.sum(axis=1, keepdims=True)


def _dtw_l1(a, b):
    return _dtw(a, b, cost="abs")


def _dtw_no_start(a, b):
    table = _dtw(a, b, border=np.inf)
    table[0, 0] = np.inf
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i, j] = np.sum((a[i - 1] - b[j - 1]) ** 2) + min(
                table[i - 1, j], table[i, j - 1], table[i - 1, j - 1]
            )
    return table


def _eer_sklearn(scores, is_same, drop_intermediate=True):
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(is_same, scores, drop_intermediate=drop_intermediate)
    best = np.argmin(np.abs(1 - tpr - fpr))
    return (fpr[best] + 1 - tpr[best]) / 2


def _band(a, b, band, **options):
    table = _dtw(a, b, **options)
    if band is not None:
        table = np.full((len(a) + 1, len(b) + 1), np.inf)
        table[0, 0] = 0.0
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                if abs(i - j) <= band:
                    cost = {"squared": np.sum((a[i - 1] - b[j - 1]) ** 2), "abs": np.sum(np.abs(a[i - 1] - b[j - 1]))}[
                        options.get("cost", "squared")
                    ]
                    table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
    return table


WRONG_ANSWERS = {
    "04.masked_mean_pooling": [
        (_pool_all_steps, "padding included"),
        (_pool_sum, "sum of the real steps"),
        (_pool_batch_count, r"whole batch, mask.sum\(\)"),
        (_pool_wrong_axis, "axis=1"),
        (_pool_unmasked_sum, "summed the padded steps too"),
        (lambda x, mask: (x * mask[..., None]).mean(axis=1), "then divided by every step"),
        (lambda x, mask: masked_mean(x, mask), "course's own version"),
    ],
    "04.dtw_table": [
        (_dtw_no_diagonal, "diagonal move"),
        (_dtw_euclidean, "squared distance"),
        (_dtw_zero_border, "must be inf"),
        (_dtw_max, "every inner cell is inf"),
        (_dtw_no_border, "border row and column"),
        (_dtw_l1, r"absolute \(L1\)"),
        (_dtw_no_start, r"D\[0, 0\] must be 0"),
    ],
    "04.eer": [
        (_eer_distances, "LOW score"),
        (_eer_swapped, "swapped the labels"),
        (_eer_all_pairs, "number of all pairs"),
        (_eer_sum, r"FPR \+ FNR"),
        (_eer_threshold, "threshold"),
        (_eer_sklearn, "drop_intermediate=False"),
        (lambda scores, is_same: equal_error_rate(scores, is_same), "course's own version"),
    ],
    "04.banded_dtw": [
        (lambda a, b, band: _dtw(a, b)[-1, -1], "band is missing"),
        (lambda a, b, band: _band(a, b, band - 1)[-1, -1], "one step too narrow"),
        (lambda a, b, band: _band(a, b, band + 1)[-1, -1], "one step too wide"),
        (lambda a, b, band: _band(a, b, band), "you returned the table"),
        (lambda a, b, band: _band(a, b, band, cost="abs")[-1, -1], r"absolute \(L1\)"),
        (lambda a, b, band: min(_band(a, b, band)[-1, -1], 1e6), r"expected\ninf\ngot\n1e\+06"),
    ],
}


def _pool_masked_average(x, mask):
    return np.average(x, axis=1, weights=np.broadcast_to(mask[..., None], x.shape))


def _pool_loop(x, mask):
    return np.stack([x[i, mask[i]].mean(axis=0) for i in range(len(x))])


def _dtw_vectorised_cost(a, b):
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    table = np.full((len(a) + 1, len(b) + 1), np.inf)
    table[0, 0] = 0
    for i, j in np.ndindex(cost.shape):
        table[i + 1, j + 1] = cost[i, j] + min(table[i, j + 1], table[i + 1, j], table[i, j])
    return table


def _band_masked_table(a, b, band):
    return _band(a, b, band)[-1, -1]


def _band_recursive(a, b, band):

    @functools.cache
    def cost(i, j):
        if i == 0 and j == 0:
            return 0.0
        if i == 0 or j == 0 or abs(i - j) > band:
            return np.inf
        frame = float(np.sum((a[i - 1] - b[j - 1]) ** 2))
        return frame + min(cost(i - 1, j), cost(i, j - 1), cost(i - 1, j - 1))

    return cost(len(a), len(b))


RIGHT_ANSWERS = {
    "04.masked_mean_pooling": [_pool_masked_average, _pool_loop],
    "04.dtw_table": [_dtw_vectorised_cost, lambda a, b: _dtw(a, b)],
    "04.eer": [_eer_min_gap, lambda s, y: _eer_sklearn(s, y, drop_intermediate=False)],
    "04.banded_dtw": [_band_masked_table, _band_recursive],
}


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _band_one_side(a, b, band, *, keep):
    """A band written without abs(): `keep(i, j)` is the one-sided test."""
    table = np.full((len(a) + 1, len(b) + 1), np.inf)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if keep(i, j, band):
                cost = np.sum((a[i - 1] - b[j - 1]) ** 2)
                table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
    return table[-1, -1]


def _dtw_missing_move(a, b, *, move):
    table = np.full((len(a) + 1, len(b) + 1), np.inf)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            moves = {"up": table[i - 1, j], "left": table[i, j - 1], "diagonal": table[i - 1, j - 1]}
            del moves[move]
            table[i, j] = np.sum((a[i - 1] - b[j - 1]) ** 2) + min(moves.values())
    return table


def _band_float32_table(a, b, band):
    """The whole table in float32, as the course's own helpers compute."""
    a, b = a.astype(np.float32), b.astype(np.float32)
    table = np.full((len(a) + 1, len(b) + 1), np.inf, dtype=np.float32)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(max(1, i - band), min(len(b), i + band) + 1):
            cost = np.sum((a[i - 1] - b[j - 1]) ** 2, dtype=np.float32)
            table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
    return table[-1, -1]


def _pool_keras(x, mask):
    import keras

    weights = keras.ops.cast(keras.ops.expand_dims(mask, -1), "float32")
    x = keras.ops.convert_to_tensor(x, dtype="float32")
    return keras.ops.sum(x * weights, axis=1) / keras.ops.sum(weights, axis=1)


WRONG_ANSWERS["04.banded_dtw"] += [
    (lambda a, b, band: _band_one_side(a, b, band, keep=lambda i, j, w: j - i <= w), r"j - i <= band lets a run"),
    (lambda a, b, band: _band_one_side(a, b, band, keep=lambda i, j, w: i - j <= w), r"i - j <= band lets b run"),
]
WRONG_ANSWERS["04.dtw_table"] += [
    (lambda a, b: _dtw_missing_move(a, b, move="up"), r"no move from above, D\[i-1, j\]"),
    (lambda a, b: _dtw_missing_move(a, b, move="left"), r"no move from the left, D\[i, j-1\]"),
    (lambda a, b: _dtw(a, b).T, r"the rows belong to the frames of a"),
]
RIGHT_ANSWERS["04.banded_dtw"].append(_band_float32_table)
RIGHT_ANSWERS["04.masked_mean_pooling"].append(_pool_keras)


def test_a_float32_banded_dtw_is_accepted_and_a_near_miss_shows_its_digits():
    from course_lib.exercises import get_exercise

    exercise = get_exercise("04.banded_dtw")
    assert exercise.evaluate(_band_float32_table).correct
    # a relative error of 5e-5, beyond float32's rounding: the two numbers must read differently
    message = exercise.evaluate(lambda a, b, band: _band_masked_table(a, b, band) * (1 + 5e-5)).message
    expected, got = message.split("expected\n")[1].split(" Try again")[0].split("\ngot\n")
    assert expected != got, message
