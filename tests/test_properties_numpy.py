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

from course_lib import metrics, sampling, sequences, verification
from course_lib.search import ExactIndex, kmeans, recall_at_k_vs_exact
from course_lib.similarity import (
    cosine_distance,
    cosine_similarity,
    euclidean_distances,
    l2_normalize,
    top_k,
)

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
    "dtw_distance": lambda bad: sequences.dtw_distance(bad, [[0.0, 1.0]]),
    "dtw_distances": lambda bad: sequences.dtw_distances(bad, GOOD[None]),
    "masked_mean": lambda bad: sequences.masked_mean(bad, [[True, True]]),
    "pad_sequences": lambda bad: sequences.pad_sequences([bad]),
    "kmeans": lambda bad: kmeans(bad, 1),
    "ExactIndex": lambda bad: ExactIndex.from_vectors(bad),
    "recall_at_k_vs_exact": lambda bad: recall_at_k_vs_exact(bad, [[0, 1], [1, 0]]),
}

FLOAT64_CALLS = {
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


@given(matrices(min_rows=2, max_rows=30, zero_rows=False), st.data())
def test_evaluate_retrieval_matches_brute_force(embeddings, data):
    """Leave-one-out R@k and MAP@R from float64 distances; MAP@R always in [0, 1]."""
    label = data.draw(labels(len(embeddings), max_classes=len(embeddings)))
    ks = tuple(sorted(set(data.draw(st.lists(st.integers(1, len(embeddings) - 1), min_size=1, max_size=3)))))
    result = metrics.evaluate_retrieval(embeddings, label, ks=ks, metric="euclidean")
    assert all(0.0 <= value <= 1.0 for value in result.values()), result
    distances = _euclidean64(embeddings, embeddings)
    np.fill_diagonal(distances, np.inf)
    if any(len(set(row)) < len(row) for row in distances.tolist()):
        return  # tied distances: either order is right, so only the range is checked
    order = np.argsort(distances, axis=1)[:, :-1]  # the query itself (inf) comes last
    neighbour, label = label[order], np.asarray(label)
    n_relevant = np.array([np.sum(label == q) - 1 for q in label])
    expected = {f"R@{k}": _recall_reference(neighbour, label, k) for k in ks}
    expected["MAP@R"] = _map_reference(neighbour, label, n_relevant)
    if np.isnan(expected["MAP@R"]):
        expected["MAP@R"] = 0.0  # no query has a relevant item: documented as 0.0
    assert result == pytest.approx(expected)


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
    result = sequences.dtw_distances(queries, database, query_lengths=query_lengths, database_lengths=database_lengths)
    expected = [[sequences.dtw_distance(q, d) for d in database_list] for q in query_list]
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


@given(st.integers(1, 6), st.integers(1, 5), st.data())
def test_recall_at_k_vs_exact_matches_sets(n_queries, k, data):
    rows = st.lists(st.integers(-1, 8), min_size=k, max_size=k, unique=True)
    found = np.array(data.draw(st.lists(rows, min_size=n_queries, max_size=n_queries)))
    exact = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(0, 8), min_size=k, max_size=k, unique=True), min_size=n_queries, max_size=n_queries
            )
        )
    )
    expected = sum(len(set(f) & set(e)) for f, e in zip(found.tolist(), exact.tolist())) / exact.size
    assert recall_at_k_vs_exact(found, exact) == pytest.approx(expected)


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
