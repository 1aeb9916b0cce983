"""Notebook 09's exercise checkers: the usual wrong answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import itertools

import numpy as np
import pytest

from course_lib import l2_normalize, make_pairs, map_at_r, recall_at_k, top_k
from course_lib.exercises import get_exercise
from course_lib.exercises import nb09_project as project
from course_lib.exercises.nb09 import _search_cases, search_data
from course_lib.exercises.nb09_project import FPR_LIMIT, PairSet
from course_lib.verification import choose_threshold, roc_points


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


def _evaluate(search, index_labels, queries, query_labels, *, drop_first=False, r_minus_one=False, fixed_r=None):
    n_relevant = (query_labels[:, None] == index_labels[None, :]).sum(axis=1)
    if r_minus_one:
        n_relevant = n_relevant - 1
    if fixed_r is not None:
        n_relevant = np.minimum(n_relevant, fixed_r)
    extra = 1 if drop_first else 0
    indices = search(queries, int(n_relevant.max()) + extra)[1][:, extra:]
    labels = index_labels[indices]
    return {"R@1": recall_at_k(labels, query_labels, k=1), "MAP@R": map_at_r(labels, query_labels, n_relevant)}


def _search_leave_one_out(queries, query_labels, search, index_labels):
    return _evaluate(search, index_labels, queries, query_labels, drop_first=True, r_minus_one=True)


def _search_fixed_r(queries, query_labels, search, index_labels):
    return _evaluate(search, index_labels, queries, query_labels, fixed_r=10)


def _search_exact_instead(queries, query_labels, search, index_labels):
    index = search_data()[0]
    return _evaluate(lambda q, k: top_k(q, index, k), index_labels, queries, query_labels)


def _search_euclidean(queries, query_labels, search, index_labels):
    index = search_data()[0]
    return _evaluate(lambda q, k: top_k(q, index, k, metric="euclidean"), index_labels, queries, query_labels)


def _search_tuple(queries, query_labels, search, index_labels):
    result = _evaluate(search, index_labels, queries, query_labels)
    return result["R@1"], result["MAP@R"]


WRONG_ANSWERS = {
    "09.choose_threshold": [
        (_threshold_accuracy, "maximises accuracy"),
        (_threshold_returns_f1, "you returned the best F1"),
        (_threshold_strict, "score >= threshold"),
        (_threshold_accept_all, "accepts every pair"),
        (_threshold_array, "return one threshold"),
    ],
    "09.evaluate_search": [
        (_search_leave_one_out, "not in the index"),
        (_search_fixed_r, "not a fixed 10"),
        (_search_exact_instead, "those of exact search"),
        (_search_euclidean, "those of a Euclidean search"),
        (_search_tuple, "return a dict"),
        (
            lambda queries, query_labels, search, index_labels: (
                _search_fixed_r if hasattr(search, "__self__") else _search_leave_one_out
            )(queries, query_labels, search, index_labels),
            r"^on an exact cosine search.*: expected\nR@1 .*\ngot\nR@1 ",
        ),
    ],
}


def test_the_approximate_case_differs_from_exact_and_finds_enough_neighbours():
    exact_case, ivf_case = _search_cases()
    queries, query_labels, exact_search, labels = exact_case.args
    ivf_search = ivf_case.args[2]
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


def _search_per_query(queries, query_labels, search, index_labels):
    r1, precisions = [], []
    for query, label in zip(queries, query_labels):
        r = int(np.sum(index_labels == label))
        hits = index_labels[search(query[None], r)[1][0]] == label
        r1.append(hits[0])
        precisions.append(np.sum(np.cumsum(hits) / np.arange(1, r + 1) * hits) / r)
    return {"R@1": float(np.mean(r1)), "MAP@R": float(np.mean(precisions))}


WRONG_ANSWERS["09.choose_threshold"] += [
    (
        _threshold_eer_point,
        r"^on scores \[0.9, .*: at your threshold 0.8000 F1 is 0.500; the best threshold reaches 0.800",
    ),
    (lambda scores, is_same: choose_threshold(scores, is_same)[0], "course's own version"),
]
RIGHT_ANSWERS = {
    "09.choose_threshold": [_threshold_loop_f1, lambda s, y: max(np.unique(s), key=lambda t: _f1_at(s, y, t))],
    "09.evaluate_search": [
        _search_per_query,
        lambda queries, query_labels, search, index_labels: _evaluate(search, index_labels, queries, query_labels),
    ],
}


def test_the_threshold_question_keeps_test_pairs_for_measuring():
    question = get_exercise("09.threshold_data")
    assert question.evaluate("b").correct
    assert "only measure" in question.evaluate("a").message
    assert "wrong place" in question.evaluate("c").message


# --- 09.verification_project: the mini-project --------------------------------------------


def _pair_cosines(pair_set, encoder, *, dot=False):
    vectors = pair_set.embeddings[encoder]
    if not dot:
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.sum(vectors[pair_set.pairs[:, 0]] * vectors[pair_set.pairs[:, 1]], axis=1)


def _pair_rates(scores, is_same, threshold, *, below=False, over_all_pairs=False):
    accepted = scores <= threshold if below else scores >= threshold
    if over_all_pairs:
        return np.sum(accepted & (is_same == 0)) / len(scores), np.mean(accepted[is_same == 1])
    return np.mean(accepted[is_same == 0]), np.mean(accepted[is_same == 1])


def _best_within_limit(scores, is_same, *, below=False, over_all_pairs=False):
    """A learner's loop: the threshold with the highest TPR among those with FPR <= the limit."""
    best_threshold, best_tpr = None, -1.0
    for threshold in np.unique(scores):
        fpr, tpr = _pair_rates(scores, is_same, threshold, below=below, over_all_pairs=over_all_pairs)
        if fpr <= FPR_LIMIT and tpr > best_tpr:
            best_threshold, best_tpr = threshold, tpr
    return best_threshold, best_tpr


def _project(
    validation,
    test,
    *,
    choose_on=None,
    encoder_on=None,
    dot=False,
    below=False,
    over_all_pairs=False,
    report_on=None,
    report_fpr=None,
    threshold=None,
    encoder=None,
):
    """The project as learners write it, with one of their usual mistakes switched on."""
    choose_on, report_on = choose_on or validation, report_on or test
    per_encoder = {
        name: _best_within_limit(
            _pair_cosines(choose_on, name, dot=dot), choose_on.is_same, below=below, over_all_pairs=over_all_pairs
        )
        for name in validation.embeddings
    }
    if encoder_on is not None:  # each encoder's threshold from validation, the encoder by its test TPR
        encoder = encoder or max(
            per_encoder,
            key=lambda name: _pair_rates(_pair_cosines(encoder_on, name), encoder_on.is_same, per_encoder[name][0])[1],
        )
    encoder = encoder or max(per_encoder, key=lambda name: per_encoder[name][1])
    threshold = per_encoder[encoder][0] if threshold is None else threshold
    fpr, tpr = _pair_rates(
        _pair_cosines(report_on, encoder, dot=dot),
        report_on.is_same,
        threshold,
        below=below,
        over_all_pairs=over_all_pairs,
    )
    return {"encoder": encoder, "threshold": threshold, "FPR": report_fpr or fpr, "TPR": tpr}


def _project_threshold_on_test(validation, test):
    chosen = _project(validation, test)
    return _project(validation, test, choose_on=test, encoder=chosen["encoder"])


def _project_encoder_on_test(validation, test):
    return _project(validation, test, encoder_on=test)


def _project_reports_the_limit(validation, test):
    return _project(validation, test, report_fpr=FPR_LIMIT)


def _project_forgets_return(validation, test):
    result = _project(validation, test)  # noqa: F841 (the forgotten `return`)


def _project_accepts_below(validation, test):
    return _project(validation, test, below=True)


def _project_dot_product(validation, test):
    return _project(validation, test, dot=True)


def _project_reports_validation(validation, test):
    return _project(validation, test, report_on=validation)


def _project_types_its_figures(validation, test):
    result = _project(validation, test)
    return {**result, "FPR": 0.0103, "TPR": 0.824}


def _project_typed_threshold(validation, test):
    return _project(validation, test, threshold=0.5)


#: What a learner's function would see if it read the notebook's test scores, not its arguments.
_NOTEBOOK_TEST_SCORES = np.random.default_rng(5).normal(0.4, 0.3, 400)
_NOTEBOOK_TEST_IS_SAME = np.arange(400) % 2


def _project_reads_notebook_test_scores(validation, test):
    threshold = _best_within_limit(_NOTEBOOK_TEST_SCORES, _NOTEBOOK_TEST_IS_SAME)[0]
    return _project(validation, test, threshold=threshold)


def _project_f1_threshold(validation, test):
    encoder = _project(validation, test)["encoder"]
    threshold = choose_threshold(_pair_cosines(validation, encoder), validation.is_same)[0]
    return _project(validation, test, encoder=encoder, threshold=threshold)


def _project_fpr_over_all_pairs(validation, test):
    return _project(validation, test, over_all_pairs=True)


def _project_strictest_threshold(validation, test):
    """FPR 0 on validation: within the limit, but not the highest TPR."""
    encoder = _project(validation, test)["encoder"]
    scores = _pair_cosines(validation, encoder)
    return _project(
        validation, test, encoder=encoder, threshold=np.nextafter(scores[validation.is_same == 0].max(), np.inf)
    )


def _project_first_encoder(validation, test):
    return _project(validation, test, encoder=next(iter(validation.embeddings)))


def _project_tuple(validation, test):
    return tuple(_project(validation, test).values())


def _project_notebook_encoder_name(validation, test):
    return {**_project(validation, test), "encoder": "CNN triplet (capstone)"}


WRONG_ANSWERS["09.verification_project"] = [
    (
        _project_threshold_on_test,
        r"^when only the test pairs changed .*your threshold changed .*tuned on the test pairs",
    ),
    (_project_encoder_on_test, r"your encoder changed from 'encoder B' to .*chosen with test data"),
    (
        _project_reads_notebook_test_scores,
        r"validation pairs changed.*your threshold stayed .*a variable "
        r"of the notebook",
    ),
    (_project_typed_threshold, r"your threshold stayed 0.5000: it does not come from `validation`"),
    (_project_reports_the_limit, r"your test FPR is 0.01, the limit you chose the threshold for"),
    (_project_types_its_figures, r"stayed the same when the test pairs changed: .*not numbers typed in"),
    (_project_reports_validation, r"those of the validation pairs at your threshold"),
    (_project_accepts_below, r"score is <= the threshold"),
    (_project_dot_product, r"plain dot product"),
    (_project_fpr_over_all_pairs, r"number of ALL pairs"),
    (_project_f1_threshold, r"the one with the best F1 on the validation pairs"),
    (_project_strictest_threshold, r"a lower one would too"),
    (
        _project_first_encoder,
        r"another encoder reaches a higher validation TPR within the limit "
        r"\('encoder B', TPR 0.820\)",
    ),
    (_project_forgets_return, r"returned None: did you forget `return`\?"),
    (_project_tuple, r"return a dict with the keys 'encoder', 'threshold', 'FPR', 'TPR'; you returned tuple"),
    (_project_notebook_encoder_name, r"you returned 'CNN triplet \(capstone\)'. Choose among the keys"),
]


def _project_with_roc_points(validation, test):
    """Vectorised with the course's ROC points; rates on test counted by hand."""
    best = {}
    for name in validation.embeddings:
        fpr, tpr, thresholds = roc_points(_pair_cosines(validation, name), validation.is_same)
        allowed = np.flatnonzero(fpr <= FPR_LIMIT)
        best[name] = (thresholds[allowed[-1]], tpr[allowed[-1]])
    encoder = max(best, key=lambda name: best[name][1])
    threshold = best[encoder][0]
    scores = _pair_cosines(test, encoder)
    different, same = scores[test.is_same == 0], scores[test.is_same == 1]
    return {
        "encoder": encoder,
        "threshold": threshold,
        "FPR": np.count_nonzero(different >= threshold) / different.size,
        "TPR": np.count_nonzero(same >= threshold) / same.size,
    }


def _project_with_scikit_learn_midpoints(validation, test):
    """scikit-learn's ROC curve (it drops intermediate points), a threshold halfway to the next
    lower score, float32 figures and extra keys."""
    from sklearn.metrics import roc_curve

    def cosines(pair_set, name):
        unit = l2_normalize(pair_set.embeddings[name])
        return np.einsum("pd,pd->p", unit[pair_set.pairs[:, 0]], unit[pair_set.pairs[:, 1]])

    choices = []
    for name in validation.embeddings:
        scores = cosines(validation, name)
        fpr, tpr, thresholds = roc_curve(validation.is_same, scores)
        index = np.flatnonzero(fpr <= FPR_LIMIT)[-1]
        lower = scores[scores < thresholds[index]]
        threshold = (thresholds[index] + lower.max()) / 2 if lower.size else thresholds[index]
        choices.append((tpr[index], name, threshold))
    validation_tpr, encoder, threshold = max(choices)
    accepted = cosines(test, encoder) >= threshold
    return {
        "encoder": encoder,
        "threshold": np.float32(threshold),
        "validation TPR": validation_tpr,
        "FPR": np.float32(accepted[test.is_same == 0].mean()),
        "TPR": np.float32(accepted[test.is_same == 1].mean()),
    }


RIGHT_ANSWERS["09.verification_project"] = [_project, _project_with_roc_points, _project_with_scikit_learn_midpoints]


def _project_pools_validation_and_test(validation, test):
    """'More pairs, a steadier threshold': the choice made on validation and test pairs pooled."""
    per_encoder = {}
    for name in validation.embeddings:
        scores = np.concatenate([_pair_cosines(validation, name), _pair_cosines(test, name)])
        per_encoder[name] = _best_within_limit(scores, np.concatenate([validation.is_same, test.is_same]))
    encoder = max(per_encoder, key=lambda name: per_encoder[name][1])
    return _project(validation, test, encoder=encoder, threshold=per_encoder[encoder][0])


WRONG_ANSWERS["09.verification_project"].append(
    (
        _project_pools_validation_and_test,
        r"^when only the test pairs changed .*(chosen with test data|tuned on the test pairs)",
    )
)


def test_the_made_up_pairs_separate_right_from_each_mistake():
    arrays = {name: project._pair_set(name) for name in ("validation", "test", "other test", "other validation")}
    chosen = project._reference(arrays["validation"], arrays["test"])
    assert chosen["encoder"] == "encoder B"
    vectors = arrays["validation"].embeddings["encoder B"]
    assert np.ptp(np.linalg.norm(vectors, axis=1)) > 1.0  # not unit length: the dot product differs
    dot_tprs = project._best_tprs(arrays["validation"], dot=True)
    assert max(dot_tprs, key=dot_tprs.get) != "encoder B"
    # Other validation pairs make another encoder the best, so an honest threshold moves.
    assert project._reference(arrays["other validation"], arrays["test"])["encoder"] != "encoder B"
    # Other test pairs give other figures at the same choice, so typed-in figures stand out.
    other = project._reference(arrays["validation"], arrays["other test"])
    assert (other["encoder"], other["threshold"]) == (chosen["encoder"], chosen["threshold"])
    assert abs(other["FPR"] - chosen["FPR"]) > 0.01 and abs(other["TPR"] - chosen["TPR"]) > 0.01
    for pair_set in arrays.values():
        n_different = int(np.sum(pair_set.is_same == 0))
        assert (FPR_LIMIT * n_different) % 1 > 0.1  # a measured FPR is never exactly the limit
        for name in pair_set.embeddings:
            gaps = np.diff(np.unique(project._scores(pair_set, name)))
            assert gaps.min() > 10 * project.SCORE_TOLERANCE, (name, gaps.min())


def test_the_solution_on_notebook_sized_float32_data_matches_the_reference():
    namespace = {"np": np}
    exec(get_exercise("09.verification_project").solution_code, namespace)
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, 500)
    centres = rng.normal(size=(10, 64)).astype(np.float32)
    embeddings = {
        "raw": (centres[labels] + 2 * rng.normal(size=(500, 64))).astype(np.float32),
        "trained": (centres[labels] + rng.normal(size=(500, 64))).astype(np.float32),
    }
    pair_sets = []
    for seed in (0, 1):
        pairs, is_same = make_pairs(labels, n_pairs=1000, seed=seed)
        pair_sets.append(PairSet(embeddings, pairs, is_same))
    result = namespace["verification_project"](*pair_sets)
    expected = project._reference(*pair_sets)
    assert result["encoder"] == expected["encoder"] == "trained"
    assert np.isclose(result["threshold"], expected["threshold"], atol=1e-6)
    assert np.isclose(result["FPR"], expected["FPR"]) and np.isclose(result["TPR"], expected["TPR"])


def test_a_pair_set_keeps_the_arrays_it_is_given_and_describes_itself():
    images = np.zeros((4, 3), dtype=np.float32)
    pair_set = PairSet({"pixels": images, "ints": np.eye(4, dtype=int)}, [[0, 1], [2, 3]], [True, False])
    assert pair_set.embeddings["pixels"] is images  # no copy: the notebook's arrays stay single
    assert pair_set.embeddings["ints"].dtype == np.float64
    assert pair_set.is_same.tolist() == [1, 0] and pair_set.pairs.dtype == np.int64
    assert repr(pair_set) == "PairSet(2 encoders: 'pixels' (4, 3), 'ints' (4, 4); 2 pairs, 1 same)"


@pytest.mark.parametrize(
    "embeddings, pairs, is_same, error, match",
    [
        ([np.eye(3)], [[0, 1]], [1], TypeError, r"non-empty dict .* received list"),
        ({}, [[0, 1]], [1], TypeError, r"received dict \(empty\)"),
        ({1: np.eye(3)}, [[0, 1]], [1], TypeError, "encoder names must be strings; received 1"),
        ({"a": np.array([["x"]])}, [[0, 0]], [1], TypeError, "must hold real numbers"),
        ({"a": np.ones((2, 3, 3))}, [[0, 1]], [1], ValueError, r"must be 2-D .*received shape \(2, 3, 3\)"),
        ({"a": np.array([[np.nan]])}, [[0, 0]], [1], ValueError, "must be finite"),
        ({"a": np.eye(3), "b": np.eye(2)}, [[0, 1]], [1], ValueError, r"same items.*'a': 3, 'b': 2"),
        ({"a": np.eye(3)}, [0, 1], [1, 0], ValueError, r"shape \(n_pairs, 2\); received \(2,\)"),
        ({"a": np.eye(3)}, [[0, 3], [0, 1]], [1, 0], ValueError, "rows 0 to 2 .* from 0 to 3"),
        ({"a": np.eye(3)}, [[0, 1], [1, 2]], [1], ValueError, r"one label per pair, shape \(2,\)"),
        ({"a": np.eye(3)}, [[0, 1], [1, 2]], [1, 2], ValueError, "1 \\(same class\\) or 0"),
        ({"a": np.eye(3)}, [[0, 1], [1, 2]], [1, 1], ValueError, "both same \\(1\\) and different \\(0\\)"),
    ],
)
def test_a_pair_set_rejects_bad_input_naming_the_fix(embeddings, pairs, is_same, error, match):
    with pytest.raises(error, match=match):
        PairSet(embeddings, pairs, is_same)


_DRAWS = itertools.count()


def _project_unseeded_subsample(validation, test):
    """Thresholds searched on a random half of the validation pairs, with no seed: each call
    draws another half (the check calls it 4 times; the first and the fourth differ)."""
    keep = np.random.default_rng(next(_DRAWS) % 4).random(len(validation.pairs)) < 0.5
    half = PairSet(validation.embeddings, validation.pairs[keep], validation.is_same[keep])
    chosen = _project(half, test)
    return _project(validation, test, encoder=chosen["encoder"], threshold=chosen["threshold"])


WRONG_ANSWERS["09.verification_project"].append(
    (_project_unseeded_subsample, r"called twice on the very same pairs .*give any random choice a seed")
)


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _search_r_from_queries(queries, query_labels, search, index_labels):
    n_relevant = (query_labels[:, None] == query_labels[None, :]).sum(axis=1)
    labels = index_labels[search(queries, int(n_relevant.max()))[1]]
    return {"R@1": recall_at_k(labels, query_labels, k=1), "MAP@R": map_at_r(labels, query_labels, n_relevant)}


def _search_swapped(queries, query_labels, search, index_labels):
    result = _evaluate(search, index_labels, queries, query_labels)
    return {"R@1": result["MAP@R"], "MAP@R": result["R@1"]}


def _search_course_version(queries, query_labels, search, index_labels):
    import course_lib.search

    result = course_lib.search.evaluate_search(queries, query_labels, search, index_labels, ks=(1,))
    return {"R@1": result["R@1"], "MAP@R": result["MAP@R"]}


def _threshold_reversed_rule(scores, is_same):
    return max(np.unique(scores), key=lambda t: _f1_at(-scores, is_same, -t))


def _search_float32_tensors(queries, query_labels, search, index_labels):
    import keras

    result = _evaluate(search, index_labels, queries.astype(np.float32), query_labels)
    return {key: keras.ops.convert_to_tensor(np.float32(value)) for key, value in result.items()}


WRONG_ANSWERS["09.evaluate_search"] += [
    (_search_r_from_queries, "your R counts the QUERIES"),
    (_search_swapped, "your two figures are swapped"),
    (
        _search_course_version,
        r"uses `course_lib.search.evaluate_search`, the course's own version.*with recall_at_k and map_at_r",
    ),
]
WRONG_ANSWERS["09.choose_threshold"].append((_threshold_reversed_rule, "best for 'same when score <= t'"))
RIGHT_ANSWERS["09.evaluate_search"].append(_search_float32_tensors)
RIGHT_ANSWERS["09.choose_threshold"].append(
    lambda s, y: np.float32(max(np.unique(s), key=lambda t: _f1_at(s, y, t)))  # a float32 threshold
)


def _project_minus_euclidean(validation, test):
    """Scores each pair by minus the Euclidean distance, not the cosine; the rest is right."""

    def scores(pair_set, name):
        vectors = pair_set.embeddings[name]
        return -np.linalg.norm(vectors[pair_set.pairs[:, 0]] - vectors[pair_set.pairs[:, 1]], axis=1)

    per_encoder = {
        name: _best_within_limit(scores(validation, name), validation.is_same) for name in validation.embeddings
    }
    encoder = max(per_encoder, key=lambda name: per_encoder[name][1])
    threshold = per_encoder[encoder][0]
    fpr, tpr = _pair_rates(scores(test, encoder), test.is_same, threshold)
    return {"encoder": encoder, "threshold": threshold, "FPR": fpr, "TPR": tpr}


def _project_float32(validation, test):
    """Every score in float32, as embeddings from a Keras model come."""

    def cosines(pair_set, name):
        unit = pair_set.embeddings[name].astype(np.float32)
        unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
        return np.sum(unit[pair_set.pairs[:, 0]] * unit[pair_set.pairs[:, 1]], axis=1)

    per_encoder = {
        name: _best_within_limit(cosines(validation, name), validation.is_same) for name in validation.embeddings
    }
    encoder = max(per_encoder, key=lambda name: per_encoder[name][1])
    threshold = per_encoder[encoder][0]
    fpr, tpr = _pair_rates(cosines(test, encoder), test.is_same, threshold)
    return {"encoder": encoder, "threshold": threshold, "FPR": np.float32(fpr), "TPR": np.float32(tpr)}


WRONG_ANSWERS["09.verification_project"].append((_project_minus_euclidean, "minus their Euclidean distance"))
RIGHT_ANSWERS["09.verification_project"].append(_project_float32)


def test_a_score_that_is_not_a_cosine_is_not_read_as_one():
    message = get_exercise("09.verification_project").evaluate(_project_minus_euclidean).message
    assert "minus their Euclidean distance" in message
    assert "FPR_LIMIT" not in message and "lower one would" not in message, message


def test_evaluate_search_refuses_the_course_version_like_every_exercise():
    from course_lib.search import evaluate_search

    exercise = get_exercise("09.evaluate_search")
    assert evaluate_search in exercise.references
    assert "course's own version" in exercise.evaluate(evaluate_search).message
