"""Exercises of notebook 03, CNN metric learning.

- `contrastive_loss`: the contrastive loss of each pair, in NumPy, with the
  course's label convention (1 = similar).
- `batch_hard`: batch-hard mining: each anchor's farthest positive and
  closest negative, from a distance matrix and labels.
- `batch_all_triplet_loss`: the batch-all triplet loss of a batch, from its
  distance matrix and labels: every valid triplet, averaged over the active ones.
- `pair_threshold`: choose the distance threshold that best separates similar
  from dissimilar pairs, and report its pair accuracy.
- `semi_hard`: a question: which negatives semi-hard mining picks.

The checkers compare with NumPy references written here (the same formulas as
`course_lib.losses`, which the tests compare against each other), so checking
an answer needs no Keras. No case sits on a decision boundary: no triplet is
within 1e-4 of the margin, no two anchors' candidates tie, no two distinct
distances are closer than `THRESHOLD_TOLERANCE`.
"""

import numpy as np

from course_lib import losses, verification
from course_lib.exercises.answers import Array, Indices, Number, Pair, RightAnswers, WrongShape
from course_lib.exercises.diagnosis import Mistake, Symptom
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question
from course_lib.sampling import DISSIMILAR, SIMILAR

__all__ = [
    "batch_all_triplet_loss",
    "batch_hard",
    "contrastive_loss",
    "pair_threshold",
    "reference_batch_all",
    "reference_batch_hard",
    "reference_contrastive_loss",
    "semi_hard",
]


def distance_matrix(points):
    """Euclidean distances between every two rows of `points`, in float64."""
    return np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))


# --- 03.contrastive_loss ----------------------------------------------------------------


def reference_contrastive_loss(labels, distances, margin):
    """`y d^2 + (1 - y) max(0, margin - d)^2` per pair, in NumPy (1 = similar)."""
    labels = np.asarray(labels, dtype=np.float64)
    distances = np.asarray(distances, dtype=np.float64)
    return labels * distances**2 + (1 - labels) * np.maximum(margin - distances, 0.0) ** 2


def _contrastive_cases():
    rng = np.random.default_rng(30)
    labels = rng.integers(0, 2, size=12)
    labels[:2] = [SIMILAR, DISSIMILAR]
    return [
        Case(
            "labels [1, 0] at distance 0, margin 1.0 (the convention)",
            np.array([SIMILAR, DISSIMILAR]),
            np.array([0.0, 0.0]),
            1.0,
        ),
        Case("12 random pairs (both labels), distances in [0, 2], margin 1.0", labels, rng.uniform(0.0, 2.0, 12), 1.0),
        Case(
            "dissimilar pairs at, just inside and beyond the margin 0.5: distances [0.5, 0.4, 0.8]",
            np.array([DISSIMILAR] * 3),
            np.array([0.5, 0.4, 0.8]),
            0.5,
        ),
        Case(
            "labels [1, 0, 1, 0], distances [0.3, 0.3, 1.5, 1.5], margin 2.0",
            np.array([1, 0, 1, 0]),
            np.array([0.3, 0.3, 1.5, 1.5]),
            2.0,
        ),
    ]


def _contrastive_mistakes(labels, distances, margin):
    y, d = labels.astype(np.float64), distances.astype(np.float64)
    hinge = np.maximum(margin - d, 0.0)
    return [
        Mistake(
            reference_contrastive_loss(1 - y, d, margin),
            "you used the labels backwards: here 1 = SIMILAR (same class) and 0 = DISSIMILAR, as "
            "stated in course_lib.sampling. Similar pairs pay d**2; dissimilar pairs pay the "
            "squared hinge. (Hadsell et al. 2006 wrote Y = 0 for similar pairs; we do not.)",
        ),
        Mistake(y * d**2 + (1 - y) * hinge, "the dissimilar term must be squared: np.maximum(margin - d, 0) ** 2."),
        Mistake(
            y * d**2 + (1 - y) * (margin - d) ** 2,
            "dissimilar pairs beyond the margin must cost 0, but yours still pay (margin - d)**2. "
            "Clip the shortfall at zero: np.maximum(margin - d, 0) ** 2.",
        ),
        Mistake(
            y * d**2 + (1 - y) * np.maximum(d - margin, 0.0) ** 2,
            "your dissimilar pairs pay when they are FARTHER than the margin; they pay while they are "
            "closer: np.maximum(margin - d, 0) ** 2.",
        ),
        Mistake(y * d + (1 - y) * hinge**2, "the similar term is the SQUARED distance, d ** 2, not d."),
        Mistake(
            0.5 * reference_contrastive_loss(y, d, margin),
            "your values are half the expected ones: the course's formula has no factor 1/2 "
            "(Hadsell et al. write one; here a dissimilar pair at distance 0 costs margin**2).",
        ),
        Mistake(
            y * d**2 + (1 - y) * np.maximum(margin - d**2, 0.0) ** 2,
            "the margin applies to the distance d, not to d**2: use np.maximum(margin - d, 0) ** 2.",
        ),
    ]


contrastive_loss = FunctionExercise(
    "03.contrastive_loss",
    title="The contrastive loss of each pair, with 1 = similar and 0 = dissimilar.",
    answer_name="contrastive_loss",
    cases=_contrastive_cases,
    reference=reference_contrastive_loss,
    answer=Array(
        "one loss per pair",
        shapes=[
            WrongShape(
                lambda shape, expected, *_: shape == () and expected[0] > 1,
                lambda shape, expected, *_: (
                    f"you returned one number; return one loss per pair, shape "
                    f"{expected}. Keras averages them over the batch for you."
                ),
            )
        ],
    ),
    mistakes=_contrastive_mistakes,
    hint=(
        """
        Two kinds of pairs, two costs: a similar pair pays for any distance at all; a
        dissimilar pair pays only while it is closer than the margin. The label switches
        between the two costs.
        """,
        """
        Similar pairs (label 1) pay distances ** 2; dissimilar pairs (label 0) pay
        np.maximum(margin - distances, 0) ** 2. Combine them as
        labels * (...) + (1 - labels) * (...).
        """,
    ),
    solution="""
        def contrastive_loss(labels, distances, margin):
            similar_cost = distances**2
            dissimilar_cost = np.maximum(margin - distances, 0.0) ** 2
            return labels * similar_cost + (1 - labels) * dissimilar_cost
    """,
    success="your contrastive loss matches course_lib.losses.contrastive_loss, margin edge included.",
    references=(losses.contrastive_loss, losses.ContrastiveLoss),
)


# --- 03.batch_hard ----------------------------------------------------------------------


def reference_batch_hard(distances, labels):
    """Index of each anchor's farthest positive and closest negative."""
    distances = np.asarray(distances, dtype=np.float64)
    labels = np.asarray(labels)
    same = labels[:, None] == labels[None, :]
    positive = same & ~np.eye(len(labels), dtype=bool)
    hardest_positive = np.where(positive, distances, -np.inf).argmax(axis=1)
    hardest_negative = np.where(~same, distances, np.inf).argmin(axis=1)
    return hardest_positive, hardest_negative


def _batch_hard_cases():
    rng = np.random.default_rng(31)
    small_points = np.array([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 0.9], [2.0, 1.2]])
    labels = np.repeat(np.arange(4), 4)
    rng.shuffle(labels)
    points = rng.normal(size=(16, 5))
    return [
        Case(
            "5 points [[0, 0], [0, 1], [2, 0], [1, 0.9], [2, 1.2]] with labels [0, 0, 1, 1, 1]",
            distance_matrix(small_points),
            np.array([0, 0, 1, 1, 1]),
        ),
        Case("16 random points, 4 classes of 4, shuffled", distance_matrix(points), labels),
    ]


def _batch_hard_mistakes(distances, labels):
    """Answers `(positive, negative)` that the usual mistakes give, with what to say."""
    n = len(labels)
    same = labels[:, None] == labels[None, :]
    eye = np.eye(n, dtype=bool)
    positive, negative = reference_batch_hard(distances, labels)
    rows = np.arange(n)
    return [
        Mistake(
            (distances[rows, positive], distances[rows, negative]),
            "you returned the distances; return the INDICES (argmax / argmin, not max / min).",
        ),
        Mistake(
            (np.where(same & ~eye, distances, np.inf).argmin(axis=1), negative),
            "your positives are the CLOSEST same-label items; batch-hard takes the farthest "
            "positive (the hardest to pull in): argmax over the positives.",
        ),
        Mistake(
            (positive, np.where(~same, distances, -np.inf).argmax(axis=1)),
            "your negatives are the FARTHEST other-label items; batch-hard takes the closest "
            "negative (the hardest to push away): argmin over the negatives.",
        ),
        Mistake(
            (positive, np.where(~eye, distances, np.inf).argmin(axis=1)),
            "your negatives include items of the anchor's own class: mask out every same-label "
            "column (labels[:, None] == labels[None, :]) before taking the argmin.",
        ),
        Mistake(
            (positive, rows),
            "each anchor's closest 'negative' is the anchor itself (distance 0): a negative must "
            "have a DIFFERENT label.",
        ),
        Mistake(
            (rows, negative),
            "each anchor's positive is the anchor itself: exclude the diagonal (a positive is "
            "ANOTHER item with the same label).",
        ),
        Mistake(
            (distances.argmax(axis=1), negative),
            "your positives are the farthest items overall, whatever their label: restrict the "
            "argmax to same-label items.",
        ),
        Mistake(
            (negative, positive),
            "you returned (negatives, positives): return (hardest_positive, hardest_negative), in that order.",
        ),
    ]


def _index_array(name):
    return Indices(f"`{name}`, one index per anchor")


batch_hard = FunctionExercise(
    "03.batch_hard",
    title="Batch-hard mining: each anchor's farthest positive and closest negative.",
    answer_name="batch_hard",
    cases=_batch_hard_cases,
    reference=reference_batch_hard,
    answer=Pair(
        ("hardest_positive", "hardest_negative"), (_index_array("hardest_positive"), _index_array("hardest_negative"))
    ),
    mistakes=_batch_hard_mistakes,
    hint=(
        """
        For each anchor (row), only some columns are allowed: positives are OTHER items
        with its label, negatives are items with another label. Hide the columns that are
        not allowed, then pick the farthest positive and the closest negative.
        """,
        """
        Build same = labels[:, None] == labels[None, :]. Positives: same & ~np.eye(n,
        dtype=bool); negatives: ~same. Replace hidden distances with -np.inf before an
        argmax (positives) or +np.inf before an argmin (negatives).
        """,
    ),
    solution="""
        def batch_hard(distances, labels):
            same = labels[:, None] == labels[None, :]
            is_positive = same & ~np.eye(len(labels), dtype=bool)
            hardest_positive = np.where(is_positive, distances, -np.inf).argmax(axis=1)
            hardest_negative = np.where(~same, distances, np.inf).argmin(axis=1)
            return hardest_positive, hardest_negative
    """,
    success="you mined the batch-hard positive and negative of every anchor.",
    references=(losses.triplet_loss, losses.TripletLoss),
)


# --- 03.batch_all_triplet_loss --------------------------------------------------------------


def reference_batch_all(
    distances, labels, margin, *, self_positive=False, mask_negatives=True, hinge=True, sign=1.0, divide_by="active"
):
    """The batch-all triplet loss; the options give the usual slips."""
    distances = np.asarray(distances, dtype=np.float64)
    same = labels[:, None] == labels[None, :]
    positive = same if self_positive else same & ~np.eye(len(labels), dtype=bool)
    negative = ~same if mask_negatives else ~np.eye(len(labels), dtype=bool)
    valid = positive[:, :, None] & negative[:, None, :]
    raw = sign * (distances[:, :, None] - distances[:, None, :]) + margin
    per_triplet = np.where(valid, np.maximum(raw, 0.0) if hinge else raw, 0.0)
    count = {"active": np.sum(per_triplet > 0), "valid": np.sum(valid)}[divide_by]
    return float(per_triplet.sum() / max(count, 1))


def triplet_margins(distances, labels, margin):
    """`D(a, p) - D(a, n) + margin` of every valid triplet: how far each is from the hinge's kink."""
    same = labels[:, None] == labels[None, :]
    valid = (same & ~np.eye(len(labels), dtype=bool))[:, :, None] & ~same[:, None, :]
    return (distances[:, :, None] - distances[:, None, :] + margin)[valid]


def _triplet_cases():
    rng = np.random.default_rng(33)
    # point 2 sits a little off the axis: at (0.4, 0) one triplet would cost exactly 0
    points = np.array([[0.0, 0.0], [0.0, 0.3], [0.4, 0.05], [2.0, 2.0], [0.5, 0.4]])
    labels = rng.permutation(np.repeat(np.arange(4), 4))
    return [
        Case(
            "points [[0, 0], [0, 0.3], [0.4, 0.05], [2, 2], [0.5, 0.4]], labels [0, 0, 1, 1, 0], margin 0.2",
            distance_matrix(points),
            np.array([0, 0, 1, 1, 0]),
            0.2,
        ),
        Case("16 random points, 4 classes of 4, margin 0.5", distance_matrix(rng.normal(size=(16, 3))), labels, 0.5),
        Case(
            "6 random points, labels [0, 0, 0, 1, 1, 2] (class 2 has no positive), margin 1.0",
            distance_matrix(rng.normal(size=(6, 2))),
            np.array([0, 0, 0, 1, 1, 2]),
            1.0,
        ),
        Case(
            "two classes far apart, labels [0, 0, 1, 1], margin 0.2: every triplet is easy",
            distance_matrix(np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [5.1, 0.0]])),
            np.array([0, 0, 1, 1]),
            0.2,
        ),
    ]


def _triplet_mistakes(distances, labels, margin):
    def variant(**options):
        return reference_batch_all(distances, labels, margin, **options)

    return [
        Mistake(
            variant(divide_by="valid"),
            "you averaged over every valid triplet; batch-all divides the sum by the number of "
            "ACTIVE triplets (loss > 0), so the many easy triplets do not dilute the loss.",
        ),
        Mistake(
            variant(self_positive=True),
            "your triplets include the anchor as its own positive (distance 0); a positive is "
            "ANOTHER item with the anchor's label: exclude the diagonal.",
        ),
        Mistake(
            variant(mask_negatives=False),
            "your negatives include items of the anchor's own class; a negative has a DIFFERENT label.",
        ),
        Mistake(
            variant(sign=-1.0),
            "you computed D(a, n) - D(a, p) + margin; the loss asks the POSITIVE to be closer: "
            "max(0, D(a, p) - D(a, n) + margin).",
        ),
        Mistake(
            variant(hinge=False, divide_by="valid"),
            "you averaged D(a, p) - D(a, n) + margin without the hinge: triplets already satisfied "
            "must cost 0, np.maximum(..., 0).",
        ),
        Mistake(
            reference_batch_all(distances**2, labels, margin),
            "you squared the distances; the course's triplet loss uses the distances as given.",
        ),
        Mistake(
            reference_batch_all(distances, labels, 0.0),
            "there is no margin in your loss: max(0, D(a, p) - D(a, n) + margin).",
        ),
    ]


batch_all_triplet_loss = FunctionExercise(
    "03.batch_all_triplet_loss",
    title="The batch-all triplet loss of a batch, from its (n, n) distances and labels.",
    answer_name="batch_all_triplet_loss",
    cases=_triplet_cases,
    reference=reference_batch_all,
    answer=Number(
        "one number, the loss of the batch",
        shapes=[
            WrongShape(
                lambda shape, *_: True,
                lambda shape, *_: (
                    f"expected one number (the loss of the batch), got an array of shape "
                    f"{shape}. Sum the triplet losses and divide by the number of active triplets."
                ),
            )
        ],
    ),
    mistakes=_triplet_mistakes,
    hint=(
        """
        Every (anchor, positive, negative) with a positive of the anchor's class (not the
        anchor itself) and a negative of another class is a triplet; each costs
        max(0, D(a, p) - D(a, n) + margin). Batch-all averages over the triplets that
        still cost something.
        """,
        """
        With same = labels[:, None] == labels[None, :]: positive = same & ~np.eye(n, dtype=bool),
        negative = ~same; valid = positive[:, :, None] & negative[:, None, :]; losses =
        np.maximum(distances[:, :, None] - distances[:, None, :] + margin, 0) * valid;
        return losses.sum() / max((losses > 0).sum(), 1).
        """,
    ),
    solution="""
        def batch_all_triplet_loss(distances, labels, margin):
            same = labels[:, None] == labels[None, :]
            positive = same & ~np.eye(len(labels), dtype=bool)
            valid = positive[:, :, None] & ~same[:, None, :]
            hinge = np.maximum(distances[:, :, None] - distances[:, None, :] + margin, 0.0)
            losses = np.where(valid, hinge, 0.0)
            return float(losses.sum() / max(np.sum(losses > 0), 1))
    """,
    success=(
        "your loss matches course_lib's TripletLoss(mining='batch_all'): every valid triplet "
        "counts, averaged over the active ones."
    ),
    references=(losses.triplet_loss, losses.TripletLoss),
)


# --- 03.pair_threshold ------------------------------------------------------------------

#: Distances within this of a threshold count as at it: a learner's threshold computed in
#: float32 is one of the distances rounded to about 1e-7. No two distinct distances of a
#: case are this close.
THRESHOLD_TOLERANCE = 1e-6


def pair_accuracy(distances, is_similar, threshold):
    """Fraction of pairs classified right by "similar when distance <= threshold"."""
    predicted = np.asarray(distances) <= threshold
    return float(np.mean(predicted == (np.asarray(is_similar) == SIMILAR)))


def reference_best_threshold(distances, is_similar):
    """The candidate threshold (one of the distances) with the best pair accuracy."""
    candidates = np.unique(distances)
    accuracies = [pair_accuracy(distances, is_similar, t) for t in candidates]
    best = int(np.argmax(accuracies))
    return float(candidates[best]), float(accuracies[best])


def _threshold_cases():
    rng = np.random.default_rng(32)
    n = 400
    is_similar = (rng.random(n) < 0.3).astype(np.int64)
    distances = np.where(is_similar == SIMILAR, rng.normal(0.6, 0.2, n), rng.normal(1.1, 0.25, n))
    distances = np.round(np.clip(distances, 0.0, 2.0), 3)  # measured to 3 decimals: some pairs share one
    rounded_similar = (rng.random(250) < 0.5).astype(np.int64)
    rounded = np.round(
        np.where(rounded_similar == SIMILAR, rng.normal(0.5, 0.25, 250), rng.normal(1.0, 0.25, 250)), 1
    ).clip(0.0, 2.0)
    return [
        Case(
            "distances [0.1, 0.2, 0.5, 0.9, 1.0, 1.4, 1.6], is_similar [1, 1, 0, 1, 0, 0, 0]",
            np.array([0.1, 0.2, 0.5, 0.9, 1.0, 1.4, 1.6]),
            np.array([1, 1, 0, 1, 0, 0, 0]),
        ),
        Case(
            "400 validation pairs, 30% similar (distance about 0.6) and 70% dissimilar (about 1.1)",
            distances,
            is_similar,
        ),
        Case(
            "250 validation pairs whose distances are rounded to 0.1, so many pairs share one", rounded, rounded_similar
        ),
    ]


class Thresholds(RightAnswers):
    """The right answers of one case: any threshold with the best pair accuracy, with "<=" or
    "<" (as good a convention), and the accuracy it reaches."""

    def __init__(self, distances, is_similar):
        self.distances = np.asarray(distances, dtype=np.float64)
        self.similar = np.asarray(is_similar) == SIMILAR
        self.example = reference_best_threshold(distances, is_similar)
        self.accuracy = self.example[1]
        self.candidates = np.unique(self.distances)

    def accuracies_at(self, threshold):
        """The accuracy of "similar when distance <= t", and of "< t"; distances within
        `THRESHOLD_TOLERANCE` of t count as at t."""
        return [
            float(np.mean((self.distances <= threshold + THRESHOLD_TOLERANCE) == self.similar)),
            float(np.mean((self.distances < threshold - THRESHOLD_TOLERANCE) == self.similar)),
        ]

    def reports(self, got, *, best=True):
        """Whether `got = (t, accuracy)` states the accuracy of its t (and t is a best one)."""
        threshold, accuracy = got
        return any(
            np.isclose(accuracy, value) and (not best or value >= self.accuracy - 1e-9)
            for value in self.accuracies_at(threshold)
        )

    def accepts(self, got):
        return self.reports(got)


def _threshold_mistakes(distances, is_similar):
    right = Thresholds(distances, is_similar)
    n = len(distances)
    worst = [min(right.accuracies_at(t)[rule] for t in right.candidates) for rule in (0, 1)]
    best_indices = [i for i, t in enumerate(right.candidates) if max(right.accuracies_at(t)) >= right.accuracy - 1e-9]
    largest_similar = float(right.distances[right.similar].max())

    def flipped(got):  # the accuracy of "similar when distance > t" at the learner's t
        threshold, accuracy = got
        return any(np.isclose(accuracy, 1.0 - value) for value in right.accuracies_at(threshold))

    return [
        Mistake(
            lambda got: np.isclose(got[0], right.accuracy) and right.reports(got[::-1]),
            "you returned (accuracy, threshold); return (threshold, accuracy), in that order.",
        ),
        Mistake(
            flipped,
            "you predicted 'similar' for LARGE distances (or compared with the labels backwards). "
            "A small distance means similar: predict similar where distances <= t, and compare with "
            "is_similar == 1 (SIMILAR).",
        ),
        Mistake(
            lambda got: right.reports((got[0], got[1] / n)),
            f"your accuracy is a count of correct pairs; divide by the number of pairs ({n}): it is "
            f"a fraction between 0 and 1.",
        ),
        Mistake(
            lambda got: right.reports((got[0], got[1] / 100)),
            "your accuracy is a percentage; return it as a fraction between 0 and 1.",
        ),
        Mistake(
            lambda got: any(np.isclose(got[0], i) for i in best_indices) and np.isclose(got[1], right.accuracy),
            "you returned the position of the best candidate; return the candidate itself, "
            "candidates[best], a distance.",
        ),
        Mistake(
            lambda got: np.isclose(got[0], largest_similar) and np.isclose(got[1], 1.0),
            "you counted only the similar pairs: any threshold above all their distances calls "
            "every one of them right. The accuracy counts every pair, similar and dissimilar: "
            "np.mean((distances <= t) == (is_similar == 1)).",
        ),
        Mistake(
            lambda got: right.reports(got, best=False) and np.any(np.isclose(got[1], worst)),
            "you kept the threshold with the LOWEST accuracy: take np.argmax of the accuracies, not np.argmin.",
        ),
        Symptom(
            lambda got: right.reports(got, best=False) and not right.reports(got),
            f"your threshold is not the best one: the best classifies {right.accuracy:.4f} of these "
            f"pairs right. Try every distance as a candidate and keep the one with the highest "
            f"accuracy.",
        ),
        Symptom(
            lambda got: not right.reports(got, best=False),
            "the accuracy you return is not that of the threshold you return: with your t, "
            "np.mean((distances <= t) == (is_similar == 1)) gives another number. Return the "
            "accuracy of the threshold you keep.",
        ),
    ]


pair_threshold = FunctionExercise(
    "03.pair_threshold",
    title="The distance threshold with the best pair accuracy, and that accuracy.",
    answer_name="pair_threshold",
    cases=_threshold_cases,
    reference=Thresholds,
    answer=Pair(
        ("threshold", "accuracy"),
        (Number("a threshold, one number", decimals=4), Number("an accuracy, one number", decimals=4)),
        separator=", ",
        arrays_as_pairs=True,
    ),
    mistakes=_threshold_mistakes,
    hint=(
        """
        A threshold t turns every distance into a prediction, similar when distance <= t,
        and classifies some pairs right. The predictions only change where t passes one
        of the distances, so those are the candidates to try; keep the one that gets the
        most pairs right, and report that accuracy as a fraction.
        """,
        """
        candidates = np.unique(distances); for each t, accuracy = np.mean((distances <= t)
        == (is_similar == 1)); best = int(np.argmax(accuracies)); return (candidates[best],
        accuracies[best]).
        """,
    ),
    solution="""
        def pair_threshold(distances, is_similar):
            candidates = np.unique(distances)
            accuracies = [np.mean((distances <= t) == (is_similar == 1)) for t in candidates]
            best = int(np.argmax(accuracies))
            return float(candidates[best]), float(accuracies[best])
    """,
    success=(
        "you found the threshold with the best pair accuracy. Chosen on validation pairs, it "
        "is then measured once on test pairs: its accuracy on the pairs it was chosen on is "
        "a little optimistic."
    ),
    references=(verification.best_accuracy_threshold,),
)


# --- 03.semi_hard (question) --------------------------------------------------------------

semi_hard = Question(
    "03.semi_hard",
    title="Which negatives semi-hard mining picks.",
    prompt="""
            **Question.** For an anchor a and a positive p, semi-hard mining (FaceNet) picks a
            negative n that is:
        """,
    choices={
        "a": "closer to the anchor than the positive is, D(a, n) < D(a, p)",
        "b": "farther than the positive, but by less than the margin: D(a, p) < D(a, n) < D(a, p) + margin",
        "c": "farther than the positive by more than the margin",
        "d": "of the anchor's own class",
    },
    answer="b",
    answer_name="semi_hard_answer",
    explanations={
        "a": "Those are the HARD negatives; picking only them early in training tends to "
        "collapse every embedding to one point.",
        "c": "Those triplets already cost 0: max(0, D(a, p) - D(a, n) + margin) = 0, so they teach nothing.",
        "d": "An item of the anchor's class is a positive, never a negative.",
    },
    hint=(
        "Write the triplet's loss, max(0, D(a, p) - D(a, n) + margin): which negatives give "
        "a loss that is positive but smaller than the margin?",
        "Loss > 0 means D(a, n) < D(a, p) + margin; 'semi' hard means the negative is not "
        "closer than the positive, D(a, n) > D(a, p).",
    ),
    why="semi-hard triplets still cost something (loss in (0, margin)) without being the "
    "noisiest, hardest ones: FaceNet found them the steadiest to learn from.",
)
