"""course_lib.verification against scikit-learn's roc_curve and hand-computed EERs."""

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from course_lib.sampling import DISSIMILAR, SIMILAR
from course_lib.verification import choose_threshold, equal_error_rate, pair_scores, precision_recall_f1, roc_points


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_points_match_sklearn_roc_curve(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=200)
    scores = np.round(rng.normal(size=200) + labels, 1)  # rounding makes ties
    fpr, tpr, thresholds = roc_points(scores, labels)
    sk_fpr, sk_tpr, sk_thresholds = roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_allclose(thresholds[1:], sk_thresholds[1:])
    assert thresholds[0] == np.inf


def _random_pairs_with_ties(seed, n):
    rng = np.random.default_rng(seed)
    is_same = rng.integers(0, 2, size=n)
    is_same[:2] = (0, 1)
    return np.round(rng.normal(size=n) + is_same, 1), is_same  # rounded: many tied scores


def _brute_force_counts(scores, is_same, threshold):
    """(same pairs accepted, different pairs accepted) at `score >= threshold`, pair by pair."""
    same = sum(1 for score, label in zip(scores, is_same) if score >= threshold and label == 1)
    different = sum(1 for score, label in zip(scores, is_same) if score >= threshold and label == 0)
    return same, different


@pytest.mark.parametrize("seed, n", [(0, 2), (1, 9), (2, 60), (3, 250)])
def test_roc_points_match_a_brute_force_count_at_every_distinct_score(seed, n):
    scores, is_same = _random_pairs_with_ties(seed, n)
    fpr, tpr, thresholds = roc_points(scores, is_same)
    # every distinct score keeps its point, collinear or not (drop_intermediate=False)
    assert thresholds[0] == np.inf and thresholds[1:].tolist() == sorted(set(scores.tolist()), reverse=True)
    n_same, n_different = int(is_same.sum()), int((is_same == 0).sum())
    for f, t, threshold in zip(fpr, tpr, thresholds):
        same, different = _brute_force_counts(scores, is_same, threshold)
        assert (f, t) == (different / n_different, same / n_same)


@pytest.mark.parametrize("seed, n", [(4, 7), (5, 80), (6, 301)])
def test_precision_recall_f1_match_a_brute_force_count(seed, n):
    scores, is_same = _random_pairs_with_ties(seed, n)
    distinct = np.unique(scores)
    # the distinct scores, values between and beyond them, and both infinities
    thresholds = np.r_[distinct, (distinct[:-1] + distinct[1:]) / 2, distinct[[0, -1]] + [-1.0, 1.0], -np.inf, np.inf]
    precision, recall, f1 = precision_recall_f1(scores, is_same, thresholds)
    n_same = int(is_same.sum())
    for i, threshold in enumerate(thresholds):
        same, different = _brute_force_counts(scores, is_same, threshold)
        accepted = same + different
        assert precision[i] == (same / accepted if accepted else 1.0)
        assert recall[i] == same / n_same
        assert f1[i] == 2 * same / (accepted + n_same)
    f1_at = {t: 2 * _brute_force_counts(scores, is_same, t)[0] / (int(np.sum(scores >= t)) + n_same) for t in distinct}
    best = max(f1_at.values())
    assert choose_threshold(scores, is_same) == (max(t for t, value in f1_at.items() if value == best), best)


def test_equal_error_rate_hand_cases():
    assert equal_error_rate([0.9, 0.8, 0.7, 0.1], [1, 1, 0, 0]) == 0.0
    assert equal_error_rate([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == 1.0
    assert equal_error_rate([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]) == 0.5
    # 3 same, 3 different: one of each on the wrong side -> FPR = FNR = 1/3
    assert equal_error_rate([0.9, 0.8, 0.6, 0.3, 0.2, 0.1], [1, 0, 1, 1, 0, 0]) == pytest.approx(1 / 3)
    # interpolated between ROC points when no threshold gives equal rates
    # (FPR, FNR) goes (0, 2/3) -> (1, 2/3): the rates meet at 2/3 on the segment between
    assert equal_error_rate([0.9, 0.5, 0.4, 0.3], [1, 0, 1, 1]) == pytest.approx(2 / 3)
    assert equal_error_rate(np.array([0.9, 0.1]), np.array([True, False])) == 0.0
    assert (SIMILAR, DISSIMILAR) == (1, 0)


def test_equal_error_rate_is_where_sklearn_fpr_meets_fnr():
    rng = np.random.default_rng(4)
    labels = np.r_[np.ones(400, int), np.zeros(600, int)]
    scores = rng.normal(size=1000) + 1.5 * labels
    eer = equal_error_rate(scores, labels)
    fpr, tpr, _ = roc_curve(labels, scores)
    k = np.argmin(np.abs(fpr - (1 - tpr)))
    assert abs(eer - (fpr[k] + 1 - tpr[k]) / 2) < 0.005
    assert 0.2 < eer < 0.3  # two unit Gaussians 1.5 apart: Phi(-0.75) = 0.227


def test_all_equal_scores_give_chance():
    assert equal_error_rate(np.full(6, 0.5), [1, 0, 1, 0, 1, 0]) == pytest.approx(0.5)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"no different \(0\) pair among 3"):
        equal_error_rate([0.1, 0.2, 0.3], [1, 1, 1])
    with pytest.raises(ValueError, match=r"no same \(1\) pair"):
        roc_points([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match=r"one label per score, shape \(3,\)"):
        equal_error_rate([0.1, 0.2, 0.3], [1, 0])
    with pytest.raises(ValueError, match="must hold 1 .* or 0"):
        equal_error_rate([0.1, 0.2], [2, 0])
    with pytest.raises(ValueError, match="must be 1-D"):
        equal_error_rate(np.zeros((2, 2)), [1, 0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        equal_error_rate([np.nan, 0.2], [1, 0])


def test_pair_scores_takes_the_upper_triangle():
    similarity = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    scores, is_same = pair_scores(similarity, np.array([0, 0, 1]))
    assert scores.tolist() == [0.9, 0.1, 0.2] and is_same.tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match="must be a square"):
        pair_scores(np.zeros((2, 3)), [0, 1])


# --- precision_recall_f1 and choose_threshold ------------------------------------------------

from sklearn.metrics import f1_score, precision_score, recall_score  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1])
def test_precision_recall_f1_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random(300) < 0.3).astype(int)
    scores = np.round(rng.normal(size=300) + labels, 1)  # ties on the thresholds
    thresholds = np.array([-1.0, 0.0, 0.3, 0.8, 1.5])
    precision, recall, f1 = precision_recall_f1(scores, labels, thresholds)
    for i, threshold in enumerate(thresholds):
        predicted = (scores >= threshold).astype(int)
        assert precision[i] == pytest.approx(precision_score(labels, predicted))
        assert recall[i] == pytest.approx(recall_score(labels, predicted))
        assert f1[i] == pytest.approx(f1_score(labels, predicted))


def test_precision_recall_f1_hand_case_and_edges():
    scores, labels = [0.9, 0.8, 0.6, 0.3], [1, 0, 1, 0]
    assert precision_recall_f1(scores, labels, 0.6) == pytest.approx((2 / 3, 1.0, 0.8))
    # nothing accepted: precision 1 (no false accept), recall 0, F1 0; everything accepted
    assert precision_recall_f1(scores, labels, np.inf) == (1.0, 0.0, 0.0)
    assert precision_recall_f1(scores, labels, -np.inf) == (0.5, 1.0, pytest.approx(2 / 3))
    precision, recall, f1 = precision_recall_f1(scores, np.array(labels, bool), [0.95])
    assert precision.shape == recall.shape == f1.shape == (1,) and f1[0] == 0.0


def test_choose_threshold_maximises_f1_and_prefers_the_strictest_tie():
    assert choose_threshold([0.9, 0.8, 0.6, 0.3], [1, 0, 1, 0]) == (0.6, pytest.approx(0.8))
    # thresholds 0.9 and 0.6 give the same, best F1 (2/3): the higher one is returned
    threshold, f1 = choose_threshold([0.9, 0.8, 0.7, 0.6], [1, 0, 0, 1])
    assert threshold == 0.9 and f1 == pytest.approx(2 / 3)
    rng = np.random.default_rng(3)
    labels = (rng.random(500) < 0.2).astype(int)
    scores = rng.normal(size=500) + 2 * labels
    threshold, f1 = choose_threshold(scores, labels)
    brute = max(f1_score(labels, (scores >= t).astype(int)) for t in np.unique(scores))
    assert f1 == pytest.approx(brute)
    assert f1_score(labels, (scores >= threshold).astype(int)) == pytest.approx(brute)


def test_threshold_functions_reject_bad_input():
    with pytest.raises(ValueError, match="both same"):
        choose_threshold([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="one label per score"):
        precision_recall_f1([0.1, 0.2], [1, 0, 1], 0.5)
    with pytest.raises(ValueError, match="must not contain NaN"):
        precision_recall_f1([0.1, 0.2], [1, 0], [0.5, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        precision_recall_f1([0.1, 0.2], [1, 0], [[0.5]])
    with pytest.raises(ValueError, match="NaN or infinite"):
        choose_threshold([0.1, np.nan], [1, 0])


def test_best_accuracy_threshold_matches_a_brute_force_search():
    from course_lib.verification import best_accuracy_threshold

    rng = np.random.default_rng(0)
    for n in (2, 7, 50, 301):
        is_same = rng.integers(0, 2, size=n)
        is_same[:2] = (0, 1)
        scores = np.round(rng.normal(size=n) + is_same, 1)  # rounded: ties on purpose
        threshold, accuracy = best_accuracy_threshold(scores, is_same)
        brute = {t: np.mean((scores >= t) == (is_same == 1)) for t in np.unique(scores)}
        best = max(brute.values())
        assert np.isclose(accuracy, best)
        assert threshold == max(t for t, value in brute.items() if np.isclose(value, best))


def test_best_accuracy_threshold_on_distances_by_negation():
    from course_lib.verification import best_accuracy_threshold

    distances = np.array([0.1, 0.3, 0.5, 0.9])
    threshold, accuracy = best_accuracy_threshold(-distances, [1, 1, 0, 0])
    assert (-threshold, accuracy) == (0.3, 1.0)
    with pytest.raises(ValueError, match="both same"):
        best_accuracy_threshold([0.1, 0.2], [1, 1])
