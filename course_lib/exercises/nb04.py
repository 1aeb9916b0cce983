"""Exercises of notebook 04, RNN sequence similarity.

- `masked_mean_pooling`: average each sequence over its real steps only.
- `dtw_table`: the dynamic-time-warping table of a small pair, by its recurrence.
- `eer`: the equal error rate from verification scores and same/different labels.
"""

import numpy as np

from course_lib import sequences, verification
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    as_learner_array,
    call_learner,
    describe_array,
    register,
)

__all__ = ["masked_mean_pooling", "dtw_table", "eer"]


# --- 04.masked_mean_pooling -------------------------------------------------------------


def _pooling_cases():
    rng = np.random.default_rng(4)
    x_small = np.array([[[1.0, 2.0], [3.0, 4.0], [0.0, 0.0], [0.0, 0.0]],
                        [[5.0, 6.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]])
    mask_small = np.array([[True, True, False, False], [True, False, False, False]])
    lengths = np.array([7, 3, 12, 1, 9])
    mask = sequences.sequence_mask(lengths, 12)
    x = rng.normal(size=(5, 12, 4)) * mask[..., None]
    return [
        ("x of shape (2, 4, 2) with lengths [2, 1]", x_small, mask_small),
        ("x of shape (5, 12, 4) with lengths [7, 3, 12, 1, 9]", x, mask),
    ]


def _check_masked_mean_pooling(function):
    for description, x, mask in _pooling_cases():
        got = call_learner(function, x.copy(), mask.copy(), description=description)
        got = as_learner_array(got, f"an array of shape ({len(x)}, {x.shape[2]})")
        expected = sequences.masked_mean(x, mask).astype(np.float64)
        if got.shape != expected.shape:
            hint = ""
            if got.shape == x.shape[:2]:
                hint = " You averaged over the features (axis=2); average over the time steps, axis=1."
            elif got.shape == (x.shape[2],):
                hint = " You averaged over the whole batch; keep one row per sequence."
            raise Incorrect(
                f"on {description}: expected shape {expected.shape} (one vector per sequence), "
                f"got {got.shape}.{hint}"
            )
        if np.allclose(got, expected, atol=1e-5):
            continue
        if np.allclose(got, x.mean(axis=1), atol=1e-5):
            raise Incorrect(
                f"on {description}: you averaged over all {x.shape[1]} steps, padding included, "
                f"so short sequences are pulled towards zero. Sum the real steps "
                f"(x * mask[..., None]) and divide by each sequence's length, mask.sum(axis=1)."
            )
        if np.allclose(got, (x * mask[..., None]).sum(axis=1), atol=1e-5):
            raise Incorrect(f"on {description}: you returned the sum of the real steps; divide by "
                            f"each sequence's number of real steps.")
        if np.allclose(got, (x * mask[..., None]).sum(axis=1) / mask.sum(), atol=1e-5):
            raise Incorrect(
                f"on {description}: you divided by the number of real steps in the whole batch, "
                f"mask.sum(); divide each sequence by its own count, mask.sum(axis=1)[:, None]."
            )
        raise Incorrect(f"on {description}: expected\n{describe_array(expected)}\ngot\n{describe_array(got)}")
    return "your pooling ignores the padding, like GlobalAveragePooling1D given a mask."


masked_mean_pooling = register(
    Exercise(
        "04.masked_mean_pooling",
        title="Mean of each sequence over its real steps: x (n, steps, d), mask (n, steps) -> (n, d).",
        checker=_check_masked_mean_pooling,
        hint="""
            Zero the padded steps with x * mask[..., None], sum over axis 1, then divide by
            the number of real steps of each sequence, mask.sum(axis=1) with a new axis so
            it broadcasts over the features.
        """,
        solution_code="""
            def masked_mean_pooling(x, mask):
                weights = mask[..., None].astype(x.dtype)
                return (x * weights).sum(axis=1) / weights.sum(axis=1)
        """,
        answer_name="masked_mean_pooling",
    )
)


# --- 04.dtw_table ------------------------------------------------------------------------


def _reference_table(a, b, *, cost="squared", diagonal=True, border=np.inf, reduce=min):
    table = np.full((len(a) + 1, len(b) + 1), border, dtype=np.float64)
    table[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            difference = a[i - 1] - b[j - 1]
            frame = np.sum(difference ** 2) if cost == "squared" else (
                np.sqrt(np.sum(difference ** 2)) if cost == "euclidean" else np.sum(np.abs(difference)))
            moves = [table[i - 1, j], table[i, j - 1]] + ([table[i - 1, j - 1]] if diagonal else [])
            table[i, j] = frame + reduce(moves)
    return table


def _dtw_cases():
    rng = np.random.default_rng(5)
    return [
        ("a = [[0], [1], [2]], b = [[0], [1], [1], [2]]",
         np.array([[0.0], [1.0], [2.0]]), np.array([[0.0], [1.0], [1.0], [2.0]])),
        ("a = [[0, 0], [1, 2]], b = [[1, 0], [1, 1], [3, 2]]",
         np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 2.0]])),
        ("a random (5, 3), b random (7, 3)", rng.normal(size=(5, 3)), rng.normal(size=(7, 3))),
    ]


def _check_dtw_table(function):
    for description, a, b in _dtw_cases():
        got = call_learner(function, a.copy(), b.copy(), description=description)
        got = as_learner_array(got, f"an array of shape ({len(a) + 1}, {len(b) + 1})")
        expected = _reference_table(a, b)
        if got.shape != expected.shape:
            hint = (" Include the border row and column (index 0) with D[0, 0] = 0."
                    if got.shape == (len(a), len(b)) else "")
            raise Incorrect(f"on {description}: expected shape {expected.shape}, got {got.shape}.{hint}")
        if np.allclose(got, expected, atol=1e-6):
            continue
        finite = np.isfinite(expected)
        if not np.isfinite(got[1:, 1:]).any():
            raise Incorrect(
                f"on {description}: every inner cell is inf. D[1, 1] can only be reached from "
                f"D[0, 0] by the diagonal move: take the minimum of up, left and diagonal, "
                f"D[i-1, j-1] included (the maximum would pick the inf border everywhere)."
            )
        if np.isfinite(got[0, 1:]).any() or np.isfinite(got[1:, 0]).any():
            raise Incorrect(
                f"on {description}: the border row and column (except D[0, 0] = 0) must be inf; "
                f"with 0 there an alignment could skip the start of a sequence for free."
            )
        for variant, message in (
            (dict(diagonal=False), "you left out the diagonal move D[i-1, j-1]: the minimum is over "
                                   "three predecessors, up, left and diagonal."),
            (dict(cost="euclidean"), "your frame cost is the Euclidean distance; this course's DTW "
                                     "uses the squared distance, np.sum((a[i-1] - b[j-1]) ** 2)."),
            (dict(cost="abs"), "your frame cost is the absolute (L1) difference; use the squared "
                               "distance, np.sum((a[i-1] - b[j-1]) ** 2)."),
        ):
            if np.allclose(got[finite], _reference_table(a, b, **variant)[finite], atol=1e-6):
                raise Incorrect(f"on {description}: {message}")
        raise Incorrect(f"on {description}: expected\n{describe_array(expected)}\ngot\n{describe_array(got)}")
    return "your table matches the recurrence; its corner is course_lib's dtw_distance."


dtw_table = register(
    Exercise(
        "04.dtw_table",
        title="The DTW table D of shape (len(a) + 1, len(b) + 1) for two short sequences.",
        checker=_check_dtw_table,
        hint="""
            Start from np.full((len(a) + 1, len(b) + 1), np.inf) and set D[0, 0] = 0. Then for
            i from 1 to len(a) and j from 1 to len(b): D[i, j] = cost + min(D[i-1, j], D[i, j-1],
            D[i-1, j-1]) with cost = np.sum((a[i-1] - b[j-1]) ** 2).
        """,
        solution_code="""
            def dtw_table(a, b):
                table = np.full((len(a) + 1, len(b) + 1), np.inf)
                table[0, 0] = 0.0
                for i in range(1, len(a) + 1):
                    for j in range(1, len(b) + 1):
                        cost = np.sum((a[i - 1] - b[j - 1]) ** 2)
                        table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
                return table
        """,
        answer_name="dtw_table",
    )
)


# --- 04.eer ----------------------------------------------------------------------------------


def _eer_cases():
    rng = np.random.default_rng(6)
    same = rng.normal(0.7, 0.15, size=300)
    different = rng.normal(0.3, 0.15, size=500)
    scores = np.concatenate([same, different])
    labels = np.concatenate([np.ones(300, int), np.zeros(500, int)])
    order = rng.permutation(len(scores))
    return [
        ("scores [0.9, 0.8, 0.7, 0.1], is_same [1, 1, 0, 0]",
         np.array([0.9, 0.8, 0.7, 0.1]), np.array([1, 1, 0, 0])),
        ("scores [0.9, 0.8, 0.6, 0.3, 0.2, 0.1], is_same [1, 0, 1, 1, 0, 0]",
         np.array([0.9, 0.8, 0.6, 0.3, 0.2, 0.1]), np.array([1, 0, 1, 1, 0, 0])),
        ("800 shuffled pair scores: 300 same pairs around 0.7, 500 different pairs around 0.3",
         scores[order], labels[order]),
    ]


def _eer_over_all_pairs(scores, labels):
    """The min-gap EER with both error counts divided by all pairs (a usual slip)."""
    labels = labels.astype(bool)
    thresholds = np.unique(scores)
    false_accepts = np.array([np.sum(scores[~labels] >= t) for t in thresholds]) / len(scores)
    false_rejects = np.array([np.sum(scores[labels] < t) for t in thresholds]) / len(scores)
    best = np.argmin(np.abs(false_accepts - false_rejects))
    return (false_accepts[best] + false_rejects[best]) / 2


def _check_eer(function):
    for description, scores, labels in _eer_cases():
        got = call_learner(function, scores.copy(), labels.copy(), description=description)
        got = as_learner_array(got, "one number between 0 and 1")
        if got.size != 1:
            raise Incorrect(f"on {description}: expected one number, got an array of shape {got.shape}.")
        got = float(got.reshape(()))
        expected = verification.equal_error_rate(scores, labels)
        tolerance = 0.01 if len(scores) > 100 else 1e-6
        if abs(got - expected) <= tolerance:
            continue
        if expected > 0 and abs(got - 2 * expected) <= 2 * tolerance:
            raise Incorrect(f"on {description}: you returned FPR + FNR; the EER is the rate where "
                            f"the two are equal, their average there, not their sum.")
        if abs(got - verification.equal_error_rate(-scores, labels)) <= tolerance:
            raise Incorrect(
                f"on {description}: you accepted pairs with a LOW score (or swapped the labels, "
                f"which gives the same numbers). The scores are similarities and is_same = 1 "
                f"(SIMILAR) marks a same-speaker pair: accept when score >= threshold."
            )
        if abs(got - _eer_over_all_pairs(scores, labels)) <= tolerance:
            raise Incorrect(
                f"on {description}: you divided the errors by the number of all pairs; the false "
                f"positive rate divides by the different pairs, the false negative rate by the "
                f"same pairs."
            )
        if np.any(np.isclose(got, scores)) and not np.isclose(got, expected):
            raise Incorrect(f"on {description}: you returned a threshold (a score); return the "
                            f"error rate at that threshold.")
        raise Incorrect(f"on {description}: expected about {expected:.4f}, got {got:.4f}.")
    return "your EER matches course_lib.verification.equal_error_rate."


eer = register(
    Exercise(
        "04.eer",
        title="The equal error rate of similarity scores with same (1) / different (0) labels.",
        checker=_check_eer,
        hint="""
            Try every distinct score t as a threshold (accept a pair when score >= t). The false
            positive rate is the fraction of different pairs accepted, the false negative rate the
            fraction of same pairs rejected. Where |FPR - FNR| is smallest, return (FPR + FNR) / 2.
        """,
        solution_code="""
            def eer(scores, is_same):
                is_same = np.asarray(is_same).astype(bool)
                thresholds = np.unique(scores)
                fpr = np.array([np.mean(scores[~is_same] >= t) for t in thresholds])
                fnr = np.array([np.mean(scores[is_same] < t) for t in thresholds])
                best = np.argmin(np.abs(fpr - fnr))
                return (fpr[best] + fnr[best]) / 2
        """,
        answer_name="eer",
    )
)
