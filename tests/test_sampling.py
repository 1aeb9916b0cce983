"""Tests for course_lib.sampling: seeded pair and triplet samplers."""

import numpy as np
import pytest

from course_lib import data, sampling

LABELS = np.repeat(np.arange(5), [2, 3, 10, 1, 4])


def test_make_pairs_shapes_and_semantics():
    pairs, is_similar = sampling.make_pairs(LABELS, n_pairs=500, seed=3)
    assert pairs.shape == (500, 2) and pairs.dtype == np.int64
    assert is_similar.shape == (500,) and is_similar.dtype == np.int64
    assert np.all(pairs[:, 0] != pairs[:, 1])
    assert pairs.min() >= 0 and pairs.max() < len(LABELS)
    same = LABELS[pairs[:, 0]] == LABELS[pairs[:, 1]]
    np.testing.assert_array_equal(is_similar, np.where(same, sampling.SIMILAR, sampling.DISSIMILAR))
    # Positives come from every class with two members; a singleton class is never a positive.
    assert set(LABELS[pairs[is_similar == 1, 0]]) == {0, 1, 2, 4}
    # Pairs are shuffled, not all positives first.
    assert not np.all(is_similar[:250] == sampling.SIMILAR)


@pytest.mark.parametrize("n_pairs, fraction", [(10, 0.5), (7, 0.3), (9, 0.0), (9, 1.0), (1, 0.6)])
def test_make_pairs_exact_positive_count(n_pairs, fraction):
    _, is_similar = sampling.make_pairs(LABELS, n_pairs=n_pairs, positive_fraction=fraction)
    assert int(is_similar.sum()) == round(n_pairs * fraction)


def test_make_pairs_seeding():
    first = sampling.make_pairs(LABELS, n_pairs=50, seed=1)
    again = sampling.make_pairs(LABELS, n_pairs=50, seed=1)
    other = sampling.make_pairs(LABELS, n_pairs=50, seed=2)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_make_pairs_accepts_lists_and_float_integers():
    pairs, _ = sampling.make_pairs([0.0, 0.0, 1.0, 1.0], n_pairs=4)
    assert pairs.shape == (4, 2)


@pytest.mark.parametrize(
    "labels, kwargs, error, match",
    [
        (np.zeros((4, 2), int), {}, ValueError, r"1-D array of integer class labels"),
        (np.array(["a", "b"]), {}, TypeError, r"integer class labels"),
        (np.zeros(5, int), {}, ValueError, r"at least 2 distinct classes"),
        (np.arange(5), {}, ValueError, r"2 or more samples"),
        (LABELS, {"positive_fraction": 1.5}, ValueError, r"`positive_fraction` must be in \[0, 1\]"),
        (LABELS, {"positive_fraction": -0.1}, ValueError, r"received -0.1"),
        (LABELS, {"positive_fraction": "half"}, TypeError, r"`positive_fraction` must be a number"),
        (LABELS, {"n_pairs": 0}, ValueError, r"`n_pairs` must be >= 1"),
        (LABELS, {"n_pairs": 2.5}, TypeError, r"`n_pairs` must be a positive integer"),
    ],
)
def test_make_pairs_validation(labels, kwargs, error, match):
    kwargs = {"n_pairs": 10, **kwargs}
    with pytest.raises(error, match=match):
        sampling.make_pairs(labels, **kwargs)


def test_make_pairs_all_singletons_ok_without_positives():
    pairs, is_similar = sampling.make_pairs(np.arange(5), n_pairs=6, positive_fraction=0.0)
    assert np.all(is_similar == 0) and np.all(pairs[:, 0] != pairs[:, 1])


def test_make_triplets_semantics_and_seeding():
    triplets = sampling.make_triplets(LABELS, n_triplets=400, seed=5)
    assert triplets.shape == (400, 3) and triplets.dtype == np.int64
    anchor, positive, negative = LABELS[triplets].T
    assert np.all(anchor == positive) and np.all(anchor != negative)
    assert np.all(triplets[:, 0] != triplets[:, 1])
    assert 3 not in set(anchor)  # the singleton class cannot be an anchor
    np.testing.assert_array_equal(triplets, sampling.make_triplets(LABELS, n_triplets=400, seed=5))
    assert not np.array_equal(triplets, sampling.make_triplets(LABELS, n_triplets=400, seed=6))


@pytest.mark.parametrize(
    "labels, n_triplets, error, match",
    [
        (np.ones(6, int), 3, ValueError, r"at least 2 distinct classes"),
        (np.arange(6), 3, ValueError, r"2 or more samples"),
        (LABELS, 0, ValueError, r"`n_triplets` must be >= 1"),
        (LABELS, None, TypeError, r"`n_triplets` must be a positive integer"),
    ],
)
def test_make_triplets_validation(labels, n_triplets, error, match):
    with pytest.raises(error, match=match):
        sampling.make_triplets(labels, n_triplets=n_triplets)


def test_samplers_on_real_labels():
    _, y = data.load_fashion_mnist("test", dtype="uint8")
    pairs, is_similar = sampling.make_pairs(y, n_pairs=1000, positive_fraction=0.25, seed=0)
    assert int(is_similar.sum()) == 250
    np.testing.assert_array_equal(y[pairs[:, 0]] == y[pairs[:, 1]], is_similar == 1)


def test_samplers_live_in_sampling_only():
    assert (sampling.SIMILAR, sampling.DISSIMILAR) == (1, 0)
    assert not {"make_pairs", "make_triplets", "SIMILAR", "DISSIMILAR"} & set(dir(data))


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_invalid_seed_is_rejected(seed, error):
    with pytest.raises(error, match="`seed` must be"):
        sampling.make_pairs(LABELS, n_pairs=4, seed=seed)


# --- class_balanced_batches ---------------------------------------------------------------

BALANCED_LABELS = np.repeat(np.arange(7), [30, 25, 40, 20, 33, 50, 21])


def test_class_balanced_batches_shape_and_balance():
    batches = sampling.class_balanced_batches(
        BALANCED_LABELS, classes_per_batch=3, samples_per_class=4, n_batches=100, seed=1
    )
    assert batches.shape == (100, 12) and batches.dtype == np.int64
    assert batches.min() >= 0 and batches.max() < len(BALANCED_LABELS)
    grouped = BALANCED_LABELS[batches].reshape(100, 3, 4)
    assert np.all(grouped == grouped[:, :, :1])  # K consecutive samples per class
    assert all(len(set(row)) == 3 for row in grouped[:, :, 0])  # P distinct classes per batch
    assert all(len(set(batch)) == 12 for batch in batches)  # no sample twice in a batch
    for n in range(1, 101):  # classes appear in turn
        counts = np.bincount(grouped[:n, :, 0].ravel(), minlength=7)
        assert counts.max() - counts.min() <= 1, (n, counts)


def test_class_balanced_batches_use_samples_evenly():
    labels = np.repeat(np.arange(4), 8)
    batches = sampling.class_balanced_batches(labels, classes_per_batch=4, samples_per_class=4, n_batches=6, seed=0)
    # Each class list of 8 is used up every 2 batches: after 6 batches every sample was drawn 3 times.
    np.testing.assert_array_equal(np.bincount(batches.ravel(), minlength=32), 3)


def test_class_balanced_batches_seeding():
    kwargs = {"classes_per_batch": 4, "samples_per_class": 5, "n_batches": 20}
    first = sampling.class_balanced_batches(BALANCED_LABELS, seed=3, **kwargs)
    np.testing.assert_array_equal(first, sampling.class_balanced_batches(BALANCED_LABELS, seed=3, **kwargs))
    assert not np.array_equal(first, sampling.class_balanced_batches(BALANCED_LABELS, seed=4, **kwargs))


def test_class_balanced_batches_on_real_labels():
    _, y = data.load_fashion_mnist("test", dtype="uint8")
    batches = sampling.class_balanced_batches(y, classes_per_batch=10, samples_per_class=16, n_batches=5, seed=0)
    for batch in batches:
        np.testing.assert_array_equal(np.bincount(y[batch], minlength=10), 16)


@pytest.mark.parametrize(
    "labels, kwargs, error, match",
    [
        (np.zeros((4, 2), int), {}, ValueError, r"1-D array of integer class labels"),
        (np.zeros(8, int), {}, ValueError, r"at least 2 distinct classes"),
        (
            BALANCED_LABELS,
            {"classes_per_batch": 1},
            ValueError,
            r"`classes_per_batch` must be between 2 \(a batch needs negatives\) and the number of classes, 7; received 1",  # noqa: E501
        ),
        (BALANCED_LABELS, {"classes_per_batch": 8}, ValueError, r"number of classes, 7; received 8"),
        (BALANCED_LABELS, {"samples_per_class": 1}, ValueError, r"`samples_per_class` must be >= 2.*received 1"),
        (
            BALANCED_LABELS,
            {"samples_per_class": 21},
            ValueError,
            r"smallest class: class 3 has 20 samples; received samples_per_class=21",
        ),
        (BALANCED_LABELS, {"n_batches": 0}, ValueError, r"`n_batches` must be >= 1"),
        (BALANCED_LABELS, {"classes_per_batch": 2.0}, TypeError, r"`classes_per_batch` must be a positive integer"),
        (BALANCED_LABELS, {"seed": -1}, ValueError, r"`seed` must be between 0 and 2\*\*32 - 1"),
    ],
)
def test_class_balanced_batches_validation(labels, kwargs, error, match):
    kwargs = {"classes_per_batch": 3, "samples_per_class": 4, "n_batches": 2, **kwargs}
    with pytest.raises(error, match=match):
        sampling.class_balanced_batches(labels, **kwargs)
