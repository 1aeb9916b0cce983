"""Exercises of notebook 04, RNN sequence similarity.

- `masked_mean_pooling`: average each sequence over its real steps only.
- `dtw_table`: the dynamic-time-warping table of a small pair, by its recurrence.
- `eer`: the equal error rate from verification scores and same/different labels.
- `banded_dtw`: the DTW distance with a Sakoe-Chiba band; its cases put the best
  alignment on either side of the diagonal, so a band kept on one side only fails.
- `slow_copy`: a question: the DTW distance between a sequence and its slower copy.
"""

import numpy as np

from course_lib import dtw, sequences, verification
from course_lib.exercises.answers import Array, Number, WrongShape, transposed
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question
from course_lib.exercises.values import Tolerance

__all__ = [
    "banded_dtw",
    "dtw_table",
    "eer",
    "masked_mean_pooling",
    "reference_banded_dtw",
    "reference_dtw_table",
    "slow_copy",
]


# --- 04.masked_mean_pooling -------------------------------------------------------------


def _pooling_cases():
    rng = np.random.default_rng(4)
    # An RNN's outputs at padded steps are not zero: every case has values there.
    x_small = np.array(
        [[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0], [7.0, -5.0]], [[5.0, 6.0], [0.5, 0.5], [2.0, 1.0], [-1.0, 3.0]]]
    )
    mask_small = np.array([[True, True, False, False], [True, False, False, False]])
    lengths = np.array([7, 3, 12, 1, 9])
    return [
        Case("x of shape (2, 4, 2) with lengths [2, 1], padded steps holding non-zero values", x_small, mask_small),
        Case(
            "x of shape (5, 12, 4) with lengths [7, 3, 12, 1, 9], padded steps holding RNN-like non-zero outputs",
            rng.normal(size=(5, 12, 4)),
            sequences.sequence_mask(lengths, 12),
        ),
    ]


def reference_masked_mean(x, mask):
    """The mean of each sequence's real steps, in float64."""
    weights = mask[..., None].astype(np.float64)
    return (x * weights).sum(axis=1) / weights.sum(axis=1)


def _pooling_mistakes(x, mask):
    real = x * mask[..., None]
    counts = mask.sum(axis=1, keepdims=True)
    return [
        Mistake(
            x.mean(axis=1),
            f"you averaged over all {x.shape[1]} steps, padding included. Sum only the real steps "
            f"(x * mask[..., None]) and divide by each sequence's length, mask.sum(axis=1).",
        ),
        Mistake(
            x.sum(axis=1) / counts,
            "you divided by the number of real steps but summed the padded steps too. An RNN's "
            "outputs at padded steps are not zero: multiply by the mask before summing, "
            "(x * mask[..., None]).sum(axis=1).",
        ),
        Mistake(
            real.sum(axis=1), "you returned the sum of the real steps; divide by each sequence's number of real steps."
        ),
        Mistake(
            real.sum(axis=1) / mask.sum(),
            "you divided by the number of real steps in the whole batch, mask.sum(); divide each "
            "sequence by its own count, mask.sum(axis=1)[:, None].",
        ),
        Mistake(
            real.mean(axis=1),
            "you zeroed the padded steps but then divided by every step (.mean(axis=1)); divide by "
            "each sequence's number of real steps, mask.sum(axis=1).",
        ),
    ]


masked_mean_pooling = FunctionExercise(
    "04.masked_mean_pooling",
    title="Mean of each sequence over its real steps: x (n, steps, d), mask (n, steps) -> (n, d).",
    answer_name="masked_mean_pooling",
    cases=_pooling_cases,
    reference=reference_masked_mean,
    answer=Array(
        "the pooled vectors",
        per="one vector per sequence",
        shapes=[
            WrongShape(
                lambda shape, expected, *_: len(shape) == 2 and shape[1] != expected[1],
                "expected shape {expected} (one vector per sequence), got {shape}. You averaged over "
                "the features (axis=2); average over the time steps, axis=1.",
            )
        ],
    ),
    mistakes=_pooling_mistakes,
    hint=(
        """
        The padded steps are not zeros to ignore: an RNN writes real numbers there. Let
        the mask decide which steps count, both in the sum and in the count.
        """,
        """
        Zero the padded steps with x * mask[..., None], sum over axis 1, then divide by
        mask.sum(axis=1) with a new axis so it broadcasts over the features.
        """,
    ),
    solution="""
        def masked_mean_pooling(x, mask):
            weights = mask[..., None].astype(x.dtype)
            return (x * weights).sum(axis=1) / weights.sum(axis=1)
    """,
    success="your pooling ignores the padded steps whatever they hold, like GlobalAveragePooling1D given a mask.",
    references=(sequences.masked_mean,),
)


# --- 04.dtw_table ------------------------------------------------------------------------


def reference_dtw_table(
    a, b, *, cost="squared", moves=("up", "left", "diagonal"), border=np.inf, start=0.0, band=None, band_side="both"
):
    """The DTW table of `a` and `b`; the options give the usual slips. With `band`, cells
    farther than `band` from the diagonal stay inf (`band_side` "j - i" or "i - j" keeps the
    limit on one side only)."""
    table = np.full((len(a) + 1, len(b) + 1), border, dtype=np.float64)
    table[0, 0] = start
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            offset = {"both": abs(i - j), "j - i": j - i, "i - j": i - j}[band_side]
            if band is not None and offset > band:
                table[i, j] = np.inf
                continue
            difference = a[i - 1] - b[j - 1]
            frame = {
                "squared": np.sum(difference**2),
                "euclidean": np.sqrt(np.sum(difference**2)),
                "abs": np.sum(np.abs(difference)),
            }[cost]
            before = {"up": table[i - 1, j], "left": table[i, j - 1], "diagonal": table[i - 1, j - 1]}
            table[i, j] = frame + min(before[move] for move in moves)
    return table


def _dtw_cases():
    rng = np.random.default_rng(5)
    return [
        Case(
            "a = [[0], [1], [2]], b = [[0], [1], [1], [2]]",
            np.array([[0.0], [1.0], [2.0]]),
            np.array([[0.0], [1.0], [1.0], [2.0]]),
        ),
        Case(
            "a = [[0, 0], [1, 2]], b = [[1, 0], [1, 1], [3, 2]]",
            np.array([[0.0, 0.0], [1.0, 2.0]]),
            np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 2.0]]),
        ),
        Case("a random (5, 3), b random (7, 3)", rng.normal(size=(5, 3)), rng.normal(size=(7, 3))),
        Case(
            "a = [[0], [0], [1], [1], [2]], b = [[0], [1], [2]] (a is the slower one)",
            np.array([[0.0], [0.0], [1.0], [1.0], [2.0]]),
            np.array([[0.0], [1.0], [2.0]]),
        ),
    ]


_COST_MISTAKES = (
    (
        dict(cost="euclidean"),
        "your frame cost is the Euclidean distance; this course's DTW uses "
        "the squared distance, np.sum((a[i-1] - b[j-1]) ** 2).",
    ),
    (
        dict(cost="abs"),
        "your frame cost is the absolute (L1) difference; use the squared distance, np.sum((a[i-1] - b[j-1]) ** 2).",
    ),
)


def _dtw_mistakes(a, b):
    def table(**options):
        return reference_dtw_table(a, b, **options)

    return [
        Mistake(
            table(start=np.inf),
            "D[0, 0] must be 0: it is the cost of aligning two empty beginnings. With inf there, "
            "no path can start and every cell stays inf.",
        ),
        Mistake(
            table(moves=("up", "left")),
            "every inner cell is inf. D[1, 1] can only be reached from D[0, 0] by the diagonal "
            "move: take the minimum of up, left and diagonal, D[i-1, j-1] included (the maximum "
            "would pick the inf border everywhere).",
        ),
        Mistake(
            table(moves=("left", "diagonal")),
            "your recurrence has no move from above, D[i-1, j]: one frame of b could never be "
            "matched with several frames of a. Take the minimum of all three moves.",
        ),
        Mistake(
            table(moves=("up", "diagonal")),
            "your recurrence has no move from the left, D[i, j-1]: one frame of a could never be "
            "matched with several frames of b. Take the minimum of all three moves.",
        ),
        Mistake(
            table(border=0.0),
            "the border row and column (except D[0, 0] = 0) must be inf; with 0 there an alignment "
            "could skip the start of a sequence for free.",
        ),
        *[Mistake(table(**options), message) for options, message in _COST_MISTAKES],
    ]


dtw_table = FunctionExercise(
    "04.dtw_table",
    title="The DTW table D of shape (len(a) + 1, len(b) + 1) for two short sequences.",
    answer_name="dtw_table",
    cases=_dtw_cases,
    reference=reference_dtw_table,
    answer=Array(
        "the DTW table",
        per="one row per frame of a, one column per frame of b, plus the border",
        shapes=[
            WrongShape(
                lambda shape, expected, *_: shape == (expected[0] - 1, expected[1] - 1),
                "expected shape {expected}, got {shape}. Include the border row and column (index 0) with D[0, 0] = 0.",
            ),
            transposed(
                "expected shape {expected}, got {shape}: the rows belong to the frames of a (plus the "
                "border), the columns to those of b.",
            ),
        ],
    ),
    mistakes=_dtw_mistakes,
    hint=(
        """
        D[i, j] is the cheapest way to align the first i frames of a with the first j of
        b. The last step of that alignment came from above, from the left or from the
        diagonal: pay this cell's frame cost plus the cheapest of those three.
        """,
        """
        Start from np.full((len(a) + 1, len(b) + 1), np.inf) and set D[0, 0] = 0. Then for
        i from 1 to len(a) and j from 1 to len(b): D[i, j] = cost + min(D[i-1, j],
        D[i, j-1], D[i-1, j-1]) with cost = np.sum((a[i-1] - b[j-1]) ** 2).
        """,
    ),
    solution="""
        def dtw_table(a, b):
            table = np.full((len(a) + 1, len(b) + 1), np.inf)
            table[0, 0] = 0.0
            for i in range(1, len(a) + 1):
                for j in range(1, len(b) + 1):
                    cost = np.sum((a[i - 1] - b[j - 1]) ** 2)
                    table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
            return table
    """,
    success="your table matches the recurrence; its corner is course_lib's dtw_distance.",
    references=(dtw.dtw_distance, dtw.dtw_distances),
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
        Case(
            "scores [0.9, 0.8, 0.7, 0.1], is_same [1, 1, 0, 0]", np.array([0.9, 0.8, 0.7, 0.1]), np.array([1, 1, 0, 0])
        ),
        Case(
            "scores [0.9, 0.8, 0.6, 0.3, 0.2, 0.1], is_same [1, 0, 1, 1, 0, 0]",
            np.array([0.9, 0.8, 0.6, 0.3, 0.2, 0.1]),
            np.array([1, 0, 1, 1, 0, 0]),
        ),
        Case(
            "800 shuffled pair scores: 300 same pairs around 0.7, 500 different pairs around 0.3",
            scores[order],
            labels[order],
        ),
    ]


def _eer_over_all_pairs(scores, labels):
    """The min-gap EER with both error counts divided by all pairs (a usual slip)."""
    labels = labels.astype(bool)
    thresholds = np.unique(scores)
    false_accepts = np.array([np.sum(scores[~labels] >= t) for t in thresholds]) / len(scores)
    false_rejects = np.array([np.sum(scores[labels] < t) for t in thresholds]) / len(scores)
    best = np.argmin(np.abs(false_accepts - false_rejects))
    return (false_accepts[best] + false_rejects[best]) / 2


def _eer_from_roc_curve(scores, labels, *, drop_intermediate):
    """The min-gap EER on scikit-learn's ROC points."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=drop_intermediate)
    best = np.argmin(np.abs(1 - tpr - fpr))
    return (fpr[best] + 1 - tpr[best]) / 2


def _eer_mistakes(scores, labels):
    expected = verification.equal_error_rate(scores, labels)
    return [
        Mistake(
            2 * expected,
            "you returned FPR + FNR; the EER is the rate where the two are equal, their average there, not their sum.",
        ),
        Mistake(
            verification.equal_error_rate(-scores, labels),
            "you accepted pairs with a LOW score (or swapped the labels, which gives the same "
            "numbers). The scores are similarities and is_same = 1 (SIMILAR) marks a same-speaker "
            "pair: accept when score >= threshold.",
        ),
        Mistake(
            _eer_over_all_pairs(scores, labels),
            "you divided the errors by the number of all pairs; the false positive rate divides by "
            "the different pairs, the false negative rate by the same pairs.",
        ),
        Mistake(
            _eer_from_roc_curve(scores, labels, drop_intermediate=True),
            "scikit-learn's roc_curve leaves out ROC points by default (drop_intermediate=True), "
            "here the ones where FPR and FNR cross: pass drop_intermediate=False, or try every "
            "score as a threshold yourself.",
        ),
        Mistake(
            lambda got: np.any(np.isclose(got, scores)),
            "you returned a threshold (a score); return the error rate at that threshold.",
        ),
    ]


#: EER definitions differ by less than one pair's share where FPR and FNR cross (the
#: min-gap point, an interpolation, the ROC convex hull): all are right.
_EER_TOLERANCE = Tolerance(rtol=0.0, atol=0.01)

eer = FunctionExercise(
    "04.eer",
    title="The equal error rate of similarity scores with same (1) / different (0) labels.",
    answer_name="eer",
    cases=_eer_cases,
    reference=verification.equal_error_rate,
    answer=Number("one number between 0 and 1", tolerance=_EER_TOLERANCE, decimals=4),
    mistakes=_eer_mistakes,
    hint=(
        """
        Raising the threshold trades false accepts for false rejects. The EER is the
        error rate at the threshold where the two RATES are equal: each rate divides by
        its own kind of pair.
        """,
        """
        Try every distinct score t as a threshold (accept when score >= t). FPR = fraction
        of different pairs accepted, FNR = fraction of same pairs rejected. Where
        |FPR - FNR| is smallest, return (FPR + FNR) / 2.
        """,
    ),
    solution="""
        def eer(scores, is_same):
            is_same = np.asarray(is_same).astype(bool)
            thresholds = np.unique(scores)
            fpr = np.array([np.mean(scores[~is_same] >= t) for t in thresholds])
            fnr = np.array([np.mean(scores[is_same] < t) for t in thresholds])
            best = np.argmin(np.abs(fpr - fnr))
            return (fpr[best] + fnr[best]) / 2
    """,
    success="your EER matches course_lib.verification.equal_error_rate.",
    references=(verification.equal_error_rate, verification.roc_points),
)


# --- 04.banded_dtw ------------------------------------------------------------------------------


def _band_cases():
    rng = np.random.default_rng(44)
    walk = np.cumsum(rng.normal(size=(9, 2)), axis=0)
    delayed = np.vstack([np.repeat(walk[:1], 3, axis=0), walk[:6]])
    return [
        Case(
            "a = [[0], [1], [2], [3], [3]], b = [[0], [0], [1], [2], [3]], band=0 (no warping)",
            np.array([[0.0], [1.0], [2.0], [3.0], [3.0]]),
            np.array([[0.0], [0.0], [1.0], [2.0], [3.0]]),
            0,
        ),
        Case("a = a random walk (9, 2), b = the same walk delayed by 3 steps (9, 2), band=2", walk, delayed, 2),
        Case("a = a random walk delayed by 3 steps (9, 2), b = the walk itself (9, 2), band=2", delayed, walk, 2),
        Case("a random (6, 3), b random (8, 3), band=3", rng.normal(size=(6, 3)), rng.normal(size=(8, 3)), 3),
        Case(
            "a random (3, 2), b random (7, 2), band=2: the band is narrower than the length gap",
            rng.normal(size=(3, 2)),
            rng.normal(size=(7, 2)),
            2,
        ),
    ]


def reference_banded_dtw(a, b, band):
    """DTW restricted to cells with |i - j| <= band; inf when no alignment fits."""
    return float(reference_dtw_table(a, b, band=band)[-1, -1])


def _band_mistakes(a, b, band):
    def corner(**options):
        return float(reference_dtw_table(a, b, **options)[-1, -1])

    return [
        Mistake(
            corner(),
            "you returned plain DTW: the band is missing. Cells with |i - j| > band "
            "must stay inf, so no alignment strays more than `band` steps off the diagonal.",
        ),
        Mistake(
            corner(band=band - 1),
            "your band is one step too narrow: keep cells with |i - j| <= band (the diagonal plus "
            "`band` cells on each side).",
        ),
        Mistake(corner(band=band + 1), "your band is one step too wide: keep cells with |i - j| <= band."),
        Mistake(
            corner(band=band, band_side="j - i"),
            "your band limits one side of the diagonal only: j - i <= band lets a run ahead of b "
            "without limit. Keep cells with abs(i - j) <= band.",
        ),
        Mistake(
            corner(band=band, band_side="i - j"),
            "your band limits one side of the diagonal only: i - j <= band lets b run ahead of a "
            "without limit. Keep cells with abs(i - j) <= band.",
        ),
        *[Mistake(corner(band=band, **options), message) for options, message in _COST_MISTAKES],
    ]


banded_dtw = FunctionExercise(
    "04.banded_dtw",
    title="The DTW distance of a and b when the alignment may stray at most `band` steps from the diagonal.",
    answer_name="banded_dtw",
    cases=_band_cases,
    reference=reference_banded_dtw,
    answer=Number(
        "one number, the DTW distance",
        shapes=[
            WrongShape(
                lambda shape, *_: len(shape) == 2,
                "you returned the table, shape {shape}; return its corner D[len(a), len(b)], the distance.",
            )
        ],
    ),
    mistakes=_band_mistakes,
    hint=(
        """
        The band forbids cells far from the diagonal: a cell (i, j) with |i - j| > band
        can never be on the path, so its cost is inf. Everything else is the usual DTW
        recurrence, and the answer is the table's corner.
        """,
        """
        Fill the table as in dtw_table, but leave D[i, j] = inf whenever abs(i - j) > band
        (skip it in the loop). Return D[len(a), len(b)]; it is inf when the band is
        narrower than the length difference.
        """,
    ),
    solution="""
        def banded_dtw(a, b, band):
            table = np.full((len(a) + 1, len(b) + 1), np.inf)
            table[0, 0] = 0.0
            for i in range(1, len(a) + 1):
                for j in range(max(1, i - band), min(len(b), i + band) + 1):
                    cost = np.sum((a[i - 1] - b[j - 1]) ** 2)
                    table[i, j] = cost + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
            return float(table[-1, -1])
    """,
    success=(
        "your band keeps the alignment near the diagonal: cheaper to compute (about "
        "(2 band + 1) cells per row), and a sequence can no longer be stretched without limit."
    ),
    # no references: dtw_distance has no band, so it cannot answer this exercise
)


# --- 04.slow_copy (question) --------------------------------------------------------------

slow_copy = Question(
    "04.slow_copy",
    title="The DTW distance between a sequence and the same sequence played slower.",
    prompt="""
            **Question.** With the squared frame cost, what is the DTW distance between
            a = [0, 1, 2] and b = [0, 0, 1, 1, 2, 2] (one feature per step)? Answer with a number.
        """,
    answer=0.0,
    answer_name="slow_copy_answer",
    explanations=(
        (2.0, "That compares a with b's first three frames one to one; DTW may repeat a frame of a to follow b."),
        (1.0, "Look again: can every frame of b meet a frame of a with the same value?"),
    ),
    hint=(
        "DTW may match one frame of a with several consecutive frames of b.",
        "Match a[0] with b[0], b[1]; a[1] with b[2], b[3]; a[2] with b[4], b[5]: what does each match cost?",
    ),
    why="b is a played at half speed, and DTW aligns it perfectly: every frame meets its "
    "equal, so the distance is 0. DTW compares shapes, not speeds.",
)
