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
an answer needs no Keras.
"""

import numpy as np

from course_lib import losses, verification
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    Question,
    as_learner_array,
    check_cases,
    close_to,
    describe_array,
    register,
)
from course_lib.sampling import DISSIMILAR, SIMILAR

__all__ = ["contrastive_loss", "batch_hard", "batch_all_triplet_loss", "pair_threshold", "semi_hard"]


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
        (
            "labels [1, 0] at distance 0, margin 1.0 (the convention)",
            (np.array([SIMILAR, DISSIMILAR]), np.array([0.0, 0.0]), 1.0),
        ),
        (
            "12 random pairs (both labels), distances in [0, 2], margin 1.0",
            (labels, rng.uniform(0.0, 2.0, size=12), 1.0),
        ),
        (
            "dissimilar pairs at, just inside and beyond the margin 0.5: distances [0.5, 0.4, 0.8]",
            (np.array([DISSIMILAR] * 3), np.array([0.5, 0.4, 0.8]), 0.5),
        ),
        (
            "labels [1, 0, 1, 0], distances [0.3, 0.3, 1.5, 1.5], margin 2.0",
            (np.array([1, 0, 1, 0]), np.array([0.3, 0.3, 1.5, 1.5]), 2.0),
        ),
    ]


def _contrastive_mistakes(labels, distances, margin):
    y, d = labels.astype(np.float64), distances.astype(np.float64)
    hinge = np.maximum(margin - d, 0.0)
    return [
        (
            reference_contrastive_loss(1 - y, d, margin),
            "you used the labels backwards: here 1 = SIMILAR (same class) and 0 = DISSIMILAR, as "
            "stated in course_lib.sampling. Similar pairs pay d**2; dissimilar pairs pay the "
            "squared hinge. (Hadsell et al. 2006 wrote Y = 0 for similar pairs; we do not.)",
        ),
        (y * d**2 + (1 - y) * hinge, "the dissimilar term must be squared: np.maximum(margin - d, 0) ** 2."),
        (
            y * d**2 + (1 - y) * (margin - d) ** 2,
            "dissimilar pairs beyond the margin must cost 0, but yours still pay (margin - d)**2. "
            "Clip the shortfall at zero: np.maximum(margin - d, 0) ** 2.",
        ),
        (y * d + (1 - y) * hinge**2, "the similar term is the SQUARED distance, d ** 2, not d."),
        (
            0.5 * reference_contrastive_loss(y, d, margin),
            "your values are half the expected ones: the course's formula has no factor 1/2 "
            "(Hadsell et al. write one; here a dissimilar pair at distance 0 costs margin**2).",
        ),
        (
            y * d**2 + (1 - y) * np.maximum(margin - d**2, 0.0) ** 2,
            "the margin applies to the distance d, not to d**2: use np.maximum(margin - d, 0) ** 2.",
        ),
    ]


def _as_pair_losses(got, expected, description):
    got = as_learner_array(got, f"an array of {len(expected)} losses, one per pair")
    if got.size == 1 and len(expected) > 1:
        raise Incorrect(
            f"on {description}: you returned one number; return one loss per pair, shape "
            f"({len(expected)},). Keras averages them over the batch for you."
        )
    if got.shape != expected.shape:
        raise Incorrect(f"on {description}: expected shape {expected.shape}, one loss per pair; got shape {got.shape}.")
    return got


def _check_contrastive_loss(function):
    check_cases(
        function,
        _contrastive_cases(),
        expected=reference_contrastive_loss,
        convert=_as_pair_losses,
        same=close_to(1e-6),
        mistakes=_contrastive_mistakes,
    )
    return "your contrastive loss matches course_lib.losses.contrastive_loss, margin edge included."


contrastive_loss = register(
    Exercise(
        "03.contrastive_loss",
        title="The contrastive loss of each pair, with 1 = similar and 0 = dissimilar.",
        checker=_check_contrastive_loss,
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
        solution_code="""
            def contrastive_loss(labels, distances, margin):
                similar_cost = distances**2
                dissimilar_cost = np.maximum(margin - distances, 0.0) ** 2
                return labels * similar_cost + (1 - labels) * dissimilar_cost
        """,
        answer_name="contrastive_loss",
        references=(losses.contrastive_loss, losses.ContrastiveLoss),
    )
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
    small_labels = np.array([0, 0, 1, 1, 1])
    labels = np.repeat(np.arange(4), 4)
    rng.shuffle(labels)
    points = rng.normal(size=(16, 5))
    return [
        (
            "5 points [[0, 0], [0, 1], [2, 0], [1, 0.9], [2, 1.2]] with labels [0, 0, 1, 1, 1]",
            (_distance_matrix(small_points), small_labels),
        ),
        ("16 random points, 4 classes of 4, shuffled", (_distance_matrix(points), labels)),
    ]


def _distance_matrix(points):
    return np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))


def _batch_hard_mistakes(distances, labels):
    """Answers `(positive, negative)` that the usual mistakes give, with what to say."""
    n = len(labels)
    same = labels[:, None] == labels[None, :]
    eye = np.eye(n, dtype=bool)
    positive, negative = reference_batch_hard(distances, labels)
    easiest_positive = np.where(same & ~eye, distances, np.inf).argmin(axis=1)
    easiest_negative = np.where(~same, distances, -np.inf).argmax(axis=1)
    closest_other = np.where(~eye, distances, np.inf).argmin(axis=1)
    rows = np.arange(n)
    return [
        (
            (distances[rows, positive], distances[rows, negative]),
            "you returned the distances; return the INDICES (argmax / argmin, not max / min).",
        ),
        (
            (easiest_positive, negative),
            "your positives are the CLOSEST same-label items; batch-hard takes the farthest "
            "positive (the hardest to pull in): argmax over the positives.",
        ),
        (
            (positive, easiest_negative),
            "your negatives are the FARTHEST other-label items; batch-hard takes the closest "
            "negative (the hardest to push away): argmin over the negatives.",
        ),
        (
            (positive, closest_other),
            "your negatives include items of the anchor's own class: mask out every same-label "
            "column (labels[:, None] == labels[None, :]) before taking the argmin.",
        ),
        (
            (positive, np.arange(n)),
            "each anchor's closest 'negative' is the anchor itself (distance 0): a negative must "
            "have a DIFFERENT label.",
        ),
        (
            (np.arange(n), negative),
            "each anchor's positive is the anchor itself: exclude the diagonal (a positive is "
            "ANOTHER item with the same label).",
        ),
        (
            (distances.argmax(axis=1), negative),
            "your positives are the farthest items overall, whatever their label: restrict the "
            "argmax to same-label items.",
        ),
        (
            (negative, positive),
            "you returned (negatives, positives): return (hardest_positive, hardest_negative), in that order.",
        ),
    ]


def _as_index_pair(got, expected, description):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Incorrect(
            f"on {description}: return a pair (hardest_positive, hardest_negative) of index "
            f"arrays; got {type(got).__name__}."
        )
    n = len(expected[0])
    arrays = []
    for name, value in zip(("hardest_positive", "hardest_negative"), got):
        array = as_learner_array(value, "indices")
        if array.shape != (n,):
            raise Incorrect(
                f"on {description}: `{name}` must hold one index per anchor, shape ({n},); got shape {array.shape}."
            )
        arrays.append(array)
    return tuple(arrays)


def _render_index_pair(pair):
    def render(array):
        array = np.asarray(array)
        whole = np.all(np.isfinite(array)) and np.all(array == np.round(array))
        return str(array.astype(int).tolist()) if whole else describe_array(array)

    positive, negative = (render(array) for array in pair)
    return f"hardest_positive {positive}\nhardest_negative {negative}"


def _check_batch_hard(function):
    check_cases(
        function,
        _batch_hard_cases(),
        expected=reference_batch_hard,
        convert=_as_index_pair,
        same=lambda got, value: all(np.shape(g) == np.shape(v) and np.allclose(g, v) for g, v in zip(got, value)),
        mistakes=_batch_hard_mistakes,
        render=_render_index_pair,
    )
    return "you mined the batch-hard positive and negative of every anchor."


batch_hard = register(
    Exercise(
        "03.batch_hard",
        title="Batch-hard mining: each anchor's farthest positive and closest negative.",
        checker=_check_batch_hard,
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
        solution_code="""
            def batch_hard(distances, labels):
                same = labels[:, None] == labels[None, :]
                is_positive = same & ~np.eye(len(labels), dtype=bool)
                hardest_positive = np.where(is_positive, distances, -np.inf).argmax(axis=1)
                hardest_negative = np.where(~same, distances, np.inf).argmin(axis=1)
                return hardest_positive, hardest_negative
        """,
        answer_name="batch_hard",
        references=(losses.triplet_loss, losses.TripletLoss),
    )
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


def _triplet_cases():
    rng = np.random.default_rng(33)
    points = np.array([[0.0, 0.0], [0.0, 0.3], [0.4, 0.0], [2.0, 2.0], [0.5, 0.4]])
    labels = rng.permutation(np.repeat(np.arange(4), 4))
    labels_singleton = np.array([0, 0, 0, 1, 1, 2])
    return [
        (
            "points [[0, 0], [0, 0.3], [0.4, 0], [2, 2], [0.5, 0.4]], labels [0, 0, 1, 1, 0], margin 0.2",
            (_distance_matrix(points), np.array([0, 0, 1, 1, 0]), 0.2),
        ),
        ("16 random points, 4 classes of 4, margin 0.5", (_distance_matrix(rng.normal(size=(16, 3))), labels, 0.5)),
        (
            "6 random points, labels [0, 0, 0, 1, 1, 2] (class 2 has no positive), margin 1.0",
            (_distance_matrix(rng.normal(size=(6, 2))), labels_singleton, 1.0),
        ),
        (
            "two classes far apart, labels [0, 0, 1, 1], margin 0.2: every triplet is easy",
            (_distance_matrix(np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [5.1, 0.0]])), np.array([0, 0, 1, 1]), 0.2),
        ),
    ]


def _triplet_mistakes(distances, labels, margin):
    def variant(**options):
        return reference_batch_all(distances, labels, margin, **options)

    return [
        (
            variant(divide_by="valid"),
            "you averaged over every valid triplet; batch-all divides the sum by the number of "
            "ACTIVE triplets (loss > 0), so the many easy triplets do not dilute the loss.",
        ),
        (
            variant(self_positive=True),
            "your triplets include the anchor as its own positive (distance 0); a positive is "
            "ANOTHER item with the anchor's label: exclude the diagonal.",
        ),
        (
            variant(mask_negatives=False),
            "your negatives include items of the anchor's own class; a negative has a DIFFERENT label.",
        ),
        (
            variant(sign=-1.0),
            "you computed D(a, n) - D(a, p) + margin; the loss asks the POSITIVE to be closer: "
            "max(0, D(a, p) - D(a, n) + margin).",
        ),
        (
            variant(hinge=False, divide_by="valid"),
            "you averaged D(a, p) - D(a, n) + margin without the hinge: triplets already satisfied "
            "must cost 0, np.maximum(..., 0).",
        ),
        (
            reference_batch_all(distances**2, labels, margin),
            "you squared the distances; the course's triplet loss uses the distances as given.",
        ),
        (
            reference_batch_all(distances, labels, 0.0),
            "there is no margin in your loss: max(0, D(a, p) - D(a, n) + margin).",
        ),
    ]


def _check_batch_all(function):
    def as_number(got, expected, description):
        got = as_learner_array(got, "one number, the loss of the batch")
        if got.size != 1:
            raise Incorrect(
                f"on {description}: expected one number (the loss of the batch), got "
                f"an array of shape {got.shape}. Sum the triplet losses and divide "
                f"by the number of active triplets."
            )
        return float(got.reshape(()))

    check_cases(
        function,
        _triplet_cases(),
        expected=reference_batch_all,
        convert=as_number,
        same=lambda got, value: np.isclose(got, value, rtol=1e-5, atol=1e-7),
        mistakes=_triplet_mistakes,
        render=lambda value: f"{value:.6g}",
    )
    return (
        "your loss matches course_lib's TripletLoss(mining='batch_all'): every valid triplet "
        "counts, averaged over the active ones."
    )


batch_all_triplet_loss = register(
    Exercise(
        "03.batch_all_triplet_loss",
        title="The batch-all triplet loss of a batch, from its (n, n) distances and labels.",
        checker=_check_batch_all,
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
        solution_code="""
            def batch_all_triplet_loss(distances, labels, margin):
                same = labels[:, None] == labels[None, :]
                positive = same & ~np.eye(len(labels), dtype=bool)
                valid = positive[:, :, None] & ~same[:, None, :]
                hinge = np.maximum(distances[:, :, None] - distances[:, None, :] + margin, 0.0)
                losses = np.where(valid, hinge, 0.0)
                return float(losses.sum() / max(np.sum(losses > 0), 1))
        """,
        answer_name="batch_all_triplet_loss",
        references=(losses.triplet_loss, losses.TripletLoss),
    )
)


# --- 03.pair_threshold ------------------------------------------------------------------


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
    distances = np.clip(distances, 0.0, 2.0)
    rounded_similar = (rng.random(250) < 0.5).astype(np.int64)
    rounded = np.round(
        np.where(rounded_similar == SIMILAR, rng.normal(0.5, 0.25, 250), rng.normal(1.0, 0.25, 250)), 1
    ).clip(0.0, 2.0)
    return [
        (
            "distances [0.1, 0.2, 0.5, 0.9, 1.0, 1.4, 1.6], is_similar [1, 1, 0, 1, 0, 0, 0]",
            (np.array([0.1, 0.2, 0.5, 0.9, 1.0, 1.4, 1.6]), np.array([1, 1, 0, 1, 0, 0, 0])),
        ),
        (
            "400 validation pairs, 30% similar (distance about 0.6) and 70% dissimilar (about 1.1)",
            (distances, is_similar),
        ),
        (
            "250 validation pairs whose distances are rounded to 0.1, so many pairs share one",
            (rounded, rounded_similar),
        ),
    ]


class _Threshold:
    """The right answer of one case, and the accuracy any threshold reaches there."""

    def __init__(self, distances, is_similar):
        self.distances = np.asarray(distances, dtype=np.float64)
        self.similar = np.asarray(is_similar) == SIMILAR
        self.threshold, self.accuracy = reference_best_threshold(distances, is_similar)
        self.candidates = np.unique(self.distances)

    def accuracies_at(self, threshold):
        """The accuracy of "similar when distance <= t", and of "< t" (as good a convention)."""
        return [
            float(np.mean((self.distances <= threshold) == self.similar)),
            float(np.mean((self.distances < threshold) == self.similar)),
        ]

    def reports(self, got, *, best=True):
        """Whether `got = (t, accuracy)` states the accuracy of its t (and t is a best one)."""
        threshold, accuracy = got
        return any(
            np.isclose(accuracy, value) and (not best or value >= self.accuracy - 1e-9)
            for value in self.accuracies_at(threshold)
        )


def _threshold_mistakes(distances, is_similar):
    right = _Threshold(distances, is_similar)
    n = len(distances)
    worst = [min(right.accuracies_at(t)[rule] for t in right.candidates) for rule in (0, 1)]
    best_indices = [i for i, t in enumerate(right.candidates) if max(right.accuracies_at(t)) >= right.accuracy - 1e-9]
    largest_similar = float(right.distances[right.similar].max())

    def flipped(got):  # the accuracy of "similar when distance > t" at the learner's t
        threshold, accuracy = got
        return any(np.isclose(accuracy, 1.0 - value) for value in right.accuracies_at(threshold))

    return [
        (
            lambda got: np.isclose(got[0], right.accuracy) and right.reports(got[::-1]),
            "you returned (accuracy, threshold); return (threshold, accuracy), in that order.",
        ),
        (
            flipped,
            "you predicted 'similar' for LARGE distances (or compared with the labels backwards). "
            "A small distance means similar: predict similar where distances <= t, and compare with "
            "is_similar == 1 (SIMILAR).",
        ),
        (
            lambda got: right.reports((got[0], got[1] / n)),
            f"your accuracy is a count of correct pairs; divide by the number of pairs ({n}): it is "
            f"a fraction between 0 and 1.",
        ),
        (
            lambda got: right.reports((got[0], got[1] / 100)),
            "your accuracy is a percentage; return it as a fraction between 0 and 1.",
        ),
        (
            lambda got: any(np.isclose(got[0], i) for i in best_indices) and np.isclose(got[1], right.accuracy),
            "you returned the position of the best candidate; return the candidate itself, "
            "candidates[best], a distance.",
        ),
        (
            lambda got: np.isclose(got[0], largest_similar) and np.isclose(got[1], 1.0),
            "you counted only the similar pairs: any threshold above all their distances calls "
            "every one of them right. The accuracy counts every pair, similar and dissimilar: "
            "np.mean((distances <= t) == (is_similar == 1)).",
        ),
        (
            lambda got: right.reports(got, best=False) and np.any(np.isclose(got[1], worst)),
            "you kept the threshold with the LOWEST accuracy: take np.argmax of the accuracies, not np.argmin.",
        ),
        (
            lambda got: right.reports(got, best=False),
            f"your threshold is not the best one: the best classifies {right.accuracy:.4f} of these "
            f"pairs right. Try every distance as a candidate and keep the one with the highest "
            f"accuracy.",
        ),
        (
            lambda got: not right.reports(got, best=False),
            "the accuracy you return is not that of the threshold you return: with t, "
            "np.mean((distances <= t) == (is_similar == 1)) gives another number. Return the "
            "accuracy of the threshold you keep.",
        ),
    ]


def _as_threshold_pair(got, expected, description):
    if isinstance(got, np.ndarray) and got.shape == (2,):
        got = tuple(got)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Incorrect(
            f"on {description}: return a pair (threshold, accuracy) of two numbers; got {type(got).__name__}."
        )
    threshold = as_learner_array(got[0], "a threshold (one number)")
    accuracy = as_learner_array(got[1], "an accuracy (one number)")
    if threshold.size != 1 or accuracy.size != 1:
        raise Incorrect(
            f"on {description}: the threshold and the accuracy must be single numbers; "
            f"got shapes {threshold.shape} and {accuracy.shape}."
        )
    return float(threshold.reshape(())), float(accuracy.reshape(()))


def _render_threshold(value):
    threshold, accuracy = (value.threshold, value.accuracy) if isinstance(value, _Threshold) else value
    return f"threshold {threshold:.4f}, accuracy {accuracy:.4f}"


def _check_pair_threshold(function):
    check_cases(
        function,
        _threshold_cases(),
        expected=_Threshold,
        convert=_as_threshold_pair,
        same=lambda got, right: right.reports(got),
        mistakes=_threshold_mistakes,
        render=_render_threshold,
    )
    return (
        "you found the threshold with the best pair accuracy. Chosen on validation pairs, it "
        "is then measured once on test pairs: its accuracy on the pairs it was chosen on is "
        "a little optimistic."
    )


pair_threshold = register(
    Exercise(
        "03.pair_threshold",
        title="The distance threshold with the best pair accuracy, and that accuracy.",
        checker=_check_pair_threshold,
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
        solution_code="""
            def pair_threshold(distances, is_similar):
                candidates = np.unique(distances)
                accuracies = [np.mean((distances <= t) == (is_similar == 1)) for t in candidates]
                best = int(np.argmax(accuracies))
                return float(candidates[best]), float(accuracies[best])
        """,
        answer_name="pair_threshold",
        references=(verification.best_accuracy_threshold,),
    )
)


# --- 03.semi_hard (question) --------------------------------------------------------------

semi_hard = register(
    Question(
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
)
