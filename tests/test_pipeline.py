"""Tests for course_lib.pipeline: batches gathered by row index, fed to Keras `fit`."""

import keras
import numpy as np
import pytest

from course_lib.losses import TripletLoss
from course_lib.models import build_cnn_encoder
from course_lib.pipeline import gather_batches
from course_lib.sampling import class_balanced_batches

IMAGES = np.arange(6 * 4 * 4, dtype=np.float32).reshape(6, 4, 4)
LABELS = np.array([0, 0, 1, 1, 2, 2])
BATCHES = np.array([[0, 2, 4], [1, 3, 5], [5, 0, 3]])


def _as_numpy(batch):
    if isinstance(batch, tuple):
        return tuple(_as_numpy(item) for item in batch)
    return np.asarray(batch)


def test_each_batch_holds_the_rows_of_its_indices_in_order():
    batches = [_as_numpy(batch) for batch in gather_batches((IMAGES, LABELS), BATCHES)]
    assert len(batches) == 3
    for (images, labels), rows in zip(batches, BATCHES):
        np.testing.assert_array_equal(images, IMAGES[rows])
        np.testing.assert_array_equal(labels, LABELS[rows])
        assert images.dtype == np.float32 and labels.dtype == LABELS.dtype


def test_pairs_take_one_index_array_per_array_and_a_list_is_read_as_a_tuple():
    left, right = np.array([[0, 1], [2, 3]]), np.array([[5, 4], [3, 2]])
    rows = np.array([[0, 1], [2, 3]])
    pair_labels = np.array([1, 0, 0, 1])
    stream = gather_batches([[IMAGES, IMAGES], pair_labels], [[left, right], rows])
    for batch, (left_rows, right_rows, label_rows) in zip(stream, zip(left, right, rows)):
        (left_images, right_images), labels = _as_numpy(batch)
        np.testing.assert_array_equal(left_images, IMAGES[left_rows])
        np.testing.assert_array_equal(right_images, IMAGES[right_rows])
        np.testing.assert_array_equal(labels, pair_labels[label_rows])


def test_one_array_and_negative_indices_as_in_numpy():
    batches = [np.asarray(batch) for batch in gather_batches(LABELS, np.array([[-1, 0], [2, -6]]))]
    np.testing.assert_array_equal(batches, [LABELS[[-1, 0]], LABELS[[2, -6]]])


def test_on_tensorflow_the_pipeline_has_no_autotuning_thread():
    """The autotuning thread is what holds `fit` after training: it must be off."""
    if keras.backend.backend() != "tensorflow":
        pytest.skip("a tf.data pipeline only on the TensorFlow backend")
    stream = gather_batches((IMAGES, LABELS), BATCHES)
    assert stream.options().autotune.enabled is False
    assert int(stream.cardinality()) == len(BATCHES)


def test_fit_reads_the_batches_in_order_across_epochs_and_trains_like_a_generator():
    """`steps_per_epoch` cuts the batches into epochs; nothing is repeated or skipped."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 12)
    images = (rng.uniform(size=(48, 8, 8)) * 0.3 + labels[:, None, None] / 4).astype("float32")
    batches = class_balanced_batches(labels, classes_per_batch=4, samples_per_class=3, n_batches=6, seed=0)

    def train(stream):
        keras.utils.set_random_seed(0)
        encoder = build_cnn_encoder((8, 8), embedding_dim=4, filters=(4,), seed=0)
        encoder.compile(optimizer=keras.optimizers.SGD(0.1), loss=TripletLoss(margin=0.2, mining="batch_all"))
        history = encoder.fit(stream, steps_per_epoch=2, epochs=3, shuffle=False, verbose=0)
        return history.history["loss"], encoder.predict(images, verbose=0)

    losses, embeddings = train(gather_batches((images, labels), batches))
    reference_losses, reference_embeddings = train((images[rows], labels[rows]) for rows in batches)
    np.testing.assert_allclose(losses, reference_losses, rtol=1e-5)
    np.testing.assert_allclose(embeddings, reference_embeddings, atol=1e-5)


@pytest.mark.parametrize(
    "arrays, batches, error, match",
    [
        ((IMAGES, LABELS), np.array([0, 1, 2]), ValueError, r"must be 2-D \(n_batches, batch_size\).*shape \(3,\)"),
        ((IMAGES, LABELS), np.zeros((0, 2), int), ValueError, r"at least 1 x 1; received shape \(0, 2\)"),
        ((IMAGES, LABELS), np.array([[0, 6]]), ValueError, r"array of 6 rows; received indices from 0 to 6"),
        ((IMAGES, LABELS), np.array([[0.5, 1.0]]), TypeError, r"row indices; received floats with a fractional"),
        ((IMAGES, LABELS), (BATCHES,), ValueError, r"`arrays` holds a tuple of 2 entries and `batches` a tuple of 1"),
        (IMAGES, (BATCHES, BATCHES), ValueError, r"`arrays` holds one array and `batches` a tuple of 2"),
        ((IMAGES, LABELS), (BATCHES, BATCHES[:2]), ValueError, r"the same shape.*\(2, 3\), \(3, 3\)"),
        ((IMAGES, np.float32(1.0)), BATCHES, ValueError, r"`arrays\[1\]` must have one row per sample"),
    ],
    ids=["1-D", "empty", "out-of-range", "fractional", "nesting", "leaf-vs-tuple", "shapes", "scalar"],
)
def test_errors_say_what_was_expected_and_received(arrays, batches, error, match):
    with pytest.raises(error, match=match):
        gather_batches(arrays, batches)
