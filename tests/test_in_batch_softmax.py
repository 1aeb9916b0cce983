"""Tests for course_lib.in_batch_softmax: a NumPy reference, the logQ correction, errors, save/load."""

import keras
import numpy as np
import pytest
from _gradients import value_and_gradient
from keras import ops

from course_lib.in_batch_softmax import InBatchSoftmaxLoss, in_batch_softmax_loss, sampling_log_probabilities
from course_lib.models import build_id_tower, build_two_tower_model


def _numpy_loss(queries, candidates, *, temperature, log_q=None, ids=None, normalize=True):
    """Row by row, the slow and obvious way."""
    if normalize:
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        candidates = candidates / np.linalg.norm(candidates, axis=1, keepdims=True)
    losses = []
    for i, query in enumerate(queries):
        logits = []
        for j, candidate in enumerate(candidates):
            if ids is not None and j != i and ids[j] == ids[i]:
                continue  # the same item as the positive: not a negative
            logits.append((j, query @ candidate / temperature - (0.0 if log_q is None else log_q[j])))
        values = np.array([value for _, value in logits])
        own = next(value for j, value in logits if j == i)
        losses.append(np.log(np.sum(np.exp(values - values.max()))) + values.max() - own)
    return np.array(losses)


@pytest.mark.parametrize("normalize, temperature", [(True, 0.05), (True, 0.5), (False, 1.0)])
def test_matches_the_row_by_row_reference(normalize, temperature):
    rng = np.random.default_rng(0)
    queries, candidates = rng.normal(size=(2, 9, 5)) * rng.uniform(0.2, 3.0, size=(2, 9, 1))
    log_q = np.log(rng.dirichlet(np.ones(9)))
    ids = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5])  # items 1 and 5 twice
    got = in_batch_softmax_loss(
        queries, candidates, temperature=temperature, candidate_log_q=log_q, candidate_ids=ids, normalize=normalize
    )
    expected = _numpy_loss(queries, candidates, temperature=temperature, log_q=log_q, ids=ids, normalize=normalize)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-5)
    plain = in_batch_softmax_loss(queries, candidates, temperature=temperature, normalize=normalize)
    expected = _numpy_loss(queries, candidates, temperature=temperature, normalize=normalize)
    np.testing.assert_allclose(np.asarray(plain), expected, rtol=1e-5, atol=1e-5)


def test_the_correction_lowers_popular_candidates_and_a_constant_changes_nothing():
    rng = np.random.default_rng(1)
    queries, candidates = rng.normal(size=(2, 6, 4))
    base = np.asarray(in_batch_softmax_loss(queries, candidates, temperature=0.1))
    shifted = np.asarray(in_batch_softmax_loss(queries, candidates, temperature=0.1, candidate_log_q=np.full(6, -3.0)))
    np.testing.assert_allclose(shifted, base, rtol=1e-5)  # the same q for all: no change
    popular_first = np.log(np.array([0.5, 0.1, 0.1, 0.1, 0.1, 0.1]))
    corrected = np.asarray(in_batch_softmax_loss(queries, candidates, temperature=0.1, candidate_log_q=popular_first))
    # row 0's positive is the popular candidate: the correction lowers its logit, its loss rises
    assert corrected[0] > base[0]


def test_gradients_are_finite_even_for_a_zero_vector():
    candidates = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)

    def loss(queries):
        return ops.mean(in_batch_softmax_loss(queries, candidates, temperature=0.1))

    value, gradient = value_and_gradient(loss, [[0.0, 0.0], [0.3, 2.0], [1.0, -1.0]])
    assert np.isfinite(value) and np.all(np.isfinite(gradient))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"temperature": 0.0}, ValueError, "finite number > 0"),
        ({"temperature": "0.1"}, TypeError, "must be a number"),
        ({"normalize": 1}, TypeError, "True or False"),
        ({"candidate_log_q": np.zeros(3)}, ValueError, r"one value per candidate, shape \(4,\)"),
        ({"candidate_ids": np.array([0.5, 1, 2, 3])}, TypeError, "candidate ids"),
    ],
)
def test_bad_arguments_are_explained(kwargs, error, match):
    queries = np.ones((4, 2))
    with pytest.raises(error, match=match):
        in_batch_softmax_loss(queries, queries, **kwargs)


def test_mismatched_batches_are_explained():
    with pytest.raises(ValueError, match=r"same shape \(batch_size, dim\)"):
        in_batch_softmax_loss(np.ones((4, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="must be 2-D"):
        in_batch_softmax_loss(np.ones(4), np.ones(4))


def test_sampling_log_probabilities():
    log_q = sampling_log_probabilities([6, 2, 2, 0])
    np.testing.assert_allclose(np.exp(log_q[:3]), [0.6, 0.2, 0.2], rtol=1e-6)
    assert np.isfinite(log_q[3]) and log_q[3] < log_q[1] and log_q.dtype == np.float32
    with pytest.raises(ValueError, match="at least one positive"):
        sampling_log_probabilities([0, 0])
    with pytest.raises(ValueError, match="1-D"):
        sampling_log_probabilities([[1, 2]])


def test_the_keras_loss_looks_up_log_q_by_id_and_masks_repeats():
    rng = np.random.default_rng(2)
    stacked = rng.normal(size=(5, 2, 3)).astype(np.float32)
    ids = np.array([4, 0, 4, 2, 1])
    table = np.log(np.array([0.1, 0.2, 0.3, 0.15, 0.25]))
    loss = InBatchSoftmaxLoss(temperature=0.2, log_q=table)
    expected = _numpy_loss(stacked[:, 0], stacked[:, 1], temperature=0.2, log_q=table[ids], ids=ids).mean()
    assert np.isclose(float(loss(ids.astype(np.float32), stacked)), expected, rtol=1e-5)
    keep_hits = InBatchSoftmaxLoss(temperature=0.2, log_q=table, remove_accidental_hits=False)
    unmasked = _numpy_loss(stacked[:, 0], stacked[:, 1], temperature=0.2, log_q=table[ids]).mean()
    assert np.isclose(float(keep_hits(ids, stacked)), unmasked, rtol=1e-5)
    with pytest.raises(ValueError, match=r"\(batch_size, 2, dim\)"):
        loss(ids, stacked[:, 0])
    with pytest.raises(ValueError, match="one candidate id per row"):
        loss(ids[:3], stacked)


def test_config_round_trip():
    loss = InBatchSoftmaxLoss(temperature=0.07, log_q=[-1.0, -2.0], normalize=False, remove_accidental_hits=False)
    config = loss.get_config()
    clone = InBatchSoftmaxLoss.from_config(config)
    assert clone.get_config() == config and clone.log_q.dtype == np.float32
    assert keras.saving.get_registered_name(InBatchSoftmaxLoss) == "course_lib>InBatchSoftmaxLoss"
    with pytest.raises(ValueError, match="one value per item id"):
        InBatchSoftmaxLoss(log_q=[[1.0]])


def test_a_compiled_two_tower_model_fits_one_step_and_saves_with_its_loss(tmp_path):
    users, items = build_id_tower(6, embedding_dim=4, seed=0, name="users"), build_id_tower(8, embedding_dim=4, seed=1)
    model = build_two_tower_model(users, items)
    log_q = sampling_log_probabilities([3, 1, 1, 2, 1, 1, 1, 2])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=InBatchSoftmaxLoss(0.1, log_q=log_q))
    user_ids, item_ids = np.array([0, 1, 2, 3, 4, 5]), np.array([0, 3, 0, 7, 1, 2])
    before = items.get_weights()[0].copy()
    model.fit([user_ids, item_ids], item_ids, batch_size=6, epochs=1, verbose=0, shuffle=False)
    assert not np.allclose(items.get_weights()[0], before)
    path = tmp_path / "two_tower.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss.get_config() == model.loss.get_config()
    np.testing.assert_allclose(
        loaded.predict([user_ids, item_ids], verbose=0), model.predict([user_ids, item_ids], verbose=0)
    )
    assert np.isclose(
        loaded.evaluate([user_ids, item_ids], item_ids, batch_size=6, verbose=0),
        model.evaluate([user_ids, item_ids], item_ids, batch_size=6, verbose=0),
        atol=1e-6,
    )


# --- The symmetric form (InfoNCE as notebook 07's dual encoder uses it) ---------------------


def _unit_pairs(batch=6, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    pairs = rng.normal(size=(batch, 2, dim))
    return (pairs / np.linalg.norm(pairs, axis=-1, keepdims=True)).astype(np.float32)


def _numpy_symmetric(labels, pairs, temperature, symmetric):
    """The loss row by row in float64, shared documents removed by hand."""
    q, d = pairs[:, 0].astype(np.float64), pairs[:, 1].astype(np.float64)
    logits = q @ d.T / temperature
    losses = []
    for i in range(len(labels)):
        keep = [j for j in range(len(labels)) if j == i or labels[j] != labels[i]]
        rows = np.log(np.exp(logits[i, keep]).sum()) - logits[i, i]
        columns = np.log(np.exp(logits[keep, i]).sum()) - logits[i, i]
        losses.append((rows + columns) / 2 if symmetric else rows)
    return np.array(losses)


@pytest.mark.parametrize("temperature", [1.0, 0.1, 0.05])
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("labels", [[0, 1, 2, 3, 4, 5], [0, 1, 0, 2, 2, 2]])
def test_symmetric_form_matches_numpy_with_and_without_shared_documents(temperature, symmetric, labels):
    pairs, labels = _unit_pairs(), np.array(labels)
    got = np.asarray(
        in_batch_softmax_loss(
            pairs[:, 0], pairs[:, 1], temperature=temperature, candidate_ids=labels, symmetric=symmetric
        )
    )
    np.testing.assert_allclose(got, _numpy_symmetric(labels, pairs, temperature, symmetric), rtol=1e-4, atol=1e-4)


def test_a_perfect_batch_costs_log_1_plus_b_minus_1_exp_minus_s_in_both_directions():
    pairs = np.stack([np.eye(4), np.eye(4)], axis=1).astype(np.float32)  # orthogonal documents
    for temperature in (1.0, 0.1):
        loss = InBatchSoftmaxLoss(temperature, symmetric=True, normalize=False)
        np.testing.assert_allclose(
            float(loss(np.arange(4), pairs)), np.log(1 + 3 * np.exp(-1 / temperature)), rtol=1e-5, atol=1e-6
        )


def test_the_symmetric_loss_class_averages_and_its_gradient_is_finite():
    pairs, labels = _unit_pairs(), np.array([0, 1, 2, 3, 3, 5])
    loss = InBatchSoftmaxLoss(temperature=0.05, symmetric=True, normalize=False)
    value, gradient = value_and_gradient(lambda p: loss(labels, p), pairs)
    np.testing.assert_allclose(value, _numpy_symmetric(labels, pairs, 0.05, True).mean(), rtol=1e-4)
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).sum() > 0


def test_symmetric_survives_the_config_round_trip_and_must_be_a_bool():
    loss = InBatchSoftmaxLoss(temperature=0.1, symmetric=True)
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(again, InBatchSoftmaxLoss) and (again.temperature, again.symmetric) == (0.1, True)
    with pytest.raises(TypeError, match="symmetric"):
        in_batch_softmax_loss(np.ones((2, 2)), np.ones((2, 2)), symmetric="yes")
