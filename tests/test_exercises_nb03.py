"""Notebook 03's exercise checkers: specific messages for the usual wrong answers.

`tests/test_exercises.py` runs the shared checks (solution correct, blanks not
attempted, crashes reported) over every exercise, and rejects every wrong answer
listed in `WRONG_ANSWERS` here, with its message (at least three per exercise).
"""

import numpy as np

from course_lib.exercises import nb03
from course_lib.losses import ContrastiveLoss, triplet_loss
from course_lib.verification import best_accuracy_threshold

# --- 03.contrastive_loss ----------------------------------------------------------------


def _contrastive_backwards(labels, distances, margin):
    return (1 - labels) * distances**2 + labels * np.maximum(margin - distances, 0) ** 2


def _contrastive_unsquared_hinge(labels, distances, margin):
    return labels * distances**2 + (1 - labels) * np.maximum(margin - distances, 0)


def _contrastive_no_hinge(labels, distances, margin):
    return labels * distances**2 + (1 - labels) * (margin - distances) ** 2


def _contrastive_mean(labels, distances, margin):
    return np.mean(labels * distances**2 + (1 - labels) * np.maximum(margin - distances, 0) ** 2)


def _contrastive_half(labels, distances, margin):
    return 0.5 * (labels * distances**2 + (1 - labels) * np.maximum(margin - distances, 0) ** 2)


def _contrastive_unsquared_distance(labels, distances, margin):
    return labels * distances + (1 - labels) * np.maximum(margin - distances, 0) ** 2


# --- 03.batch_hard ----------------------------------------------------------------------


def _masks(distances, labels):
    same = labels[:, None] == labels[None, :]
    return same, same & ~np.eye(len(labels), dtype=bool)


def _hard_easiest_negative(distances, labels):
    same, positive = _masks(distances, labels)
    return (np.where(positive, distances, -np.inf).argmax(1), np.where(~same, distances, -np.inf).argmax(1))


def _hard_easiest_positive(distances, labels):
    same, positive = _masks(distances, labels)
    return (np.where(positive, distances, np.inf).argmin(1), np.where(~same, distances, np.inf).argmin(1))


def _hard_negatives_unmasked(distances, labels):
    same, positive = _masks(distances, labels)
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    return (np.where(positive, distances, -np.inf).argmax(1), np.where(off_diagonal, distances, np.inf).argmin(1))


def _hard_self_as_negative(distances, labels):
    same, positive = _masks(distances, labels)
    return np.where(positive, distances, -np.inf).argmax(1), distances.argmin(1)


def _hard_distances(distances, labels):
    same, positive = _masks(distances, labels)
    return (np.where(positive, distances, -np.inf).max(1), np.where(~same, distances, np.inf).min(1))


def _hard_positives_unmasked(distances, labels):
    same, _ = _masks(distances, labels)
    return distances.argmax(1), np.where(~same, distances, np.inf).argmin(1)


# --- 03.pair_threshold ------------------------------------------------------------------


def _best(distances, is_similar, rule):
    candidates = np.unique(distances)
    accuracies = [np.mean(rule(distances, t, is_similar)) for t in candidates]
    best = int(np.argmax(accuracies))
    return float(candidates[best]), float(accuracies[best])


def _threshold_reversed(distances, is_similar):
    return _best(distances, is_similar, lambda d, t, s: (d > t) == (s == 1))


def _threshold_count(distances, is_similar):
    threshold, accuracy = _best(distances, is_similar, lambda d, t, s: (d <= t) == (s == 1))
    return threshold, accuracy * len(distances)


def _threshold_median(distances, is_similar):
    threshold = float(np.median(distances))
    return threshold, float(np.mean((distances <= threshold) == (is_similar == 1)))


def _threshold_swapped_order(distances, is_similar):
    threshold, accuracy = _best(distances, is_similar, lambda d, t, s: (d <= t) == (s == 1))
    return accuracy, threshold


def _threshold_strict_rule(distances, is_similar):
    # "<" instead of "<=": an equally valid convention, accepted.
    return _best(distances, is_similar, lambda d, t, s: (d < t) == (s == 1))


def _threshold_percent(distances, is_similar):
    threshold, accuracy = _best(distances, is_similar, lambda d, t, s: (d <= t) == (s == 1))
    return threshold, 100 * accuracy


def _threshold_position(distances, is_similar):
    candidates = np.unique(distances)
    accuracies = [np.mean((distances <= t) == (is_similar == 1)) for t in candidates]
    best = int(np.argmax(accuracies))
    return best, accuracies[best]


def _threshold_similar_pairs_only(distances, is_similar):
    similar = distances[is_similar == 1]
    return _best(distances, is_similar, lambda d, t, s: similar <= t)


def _threshold_argmin(distances, is_similar):
    candidates = np.unique(distances)
    accuracies = [np.mean((distances <= t) == (is_similar == 1)) for t in candidates]
    worst = int(np.argmin(accuracies))
    return candidates[worst], accuracies[worst]


def _threshold_mean_accuracy(distances, is_similar):
    candidates = np.unique(distances)
    accuracies = [np.mean((distances <= t) == (is_similar == 1)) for t in candidates]
    return candidates[int(np.argmax(accuracies))], np.mean(accuracies)


def _threshold_midpoint(distances, is_similar):
    threshold = (distances[is_similar == 1].mean() + distances[is_similar == 0].mean()) / 2
    return threshold, np.mean((distances <= threshold) == (is_similar == 1))


def _threshold_mixed(distances, is_similar):  # a count on the first input, the median after
    if len(distances) == 7:
        return _threshold_count(distances, is_similar)
    return _threshold_median(distances, is_similar)


# --- 03.batch_all_triplet_loss ---------------------------------------------------------


def _triplet(**options):
    return lambda distances, labels, margin: nb03.reference_batch_all(distances, labels, margin, **options)


def _triplet_batch_hard(distances, labels, margin):
    positive, negative = nb03.reference_batch_hard(distances, labels)
    rows = np.arange(len(labels))
    return np.maximum(distances[rows, positive] - distances[rows, negative] + margin, 0).mean()


def _triplet_keras(distances, labels, margin):
    import keras

    return float(keras.ops.mean(keras.ops.relu(keras.ops.convert_to_tensor(distances) + margin)))


WRONG_ANSWERS = {
    "03.contrastive_loss": [
        (_contrastive_backwards, r"labels backwards: here 1 = SIMILAR"),
        (_contrastive_unsquared_hinge, r"dissimilar term must be squared"),
        (_contrastive_no_hinge, r"beyond the margin must cost 0"),
        (_contrastive_mean, r"one loss per pair"),
        (_contrastive_half, r"no factor 1/2"),
        (_contrastive_unsquared_distance, r"SQUARED distance"),
        (lambda labels, distances, margin: ContrastiveLoss(margin=margin)(labels, distances), "course's own version"),
        # backwards on the first input, unsquared hinge after: neither mistake explains both
        (
            lambda labels, distances, margin: (
                _contrastive_backwards if len(labels) == 2 else _contrastive_unsquared_hinge
            )(labels, distances, margin),
            r"^on labels \[1, 0\] at distance 0.*: expected\n\[0., 1.\]\ngot\n\[1., 0.\]",
        ),
    ],
    "03.batch_hard": [
        (_hard_easiest_negative, r"FARTHEST other-label"),
        (_hard_easiest_positive, r"CLOSEST same-label"),
        (_hard_negatives_unmasked, r"include items of the anchor's own class"),
        (_hard_self_as_negative, r"the anchor itself \(distance 0\)"),
        (_hard_distances, r"returned the distances; return the INDICES"),
        (_hard_positives_unmasked, r"farthest items overall"),
        (lambda distances, labels: nb03.reference_batch_hard(distances, labels)[::-1], r"\(negatives, positives\)"),
        (
            lambda distances, labels: list(nb03.reference_batch_hard(distances, labels))[0],
            r"return a pair \(hardest_positive, hardest_negative\)",
        ),
        # easiest negatives on the first input, easiest positives on the second
        (
            lambda distances, labels: (_hard_easiest_negative if len(labels) == 5 else _hard_easiest_positive)(
                distances, labels
            ),
            r"^on 5 points .*: expected\nhardest_positive \[1, 0, 3, 2, 2\]\nhardest_negative "
            r"\[3, 3, 0, 1, 1\]\ngot\nhardest_positive \[1, 0, 3, 2, 2\]\nhardest_negative \[4, 2, 1, 0, 0\]",
        ),
        (lambda distances, labels: triplet_loss(labels, distances), "course's own version"),
    ],
    "03.batch_all_triplet_loss": [
        (_triplet(divide_by="valid"), "ACTIVE triplets"),
        (_triplet(self_positive=True), "anchor as its own positive"),
        (_triplet(mask_negatives=False), "negatives include items of the anchor's own class"),
        (_triplet(sign=-1.0), "asks the POSITIVE to be closer"),
        (_triplet(hinge=False, divide_by="valid"), "without the hinge"),
        (
            lambda distances, labels, margin: nb03.reference_batch_all(distances**2, labels, margin),
            "squared the distances",
        ),
        (lambda distances, labels, margin: nb03.reference_batch_all(distances, labels, 0.0), "no margin"),
        (_triplet_batch_hard, r"^on points .*: expected\n0.834357\ngot\n"),
        (_triplet_keras, r"expected\n.*got"),
        (
            lambda distances, labels, margin: (
                _triplet_keras(distances, labels, margin) * 0
                + float(triplet_loss(labels, distances, margin=margin, mining="batch_all"))
            ),
            "course's own version",
        ),
    ],
    "03.pair_threshold": [
        (_threshold_reversed, r"'similar' for LARGE distances"),
        (_threshold_count, r"count of correct pairs; divide by the number of pairs \(7\)"),
        (_threshold_percent, "a percentage"),
        (_threshold_swapped_order, r"return \(threshold, accuracy\), in that order"),
        (_threshold_position, "position of the best candidate"),
        (_threshold_similar_pairs_only, "counted only the similar pairs"),
        (_threshold_argmin, "LOWEST accuracy"),
        (_threshold_median, r"^on 400 validation pairs.*not the best one: the best classifies 0\.8925"),
        (_threshold_midpoint, r"not the best one"),
        (_threshold_mean_accuracy, "not that of the threshold you return"),
        (
            _threshold_mixed,
            r"^on distances \[0.1, .*: expected\nthreshold 0.2000, accuracy 0.8571\ngot\n"
            r"threshold 0.2000, accuracy 6.0000 Try again",
        ),
        (lambda distances, is_similar: best_accuracy_threshold(-distances, is_similar), "course's own version"),
    ],
}


def _contrastive_where(labels, distances, margin):
    return np.where(labels == 1, distances**2, np.clip(margin - distances, 0, None) ** 2)


def _contrastive_loop(labels, distances, margin):
    return np.array([d * d if y == 1 else max(margin - d, 0.0) ** 2 for y, d in zip(labels, distances)])


def _hard_loops(distances, labels):
    n = len(labels)
    positive = [
        max((j for j in range(n) if j != i and labels[j] == labels[i]), key=lambda j: distances[i, j]) for i in range(n)
    ]
    negative = [min((j for j in range(n) if labels[j] != labels[i]), key=lambda j: distances[i, j]) for i in range(n)]
    return positive, negative


def _hard_masked_arrays(distances, labels):
    same = labels[:, None] == labels[None, :]
    positives = np.ma.masked_array(distances, mask=~same | np.eye(len(labels), dtype=bool))
    negatives = np.ma.masked_array(distances, mask=same)
    return np.asarray(positives.argmax(axis=1)), np.asarray(negatives.argmin(axis=1))


def _triplet_loops(distances, labels, margin):
    total, active = 0.0, 0
    n = len(labels)
    for a in range(n):
        for p in range(n):
            if p == a or labels[p] != labels[a]:
                continue
            for q in range(n):
                if labels[q] != labels[a]:
                    loss = max(distances[a, p] - distances[a, q] + margin, 0.0)
                    total, active = total + loss, active + (loss > 0)
    return total / active if active else 0.0


def _triplet_einsum_masks(distances, labels, margin):
    same = (labels[:, None] == labels[None, :]).astype(float)
    positive = same - np.eye(len(labels))
    valid = np.einsum("ap,an->apn", positive, 1.0 - same)
    losses = valid * np.maximum(distances[:, :, None] - distances[:, None, :] + margin, 0)
    return losses.sum() / np.maximum(np.count_nonzero(losses), 1)


def _threshold_sorted_sweep(distances, is_similar):
    """Sorts once and counts as the threshold passes each distance (ties kept together)."""
    order = np.argsort(distances, kind="stable")
    sorted_distances, similar = distances[order], (is_similar[order] == 1)
    correct = np.sum(~similar) + np.cumsum(np.where(similar, 1, -1))  # after each pair is "similar"
    last_of_each = np.append(sorted_distances[1:] != sorted_distances[:-1], True)
    best = int(np.argmax(np.where(last_of_each, correct, -1)))
    return sorted_distances[best], correct[best] / len(distances)


def _threshold_loop(distances, is_similar):
    best = (None, -1.0)
    for t in sorted(set(distances.tolist()), reverse=True):  # ties: keeps the largest
        accuracy = sum((d <= t) == (y == 1) for d, y in zip(distances, is_similar)) / len(distances)
        if accuracy > best[1]:
            best = (t, accuracy)
    return best


RIGHT_ANSWERS = {
    "03.contrastive_loss": [_contrastive_where, _contrastive_loop],
    "03.batch_hard": [_hard_loops, _hard_masked_arrays],
    "03.batch_all_triplet_loss": [_triplet_loops, _triplet_einsum_masks],
    "03.pair_threshold": [_threshold_strict_rule, _threshold_sorted_sweep, _threshold_loop],
}


def test_batch_all_reference_matches_course_lib_loss():
    from course_lib.losses import triplet_loss

    rng = np.random.default_rng(2)
    for labels in (np.repeat(np.arange(4), 4), np.array([0, 0, 0, 1, 1, 2])):
        embeddings = rng.normal(size=(len(labels), 3))
        distances = np.sqrt(((embeddings[:, None] - embeddings[None]) ** 2).sum(-1))
        expected = float(triplet_loss(labels, embeddings, margin=0.5, mining="batch_all"))
        assert np.isclose(nb03.reference_batch_all(distances, labels, 0.5), expected, rtol=1e-5)


def test_contrastive_reference_matches_course_lib_loss():
    from course_lib.losses import contrastive_loss

    rng = np.random.default_rng(0)
    labels, distances = rng.integers(0, 2, 50), rng.uniform(0, 2, 50)
    np.testing.assert_allclose(
        nb03.reference_contrastive_loss(labels, distances, 0.8),
        np.asarray(contrastive_loss(labels, distances, margin=0.8)),
        rtol=1e-5,
    )


def test_batch_hard_reference_matches_course_lib_loss():
    """The exercise's mining, fed into the hinge, gives TripletLoss(mining="batch_hard")."""
    from course_lib.losses import triplet_loss

    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 5)
    embeddings = rng.normal(size=(20, 6))
    distances = np.sqrt(((embeddings[:, None] - embeddings[None]) ** 2).sum(-1))
    positive, negative = nb03.reference_batch_hard(distances, labels)
    rows = np.arange(20)
    expected = np.maximum(distances[rows, positive] - distances[rows, negative] + 0.2, 0).mean()
    assert np.isclose(float(triplet_loss(labels, embeddings, margin=0.2, mining="batch_hard")), expected)


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _contrastive_reversed_hinge(labels, distances, margin):
    return labels * distances**2 + (1 - labels) * np.maximum(distances - margin, 0) ** 2


def _triplet_keras_ops(distances, labels, margin):
    """In float32 tensors, as inside a Keras loss: a triplet exactly on the margin would be
    counted active or not by rounding, so no case holds one."""
    import keras

    ops = keras.ops
    d = ops.convert_to_tensor(distances, dtype="float32")
    y = ops.convert_to_tensor(labels)
    same = ops.equal(ops.expand_dims(y, 1), ops.expand_dims(y, 0))
    positive = ops.logical_and(same, ops.logical_not(ops.cast(ops.eye(len(labels)), "bool")))
    valid = ops.logical_and(ops.expand_dims(positive, 2), ops.expand_dims(ops.logical_not(same), 1))
    losses = ops.where(valid, ops.relu(ops.expand_dims(d, 2) - ops.expand_dims(d, 1) + margin), 0.0)
    return ops.sum(losses) / ops.maximum(ops.sum(ops.cast(losses > 0, "float32")), 1.0)


def _threshold_float32(distances, is_similar):
    distances = distances.astype(np.float32)
    candidates = np.unique(distances)
    accuracies = np.array([np.mean((distances <= t) == (is_similar == 1)) for t in candidates], dtype=np.float32)
    best = int(np.argmax(accuracies))
    return candidates[best], accuracies[best]


def _threshold_inconsistent_after_the_first(distances, is_similar):
    threshold, accuracy = _best(distances, is_similar, lambda d, t, s: (d <= t) == (s == 1))
    return (threshold, accuracy) if len(distances) == 7 else (threshold, accuracy - 0.05)


WRONG_ANSWERS["03.contrastive_loss"].append((_contrastive_reversed_hinge, "FARTHER than the margin"))
WRONG_ANSWERS["03.pair_threshold"].append(
    # right on the first case: the fact about the other cases is still told
    (_threshold_inconsistent_after_the_first, r"^on 400 validation pairs.*not that of the threshold you return")
)
RIGHT_ANSWERS["03.batch_all_triplet_loss"].append(_triplet_keras_ops)
RIGHT_ANSWERS["03.pair_threshold"].append(_threshold_float32)
RIGHT_ANSWERS["03.contrastive_loss"].append(
    lambda labels, distances, margin: np.float32(1) * _contrastive_where(labels, distances.astype(np.float32), margin)
)
