"""Keras callbacks for similarity training.

`RetrievalMonitor` scores an encoder on labelled validation data after every
epoch, so training curves show what the course cares about (retrieval quality)
next to what the loss optimises; `RankingMonitor` does the same for a
recommender (each user's held-out item ranked among all items) and keeps the
weights of its best epoch. `TrainingProgress` prints one short line per
epoch while a model trains and a one-line summary at the end, so a long
training cell shows signs of life.
"""

import sys
import time

import keras
import numpy as np

from course_lib._validation import as_labels
from course_lib.metrics import evaluate_retrieval
from course_lib.rank_metrics import exclusion_mask, ranking_scores

__all__ = ["RankingMonitor", "RetrievalMonitor", "TrainingProgress"]


class RetrievalMonitor(keras.callbacks.Callback):
    """After each epoch, measures leave-one-out retrieval of an encoder's embeddings.

    The scores (`R@k` for each k in `ks`, and `MAP@R`, from
    `course_lib.metrics.evaluate_retrieval`) are written into the epoch's logs
    as `"val_R@1"`, `"val_MAP@R"`, ..., so they appear in `History.history` and
    in `course_lib.plotting.plot_training_curves`. The time spent scoring is
    added up in `seconds`, so it can be left out of the training time.

    Args:
        encoder: a Keras model mapping `images` to embeddings `(n, embedding_dim)`;
            often a sub-model of the model being trained.
        images: validation inputs, `(n, ...)`, with at least two per label.
        labels: `(n,)` integer labels of `images`.
        ks: the k of each recall to log. Defaults to `(1,)`.
        batch_size: batch size of the encoder's `predict`.

    Example:

    >>> encoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> monitor = RetrievalMonitor(encoder, np.eye(4, dtype="float32"), [0, 0, 1, 1])
    >>> logs = {}
    >>> monitor.on_epoch_end(0, logs)
    >>> sorted(logs)
    ['val_MAP@R', 'val_R@1']
    """

    def __init__(self, encoder, images, labels, *, ks=(1,), batch_size=1000):
        super().__init__()
        if not callable(getattr(encoder, "predict", None)):
            raise TypeError(
                f"`encoder` must be a Keras model with a predict() method; received {type(encoder).__name__}."
            )
        self.encoder = encoder
        self.images = images
        self.labels = as_labels(labels, "labels", n_samples=len(images))
        self.ks = tuple(ks)
        self.batch_size = batch_size
        self.seconds = 0.0

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        embeddings = self.encoder.predict(self.images, batch_size=self.batch_size, verbose=0)
        scores = evaluate_retrieval(embeddings, self.labels, ks=self.ks)
        if logs is not None:
            logs.update({f"val_{name}": value for name, value in scores.items()})
        self.seconds += time.perf_counter() - start


class RankingMonitor(keras.callbacks.Callback):
    """After each epoch, ranks every candidate item for each validation user; keeps the best weights.

    `score()` returns the current model's scores of every item for every
    user; the held-out item of each user is ranked among the items that
    `exclude` leaves as candidates, and `course_lib.rank_metrics.ranking_scores`
    gives MRR, R@k and NDCG@k, written into the epoch's logs as `"val_MRR"`,
    `"val_R@10"`, `"val_NDCG@10"`, ... With `restore_best_weights` (the
    default) the model gets back, when training ends, the weights of the epoch
    with the best `monitor`: the number of epochs is chosen on validation.

    Args:
        score: a callable taking no argument and returning an array
            `(n_users, n_items)` of scores (higher = recommend first).
        relevant: int array `(n_users,)`, each user's held-out validation item.
        exclude: boolean array or SciPy sparse matrix `(n_users, n_items)`,
            True (non-zero) where an item is not a candidate (met in training).
        ks: the k of R@k and NDCG@k. Keyword-only. Defaults to `(10,)`.
        monitor: the metric whose best epoch is kept (higher is better).
            Keyword-only. Defaults to `"NDCG@10"`.
        restore_best_weights: Keyword-only. Defaults to True.

    Attributes:
        best_epoch: int (from 1) or None; `best_value`: its `monitor` value.
        history: list of dicts, the scores of each epoch.
        seconds: float, the time spent scoring, to leave out of training times.

    Example:

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    >>> users = np.eye(2, dtype="float32")
    >>> monitor = RankingMonitor(lambda: model.predict(users, verbose=0), [0, 2],
    ...                          np.array([[False, True, False], [True, False, False]]))
    >>> monitor.set_model(model)
    >>> logs = {}
    >>> monitor.on_epoch_end(0, logs)
    >>> sorted(logs)
    ['val_MRR', 'val_NDCG@10', 'val_R@10']
    """

    def __init__(self, score, relevant, exclude, *, ks=(10,), monitor="NDCG@10", restore_best_weights=True):
        super().__init__()
        if not callable(score):
            raise TypeError(
                f"`score` must be a function of no argument returning (n_users, n_items) scores; "
                f"received {type(score).__name__}."
            )
        self.score = score
        self.relevant = np.asarray(relevant)
        if self.relevant.ndim != 1:
            raise ValueError(f"`relevant` must be 1-D, one item per user; received shape {self.relevant.shape}.")
        self.exclude = exclude
        self.ks = tuple(ks)
        expected = {"MRR", *(f"{metric}@{k}" for metric in ("R", "NDCG") for k in self.ks)}
        if monitor not in expected:
            raise ValueError(f"`monitor` must be one of {sorted(expected)}; received {monitor!r}.")
        self.monitor = monitor
        self.restore_best_weights = bool(restore_best_weights)
        self.history, self.best_epoch, self.best_value, self.seconds = [], None, None, 0.0
        self._best_weights = None

    def on_train_begin(self, logs=None):
        self.exclude = exclusion_mask(self.exclude, (len(self.relevant), np.shape(self.exclude)[1]))
        self.history, self.best_epoch, self.best_value, self._best_weights = [], None, None, None

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        scores = ranking_scores(self.score(), self.relevant, exclude=self.exclude, ks=self.ks)
        self.history.append(scores)
        if self.best_value is None or scores[self.monitor] > self.best_value:
            self.best_epoch, self.best_value = epoch + 1, scores[self.monitor]
            if self.restore_best_weights and self.model is not None:
                self._best_weights = self.model.get_weights()
        if logs is not None:
            logs.update({f"val_{name}": value for name, value in scores.items()})
        self.seconds += time.perf_counter() - start

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self._best_weights is not None:
            self.model.set_weights(self._best_weights)


class TrainingProgress(keras.callbacks.Callback):
    """Prints a compact line per epoch while a model trains, and a summary at the end.

    Keras's own progress bar (`verbose=1`) redraws itself many times per epoch
    and, in a saved notebook, leaves a long trail of lines. This callback, used
    with `fit(..., verbose=0)`, writes one line per epoch (or every `every`
    epochs) to standard output, flushed at once so a notebook shows it while
    the cell still runs:

        epoch 3/10  loss 0.4120  val_loss 0.4468  val_MAP@R 0.5371  (6.2 s)

    and when training ends one summary line, with the best epoch of `monitor`:

        10 epochs in 20.5 s; best val_loss 0.4011 at epoch 8
        stopped early after 14 of 60 epochs in 9.8 s; best val_loss 0.3120 at epoch 4

    When `steps_per_epoch` cuts one pass over the data into parts, `unit`
    names them: `unit="fifth"` writes `fifth 3/5 ...` and `5 fifths in ...`.
    For a long epoch, `every_steps=50` also writes a line every 50 training
    steps (batches), with the running averages Keras logs so far:

        epoch 1/1  step 50/235  loss 0.0412  (4.2 s)

    Times count from the start of training (Keras's `on_train_begin`), after
    `fit` has prepared the data and built the model, so a timer around the
    whole `fit` call reads a little more.

    Put it last in `callbacks`, so its lines include the scores that other
    callbacks (e.g. `RetrievalMonitor`) add to the logs. The summary does not
    know what other callbacks did with the weights: say in the notebook whether
    `EarlyStopping(restore_best_weights=True)` restored the best epoch.

    Args:
        name: optional str written at the start of every line, to tell apart
            models trained in one cell. Defaults to no name.
        every: int >= 1: write every `every`-th epoch's line; the first and the
            last epoch (of `epochs`) are always written. Defaults to 1.
        metrics: optional list or tuple of log names to show, in that order (names
            missing from an epoch's logs are left out). Defaults to every
            number in the logs, in the order Keras gives them.
        monitor: the log name whose best value and epoch the summary reports.
            Defaults to `"val_loss"` when the logs have it, else `"loss"`.
        mode: `"min"` or `"max"`: whether a lower or a higher `monitor` is
            better. `"auto"` (the default) means `"min"` when `monitor`
            contains "loss" and `"max"` otherwise (accuracies, R@1, MAP@R).
        every_steps: optional int >= 1: also write a line every `every_steps`
            training steps within each epoch (not after its last step, where
            the epoch's line follows). Defaults to None: epoch lines only.
        unit: the word for one Keras epoch in the lines, e.g. "fifth" when
            `steps_per_epoch` cuts training into five parts. Defaults to "epoch";
            the plural adds an "s".
        stream: an object with `write` and `flush` to write to. Defaults to
            `sys.stdout` as it is when each line is written (in a notebook,
            the cell's output; never stderr, which notebooks show as an error).

    Attributes:
        epochs_run: int, the epochs finished so far in this `fit`.
        best_epoch: int (counted from 1) or None, the best epoch of `monitor`
            so far (the first one, if several tie).
        best_value: float or None, the value of `monitor` at `best_epoch`.
        seconds: float, the wall time of the last `fit` up to now, from the start
            of training.

    Example:

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> progress = TrainingProgress(name="demo", metrics=("loss",))
    >>> _ = model.fit(np.ones((8, 2)), np.ones(8), epochs=2, verbose=0, callbacks=[progress])
    demo  epoch 1/2  loss ...  (... s)
    demo  epoch 2/2  loss ...  (... s)
    demo  2 epochs in ... s; best loss ... at epoch ...
    """

    def __init__(
        self,
        *,
        name=None,
        every=1,
        metrics=None,
        monitor=None,
        mode="auto",
        unit="epoch",
        every_steps=None,
        stream=None,
    ):
        super().__init__()
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a str or None; received {type(name).__name__} {name!r:.40}.")
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)):
            raise TypeError(f"`every` must be an int >= 1 (1 = a line per epoch); received {every!r}.")
        if every < 1:
            raise ValueError(f"`every` must be an int >= 1 (1 = a line per epoch); received {every!r}.")
        if every_steps is not None:
            if isinstance(every_steps, bool) or not isinstance(every_steps, (int, np.integer)):
                raise TypeError(f"`every_steps` must be None or an int >= 1; received {every_steps!r}.")
            if every_steps < 1:
                raise ValueError(f"`every_steps` must be None or an int >= 1; received {every_steps!r}.")
        if metrics is not None:
            names = tuple(metrics) if isinstance(metrics, (list, tuple)) else None
            if names is None or not all(isinstance(metric, str) for metric in names):
                raise TypeError(
                    f"`metrics` must be a list or tuple of log names such as ('loss', 'val_loss'); "
                    f"received {metrics!r:.60}."
                    + (f" For one name, write ({metrics!r},)." if isinstance(metrics, str) else "")
                )
            metrics = names
        if monitor is not None and not isinstance(monitor, str):
            raise TypeError(f"`monitor` must be a log name such as 'val_loss', or None; received {monitor!r}.")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"`mode` must be one of 'auto', 'min', 'max'; received {mode!r}.")
        if not isinstance(unit, str) or not unit.strip():
            raise TypeError(f"`unit` must be a non-empty str such as 'epoch' or 'fifth'; received {unit!r}.")
        if stream is not None and not (
            callable(getattr(stream, "write", None)) and callable(getattr(stream, "flush", None))
        ):
            raise TypeError(
                f"`stream` must have write() and flush() methods, like sys.stdout; received "
                f"{type(stream).__name__}. Leave it out to write to standard output."
            )
        self.name = name
        self.every = int(every)
        self.every_steps = None if every_steps is None else int(every_steps)
        self.metrics = metrics
        self.monitor = monitor
        self.mode = mode
        self.unit = unit
        self.stream = stream
        self._reset()

    def _reset(self):
        self.epochs_run = 0
        self.best_epoch = None
        self.best_value = None
        self.seconds = 0.0
        self._monitor = self.monitor
        self._epoch = 0
        self._start = time.perf_counter()

    def _write(self, text):
        stream = sys.stdout if self.stream is None else self.stream
        stream.write((f"{self.name}  " if self.name else "") + text + "\n")
        stream.flush()

    def _is_better(self, value):
        if self.best_value is None:
            return True
        mode = self.mode
        if mode == "auto":
            mode = "min" if "loss" in self._monitor else "max"
        return value < self.best_value if mode == "min" else value > self.best_value

    def _numbers(self, logs):
        names = self.metrics if self.metrics is not None else list(logs)
        return [f"{name} {float(logs[name]):.4f}" for name in names if name in logs and np.ndim(logs[name]) == 0]

    def _epoch_text(self, epoch):
        epochs = self.params.get("epochs") if self.params else None
        return f"{self.unit} {epoch + 1}" + (f"/{epochs}" if epochs else "")

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.every_steps is None or (batch + 1) % self.every_steps:
            return
        steps = self.params.get("steps") if self.params else None
        if steps and batch + 1 >= steps:
            return  # the epoch's own line follows
        seconds = time.perf_counter() - self._start
        self._write(
            "  ".join(
                [
                    self._epoch_text(self._epoch),
                    f"step {batch + 1}" + (f"/{steps}" if steps else ""),
                    *self._numbers(logs or {}),
                    f"({seconds:.1f} s)",
                ]
            )
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_run = epoch + 1
        self.seconds = time.perf_counter() - self._start
        if self._monitor is None:
            self._monitor = "val_loss" if "val_loss" in logs else "loss"
        value = logs.get(self._monitor)
        if value is not None and np.isfinite(float(value)) and self._is_better(float(value)):
            self.best_epoch, self.best_value = epoch + 1, float(value)
        epochs = self.params.get("epochs") if self.params else None
        if epoch == 0 or (epoch + 1) % self.every == 0 or epoch + 1 == epochs:
            self._write("  ".join([self._epoch_text(epoch), *self._numbers(logs), f"({self.seconds:.1f} s)"]))

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self._start
        epochs = self.params.get("epochs") if self.params else None
        units = self.unit if self.epochs_run == 1 else f"{self.unit}s"
        if epochs and self.epochs_run < epochs:
            text = f"stopped early after {self.epochs_run} of {epochs} {self.unit}s in {self.seconds:.1f} s"
        else:
            text = f"{self.epochs_run} {units} in {self.seconds:.1f} s"
        if self.best_epoch is not None:
            text += f"; best {self._monitor} {self.best_value:.4f} at {self.unit} {self.best_epoch}"
        self._write(text)
