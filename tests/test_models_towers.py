"""Tests for course_lib.models.towers: shapes, the bag's mean, seeds, one fit step, save/load."""

import keras
import numpy as np
import pytest

from course_lib import models
from course_lib.in_batch_softmax import InBatchSoftmaxLoss
from course_lib.models.towers import EmbeddingBag, build_bag_tower, build_id_tower, build_two_tower_model


def test_embedding_bag_is_the_mean_of_the_non_padding_vectors():
    bag = EmbeddingBag(6, 3, padding_id=5, seed=0)
    ids = np.array([[0, 2, 5, 5], [2, 0, 0, 5], [5, 5, 5, 5]])
    vectors = np.asarray(bag(ids))
    table = bag.embeddings.numpy()
    np.testing.assert_allclose(vectors[0], table[[0, 2]].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(vectors[1], table[[2, 0, 0]].mean(axis=0), rtol=1e-6)  # a repeat counts twice
    np.testing.assert_array_equal(vectors[2], np.zeros(3))
    assert bag.compute_output_shape((None, 4)) == (None, 3)


def test_towers_have_the_documented_shapes_and_layers():
    ids = build_id_tower(10, embedding_dim=8, seed=0)
    assert ids.input_shape == (None,) and ids.output_shape == (None, 8)
    bag = build_bag_tower(20, bag_length=5, embedding_dim=8, padding_id=19, seed=0)
    assert bag.input_shape == (None, 5) and bag.output_shape == (None, 8)
    assert [layer.name for layer in bag.layers][1:] == ["bag", "projection"]
    model = build_two_tower_model(bag, ids)
    out = model.predict([np.array([[1, 2, 19, 19, 19]]), np.array([3])], verbose=0)
    assert out.shape == (1, 2, 8)
    np.testing.assert_allclose(out[0, 1], ids.predict(np.array([3]), verbose=0)[0], rtol=1e-6)


def test_the_same_seed_gives_the_same_towers():
    first = build_bag_tower(30, bag_length=4, embedding_dim=6, seed=3)
    second = build_bag_tower(30, bag_length=4, embedding_dim=6, seed=3)
    other = build_bag_tower(30, bag_length=4, embedding_dim=6, seed=4)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first.get_weights()[0], other.get_weights()[0])


def test_one_fit_step_trains_both_towers():
    keras.utils.set_random_seed(0)
    users = build_bag_tower(12, bag_length=3, embedding_dim=4, padding_id=11, seed=0, name="users")
    items = build_bag_tower(9, bag_length=2, embedding_dim=4, padding_id=0, seed=1, name="items")
    model = build_two_tower_model(users, items)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=InBatchSoftmaxLoss(0.2))
    histories = np.array([[1, 2, 11], [3, 11, 11], [4, 5, 6], [7, 8, 9]])
    contents = np.array([[1, 2], [3, 0], [4, 5], [6, 7]])
    before = [w.copy() for w in model.get_weights()]
    history = model.fit([histories, contents], np.arange(4), batch_size=4, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][0])
    changed = [not np.allclose(a, b) for a, b in zip(before, model.get_weights())]
    assert all(changed), changed


def test_save_and_load_round_trip(tmp_path):
    users = build_bag_tower(12, bag_length=3, embedding_dim=4, padding_id=11, seed=0, name="users")
    items = build_id_tower(7, embedding_dim=4, seed=1, name="items")
    model = build_two_tower_model(users, items)
    x = [np.array([[1, 2, 11], [0, 11, 11]]), np.array([3, 6])]
    path = tmp_path / "towers.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    bag = EmbeddingBag(5, 2, padding_id=4, seed=9)
    assert EmbeddingBag.from_config(bag.get_config()).get_config() == bag.get_config()
    assert keras.saving.get_registered_name(EmbeddingBag) == "course_lib>EmbeddingBag"


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: EmbeddingBag(1, 4), ValueError, r"vocabulary_size` must be >= 2"),
        (lambda: EmbeddingBag(5, 4, padding_id=5), ValueError, r"one of the ids 0\.\.4"),
        (lambda: EmbeddingBag(5, 4, padding_id=1.0), TypeError, "padding_id"),
        (lambda: build_bag_tower(5, bag_length=0), ValueError, "must be >= 1"),
        (lambda: build_id_tower(5, embedding_dim="8"), TypeError, "positive integer"),
        (lambda: build_id_tower(5, seed=-1), ValueError, "2\\*\\*32"),
    ],
)
def test_bad_arguments_are_explained(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_two_tower_model_checks_the_towers():
    with pytest.raises(ValueError, match="one size"):
        build_two_tower_model(build_id_tower(3, embedding_dim=4), build_id_tower(3, embedding_dim=5))
    with pytest.raises(TypeError, match="one input and one output"):
        build_two_tower_model("users", build_id_tower(3))
    with pytest.raises(ValueError, match="both are named 'bag_tower'.*name="):
        build_two_tower_model(build_bag_tower(5, bag_length=2), build_bag_tower(7, bag_length=3))


def test_builders_are_exported_lazily():
    assert models.build_two_tower_model is build_two_tower_model
    assert {"build_id_tower", "build_bag_tower", "build_two_tower_model"} <= set(models.__all__)
