"""Keras callbacks for similarity training.

`RetrievalMonitor` scores an encoder on labelled validation data after every
epoch, so training curves show what the course cares about (retrieval quality)
next to what the loss optimises.
"""

import time

import keras
import numpy as np

from course_lib._validation import as_labels
from course_lib.metrics import evaluate_retrieval

__all__ = ["RetrievalMonitor"]


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
                f"`encoder` must be a Keras model with a predict() method; received "
                f"{type(encoder).__name__}."
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
