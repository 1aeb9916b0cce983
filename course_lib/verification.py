"""Verification metrics: ROC points and the equal error rate (EER).

Verification asks a yes/no question about a pair, "are these two from the same
speaker (class)?", by thresholding a similarity score: `score >= threshold`
means "same". Labels follow `course_lib.sampling`: `is_same = 1` (`SIMILAR`)
for a same-class pair, `0` (`DISSIMILAR`) otherwise.

Every threshold trades two errors:

- the **false positive rate** `FPR(t)`: the fraction of different pairs
  accepted (`score >= t`);
- the **false negative rate** `FNR(t) = 1 - TPR(t)`: the fraction of same
  pairs rejected.

The ROC curve plots `TPR` against `FPR` over all thresholds; the **EER** is the
error rate where the two errors are equal, one number that needs no threshold
(lower is better, 0.5 is chance).

A deployed system needs one threshold. `precision_recall_f1` gives, at each
threshold, the **precision** (the share of accepted pairs that are really the
same), the **recall** (the share of same pairs accepted) and their harmonic
mean **F1**; `choose_threshold` picks the F1-maximising threshold. Choose it on
validation pairs and report the figures at that threshold on test pairs: a
threshold tuned on the test pairs overstates how well it will work.
"""

import numpy as np

from course_lib._validation import as_array, as_flags, as_labels, as_matrix

__all__ = [
    "roc_points",
    "equal_error_rate",
    "pair_scores",
    "precision_recall_f1",
    "choose_threshold",
    "best_accuracy_threshold",
]


def _check_scores_and_labels(scores, is_same):
    scores = as_array(scores, "scores", dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(
            f"`scores` must be 1-D, one similarity per pair; received shape {scores.shape}. "
            f"For a square score matrix take the pairs first (e.g. `pair_scores`)."
        )
    labels = as_flags(is_same, "is_same", what="1 (SIMILAR: same class) or 0 (DISSIMILAR)")
    if labels.shape != scores.shape:
        raise ValueError(
            f"`is_same` must have one label per score, shape {scores.shape}; received shape {labels.shape}."
        )
    n_same = int(labels.sum())
    if n_same == 0 or n_same == len(labels):
        which = "same (1)" if n_same == 0 else "different (0)"
        raise ValueError(
            f"`is_same` must contain both same (1) and different (0) pairs; it has no "
            f"{which} pair among {len(labels)}, so one of the error rates is undefined."
        )
    return scores, labels


def _sklearn_roc_curve(scores, labels):
    """scikit-learn's `roc_curve(labels, scores, drop_intermediate=False)` as float64 arrays."""
    from sklearn.metrics import roc_curve  # imported here, so that `import course_lib` stays quick

    fpr, tpr, thresholds = roc_curve(labels, scores, pos_label=1, drop_intermediate=False)
    return fpr.astype(np.float64), tpr.astype(np.float64), thresholds.astype(np.float64)


def _roc_counts(scores, labels):
    """Checked pairs -> `(false_positives, true_positives, thresholds)` at every distinct score.

    The counts are scikit-learn's rates times the number of different / same pairs,
    rounded (each rate is an integer over that number, so the rounding is exact).
    Index 0 is the threshold `+inf` (nothing accepted), then the distinct scores,
    highest first.
    """
    fpr, tpr, thresholds = _sklearn_roc_curve(scores, labels)
    n_same = int(labels.sum())
    false_positives = np.rint(fpr * (len(labels) - n_same)).astype(np.int64)
    true_positives = np.rint(tpr * n_same).astype(np.int64)
    return false_positives, true_positives, thresholds


def roc_points(scores, is_same):
    """The ROC curve: false and true positive rates at every distinct threshold.

    Pairs are accepted as "same" when `score >= threshold`. The thresholds are
    the distinct scores, highest first, preceded by `+inf` (nothing accepted):
    scikit-learn's `roc_curve(is_same, scores, drop_intermediate=False)`. Every
    distinct score is kept (scikit-learn's default, `drop_intermediate=True`,
    would drop the points that lie on a straight segment of the curve), so each
    threshold a system could use has its point.

    Formula:
        `FPR(t) = #{different pairs with score >= t} / #{different pairs}`,
        `TPR(t) = #{same pairs with score >= t} / #{same pairs}`.

    Args:
        scores: float array `(n_pairs,)`, higher means more similar.
        is_same: array `(n_pairs,)` of 1 (`SIMILAR`) / 0 (`DISSIMILAR`) or bools.

    Returns:
        A tuple `(fpr, tpr, thresholds)` of float64 arrays of equal length,
        starting at `(0, 0, inf)` and ending at `(1, 1, min(scores))`.

    Raises:
        ValueError: if shapes differ, a label is not 0/1, or only one kind of
            pair is present.

    Example:

    >>> fpr, tpr, thresholds = roc_points([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    scores, labels = _check_scores_and_labels(scores, is_same)
    return _sklearn_roc_curve(scores, labels)


def equal_error_rate(scores, is_same):
    """The equal error rate: where false accepts and false rejects are equally frequent.

    Walks the ROC points and finds where `FNR = 1 - TPR` crosses `FPR`; between
    the two ROC points that straddle the crossing, the rates are interpolated
    linearly, so the result does not depend on which side a tie falls.

    Formula:
        `EER = FPR(t*) = FNR(t*)`, with `t*` where `FPR(t) - FNR(t)` changes sign.

    Args:
        scores: float array `(n_pairs,)`, higher means more similar.
        is_same: array `(n_pairs,)` of 1 (same) / 0 (different) or bools.

    Returns:
        A float in `[0, 1]`; 0 means some threshold separates the pairs perfectly.

    Raises:
        ValueError: as `roc_points`.

    Example:

    >>> equal_error_rate([0.9, 0.8, 0.7, 0.1], [1, 1, 0, 0])
    0.0
    >>> equal_error_rate([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])
    0.5
    """
    fpr, tpr, _ = roc_points(scores, is_same)
    fnr = 1.0 - tpr
    gap = fnr - fpr  # starts at 1 (nothing accepted), ends at -1 (everything accepted)
    k = int(np.flatnonzero(gap <= 0)[0])  # first point where false accepts catch up
    if gap[k] == 0 or k == 0:
        return float(fpr[k])
    # linear interpolation between point k - 1 (gap > 0) and point k (gap <= 0)
    weight = gap[k - 1] / (gap[k - 1] - gap[k])
    return float(fpr[k - 1] + weight * (fpr[k] - fpr[k - 1]))


def pair_scores(similarity, labels):
    """Scores and same/different labels of every unordered pair, from a square similarity matrix.

    The verification protocol of the course: every pair `i < j` of a set is a
    trial, scored by its similarity (`course_lib.similarity.cosine_similarity`
    of embeddings, or minus a distance such as DTW).

    Args:
        similarity: float array `(n, n)`, higher means more similar.
        labels: int array `(n,)`.

    Returns:
        A tuple `(scores, is_same)`: float64 `(n * (n - 1) / 2,)` similarities of
        the pairs `i < j`, and int64 labels, 1 (`SIMILAR`) for a same-class pair,
        0 (`DISSIMILAR`) otherwise.

    Raises:
        ValueError: if `similarity` is not square or `labels` has another length.

    Example:

    >>> scores, is_same = pair_scores(np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]]),
    ...                               np.array([0, 0, 1]))
    >>> scores.tolist(), is_same.tolist()
    ([0.9, 0.1, 0.2], [1, 0, 0])
    """
    similarity = as_matrix(similarity, "similarity", dtype=np.float64)
    if similarity.shape[0] != similarity.shape[1]:
        raise ValueError(
            f"`similarity` must be a square (n, n) matrix of a set against itself; received "
            f"shape {similarity.shape}. For embeddings pass cosine_similarity(embeddings)."
        )
    labels = as_labels(labels, "labels", n_samples=similarity.shape[0])
    rows, cols = np.triu_indices(len(labels), k=1)
    return similarity[rows, cols], (labels[rows] == labels[cols]).astype(np.int64)


def _check_thresholds(thresholds):
    values = as_array(thresholds, "thresholds", dtype=np.float64, allow_nonfinite=True)
    if np.isnan(values).any():
        raise ValueError(f"`thresholds` must not contain NaN; received {int(np.isnan(values).sum())} NaN value(s).")
    if values.ndim > 1:
        raise ValueError(f"`thresholds` must be a number or a 1-D array; received shape {values.shape}.")
    return values


def _accepted_counts(scores, labels, thresholds):
    """Same pairs accepted and all pairs accepted (`score >= t`) at each threshold, as counts.

    Read off the ROC counts (`_roc_counts`): a threshold accepts what the smallest
    distinct score at or above it accepts, and nothing above the highest score.
    """
    false_positives, true_positives, roc_thresholds = _roc_counts(scores, labels)
    distinct = roc_thresholds[:0:-1]  # the distinct scores, lowest first
    point = len(distinct) - np.searchsorted(distinct, thresholds, side="left")  # 0: nothing accepted
    return true_positives[point], true_positives[point] + false_positives[point]


def precision_recall_f1(scores, is_same, thresholds):
    """Precision, recall and F1 of "same when `score >= threshold`", at each threshold.

    The counts behind them come from scikit-learn's `roc_curve` (the same
    counts its `precision_recall_curve` divides), read off at any threshold:
    a threshold between two scores accepts what the higher score accepts.

    Formula:
        `precision(t) = TP(t) / #{pairs with score >= t}` (1 when nothing is accepted),
        `recall(t) = TP(t) / #{same pairs}`,
        `F1(t) = 2 precision recall / (precision + recall) = 2 TP(t) / (#accepted + #same)`
        (0 when both are 0),
        where `TP(t) = #{same pairs with score >= t}`.

    Args:
        scores: float array `(n_pairs,)`, higher means more similar (for a
            distance pass `-distance`).
        is_same: array `(n_pairs,)` of 1 (`SIMILAR`) / 0 (`DISSIMILAR`) or bools.
        thresholds: a number, or a float array `(n_thresholds,)` (`inf` allowed).

    Returns:
        A tuple `(precision, recall, f1)`: Python floats for a number, else
        float64 arrays `(n_thresholds,)`.

    Raises:
        ValueError: as `roc_points`, or if `thresholds` holds NaN or is not 0-D/1-D.

    Example:

    >>> scores, is_same = [0.9, 0.8, 0.6, 0.3], [1, 0, 1, 0]
    >>> precision_recall_f1(scores, is_same, 0.5)
    (0.6666666666666666, 1.0, 0.8)
    >>> precision, recall, f1 = precision_recall_f1(scores, is_same, [0.85, 0.7, 0.0])
    >>> precision.tolist(), recall.tolist(), f1.round(3).tolist()
    ([1.0, 0.5, 0.5], [0.5, 0.5, 1.0], [0.667, 0.5, 0.667])
    """
    scores, labels = _check_scores_and_labels(scores, is_same)
    values = _check_thresholds(thresholds)
    n_same = labels.sum()
    true_positives, accepted = _accepted_counts(scores, labels, values)
    precision = np.where(accepted > 0, true_positives / np.maximum(accepted, 1), 1.0)
    recall = true_positives / n_same
    # F1 = 2 TP / (accepted + same pairs): one division of integers, so equal F1s are
    # equal floats and choose_threshold's tie-break is exact.
    f1 = 2.0 * true_positives / (accepted + n_same)
    if values.ndim == 0:
        return float(precision), float(recall), float(f1)
    return precision.astype(np.float64), recall.astype(np.float64), f1.astype(np.float64)


def choose_threshold(scores, is_same):
    """The threshold with the highest F1, and that F1, from (validation) pairs.

    The candidates are the distinct scores: accepting `score >= t` changes only
    when `t` passes a score. Among thresholds with the same F1 the highest (the
    strictest) is returned. Call it on validation pairs, then measure the
    threshold on test pairs with `precision_recall_f1`.

    Formula:
        `t* = argmax_t F1(t)` over `t` in the distinct scores.

    Args:
        scores: float array `(n_pairs,)`, higher means more similar.
        is_same: array `(n_pairs,)` of 1 (same) / 0 (different) or bools.

    Returns:
        A tuple `(threshold, f1)` of Python floats.

    Raises:
        ValueError: as `roc_points`.

    Example:

    >>> choose_threshold([0.9, 0.8, 0.6, 0.3], [1, 0, 1, 0])
    (0.6, 0.8)
    """
    scores, labels = _check_scores_and_labels(scores, is_same)
    candidates = np.unique(scores)[::-1]  # highest first, so argmax keeps the strictest tie
    _, _, f1 = precision_recall_f1(scores, labels, candidates)
    best = int(np.argmax(f1))
    return float(candidates[best]), float(f1[best])


def best_accuracy_threshold(scores, is_same):
    """The threshold that classifies the most pairs right, and that accuracy.

    A pair is predicted "same" when `score >= t`. The candidates are the
    distinct scores; among thresholds with the same accuracy the highest (the
    strictest) is returned. Choose it on validation pairs; on test pairs, only
    measure the accuracy at the chosen threshold. (The best threshold found on
    the test pairs themselves is an upper bound that no real system can reach:
    it was chosen by looking at the answers.)

    For distances (small means similar), pass `-distances` and negate the
    returned threshold: "same when distance <= -t".

    Formula:
        `t* = argmax_t mean([score_i >= t] == is_same_i)` over `t` in the distinct scores.

    Args:
        scores: float array `(n_pairs,)`, higher means more similar.
        is_same: array `(n_pairs,)` of 1 (same) / 0 (different) or bools.

    Returns:
        A tuple `(threshold, accuracy)` of Python floats, accuracy in `[0, 1]`.

    Raises:
        ValueError: as `roc_points`.

    Example:

    >>> best_accuracy_threshold([0.9, 0.8, 0.6, 0.3], [1, 1, 0, 0])
    (0.8, 1.0)
    """
    scores, labels = _check_scores_and_labels(scores, is_same)
    candidates = np.unique(scores)[::-1]  # highest first, so argmax keeps the strictest tie
    true_accepts, accepted = _accepted_counts(scores, labels, candidates)
    true_rejects = (len(labels) - labels.sum()) - (accepted - true_accepts)
    accuracy = (true_accepts + true_rejects) / len(labels)
    best = int(np.argmax(accuracy))
    return float(candidates[best]), float(accuracy[best])
