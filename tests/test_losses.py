"""Tests for course_lib.losses: NumPy references, edge cases, errors and save/load."""

import itertools

import keras
import numpy as np
import pytest
from _gradients import value_and_gradient
from keras import ops

import course_lib.losses as losses_module
from course_lib import sampling
from course_lib.layers import L2Normalize
from course_lib.losses import (
    MINING_STRATEGIES,
    ContrastiveLoss,
    TripletLoss,
    _rescaled_distances,
    contrastive_loss,
    pairwise_distances,
    triplet_loss,
)

# --- NumPy references, written the slow and obvious way -------------------------------


def _numpy_contrastive(labels, distances, margin):
    return np.array([d**2 if y == sampling.SIMILAR else max(0.0, margin - d) ** 2 for y, d in zip(labels, distances)])


def _numpy_distances(embeddings):
    return np.sqrt(((embeddings[:, None, :] - embeddings[None, :, :]) ** 2).sum(-1))


def _numpy_triplet(labels, embeddings, margin, mining):
    """Brute force over every (anchor, positive, negative) of the batch."""
    distances = _numpy_distances(embeddings.astype(np.float64))
    n = len(labels)
    positives = {a: [p for p in range(n) if p != a and labels[p] == labels[a]] for a in range(n)}
    negatives = {a: [q for q in range(n) if labels[q] != labels[a]] for a in range(n)}
    anchors = [a for a in range(n) if positives[a] and negatives[a]]

    def hinge(a, p, q):
        return max(0.0, distances[a, p] - distances[a, q] + margin)

    if mining == "batch_all":
        losses = [hinge(a, p, q) for a in anchors for p in positives[a] for q in negatives[a]]
        active = [loss for loss in losses if loss > 0]
        return sum(active) / len(active) if active else 0.0
    if mining == "batch_hard":
        losses = []
        for a in anchors:
            p = max(positives[a], key=lambda p: distances[a, p])
            q = min(negatives[a], key=lambda q: distances[a, q])
            losses.append(hinge(a, p, q))
        return float(np.mean(losses)) if losses else 0.0
    losses = []  # semi_hard
    for a in anchors:
        for p in positives[a]:
            farther = [q for q in negatives[a] if distances[a, q] > distances[a, p]]
            if farther:
                q = min(farther, key=lambda q: distances[a, q])
            else:
                q = max(negatives[a], key=lambda q: distances[a, q])
            losses.append(hinge(a, p, q))
    return float(np.mean(losses)) if losses else 0.0


def _random_batch(seed, *, n_classes=4, per_class=5, dim=8, normalise=True):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(n_classes), per_class)
    rng.shuffle(labels)
    embeddings = rng.normal(size=(len(labels), dim)).astype(np.float32)
    if normalise:
        embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return labels, embeddings


# --- contrastive loss -------------------------------------------------------------------


def test_contrastive_convention_zero_distance():
    """1 = similar (course_lib.sampling): a similar pair at distance 0 costs nothing,
    a dissimilar pair at distance 0 costs margin^2. Swapping the labels breaks both."""
    labels = np.array([sampling.SIMILAR, sampling.DISSIMILAR])
    losses = np.asarray(contrastive_loss(labels, np.zeros(2), margin=0.7))
    np.testing.assert_allclose(losses, [0.0, 0.49], atol=1e-7)


@pytest.mark.parametrize("margin", [0.5, 1.0, 2.0])
def test_contrastive_matches_numpy_on_random_distances_and_both_labels(margin):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=200)
    distances = rng.uniform(0.0, 2.5, size=200).astype(np.float32)
    distances[:4] = [margin, margin, 0.0, margin + 0.1]  # the margin edge, exactly
    labels[:4] = [0, 1, 1, 0]
    got = np.asarray(contrastive_loss(labels, distances, margin=margin))
    np.testing.assert_allclose(got, _numpy_contrastive(labels, distances, margin), rtol=1e-5, atol=1e-6)
    assert got[0] == 0.0 and np.isclose(got[1], margin**2) and got[3] == 0.0
    assert set(labels.tolist()) == {0, 1}


def test_contrastive_accepts_column_shapes_and_float_labels():
    labels = np.array([[1.0], [0.0]])
    distances = np.array([[0.5], [0.25]])
    np.testing.assert_allclose(np.asarray(contrastive_loss(labels, distances, margin=1.0)), [0.25, 0.5625])


def test_contrastive_loss_class_averages_and_gradients_are_finite():
    loss = ContrastiveLoss(margin=1.0)
    labels = np.array([1.0, 0.0, 1.0, 0.0])
    value, gradient = value_and_gradient(lambda distances: loss(labels, distances), [0.0, 0.0, 0.5, 2.0])
    assert np.isclose(value, (0.0 + 1.0 + 0.25 + 0.0) / 4)
    np.testing.assert_allclose(gradient, [0.0, -0.5, 0.25, 0.0])  # d/dd of each term / 4


# --- pairwise distances -----------------------------------------------------------------


def test_pairwise_distances_match_numpy_and_have_finite_gradients():
    _, embeddings = _random_batch(1, normalise=False)
    embeddings[3] = embeddings[0]  # two identical rows: the sqrt must not produce NaN
    np.testing.assert_allclose(np.asarray(pairwise_distances(embeddings)), _numpy_distances(embeddings), atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(pairwise_distances(embeddings, squared=True)), _numpy_distances(embeddings) ** 2, atol=1e-4
    )
    _, gradient = value_and_gradient(lambda x: ops.sum(pairwise_distances(x)), embeddings)
    assert np.all(np.isfinite(gradient))


def _rescaled_everywhere(embeddings, *, squared=False):
    """pairwise_distances as it was before the plain-only shortcut: both formulas, chosen per pair."""
    embeddings = ops.convert_to_tensor(embeddings)
    return _rescaled_distances(embeddings[:, None, :] - embeddings[None, :, :], squared)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize(
    "scale, duplicate",
    [(1.0, False), (1.0, True), (1e-3, True), (1e12, False)],
    ids=["unit", "unit-duplicate", "small-duplicate", "large"],
)
def test_pairwise_distances_shortcut_changes_no_bit_of_distances_or_triplet_gradients(
    scale, duplicate, squared, monkeypatch
):
    """Ordinary batches take the plain formula alone: same distances and same gradients, bit for bit."""
    labels, embeddings = _random_batch(5, normalise=True)
    embeddings = (embeddings * np.float32(scale)).astype(np.float32)
    if duplicate:
        embeddings[3] = embeddings[0]  # a zero difference: still 0 apart, with a zero gradient
    np.testing.assert_array_equal(
        np.asarray(pairwise_distances(embeddings, squared=squared)),
        np.asarray(_rescaled_everywhere(embeddings, squared=squared)),
    )
    if squared:
        return  # the triplet loss takes distances unsquared

    def loss(x):
        return triplet_loss(labels, x, margin=0.2 * scale, mining="semi_hard")

    value, gradient = value_and_gradient(loss, embeddings)
    monkeypatch.setattr(losses_module, "pairwise_distances", _rescaled_everywhere)
    reference_value, reference_gradient = value_and_gradient(loss, embeddings)
    assert value == reference_value
    np.testing.assert_array_equal(gradient, reference_gradient)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("scale", [1e-9, 1e20], ids=["tiny", "huge"])
def test_pairwise_distances_rescale_a_batch_with_a_difference_out_of_the_plain_range(scale, squared):
    """Differences below 1e-6 or from 1e15 need the rescaled formula (the plain one gives 0 or inf there)."""
    _, embeddings = _random_batch(5, normalise=True)
    embeddings = (embeddings * np.float32(scale)).astype(np.float32)
    expected = np.asarray(_rescaled_everywhere(embeddings, squared=squared))
    # A backend that compiles the chosen branch (JAX) may round the last bit differently.
    np.testing.assert_allclose(np.asarray(pairwise_distances(embeddings, squared=squared)), expected, rtol=1e-6)
    reference = _numpy_distances(embeddings.astype(np.float64))
    with np.errstate(over="ignore"):  # squares of distances from about 1.8e19 are inf in float32
        reference = (reference**2 if squared else reference).astype(np.float32)
    np.testing.assert_allclose(expected, reference, rtol=1e-5)


# --- triplet loss -----------------------------------------------------------------------


@pytest.mark.parametrize("mining", MINING_STRATEGIES)
@pytest.mark.parametrize("seed, margin", [(0, 0.2), (1, 0.5), (2, 0.0), (3, 1.0), (7, 2.5)])
def test_triplet_loss_matches_brute_force(mining, seed, margin):
    labels, embeddings = _random_batch(seed)
    got = float(triplet_loss(labels, embeddings, margin=margin, mining=mining))
    assert np.isclose(got, _numpy_triplet(labels, embeddings, margin, mining), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mining", MINING_STRATEGIES)
def test_triplet_loss_unnormalised_uneven_batch_and_column_labels(mining):
    labels, embeddings = _random_batch(4, n_classes=3, per_class=3, normalise=False)
    labels = np.concatenate([labels, [7]])  # a singleton class: a negative only, never an anchor
    embeddings = np.concatenate([embeddings, np.ones((1, embeddings.shape[1]), np.float32)])
    for margin in (0.3, 4.0):  # a margin larger than every distance, too
        expected = _numpy_triplet(labels, embeddings, margin, mining)
        got = float(triplet_loss(labels[:, None].astype(np.float32), embeddings, margin=margin, mining=mining))
        assert np.isclose(got, expected, rtol=1e-4, atol=1e-5)


def test_mining_strategies_differ_and_order_as_expected():
    labels, embeddings = _random_batch(5, n_classes=5, per_class=6)
    values = {m: float(triplet_loss(labels, embeddings, margin=0.2, mining=m)) for m in MINING_STRATEGIES}
    assert len(set(np.round(list(values.values()), 6))) == 3, values
    # The hardest triplet of an anchor is at least as costly as any other of its triplets.
    assert values["batch_hard"] >= values["semi_hard"]


@pytest.mark.parametrize("mining", MINING_STRATEGIES)
def test_triplet_loss_is_zero_when_classes_are_separated_by_the_margin(mining):
    labels = np.array([0, 0, 1, 1, 2, 2])
    embeddings = np.repeat(np.eye(3, dtype=np.float32), 2, axis=0)  # classes sqrt(2) apart
    assert float(triplet_loss(labels, embeddings, margin=1.0, mining=mining)) == 0.0
    assert float(triplet_loss(labels, embeddings, margin=1.5, mining=mining)) > 0.0


@pytest.mark.parametrize("mining", MINING_STRATEGIES)
def test_triplet_loss_without_valid_triplets_is_zero_not_nan(mining):
    embeddings = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    assert float(triplet_loss(np.zeros(4), embeddings, mining=mining)) == 0.0  # no negatives
    assert float(triplet_loss(np.arange(4), embeddings, mining=mining)) == 0.0  # no positives


def test_triplet_loss_gradients_are_finite_with_duplicate_embeddings():
    labels, embeddings = _random_batch(6)
    embeddings[1] = embeddings[0]
    for mining in MINING_STRATEGIES:
        _, gradient = value_and_gradient(lambda x, mining=mining: TripletLoss(mining=mining)(labels, x), embeddings)
        assert np.all(np.isfinite(gradient)), mining


# --- options and errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: TripletLoss(mining="hard"),
        lambda: triplet_loss([0, 1], np.eye(2), mining="hard"),
    ],
)
def test_invalid_mining_lists_the_options_and_the_value(make):
    with pytest.raises(
        ValueError,
        match=r"`mining` must be one of 'batch_all', 'batch_hard', "
        r"'semi_hard'; received 'hard'",
    ):
        make()


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: ContrastiveLoss(margin=0.0), ValueError, r"`margin` must be a finite number > 0.*received 0.0"),
        (lambda: ContrastiveLoss(margin=-1), ValueError, r"received -1.0"),
        (lambda: ContrastiveLoss(margin="1"), TypeError, r"`margin` must be a number.*received '1'"),
        (lambda: TripletLoss(margin=-0.1), ValueError, r"finite number >= 0.*received -0.1"),
        (lambda: TripletLoss(margin=float("nan")), ValueError, r"received nan"),
        (lambda: TripletLoss(margin=True), TypeError, r"received True"),
        (lambda: contrastive_loss([1], [0.0], margin=float("inf")), ValueError, r"received inf"),
    ],
)
def test_invalid_margins_are_rejected(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_configs_round_trip():
    for loss in (ContrastiveLoss(margin=0.75), TripletLoss(margin=0.3, mining="semi_hard")):
        config = loss.get_config()
        clone = type(loss).from_config(config)
        assert clone.get_config() == config
    assert TripletLoss().get_config()["mining"] == "batch_hard"
    assert keras.saving.get_registered_name(TripletLoss) == "course_lib>TripletLoss"
    assert keras.saving.get_registered_name(ContrastiveLoss) == "course_lib>ContrastiveLoss"


# --- save / load round trip of compiled models ------------------------------------------


def _embedding_model(seed=0):
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(inputs)
    return keras.Model(inputs, L2Normalize()(hidden))


@pytest.mark.parametrize(
    "loss",
    [TripletLoss(margin=0.3, mining=m) for m in MINING_STRATEGIES] + [ContrastiveLoss(margin=0.8)],
    ids=lambda loss: getattr(loss, "mining", "contrastive"),
)
def test_compiled_model_saves_and_loads_with_its_loss(tmp_path, loss):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 6)).astype(np.float32)
    if isinstance(loss, TripletLoss):
        model, y = _embedding_model(), np.repeat(np.arange(3), 4)
    else:
        from course_lib.layers import PairDistance

        left, right = keras.Input((6,)), keras.Input((6,))
        encoder = _embedding_model()
        model = keras.Model([left, right], PairDistance()([encoder(left), encoder(right)]))
        x, y = [x, x[::-1]], np.array([1, 0] * 6)
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, batch_size=12, epochs=1, verbose=0, shuffle=False)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.loss) is type(loss) and loaded.loss.get_config() == loss.get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert np.isclose(
        loaded.evaluate(x, y, batch_size=12, verbose=0), model.evaluate(x, y, batch_size=12, verbose=0), atol=1e-6
    )


def test_every_pair_label_combination_is_covered():
    """The reference and the loss agree on all four (label, side-of-margin) cases."""
    for label, distance in itertools.product((0, 1), (0.2, 1.3)):
        got = float(contrastive_loss([label], [distance], margin=1.0)[0])
        assert np.isclose(got, _numpy_contrastive([label], [distance], 1.0)[0], atol=1e-6)
