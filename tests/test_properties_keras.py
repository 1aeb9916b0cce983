"""Property-based tests of the Keras side of course_lib (layers, losses, heads).

Called eagerly (NumPy input or eager tensors), every function checks its
values like the NumPy side does, and its result matches a float64 NumPy
reference within a stated tolerance at any float32 magnitude. Settings (fixed
seed, example count) are in `tests/conftest.py`; the data strategies in
`tests/properties.py`.
"""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from keras import ops
from properties import BAD_ARRAYS, BAD_LABELS, assert_own_error, labels, matrices
from test_heads import _reference_logits
from test_losses import _numpy_triplet

from course_lib.attention import AttentionPooling, PositionalEncoding, scaled_dot_product_attention
from course_lib.heads import MARGIN_TYPES, MarginCosineLoss, cosine_logits, margin_logits
from course_lib.layers import L2Normalize, PairDistance
from course_lib.losses import (
    MINING_STRATEGIES,
    ContrastiveLoss,
    TripletLoss,
    contrastive_loss,
    triplet_loss,
)
from course_lib.tensor_similarity import l2_normalize_tensor, paired_distances_tensor, pairwise_distances_tensor


def _unit64(x):
    x = np.asarray(x, np.float64)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _to_float32(x):
    with np.errstate(over="ignore"):  # beyond float32: inf, as the docstrings say
        return np.asarray(x, np.float64).astype(np.float32)


def _pairs(x):
    """Two halves of `x` of equal shape: `(a, b)`."""
    half = len(x) // 2
    return (x[:half], x[half : 2 * half]) if half else (x, x[::-1])


# --- layers --------------------------------------------------------------------------------


@given(matrices(), st.sampled_from([1e-12, 1e-20, 1e-30, 1.0]))
def test_l2_normalize_tensor_matches_float64_reference(x, epsilon):
    """`x / max(||x||, epsilon)` within 1e-6 of float64, no NaN, for any magnitude and epsilon."""
    norms = np.linalg.norm(x.astype(np.float64), axis=-1, keepdims=True)
    expected = x.astype(np.float64) / np.maximum(norms, epsilon)
    result = np.asarray(l2_normalize_tensor(x, epsilon=epsilon))
    np.testing.assert_allclose(result, expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(L2Normalize(epsilon=epsilon)(x)), expected, atol=1e-6)


@given(matrices(min_rows=2))
def test_paired_distances_match_float64_reference(x):
    """Row-wise distances within rtol 1e-5 (0 below sqrt(epsilon) = 1e-6); cosine within 1e-6."""
    a, b = _pairs(x)
    reference = np.sqrt(((a.astype(np.float64) - b) ** 2).sum(-1))
    result = np.asarray(paired_distances_tensor(a, b))
    np.testing.assert_allclose(result, _to_float32(np.where(reference > 1e-6, reference, 0.0)), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(np.asarray(PairDistance()([a, b])), result)
    cosine = 1.0 - (_unit64(a) * _unit64(b)).sum(-1)
    np.testing.assert_allclose(np.asarray(PairDistance(metric="cosine")([a, b])), cosine, atol=1e-6)


@given(matrices(max_rows=12), st.booleans())
def test_pairwise_distances_tensor_match_float64_reference(x, squared):
    """Every pair within rtol 1e-5 of float64 differences (inf beyond float32); diagonal 0.

    Squared distances below float32's smallest normal number (1.2e-38) may come out as 0:
    TensorFlow on a CPU flushes subnormal numbers to zero.
    """
    reference = np.sqrt(((x[:, None, :].astype(np.float64) - x[None, :, :]) ** 2).sum(-1))
    result = np.asarray(pairwise_distances_tensor(x, squared=squared))
    atol = float(np.finfo(np.float32).tiny) if squared else 1e-44
    np.testing.assert_allclose(result, _to_float32(reference**2 if squared else reference), rtol=1e-5, atol=atol)
    assert np.all(np.diag(result) == 0)


# --- losses --------------------------------------------------------------------------------


@given(st.integers(0, 2**32 - 1), st.integers(1, 20), st.integers(-20, 18), st.sampled_from([0.1, 1.0, 1e10]))
def test_contrastive_loss_matches_float64_reference(seed, n, scale, margin):
    """`y d^2 + (1 - y) max(0, m - d)^2` within rtol 1e-5; inf (not NaN) beyond float32."""
    rng = np.random.default_rng(seed)
    distances = (rng.uniform(size=n) * 10.0**scale).astype(np.float32)
    y = rng.integers(0, 2, size=n)
    d = distances.astype(np.float64)
    expected = np.where(y == 1, d**2, np.maximum(0.0, margin - d) ** 2)
    result = np.asarray(contrastive_loss(y, distances, margin=margin))
    np.testing.assert_allclose(result, _to_float32(expected), rtol=1e-5, atol=1e-30)
    assert not np.isnan(result).any()
    mean = float(ContrastiveLoss(margin=margin)(y.astype(np.float32), distances))
    assert mean == pytest.approx(float(np.mean(_to_float32(expected).astype(np.float64))), rel=1e-5)


@given(matrices(min_rows=2, max_rows=10, ties=False), st.data())
def test_triplet_loss_matches_brute_force(embeddings, data):
    """Every mining strategy within rtol 1e-4 of a float64 brute force over all triplets."""
    label = data.draw(labels(len(embeddings), min_classes=2, max_classes=3))
    margin = data.draw(st.sampled_from([0.0, 0.2, 1.0]))
    mining = data.draw(st.sampled_from(MINING_STRATEGIES))
    distances = np.sqrt(((embeddings[:, None].astype(np.float64) - embeddings[None]) ** 2).sum(-1))
    gaps = np.abs(distances[:, :, None] - distances[:, None, :])
    size = distances.max() + margin
    # a near-tie may pick another (equally hard) triplet in float32; exact ties pick the same
    assume(not np.any((gaps > 0) & (gaps < 1e-4 * size)))
    # a margin below float32's resolution of the distances (0.2 next to 5e7) cannot count
    assume(margin == 0.0 or margin > 1e-5 * distances.max())
    expected = _numpy_triplet(label, embeddings, margin, mining)
    result = float(triplet_loss(label, embeddings, margin=margin, mining=mining))
    assert result == pytest.approx(expected, rel=1e-4, abs=1e-5 * size + 1e-30)
    assert float(TripletLoss(margin=margin, mining=mining)(label, embeddings)) == pytest.approx(result)


@pytest.mark.parametrize("mining", MINING_STRATEGIES)
def test_triplet_loss_of_an_empty_batch_is_zero(mining):
    assert float(triplet_loss(np.zeros(0), np.zeros((0, 3), np.float32), mining=mining)) == 0.0


# --- heads ---------------------------------------------------------------------------------


@given(matrices(), matrices(min_rows=2, max_rows=6), st.sampled_from([1.0, 16.0, 64.0]))
def test_cosine_logits_match_float64_reference(embeddings, weights, scale):
    """`scale * cos` within 2e-6 * scale, at any magnitude (zero rows give 0, not NaN)."""
    weights = np.resize(weights, (len(weights), embeddings.shape[1]))
    expected = scale * (_unit64(embeddings) @ _unit64(weights).T)
    np.testing.assert_allclose(np.asarray(cosine_logits(embeddings, weights, scale=scale)), expected, atol=2e-6 * scale)


@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 8),
    st.integers(2, 5),
    st.sampled_from(MARGIN_TYPES),
    st.sampled_from([0.0, 0.2, 0.5]),
    st.sampled_from([1.0, 16.0]),
)
def test_margin_logits_match_float64_reference(seed, n, n_classes, margin_type, margin, scale):
    """Margin on the true class only, within 1e-4 * scale of a float64 reference."""
    rng = np.random.default_rng(seed)
    cosines = rng.uniform(-0.999, 0.999, size=(n, n_classes)).astype(np.float32)
    label = rng.integers(0, n_classes, size=n)
    boundary = np.cos(np.pi - margin)  # ArcFace switches formula here
    assume(np.all(np.abs(cosines[np.arange(n), label] - boundary) > 1e-3))
    expected = _reference_logits(cosines, label, margin_type, scale, margin)
    result = np.asarray(margin_logits(cosines, label, margin_type=margin_type, scale=scale, margin=margin))
    np.testing.assert_allclose(result, expected, atol=1e-4 * scale)
    loss = np.asarray(MarginCosineLoss(margin_type, scale=scale, margin=margin, reduction=None)(label, cosines))
    shifted = expected - expected.max(axis=1, keepdims=True)
    reference = -(shifted[np.arange(n), label] - np.log(np.exp(shifted).sum(axis=1)))
    np.testing.assert_allclose(loss, reference, rtol=1e-4, atol=1e-4)


# --- bad input: course_lib's own errors ---------------------------------------------------

ONES = np.ones((4, 2), np.float32)
ARRAY_CALLS = {
    "l2_normalize_tensor": lambda bad: l2_normalize_tensor(bad),
    "L2Normalize": lambda bad: L2Normalize()(bad),
    "paired_distances_tensor": lambda bad: paired_distances_tensor(bad, ONES[:2]),
    "PairDistance": lambda bad: PairDistance(metric="cosine")([ONES[:2], bad]),
    "contrastive_loss": lambda bad: contrastive_loss([1, 0], bad),
    "triplet_loss": lambda bad: triplet_loss([0, 0], bad),
    "cosine_logits": lambda bad: cosine_logits(bad, ONES),
    "cosine_logits weights": lambda bad: cosine_logits(ONES, bad),
    "margin_logits": lambda bad: margin_logits(bad, [0, 1]),
    "pairwise_distances_tensor": lambda bad: pairwise_distances_tensor(bad),
    "attention query": lambda bad: scaled_dot_product_attention(bad[None], ONES[None], ONES[None]),
    "attention key": lambda bad: scaled_dot_product_attention(ONES[None], bad[None], ONES[None]),
    "attention value": lambda bad: scaled_dot_product_attention(ONES[None], ONES[None], bad[None]),
}


@pytest.mark.parametrize("call, bad", list(itertools.product(ARRAY_CALLS, BAD_ARRAYS)))
def test_tensor_arguments_are_checked_by_course_lib(call, bad):
    """Complex, NaN, inf, strings or None values: course_lib's own error."""
    if bad == "beyond float32":
        return  # a float64 tensor is computed in float64, where 1e300 is an ordinary number
    if bad in ("none", "ragged") and call.startswith("attention"):
        return  # None[None] and a ragged list's [None] fail in the test's own indexing
    assert_own_error(lambda: ARRAY_CALLS[call](BAD_ARRAYS[bad]))


LABEL_CALLS = {
    "contrastive_loss": lambda bad: contrastive_loss(bad, np.ones(4, np.float32)),
    "triplet_loss": lambda bad: triplet_loss(bad, ONES),
    "TripletLoss": lambda bad: TripletLoss()(bad, ONES),
    "margin_logits": lambda bad: margin_logits(np.zeros((4, 3), np.float32), bad),
}


@pytest.mark.parametrize("call, bad", list(itertools.product(LABEL_CALLS, BAD_LABELS)))
def test_label_arguments_are_checked_by_course_lib(call, bad):
    """Fractional, huge, NaN, complex, string, None or ragged labels: course_lib's own error."""
    assert_own_error(lambda: LABEL_CALLS[call](BAD_LABELS[bad]))


@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from([-1, 2, 0.5, 3]))
def test_mismatched_lengths_and_non_binary_labels_are_refused(n_labels, n_rows, bad_label):
    """Mismatched batch lengths and pair labels other than 0/1 raise course_lib's ValueError."""
    if n_labels != n_rows:
        assert_own_error(lambda: contrastive_loss(np.ones(n_labels), np.ones(n_rows)), name="y_true")
        assert_own_error(lambda: triplet_loss(np.zeros(n_labels), np.ones((n_rows, 2))), name="labels")
        assert_own_error(lambda: margin_logits(np.zeros((n_rows, 2)), np.zeros(n_labels)), name="labels")
    assert_own_error(lambda: contrastive_loss(np.full(n_rows, bad_label), np.ones(n_rows)), name="y_true")
    assert_own_error(lambda: contrastive_loss(np.ones(n_rows), -np.ones(n_rows)), name="distances")


# --- bad input that fuzzing found: course_lib's own error, or a correct value -----------


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


@given(st.integers(0, 3), st.integers(1, 4))
def test_empty_batches_give_empty_results_and_losses_of_zero(d, n_classes):
    """A batch of 0 rows: results of the right shape; a reduced loss is the number 0.0."""
    d = d + 1
    empty = np.zeros((0, d), np.float32)
    assert _numpy(l2_normalize_tensor(empty)).shape == (0, d)
    assert _numpy(L2Normalize()(empty)).shape == (0, d)
    assert _numpy(l2_normalize_tensor(np.zeros(0, np.float32))).shape == (0,)
    assert _numpy(paired_distances_tensor(empty, empty)).shape == (0,)
    for metric in PairDistance.METRICS:
        assert _numpy(PairDistance(metric=metric)([empty, empty])).shape == (0,)
    assert _numpy(cosine_logits(empty, np.ones((n_classes, d), np.float32))).shape == (0, n_classes)
    assert _numpy(pairwise_distances_tensor(empty)).shape == (0, 0)
    assert _numpy(contrastive_loss(np.zeros(0), np.zeros(0, np.float32))).shape == (0,)
    for loss, y_pred in (
        (ContrastiveLoss(), np.zeros(0, np.float32)),
        (TripletLoss(), empty),
        (MarginCosineLoss(), np.zeros((0, n_classes), np.float32)),
    ):
        value = _numpy(loss(np.zeros(0), y_pred))
        assert value.shape == () and value == 0.0, (loss.name, value)
    output, weights = scaled_dot_product_attention(np.zeros((0, 2, d)), np.zeros((0, 3, d)), np.zeros((0, 3, 2)))
    assert _numpy(output).shape == (0, 2, 2) and _numpy(weights).shape == (0, 2, 3)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.sampled_from(PairDistance.METRICS))
def test_pair_shapes_must_match(n_a, n_b, d, metric):
    """Row counts or widths that differ: course_lib's ValueError, never broadcasting."""
    a, b = np.ones((n_a, d), np.float32), np.ones((n_b, d + (n_a == n_b)), np.float32)
    assert_own_error(lambda: PairDistance(metric=metric)([a, b]))
    assert_own_error(lambda: paired_distances_tensor(a, b))
    assert_own_error(lambda: PairDistance(metric=metric)([a[0], a[0]]))  # 1-D: one pair is a[None]
    assert_own_error(lambda: cosine_logits(np.ones((n_a, 0)), np.ones((2, 0))), name="embeddings")


@pytest.mark.parametrize("axis", [1, 2, -2, -3])
def test_an_axis_beyond_the_input_is_refused(axis):
    vector = np.ones(3, np.float32)
    assert_own_error(lambda: L2Normalize(axis=axis)(vector), name=None)
    assert_own_error(lambda: l2_normalize_tensor(vector, axis=axis), name=None)


@given(matrices(max_rows=6, zero_rows=True, ties=True))
def test_integers_are_cast_to_float_like_the_numpy_side(x):
    """Integer input gives the float32 result of the same values."""
    integers = np.clip(np.round(x), -1e6, 1e6).astype(np.int64)
    as_float = integers.astype(np.float32)
    np.testing.assert_array_equal(_numpy(L2Normalize()(integers)), _numpy(L2Normalize()(as_float)))
    np.testing.assert_array_equal(
        _numpy(pairwise_distances_tensor(integers)), _numpy(pairwise_distances_tensor(as_float))
    )
    np.testing.assert_array_equal(
        _numpy(PairDistance()([integers, integers[::-1]])), _numpy(PairDistance()([as_float, as_float[::-1]]))
    )
    q = integers[None]
    np.testing.assert_array_equal(
        _numpy(scaled_dot_product_attention(q, q, q)[1]),
        _numpy(scaled_dot_product_attention(q.astype(np.float32), q.astype(np.float32), q.astype(np.float32))[1]),
    )


BAD_BOOLEANS = ["False", "True", 0, 1, None]


@pytest.mark.parametrize("bad", BAD_BOOLEANS)
def test_booleans_must_be_booleans(bad):
    """`squared="False"` is not read as True: course_lib's TypeError."""
    assert_own_error(lambda: pairwise_distances_tensor(ONES, squared=bad), name="squared")


def _attention64(query, key, value, mask):
    """Masked softmax attention in float64: masked keys excluded, the row maximum subtracted."""
    scores = query.astype(np.float64) @ np.swapaxes(key.astype(np.float64), -1, -2) / np.sqrt(query.shape[-1])
    scores = np.where(mask[:, None, :], scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ value.astype(np.float64), weights


@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 4), st.integers(1, 6), st.integers(1, 4), st.data())
def test_attention_gives_masked_keys_exactly_zero_weight_at_any_magnitude(seed, batch, n_queries, n_keys, d, data):
    """Masked keys get exactly 0 whatever the scores (also below -1e9, or beyond float32's range);
    rows sum to 1 and hold no NaN; ordinary scores match a float64 reference."""
    rng = np.random.default_rng(seed)
    magnitude = 10.0 ** data.draw(st.sampled_from([-3, 0, 2, 4, 10, 19, 25]))
    query = (rng.normal(size=(batch, n_queries, d)) * magnitude).astype(np.float32)
    key = (rng.normal(size=(batch, n_keys, d)) * magnitude).astype(np.float32)
    value = rng.normal(size=(batch, n_keys, 2)).astype(np.float32)
    mask = rng.random((batch, n_keys)) < 0.6
    mask[np.arange(batch), rng.integers(0, n_keys, size=batch)] = True  # one real key per sequence
    output, weights = scaled_dot_product_attention(query, key, value, mask=mask)
    output, weights = _numpy(output), _numpy(weights)
    assert not np.isnan(weights).any() and not np.isnan(output).any()
    assert np.all(weights[~np.broadcast_to(mask[:, None, :], weights.shape)] == 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(output, np.einsum("bqk,bkv->bqv", weights, value), rtol=1e-5, atol=1e-5)
    expected_output, expected_weights = _attention64(query, key, value, mask)
    if (
        float(np.abs(query).max()) * float(np.abs(key).max()) * d < 50
    ):  # a softmax of ordinary scores: float32 round-off only
        np.testing.assert_allclose(weights, expected_weights, atol=1e-5)
        np.testing.assert_allclose(output, expected_output, atol=1e-4)


def test_a_real_score_below_minus_1e9_still_beats_a_masked_key():
    query, key = np.array([[[6e4]]], np.float32), np.array([[[-6e4], [0.0]]], np.float32)
    output, weights = scaled_dot_product_attention(query, key, np.array([[[1.0], [100.0]]]), mask=[[True, False]])
    assert _numpy(weights).tolist() == [[[1.0, 0.0]]] and _numpy(output).tolist() == [[[1.0]]]


def test_scores_beyond_float32_give_the_limit_not_nan():
    """Scores of 3e39 and 4e39 overflow float32: all the weight on the larger, as the softmax tends to."""
    query = np.array([[[1e19]]], np.float32)
    key = np.array([[[3e20], [4e20], [-4e20], [1.0]]], np.float32)
    assert _numpy(scaled_dot_product_attention(query, key, np.ones((1, 4, 1)))[1]).tolist() == [[[0.0, 1.0, 0.0, 0.0]]]
    key = np.array([[[-3e20], [-4e20], [1.0]]], np.float32)  # -inf, -inf and 1e19
    assert _numpy(scaled_dot_product_attention(query, key, np.ones((1, 3, 1)))[1]).tolist() == [[[0.0, 0.0, 1.0]]]


def _attention(query_shape, key_shape, value_shape, mask=None):
    return lambda: scaled_dot_product_attention(
        np.ones(query_shape), np.ones(key_shape), np.ones(value_shape), mask=mask
    )


BAD_ATTENTION = {
    "all keys masked": _attention((1, 4, 2), (1, 4, 2), (1, 4, 2), mask=[[0, 0, 0, 0]]),
    "mask of strings": _attention((1, 4, 2), (1, 4, 2), (1, 4, 2), mask=[["a"] * 4]),
    "mask of the wrong length": _attention((1, 4, 2), (1, 4, 2), (1, 4, 2), mask=[[1, 1]]),
    "mask values other than 0/1": _attention((1, 4, 2), (1, 4, 2), (1, 4, 2), mask=[[2] * 4]),
    "1-D": _attention((2,), (2,), (2,)),
    "2-D": _attention((4, 2), (4, 2), (4, 2)),
    "key size 0": _attention((1, 2, 0), (1, 3, 0), (1, 3, 1)),
    "no key": _attention((1, 2, 2), (1, 0, 2), (1, 0, 1)),
    "key sizes differ": _attention((1, 2, 2), (1, 3, 3), (1, 3, 1)),
    "steps differ": _attention((1, 2, 2), (1, 3, 2), (1, 4, 1)),
    "batches differ": _attention((2, 2, 2), (3, 3, 2), (3, 3, 1)),
    "pooling nothing": lambda: AttentionPooling()(np.ones((2, 3, 2)), mask=[[1, 0, 0], [0, 0, 0]]),
    "pooling 2-D": lambda: AttentionPooling().attention_weights(np.ones((2, 3))),
}


@pytest.mark.parametrize("case", BAD_ATTENTION)
def test_attention_input_is_checked_by_course_lib(case):
    assert_own_error(BAD_ATTENTION[case])


def test_attention_pooling_weights_before_the_layer_is_called():
    """`attention_weights` builds the layer from its input, as a call would: untrained, the masked mean."""
    weights = _numpy(AttentionPooling().attention_weights(np.ones((1, 3, 2)), mask=[[True, True, False]]))
    assert weights.tolist() == [[0.5, 0.5, 0.0]]


@pytest.mark.parametrize("scale", [np.float32(0.5), np.int64(2), np.float64(1.5), 0, 3])
def test_positional_encoding_takes_any_real_scale(scale):
    x = np.zeros((1, 2, 4), np.float32)
    np.testing.assert_allclose(
        _numpy(PositionalEncoding(scale=scale)(x)), float(scale) * _numpy(PositionalEncoding()(x))
    )


@pytest.mark.parametrize("rate", [None, "0.1", True, 1.0, -0.1, float("nan")])
def test_attention_encoder_checks_its_dropout_rate(rate):
    from course_lib.models.sequence_encoders import build_attention_encoder

    assert_own_error(lambda: build_attention_encoder((5, 2), dropout_rate=rate), name="dropout_rate")


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 4), st.sampled_from([1e-3, 1.0, 300.0, 3e4]))
def test_float16_tensors_are_computed_in_float32(seed, n, d, magnitude):
    """Mixed precision: float16 squares overflow from 256, so the lengths are taken in float32 and the
    result cast back: unit vectors and distances within float16's precision (rtol 2e-3), never 0 or inf
    for vectors whose results fit in float16."""
    rng = np.random.default_rng(seed)
    x = (rng.uniform(0.5, 1.0, size=(n, d)) * rng.choice([-1, 1], size=(n, d)) * magnitude).astype(np.float16)
    reference = x.astype(np.float64)
    unit = _numpy(l2_normalize_tensor(x))
    assert unit.dtype == np.float16
    np.testing.assert_allclose(unit.astype(np.float64), _unit64(reference), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(_numpy(L2Normalize()(x)).astype(np.float64), _unit64(reference), rtol=2e-3, atol=2e-3)
    distances = np.sqrt(((reference[:, None] - reference[None]) ** 2).sum(-1))
    result = _numpy(pairwise_distances_tensor(x))
    assert result.dtype == np.float16
    np.testing.assert_allclose(result.astype(np.float64), distances, rtol=2e-3, atol=1e-3 * magnitude)
    paired = _numpy(paired_distances_tensor(x, x[::-1])).astype(np.float64)
    np.testing.assert_allclose(paired, distances[np.arange(n), np.arange(n)[::-1]], rtol=2e-3, atol=1e-3 * magnitude)
    weights = _numpy(scaled_dot_product_attention(x[None], x[None], x[None])[1]).astype(np.float64)
    assert not np.isnan(weights).any()
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=5e-3)
