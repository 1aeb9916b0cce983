"""Tests for course_lib.callbacks: RetrievalMonitor, RankingMonitor and TrainingProgress."""

import io
import re

import keras
import numpy as np
import pytest

from course_lib.callbacks import RankingMonitor, RetrievalMonitor, TrainingProgress
from course_lib.metrics import evaluate_retrieval
from course_lib.rank_metrics import ranking_scores


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


class _RecordingStream(io.StringIO):
    """A text stream that records what was written before each flush."""

    def __init__(self):
        super().__init__()
        self.flushed = []

    def flush(self):
        self.flushed.append(self.getvalue())


def _replay(progress, epoch_logs, *, epochs):
    """Feeds `progress` the hooks Keras calls, one logs dict per epoch; returns the lines written."""
    progress.set_params({"epochs": epochs, "steps": 3, "verbose": 0})
    progress.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        progress.on_epoch_end(epoch, dict(logs))
    progress.on_train_end()
    return progress.stream.getvalue().splitlines()


def _tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_progress_writes_one_flushed_line_per_epoch_then_a_summary():
    stream = _RecordingStream()
    logs = [{"loss": 1.0, "val_loss": 0.9}, {"loss": 0.5, "val_loss": 0.7}, {"loss": 0.25, "val_loss": 0.8}]
    lines = _replay(TrainingProgress(stream=stream), logs, epochs=3)
    assert len(lines) == 4
    assert re.fullmatch(r"epoch 1/3  loss 1\.0000  val_loss 0\.9000  \(\d+\.\d s\)", lines[0])
    assert lines[2].startswith("epoch 3/3  loss 0.2500  val_loss 0.8000")
    assert re.fullmatch(r"3 epochs in \d+\.\d s; best val_loss 0\.7000 at epoch 2", lines[3])
    assert [text.count("\n") for text in stream.flushed] == [1, 2, 3, 4]  # flushed after every line


def test_every_writes_the_first_each_every_th_and_the_last_epoch():
    logs = [{"loss": 1.0 / (epoch + 1)} for epoch in range(7)]
    lines = _replay(TrainingProgress(every=3, stream=io.StringIO()), logs, epochs=7)
    assert [line.split("  ")[0] for line in lines[:-1]] == ["epoch 1/7", "epoch 3/7", "epoch 6/7", "epoch 7/7"]
    assert lines[-1].endswith("best loss 0.1429 at epoch 7")  # no val_loss: the summary falls back to loss


def test_metrics_name_monitor_and_mode():
    logs = [
        {"loss": 0.9, "val_loss": 0.8, "val_MAP@R": 0.30, "extra": 5.0},
        {"loss": 0.7, "val_loss": 0.6, "val_MAP@R": 0.50, "extra": 5.0},
        {"loss": 0.6, "val_loss": 0.7, "val_MAP@R": 0.40, "extra": 5.0},
    ]
    progress = TrainingProgress(
        name="semi_hard", metrics=("val_MAP@R", "absent", "loss"), monitor="val_MAP@R", stream=io.StringIO()
    )
    lines = _replay(progress, logs, epochs=3)
    assert lines[0].startswith("semi_hard  epoch 1/3  val_MAP@R 0.3000  loss 0.9000  (")  # order kept, absent skipped
    assert lines[-1].endswith("best val_MAP@R 0.5000 at epoch 2")  # "auto": higher is better for MAP@R
    assert (progress.best_epoch, progress.best_value, progress.epochs_run) == (2, 0.5, 3)
    progress = TrainingProgress(monitor="extra", mode="min", stream=io.StringIO())
    assert _replay(progress, logs, epochs=3)[-1].endswith("best extra 5.0000 at epoch 1")  # ties keep the first


def test_unit_names_the_parts_of_training():
    lines = _replay(TrainingProgress(unit="fifth", stream=io.StringIO()), [{"loss": 0.3}, {"loss": 0.2}], epochs=2)
    assert lines[0].startswith("fifth 1/2  loss 0.3000")
    assert re.fullmatch(r"2 fifths in \d+\.\d s; best loss 0\.2000 at fifth 2", lines[-1])
    lines = _replay(TrainingProgress(stream=io.StringIO()), [{"loss": 0.3}], epochs=1)
    assert lines[-1].startswith("1 epoch in ")  # singular


def test_every_steps_writes_lines_within_an_epoch(capsys):
    images, labels = _data()
    model = _tiny_model()
    model.fit(
        images,
        labels,
        epochs=2,
        batch_size=4,
        verbose=0,  # 8 steps per epoch
        callbacks=[TrainingProgress(every_steps=3, metrics=("loss",))],
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  loss")[0] for line in lines[:-1]] == [
        "epoch 1/2  step 3/8",
        "epoch 1/2  step 6/8",
        "epoch 1/2",
        "epoch 2/2  step 3/8",
        "epoch 2/2  step 6/8",
        "epoch 2/2",
    ]
    assert lines[-1].startswith("2 epochs in ")


def test_a_second_fit_starts_afresh():
    progress = TrainingProgress(stream=io.StringIO())
    _replay(progress, [{"loss": 0.1}], epochs=1)
    progress.stream = io.StringIO()
    lines = _replay(progress, [{"loss": 0.5}, {"loss": 0.4}], epochs=2)
    assert lines[-1].endswith("best loss 0.4000 at epoch 2") and lines[-1].startswith("2 epochs in")


def test_in_fit_after_retrieval_monitor_and_with_early_stopping(capsys):
    images, labels = _data()
    model = _tiny_model()
    monitor = RetrievalMonitor(model, images, labels)  # the softmax outputs as embeddings: any model will do
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=1e9)  # stops after epoch 2
    history = model.fit(
        images[:20],
        labels[:20],
        validation_data=(images[20:], labels[20:]),
        epochs=10,
        verbose=0,
        callbacks=[monitor, stop, TrainingProgress()],
    )
    captured = capsys.readouterr()
    assert captured.err == ""  # a notebook shows anything on stderr as an error
    lines = captured.out.splitlines()
    assert len(lines) == 3 and "val_MAP@R" in lines[0] and "val_accuracy" in lines[1]
    best = int(np.argmin(history.history["val_loss"]))
    assert lines[2].startswith("stopped early after 2 of 10 epochs in ")
    assert lines[2].endswith(f"best val_loss {history.history['val_loss'][best]:.4f} at epoch {best + 1}")


def test_progress_validation():
    with pytest.raises(ValueError, match=r"`every` must be an int >= 1 .*received 0"):
        TrainingProgress(every=0)
    with pytest.raises(TypeError, match=r"`every` must be an int >= 1 .*received 2.5"):
        TrainingProgress(every=2.5)
    with pytest.raises(TypeError, match=r"`metrics` must be a list or tuple of log names.*write \('loss',\)"):
        TrainingProgress(metrics="loss")
    with pytest.raises(TypeError, match=r"`metrics` must be a list or tuple.*received \('loss', 3\)\.$"):
        TrainingProgress(metrics=("loss", 3))
    with pytest.raises(ValueError, match=r"`mode` must be one of 'auto', 'min', 'max'; received 'best'"):
        TrainingProgress(mode="best")
    with pytest.raises(TypeError, match="`stream` must have write\\(\\) and flush\\(\\) methods"):
        TrainingProgress(stream="stdout")
    with pytest.raises(TypeError, match="`name` must be a str or None"):
        TrainingProgress(name=3)
    with pytest.raises(ValueError, match="`every_steps` must be None or an int >= 1; received 0"):
        TrainingProgress(every_steps=0)
    with pytest.raises(TypeError, match="`every_steps` must be None or an int >= 1; received '10'"):
        TrainingProgress(every_steps="10")
    with pytest.raises(TypeError, match="`unit` must be a non-empty str"):
        TrainingProgress(unit="")
    with pytest.raises(TypeError, match="`monitor` must be a log name"):
        TrainingProgress(monitor=["val_loss"])


def test_ranking_monitor_logs_the_validation_ranking_and_restores_the_best_epoch():
    keras.utils.set_random_seed(0)
    users = np.eye(4, dtype="float32")
    relevant = np.array([1, 2, 3, 0])
    seen = np.eye(4, dtype=bool)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    monitor = RankingMonitor(lambda: model.predict(users, verbose=0), relevant, seen, ks=(1, 2), monitor="MRR")
    # trained towards the wrong items: the validation MRR falls, so the first epoch is the best
    history = model.fit(users, np.array([2, 3, 0, 1]), epochs=4, verbose=0, callbacks=[monitor])
    assert set(history.history) >= {"val_MRR", "val_R@1", "val_R@2", "val_NDCG@1", "val_NDCG@2"}
    assert monitor.best_epoch == int(np.argmax(history.history["val_MRR"])) + 1
    assert monitor.best_value == max(history.history["val_MRR"])
    restored = ranking_scores(model.predict(users, verbose=0), relevant, exclude=seen, ks=(1, 2))
    assert restored["MRR"] == pytest.approx(monitor.best_value)
    assert len(monitor.history) == 4 and monitor.seconds > 0


def test_ranking_monitor_checks_its_arguments():
    with pytest.raises(TypeError, match="function of no argument"):
        RankingMonitor(np.zeros((2, 3)), [0, 1], np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="`monitor` must be one of"):
        RankingMonitor(lambda: None, [0, 1], np.zeros((2, 3), dtype=bool), monitor="MAP@R")
