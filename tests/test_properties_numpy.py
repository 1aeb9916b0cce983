"""Property-based tests of the NumPy side of course_lib against float64 references.

Each property draws inputs with hypothesis (`tests/properties.py`: any magnitude
from 1e-30 to 1e30, large common offsets, duplicated and zero rows, ties) and
checks the value against a float64 NumPy reference within a stated tolerance,
or, for invalid input, that course_lib itself raises a ValueError/TypeError
naming what it expected and what it received. Settings (fixed seed, example
count) are in `tests/conftest.py`.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from properties import BAD_ARRAYS, BAD_LABELS, assert_own_error, labels, matrices

from course_lib import data, dtw, leaderboard, metrics, results, sampling, sequences, verification
from course_lib.search import ExactIndex, evaluate_search, kmeans, queries_per_second, recall_at_k_vs_exact
from course_lib.search.exact import top_k
from course_lib.search.kmeans import nearest_centroid
from course_lib.similarity import cosine_distance, cosine_similarity, euclidean_distances, l2_normalize

# --- float64 references ------------------------------------------------------------------


def _unit64(x):
    x = np.asarray(x, np.float64)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)  # float64: no overflow from float32 input
    return x / np.where(norms > 0, norms, 1.0)


def _euclidean64(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


# --- similarity --------------------------------------------------------------------------


@given(matrices())
def test_l2_normalize_gives_unit_or_zero_vectors(x):
    """Every non-zero row has length 1 and the direction of x (atol 1e-6); zero rows stay 0."""
    unit = l2_normalize(x)
    assert unit.dtype == np.float32 and unit.shape == x.shape
    np.testing.assert_allclose(unit, _unit64(x), atol=1e-6)
    zero = ~np.any(x != 0, axis=1)
    np.testing.assert_allclose(np.linalg.norm(unit[~zero].astype(np.float64), axis=1), 1.0, atol=1e-6)
    assert not unit[zero].any()
    np.testing.assert_allclose(l2_normalize(x.T, axis=0), _unit64(x).T, atol=1e-6)


@given(matrices(), matrices())
def test_cosine_similarity_and_distance_match_float64_reference(a, b):
    """Cosine of every pair within 1e-6 of float64, tiny and huge vectors included."""
    b = b[:, : a.shape[1]] if b.shape[1] >= a.shape[1] else np.resize(b, (len(b), a.shape[1]))
    expected = np.clip(_unit64(a) @ _unit64(b).T, -1, 1)
    np.testing.assert_allclose(cosine_similarity(a, b), expected, atol=1e-6)
    np.testing.assert_allclose(cosine_distance(a, b), 1.0 - expected, atol=1e-6)
    np.testing.assert_allclose(cosine_similarity(a[0], b[0]), expected[0, 0], atol=1e-6)


@given(matrices(), st.booleans())
def test_euclidean_distances_match_float64_reference(x, squared):
    """Distances within rtol 1e-5 of float64 differences; each row exactly 0 from itself."""
    half = max(1, len(x) // 2)
    a, b = x[:half], x[half:] if len(x) > half else x
    expected = _euclidean64(a, b)
    expected = expected**2 if squared else expected
    with np.errstate(over="ignore"):  # beyond float32: inf, as documented
        expected = expected.astype(np.float32)
    np.testing.assert_allclose(euclidean_distances(a, b, squared=squared), expected, rtol=1e-5, atol=0)
    assert np.all(np.diag(euclidean_distances(x, squared=squared)) == 0)
    assert np.all(np.diag(euclidean_distances(x, x.copy())) == 0)


def _check_neighbours(scores, indices, reference, k, *, larger_is_better, rtol, atol):
    """`indices` are valid and distinct, their reference scores are `scores`, and the best k."""
    n_queries, n_database = reference.shape
    assert scores.shape == indices.shape == (n_queries, k) and indices.dtype == np.int64
    assert indices.min() >= 0 and indices.max() < n_database
    assert all(len(set(row)) == k for row in indices.tolist())
    chosen = np.take_along_axis(reference, indices, axis=1)
    np.testing.assert_allclose(scores, chosen, rtol=rtol, atol=atol)
    best = -np.sort(-reference, axis=1) if larger_is_better else np.sort(reference, axis=1)
    np.testing.assert_allclose(scores, best[:, :k], rtol=rtol, atol=atol)


@given(matrices(min_rows=2, max_rows=40), st.data())
def test_top_k_euclidean_matches_float64_reference(database, data):
    """Euclidean top_k returns the k smallest float64 distances (rtol 1e-6), self at 0."""
    exclude_self = data.draw(st.booleans())
    k = data.draw(st.integers(1, len(database) - exclude_self))
    queries = database if exclude_self else database[: data.draw(st.integers(1, len(database)))]
    batch_size = data.draw(st.sampled_from([None, 1, 7]))
    scores, indices = top_k(queries, database, k, metric="euclidean", batch_size=batch_size, exclude_self=exclude_self)
    reference = _euclidean64(queries, database)
    if exclude_self:
        np.fill_diagonal(reference, np.inf)
        assert not np.any(indices == np.arange(len(queries))[:, None])
    else:
        assert np.all(scores[:, 0] == 0.0)  # every query is a database row
    _check_neighbours(
        scores, indices, reference.astype(np.float32).astype(np.float64), k, larger_is_better=False, rtol=1e-6, atol=0
    )


@settings(max_examples=6)
@given(st.integers(0, 2**32 - 1), st.integers(-30, 30), st.integers(-30, 34), st.integers(1, 4), st.booleans())
def test_top_k_grouped_path_matches_float64_reference(seed, scale, offset, k, exclude_self):
    """The grouped selection (large databases) returns the true k nearest too."""
    rng = np.random.default_rng(seed)
    database = (rng.normal(size=(4500, 5)) * 10.0**scale + rng.normal(size=5) * 10.0**offset).astype(np.float32)
    queries = database[:50] if not exclude_self else database
    for metric in ("euclidean", "cosine"):
        scores, indices = top_k(queries, database, k, metric=metric, exclude_self=exclude_self)
        scores, indices = scores[:50], indices[:50]
        if metric == "euclidean":
            reference = _euclidean64(database[:50], database).astype(np.float32).astype(np.float64)
            options = dict(larger_is_better=False, rtol=1e-6, atol=0)
        else:
            reference = _unit64(database[:50]) @ _unit64(database).T
            options = dict(larger_is_better=True, rtol=0, atol=2e-6)
        if exclude_self:
            np.fill_diagonal(reference, np.inf if metric == "euclidean" else -np.inf)
        _check_neighbours(scores, indices, reference, k, **options)


@given(matrices(min_rows=2, max_rows=40), st.data())
def test_top_k_cosine_matches_float64_reference(database, data):
    """Cosine top_k returns the k largest float64 cosines (atol 2e-6)."""
    k = data.draw(st.integers(1, len(database)))
    queries = database[: data.draw(st.integers(1, len(database)))]
    scores, indices = top_k(queries, database, k, batch_size=data.draw(st.sampled_from([None, 3])))
    reference = _unit64(queries) @ _unit64(database).T
    _check_neighbours(scores, indices, reference, k, larger_is_better=True, rtol=0, atol=2e-6)


@given(matrices(min_rows=2, max_rows=30), st.data())
def test_exact_index_matches_cosine_reference(vectors, data):
    """ExactIndex.search is cosine top_k over the stored vectors (atol 2e-6)."""
    k = data.draw(st.integers(1, len(vectors)))
    scores, indices = ExactIndex.from_vectors(vectors).search(vectors, k)
    _check_neighbours(
        scores, indices, _unit64(vectors) @ _unit64(vectors).T, k, larger_is_better=True, rtol=0, atol=2e-6
    )


# --- bad input: course_lib's own errors ---------------------------------------------------

GOOD = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
ARRAY_CALLS = {
    "l2_normalize": lambda bad: l2_normalize(bad),
    "cosine_similarity": lambda bad: cosine_similarity(bad, GOOD),
    "euclidean_distances": lambda bad: euclidean_distances(bad, GOOD),
    "top_k": lambda bad: top_k(bad, GOOD, 1),
    "top_k euclidean": lambda bad: top_k(GOOD, bad, 1, metric="euclidean"),
    "evaluate_retrieval": lambda bad: metrics.evaluate_retrieval(bad, [0, 1]),
    "retrieval_from_distances": lambda bad: metrics.retrieval_from_distances(bad, [0, 1], ks=1),
    "roc_points": lambda bad: verification.roc_points(bad, [1, 0]),
    "pair_scores": lambda bad: verification.pair_scores(bad, [0, 1]),
    "precision_recall_f1": lambda bad: verification.precision_recall_f1([0.1, 0.2], [1, 0], bad),
    "dtw_distance": lambda bad: dtw.dtw_distance(bad, [[0.0, 1.0]]),
    "dtw_distances": lambda bad: dtw.dtw_distances(bad, GOOD[None]),
    "masked_mean": lambda bad: sequences.masked_mean(bad, [[True, True]]),
    "pad_sequences": lambda bad: sequences.pad_sequences([bad]),
    "kmeans": lambda bad: kmeans(bad, 1),
    "ExactIndex": lambda bad: ExactIndex.from_vectors(bad),
    "recall_at_k_vs_exact": lambda bad: recall_at_k_vs_exact(bad, [[0, 1], [1, 0]]),
    "nearest_centroid": lambda bad: nearest_centroid(bad, GOOD),
    "nearest_centroid centroids": lambda bad: nearest_centroid(GOOD, bad),
    "feature_statistics": lambda bad: sequences.feature_statistics(bad, [1]),
    "standardize_sequences": lambda bad: sequences.standardize_sequences(GOOD[None], [2], bad, [1.0, 1.0]),
    "evaluate_search": lambda bad: evaluate_search(bad, [0, 1], ExactIndex.from_vectors(GOOD).search, [0, 1], ks=1),
}

FLOAT64_CALLS = {
    "feature_statistics",
    "standardize_sequences",
    "retrieval_from_distances",
    "pair_scores",
    "dtw_distance",
    "dtw_distances",
    "pad_sequences",
    "roc_points",
    "precision_recall_f1",
    "masked_mean",
}


@pytest.mark.parametrize("call, bad", list(itertools.product(ARRAY_CALLS, BAD_ARRAYS)))
def test_array_arguments_are_checked_by_course_lib(call, bad):
    """Complex, NaN, inf, strings, None, ragged or too-large arrays: course_lib's own error."""
    if bad == "beyond float32" and call in FLOAT64_CALLS:
        return  # these compute in float64, where 1e300 is an ordinary number
    assert_own_error(lambda: ARRAY_CALLS[call](BAD_ARRAYS[bad]))


LABEL_CALLS = {
    "recall_at_k": lambda bad: metrics.recall_at_k([[0], [1], [0], [1]], bad, 1),
    "recall_at_k neighbours": lambda bad: metrics.recall_at_k(bad, [0, 1, 0, 1], 1),
    "map_at_r": lambda bad: metrics.map_at_r([[0], [1], [0], [1]], bad, [1, 1, 1, 1]),
    "map_at_r n_relevant": lambda bad: metrics.map_at_r([[0], [1], [0], [1]], [0, 1, 0, 1], bad),
    "evaluate_retrieval": lambda bad: metrics.evaluate_retrieval(np.eye(4), bad, ks=1),
    "retrieval_from_distances": lambda bad: metrics.retrieval_from_distances(np.eye(4), bad, ks=1),
    "pair_scores": lambda bad: verification.pair_scores(np.eye(4), bad),
    "roc_points": lambda bad: verification.roc_points([0.1, 0.2, 0.3, 0.4], bad),
    "make_pairs": lambda bad: sampling.make_pairs(bad, n_pairs=4),
    "make_triplets": lambda bad: sampling.make_triplets(bad, n_triplets=4),
    "class_balanced_batches": lambda bad: sampling.class_balanced_batches(
        bad, classes_per_batch=2, samples_per_class=2, n_batches=1
    ),
    "sequence_mask": lambda bad: sequences.sequence_mask(bad),
    "masked_mean mask": lambda bad: sequences.masked_mean(np.ones((4, 1, 1)), bad),
    "retrieval_scores n_relevant": lambda bad: metrics.retrieval_scores([[0], [1], [0], [1]], [0, 1, 0, 1], bad, ks=1),
    "train_validation_split": lambda bad: data.train_validation_split(bad, validation_fraction=0.5),
    "evaluate_search": lambda bad: evaluate_search(np.eye(4), bad, ExactIndex.from_vectors(np.eye(4)).search, [0] * 4),
}


@pytest.mark.parametrize("call, bad", list(itertools.product(LABEL_CALLS, BAD_LABELS)))
def test_label_arguments_are_checked_by_course_lib(call, bad):
    """Fractional, huge (beyond int64), NaN, complex, string, None or ragged labels: own error."""
    assert_own_error(lambda: LABEL_CALLS[call](BAD_LABELS[bad]))


BAD_OPTIONS = st.one_of(
    st.none(), st.floats(allow_nan=True), st.text(max_size=3), st.complex_numbers(), st.integers(-3, 0), st.booleans()
)


@given(BAD_OPTIONS)
def test_counts_and_options_are_checked_by_course_lib(bad):
    """k, ks, axis, n_relevant and max_length that are not valid ints: course_lib's own error."""
    if isinstance(bad, float) and bad.is_integer() and bad >= 0:
        bad = 0.5  # 2.0 is a valid count or length; 0.5 is not
    assert_own_error(lambda: top_k(GOOD, GOOD, bad), name="k")
    assert_own_error(lambda: metrics.evaluate_retrieval(GOOD, [0, 1], ks=bad), name="ks")
    assert_own_error(lambda: metrics.recall_at_k([[0]], [0], bad), name="k")
    if not isinstance(bad, int) or isinstance(bad, bool):
        assert_own_error(lambda: l2_normalize(GOOD, axis=bad), name="axis")
    if bad is not None and not (isinstance(bad, int) and bad >= 0):
        assert_own_error(lambda: metrics.map_at_r([[0]], [0], [bad]), name="n_relevant")
        assert_own_error(lambda: sequences.sequence_mask([bad]), name="lengths")


# --- metrics -----------------------------------------------------------------------------


def _recall_reference(neighbour_labels, query_labels, k):
    return np.mean([q in row[:k] for row, q in zip(neighbour_labels.tolist(), query_labels.tolist())])


def _map_reference(neighbour_labels, query_labels, n_relevant):
    precisions = []
    for row, q, r in zip(neighbour_labels.tolist(), query_labels.tolist(), n_relevant.tolist()):
        if r == 0:
            continue
        hits = [label == q for label in row[:r]]
        precisions.append(sum(sum(hits[: i + 1]) / (i + 1) for i in range(r) if hits[i]) / r)
    return float(np.mean(precisions)) if precisions else float("nan")


@given(st.integers(1, 12), st.integers(1, 8), st.data())
def test_recall_and_map_match_reference(n_queries, n_neighbours, data):
    """recall_at_k and map_at_r equal a loop over the definition (float labels included)."""
    neighbour = data.draw(labels(n_queries * n_neighbours, as_float=data.draw(st.booleans())))
    neighbour = neighbour.reshape(n_queries, n_neighbours)
    query = data.draw(labels(n_queries))
    if np.all(neighbour >= 10**15) != np.all(query >= 10**15):  # the same label family
        query = query * 10**15 + 7 if np.all(neighbour >= 10**15) else query
    k = data.draw(st.integers(1, n_neighbours))
    n_relevant = np.asarray(data.draw(st.lists(st.integers(0, n_neighbours), min_size=n_queries, max_size=n_queries)))
    assert metrics.recall_at_k(neighbour, query, k) == pytest.approx(
        _recall_reference(neighbour.astype(np.int64), query, k)
    )
    expected = _map_reference(neighbour.astype(np.int64), query, n_relevant)
    result = metrics.map_at_r(neighbour, query, n_relevant)
    assert (np.isnan(result) and np.isnan(expected)) or result == pytest.approx(expected)


def _tie_groups(distances, *, rtol=1e-9, atol=1e-300):
    """Per row, a group number for each column: columns within `rtol`/`atol` of the previous one tie."""
    order = np.argsort(distances, axis=1, kind="stable")
    ordered = np.take_along_axis(distances, order, axis=1)
    steps = ordered[:, 1:] > ordered[:, :-1] + np.abs(ordered[:, :-1]) * rtol + atol
    groups = np.concatenate([np.zeros((len(distances), 1), int), np.cumsum(steps, axis=1)], axis=1)
    result = np.empty_like(groups)
    np.put_along_axis(result, order, groups, axis=1)
    return result


def _retrieval_range(distances, query_labels, index_labels, ks, **tolerance):
    """The lowest and highest R@k and MAP@R over every order of the tied `distances` (float64)."""
    groups = _tie_groups(distances, **tolerance)
    relevant = index_labels[None, :] == query_labels[:, None]
    candidate = np.isfinite(distances)
    n_relevant = (relevant & candidate).sum(axis=1)
    bounds = []
    for relevant_first in (False, True):  # ties: relevant items last (worst) or first (best)
        tie_break = ~relevant if relevant_first else relevant
        order = np.lexsort((tie_break, groups), axis=-1)[:, : candidate.sum(axis=1).min()]
        hits = np.take_along_axis(relevant, order, axis=1)
        scores = {f"R@{k}": _recall_reference(hits.astype(int), np.ones(len(hits), int), k) for k in ks}
        scores["MAP@R"] = _map_reference(hits.astype(int), np.ones(len(hits), int), n_relevant)
        if np.isnan(scores["MAP@R"]):
            scores["MAP@R"] = 0.0  # no query has a relevant item: documented as 0.0
        bounds.append(scores)
    return bounds


def _check_within_tie_range(embeddings, label, ks, *, leave_one_out, metric):
    """evaluate_retrieval's R@k and MAP@R lie between those of the worst and the best order of ties.

    Ties: float64 distances equal to rounding (Euclidean), cosines within float32's
    resolution (2e-7, cosine: the scores are float32 unit-vector products).
    """
    n = len(embeddings)
    half = n if leave_one_out else n // 2
    queries, query_labels = embeddings[:half], label[:half]
    index, index_labels = (None, None) if leave_one_out else (embeddings[half:], label[half:])
    reference_index = embeddings if leave_one_out else index
    if metric == "euclidean":
        distances, tolerance = _euclidean64(queries, reference_index), {}
    else:
        distances, tolerance = 1.0 - _unit64(queries) @ _unit64(reference_index).T, {"atol": 1e-6}
    if leave_one_out:
        np.fill_diagonal(distances, np.inf)
    else:
        ks = tuple(k for k in ks if k <= n - half) or (1,)
    result = metrics.evaluate_retrieval(queries, query_labels, index, index_labels, ks=ks, metric=metric)
    reference_labels = np.asarray(label if leave_one_out else index_labels)
    low, high = _retrieval_range(distances, np.asarray(query_labels), reference_labels, ks, **tolerance)
    for key, value in result.items():
        assert low[key] - 1e-12 <= value <= high[key] + 1e-12, (key, value, low[key], high[key])


@given(matrices(min_rows=2, max_rows=30, zero_rows=False), st.data())
def test_evaluate_retrieval_lies_between_the_best_and_worst_tie_orders(embeddings, data):
    """R@k and MAP@R lie between their values for the worst and the best order of tied distances.

    Every example is checked, ties included: each metric must be the value of one of the
    orders the float64 distances allow, at any magnitude (float16 input included).
    """
    if data.draw(st.booleans()):  # float16 input: few distinct values, many ties
        embeddings = np.clip(embeddings, -6e4, 6e4).astype(np.float16)
    n = len(embeddings)
    label = np.asarray(data.draw(labels(n, max_classes=n)))
    ks = tuple(sorted(set(data.draw(st.lists(st.integers(1, n - 1), min_size=1, max_size=3)))))
    metric = data.draw(st.sampled_from(["euclidean", "cosine"]))
    _check_within_tie_range(embeddings, label, ks, leave_one_out=data.draw(st.booleans()) or n < 4, metric=metric)


def test_evaluate_retrieval_ranks_float16_with_large_entries_and_zeros_within_the_ties():
    """A large entry (6e4) next to exact zeros, in float16: float32 scores alone lost the order."""
    rng = np.random.default_rng(7)
    embeddings = np.zeros((24, 3), np.float16)
    embeddings[:, 0] = rng.choice([0.0, 6e4], size=24)
    embeddings[:, 1:] = rng.choice([0.0, 0.5, 1.0, 2.0], size=(24, 2))
    label = rng.integers(0, 3, size=24)
    for metric in ("euclidean", "cosine"):
        for leave_one_out in (True, False):
            _check_within_tie_range(embeddings, label, (1, 5), leave_one_out=leave_one_out, metric=metric)


# --- verification ------------------------------------------------------------------------


@st.composite
def scored_pairs(draw):
    n = draw(st.integers(2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = np.round(rng.normal(size=n) * 10.0 ** draw(st.integers(-20, 20)), draw(st.integers(0, 3)))
    kind = draw(st.sampled_from(["normal", "ties", "ranks"]))
    if kind == "ties":
        scores = np.round(rng.uniform(size=n) * 4) / 4  # many tied scores
    elif kind == "ranks":
        scores = rng.permutation(n).astype(np.float64)  # distinct scores, many tied F1s
    is_same = rng.integers(0, 2, size=n)
    is_same[:2] = [0, 1]  # both kinds present
    return scores, is_same


@given(scored_pairs())
def test_roc_points_and_eer_match_counts(pairs):
    """ROC points equal counts at each distinct threshold; the EER lies on the ROC crossing."""
    scores, is_same = pairs
    fpr, tpr, thresholds = verification.roc_points(scores, is_same)
    for f, t, threshold in zip(fpr, tpr, thresholds):
        accepted = scores >= threshold
        assert f == pytest.approx(np.mean(accepted[is_same == 0]))
        assert t == pytest.approx(np.mean(accepted[is_same == 1]))
    eer = verification.equal_error_rate(scores, is_same)
    fnr = 1 - tpr
    assert np.min(np.minimum(fpr, fnr)) - 1e-12 <= eer <= np.min(np.maximum(fpr, fnr)) + 1e-12


@given(scored_pairs())
@example(
    (np.array([7.0, 10, 2, 6, 0, 5, 12, 8, 9, 1, 3, 11, 4]), np.array([0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0]))
)  # F1 2/3 at 9 and at 6
def test_precision_recall_f1_and_choose_threshold_match_exact_fractions(pairs):
    """P, R, F1 equal exact fractions; choose_threshold is the highest threshold of best F1."""
    scores, is_same = pairs
    candidates = np.unique(scores)
    precision, recall, f1 = verification.precision_recall_f1(scores, is_same, candidates)
    exact = []
    for i, threshold in enumerate(candidates):
        accepted = scores >= threshold
        tp, n_same = int(np.sum(accepted & (is_same == 1))), int(np.sum(is_same))
        exact_f1 = Fraction(2 * tp, int(accepted.sum()) + n_same)
        exact.append(exact_f1)
        assert precision[i] == pytest.approx(tp / accepted.sum())
        assert recall[i] == pytest.approx(tp / n_same)
        assert f1[i] == pytest.approx(float(exact_f1))
    best = max(exact)
    expected = max(t for t, value in zip(candidates, exact) if value == best)
    assert verification.choose_threshold(scores, is_same) == (expected, pytest.approx(float(best)))


@given(matrices(min_rows=2, max_rows=12), st.data())
def test_pair_scores_match_loops(x, data):
    """pair_scores lists every i < j with its similarity and same-label flag."""
    column = x[:, :1].astype(np.float64)
    similarity = column @ column.T
    label = data.draw(labels(len(x)))
    scores, is_same = verification.pair_scores(similarity, label)
    expected = [(similarity[i, j], int(label[i] == label[j])) for i, j in itertools.combinations(range(len(x)), 2)]
    assert list(zip(scores.tolist(), is_same.tolist())) == expected


# --- sequences ---------------------------------------------------------------------------


@given(st.lists(st.integers(1, 9), min_size=1, max_size=8), st.booleans())
def test_sequence_mask_matches_reference(lengths, as_float):
    mask = sequences.sequence_mask(np.asarray(lengths, np.float64 if as_float else np.int64))
    expected = [[t < length for t in range(max(lengths))] for length in lengths]
    assert mask.tolist() == expected


@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(-10, 10))
def test_dtw_distances_match_the_plain_recurrence(seed, n_queries, n_database, n_features, scale):
    """Vectorised DTW equals the two-loop recurrence per pair (rtol 1e-9), padding ignored."""
    rng = np.random.default_rng(seed)
    make = lambda: [  # noqa: E731
        rng.normal(size=(rng.integers(1, 6), n_features)) * 10.0**scale for _ in range(n_queries)
    ]
    query_list, database_list = make(), make()[:n_database] or make()[:1]
    queries, query_lengths = sequences.pad_sequences(query_list, dtype=np.float64)
    database, database_lengths = sequences.pad_sequences(database_list, dtype=np.float64)
    result = dtw.dtw_distances(queries, database, query_lengths=query_lengths, database_lengths=database_lengths)
    expected = [[dtw.dtw_distance(q, d) for d in database_list] for q in query_list]
    np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-300)
    mask = sequences.sequence_mask(query_lengths, queries.shape[1])
    np.testing.assert_allclose(sequences.masked_mean(queries, mask), [q.mean(axis=0) for q in query_list], rtol=1e-5)


# --- search and sampling -----------------------------------------------------------------


@given(matrices(min_rows=2, max_rows=30), st.data())
def test_kmeans_centroids_have_unit_length(x, data):
    """Every centroid has length 1, even when a cluster's vectors cancel out (x and -x)."""
    vectors = np.concatenate([x, -x])
    n_nonzero = int(np.any(vectors != 0, axis=1).sum())
    if n_nonzero == 0:
        assert_own_error(lambda: kmeans(vectors, 1), name=None)
        return
    n_clusters = data.draw(st.integers(1, n_nonzero))
    centroids = kmeans(
        vectors, n_clusters, n_iterations=data.draw(st.integers(1, 4)), seed=data.draw(st.integers(0, 10))
    )
    np.testing.assert_allclose(np.linalg.norm(centroids.astype(np.float64), axis=1), 1.0, atol=1e-6)


@given(st.integers(4, 40), st.data())
def test_samplers_keep_classes_apart(n, data):
    """Pairs, triplets and P x K batches respect the labels, large label values included."""
    label = data.draw(labels(n, min_classes=2, as_float=data.draw(st.booleans())))
    classes, counts = np.unique(label, return_counts=True)
    if len(classes) < 2 or counts.max() < 2:
        assert_own_error(lambda: sampling.make_triplets(label, n_triplets=3), name="labels")
        return
    as_int = label.astype(np.int64)
    pairs, is_similar = sampling.make_pairs(label, n_pairs=data.draw(st.integers(1, 30)), seed=1)
    assert np.all(pairs[:, 0] != pairs[:, 1])
    assert np.array_equal(as_int[pairs[:, 0]] == as_int[pairs[:, 1]], is_similar == sampling.SIMILAR)
    triplets = sampling.make_triplets(label, n_triplets=data.draw(st.integers(1, 30)), seed=2)
    anchor, positive, negative = as_int[triplets].T
    assert np.all(anchor == positive) and np.all(anchor != negative)
    assert np.all(triplets[:, 0] != triplets[:, 1])
    if counts.min() >= 2:
        batches = sampling.class_balanced_batches(label, classes_per_batch=2, samples_per_class=2, n_batches=3, seed=3)
        for batch in as_int[batches].reshape(3, 2, 2):
            assert np.all(batch[:, 0] == batch[:, 1]) and batch[0, 0] != batch[1, 0]


# --- bad input that fuzzing found: course_lib's own error, or a correct value -----------

EMPTY_SHAPES = [(0,), (0, 3), (3, 0), (0, 0), (2, 0, 3)]


@pytest.mark.parametrize("shape", EMPTY_SHAPES)
def test_l2_normalize_returns_empty_input_as_it_is(shape):
    result = l2_normalize(np.zeros(shape, np.float64))
    assert result.shape == shape and result.dtype == np.float32


@given(st.integers(0, 3), st.integers(0, 3), st.integers(1, 4))
def test_pairwise_functions_give_empty_results_for_empty_batches(n, m, d):
    """A batch of 0 vectors: an empty result of shape (n, m); vectors of 0 features: own error."""
    a, b = np.ones((n, d), np.float32), np.ones((m, d), np.float32)
    assert cosine_similarity(a, b).shape == (n, m)
    assert cosine_distance(a, b).shape == (n, m)
    assert euclidean_distances(a, b).shape == (n, m)
    assert euclidean_distances(a).shape == (n, n)
    for call in (cosine_similarity, euclidean_distances):
        assert_own_error(lambda call=call: call(np.ones((n, 0)), np.ones((m, 0))), name="a")
        assert_own_error(lambda call=call: call(np.ones(0), np.ones(0)), name="a")


def test_metrics_of_no_query_are_refused():
    """A mean over no query has no value: course_lib's error, not NaN."""
    none = np.zeros((0, 2), np.int64)
    assert_own_error(lambda: metrics.recall_at_k(none, np.zeros(0), 1), name="neighbour_labels")
    assert_own_error(lambda: metrics.map_at_r(none, np.zeros(0), np.zeros(0)), name="neighbour_labels")
    assert_own_error(lambda: metrics.retrieval_scores(none, np.zeros(0), np.zeros(0)), name="neighbour_labels")
    assert_own_error(lambda: recall_at_k_vs_exact(none, none), name="found")
    assert_own_error(lambda: data.train_validation_split([], validation_fraction=0.5), name="labels")


@given(matrices(min_rows=2, max_rows=8), st.integers(1, 5), st.sampled_from(metrics.METRICS))
def test_evaluate_retrieval_refuses_mismatched_features(queries, extra, metric):
    """Queries and index of different widths: never broadcast, never NumPy's matmul message."""
    index = np.concatenate([queries, np.ones((len(queries), extra), np.float32)], axis=1)
    labels_ = np.arange(len(queries)) % 2
    assert_own_error(
        lambda: metrics.evaluate_retrieval(queries, labels_, index, labels_, ks=1, metric=metric),
        name="query_embeddings",
    )


BAD_BOOLEANS = ["False", "True", 0, 1, None, 0.0, np.array([True])]
BOOLEAN_CALLS = {
    "relevant_counts": lambda bad: metrics.relevant_counts([0, 1], [0, 1], leave_one_out=bad),
    "euclidean_distances": lambda bad: euclidean_distances(GOOD, squared=bad),
    "top_k": lambda bad: top_k(GOOD, GOOD, 1, exclude_self=bad),
}


@pytest.mark.parametrize("call, bad", list(itertools.product(BOOLEAN_CALLS, range(len(BAD_BOOLEANS)))))
def test_booleans_must_be_booleans(call, bad):
    """A string such as "False" is not read as True: course_lib's TypeError."""
    assert_own_error(lambda: BOOLEAN_CALLS[call](BAD_BOOLEANS[bad]))


@given(st.integers(1, 6), st.data())
def test_retrieval_scores_checks_the_relevant_counts(n_queries, data):
    """Negative, NaN or fractional counts, or one count too many or too few: own error."""
    neighbour = np.zeros((n_queries, 2), np.int64)
    query = np.zeros(n_queries, np.int64)
    bad = data.draw(
        st.one_of(
            st.just(np.full(n_queries, -1)),
            st.just(np.full(n_queries, np.nan)),
            st.just(np.full(n_queries, 0.5)),
            st.integers(0, 8).filter(lambda length: length != n_queries).map(lambda length: np.ones(length, int)),
        )
    )
    assert_own_error(lambda: metrics.retrieval_scores(neighbour, query, bad, ks=1), name="n_relevant")


@given(st.integers(1, 6), st.integers(1, 5), st.data())
def test_recall_at_k_vs_exact_counts_each_exact_neighbour_once(n_queries, k, data):
    """Indices repeated in `found` count once (the set formula); repeats in `exact`: own error."""
    found = np.array(
        data.draw(
            st.lists(st.lists(st.integers(-1, 8), min_size=k, max_size=k), min_size=n_queries, max_size=n_queries)
        )
    )
    exact = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(0, 8), min_size=k, max_size=k, unique=True), min_size=n_queries, max_size=n_queries
            )
        )
    )
    expected = sum(len(set(f) & set(e)) for f, e in zip(found.tolist(), exact.tolist())) / exact.size
    assert recall_at_k_vs_exact(found, exact) == pytest.approx(expected)
    if k > 1:
        repeated = exact.copy()
        repeated[0, 1] = repeated[0, 0]
        assert_own_error(lambda: recall_at_k_vs_exact(found, repeated), name="exact")


@given(matrices(min_rows=1, max_rows=20, zero_rows=False), matrices(min_rows=1, max_rows=5), st.data())
def test_nearest_centroid_checks_its_input_and_picks_the_largest_product(vectors, centroids, data):
    """Lists work; bad batch sizes, NaN and a different width are refused; the answer is the argmax."""
    centroids = np.resize(centroids, (len(centroids), vectors.shape[1]))
    batch_size = data.draw(st.integers(1, 30))
    labels_ = nearest_centroid(vectors.tolist(), centroids.tolist(), batch_size=batch_size)
    products = vectors.astype(np.float64) @ centroids.astype(np.float64).T
    chosen = products[np.arange(len(vectors)), labels_]
    np.testing.assert_allclose(chosen, products.max(axis=1), rtol=1e-5, atol=1e-6 * np.abs(products).max(initial=0))
    bad_size = data.draw(st.one_of(st.integers(-3, 0), st.floats(), st.none(), st.text(max_size=2)))
    assert_own_error(lambda: nearest_centroid(vectors, centroids, batch_size=bad_size), name="batch_size")
    assert_own_error(lambda: nearest_centroid(vectors, np.ones((2, vectors.shape[1] + 1))), name="vectors")


@given(st.integers(2, 8), st.data())
def test_evaluate_search_never_counts_nothing_found_as_a_hit(n, data):
    """Index -1 (nothing found) is a miss whatever the labels, the ends of int64 included."""
    extremes = [np.iinfo(np.int64).min, np.iinfo(np.int64).min + 1, -1, 0, np.iinfo(np.int64).max]
    query_labels = np.array(data.draw(st.lists(st.sampled_from(extremes), min_size=n, max_size=n)))
    index_labels = np.array(data.draw(st.lists(st.sampled_from(extremes), min_size=n, max_size=n)))
    k = max(1, int(metrics.relevant_counts(query_labels, index_labels).max()))

    def nothing_found(queries, k):
        return np.zeros((len(queries), k)), -np.ones((len(queries), k), np.int64)

    result = evaluate_search(np.ones((n, 2)), query_labels, nothing_found, index_labels, ks=(min(k, n),))
    assert all(value == 0.0 for value in result.values()), result


def _check_feature_statistics(x, lengths):
    """Mean and std over the real frames (float64 reference); feature 0, constant, gets its value (in
    float32) and std 1, so that standardize_sequences maps it to 0: exactly for float32 data, within
    float32's rounding of the mean for float64 data."""
    mean, std = sequences.feature_statistics(x, lengths)
    frames = x[sequences.sequence_mask(lengths, x.shape[1])].astype(np.float64)
    assert mean[0] == np.float32(x[0, 0, 0]) and std[0] == 1.0, (mean, std)
    varying = frames.std(axis=0) > 0
    varying[0] = False  # the constant: NumPy's own std is rounding noise there (1e-17 for 0.1)
    reference_mean = frames.mean(axis=0)
    assert np.all(np.abs(mean[1:] - reference_mean[1:]) <= 1e-6 * np.abs(reference_mean[1:]) + 1e-5 * std[1:])
    np.testing.assert_allclose(std[varying], frames.std(axis=0)[varying].astype(np.float32), rtol=1e-4)
    standardized = sequences.standardize_sequences(x, lengths, mean, std)
    rounding = abs(float(x[0, 0, 0]) - float(np.float32(x[0, 0, 0])))  # 0 for float32 data
    assert np.all(np.abs(standardized[:, :, 0]) <= np.float32(rounding)), (standardized[:, :, 0], rounding)


@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 3), st.floats(-1e6, 1e6), st.data())
def test_feature_statistics_match_the_real_frames(n, max_length, n_features, constant, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    lengths = rng.integers(1, max_length + 1, size=n)
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = (rng.normal(size=(n, max_length, n_features)) * 10.0 ** data.draw(st.integers(-5, 5))).astype(dtype)
    x[:, :, 0] = constant
    x[sequences.sequence_mask(lengths, max_length) == 0] = 0.0
    _check_feature_statistics(x, lengths)


def test_a_constant_feature_is_standardised_to_zero():
    """0.1 in all 3 frames: NumPy's mean is 0.1 + 1.4e-17, and a std of 1.4e-17 blew the feature up."""
    x = np.stack([np.full((1, 3), 0.1), np.arange(3.0)[None]], axis=-1)
    _check_feature_statistics(x, [3])


ROW = {
    "method": "m",
    "dataset": "d",
    "protocol": "test->train",
    "baseline": True,
    "R@1": 0.5,
    "R@5": 0.5,
    "R@10": 0.5,
    "MAP@R": 0.5,
    "train_seconds": 0.0,
    "notebook": "01_similarity_basics",
}


@given(st.sampled_from(["method", "dataset", "protocol", "notebook"]), st.booleans())
def test_leaderboard_functions_name_a_missing_key_or_an_unknown_protocol(key, unknown_protocol):
    """A row without `method`, `dataset`, `protocol` or `notebook`, or with an unknown protocol."""
    row = {**ROW, "protocol": "train->test"} if unknown_protocol else {k: v for k, v in ROW.items() if k != key}
    assert_own_error(lambda: leaderboard.deduplicate([row]))
    if unknown_protocol or key != "method":
        assert_own_error(lambda: leaderboard.leaderboard_table([row]))
    if unknown_protocol or key in ("dataset", "protocol"):
        assert_own_error(lambda: leaderboard.select_rows([row], None, None, "MAP@R"))


@pytest.mark.parametrize("missing", ["01_similarity_basics", b"01", 1, [1], None])
def test_notebook_lists_must_be_lists_of_stems(missing):
    """One str is not iterated letter by letter: course_lib's TypeError."""
    assert_own_error(lambda: leaderboard.missing_message(missing), name="missing")
    if missing is not None:  # None: every course notebook
        assert_own_error(lambda: leaderboard.load_leaderboard(notebooks=missing, results_dir="."), name="notebooks")


@given(st.text(max_size=12))
@example("a\x00b").via("a NUL: the operating system's 'embedded null byte'")
@example("\ud800").via("a lone surrogate: UnicodeEncodeError")
def test_save_results_writes_any_name_or_refuses_it_itself(name):
    """A notebook name with a NUL, a lone surrogate or a path: course_lib's error, never the OS's."""
    import tempfile

    row = {key: value for key, value in ROW.items() if key != "notebook"}
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = results.save_results(name, [row], results_dir=folder)
        except (TypeError, ValueError) as error:
            assert "received" in str(error) and "notebook" in str(error), error
            assert error.__traceback__ is not None
            return
        assert results.load_results(results_dir=folder)[0]["method"] == "m" and path.stem == name


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "\udfff"])
def test_save_results_refuses_text_that_cannot_be_written(text):
    row = {key: value for key, value in ROW.items() if key != "notebook"}
    assert_own_error(lambda: results.save_results(text, [row], results_dir="."), name="notebook")
    assert_own_error(lambda: results.save_results("01_x", [{**row, "method": text}], results_dir="."))


def test_faiss_index_needs_as_many_training_vectors_as_lists():
    from course_lib.search import FaissIVFIndex, faiss_available

    if not faiss_available():
        pytest.skip("faiss is not installed")
    index = FaissIVFIndex(4, n_lists=8)
    assert_own_error(lambda: index.train(np.ones((5, 4), np.float32)))


@pytest.mark.parametrize("queries", [None, np.zeros((0, 2)), [], 3.0])
def test_queries_per_second_needs_a_batch_of_queries(queries):
    assert_own_error(lambda: queries_per_second(lambda q: q, queries, repeats=1), name="queries")
