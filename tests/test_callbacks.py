"""Tests for course_lib.callbacks.RetrievalMonitor."""

import keras
import numpy as np
import pytest

from course_lib.callbacks import RetrievalMonitor
from course_lib.metrics import evaluate_retrieval


def _data():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 10)
    images = (rng.normal(size=(30, 6)) + labels[:, None]).astype("float32")
    return images, labels


def test_logs_match_evaluate_retrieval_and_reach_the_history():
    keras.utils.set_random_seed(0)
    images, labels = _data()
    encoder = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    model = keras.Sequential([encoder, keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    monitor = RetrievalMonitor(encoder, images, labels, ks=(1, 5))
    history = model.fit(images, labels, epochs=2, verbose=0, callbacks=[monitor])
    assert len(history.history["val_R@1"]) == 2 and len(history.history["val_MAP@R"]) == 2
    expected = evaluate_retrieval(encoder.predict(images, verbose=0), labels, ks=(1, 5))
    assert history.history["val_R@5"][-1] == pytest.approx(expected["R@5"])
    assert history.history["val_MAP@R"][-1] == pytest.approx(expected["MAP@R"])
    assert monitor.seconds > 0


def test_validation():
    images, labels = _data()
    with pytest.raises(TypeError, match="must be a Keras model with a predict"):
        RetrievalMonitor(object(), images, labels)
    with pytest.raises(ValueError, match="has 29 labels but the embeddings have 30 rows"):
        RetrievalMonitor(keras.Sequential([keras.Input((6,)), keras.layers.Dense(2)]), images, labels[:-1])
