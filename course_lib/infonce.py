"""The in-batch softmax loss (InfoNCE, multiple-negatives ranking) for dual encoders.

A dual encoder embeds a query and a document (a definition and its word, a
sentence and its definition) into unit vectors. Training it needs negatives,
documents that do *not* answer a query; the cheapest ones are already in the
batch: the documents of the other pairs. For a batch of `B` pairs with
L2-normalised embeddings `q_i`, `d_i`, every query scores every document of
the batch, and a softmax over the documents asks each query to pick its own:

Formula:
    `logits_ij = cos(q_i, d_j) / temperature`
    `loss_i = -log( exp(logits_ii) / sum_j exp(logits_ij) )`, averaged over `i`;
    with `symmetric=True`, the same for each document picking its query
    (the columns), and the two averaged.

This is the loss of CLIP and of sentence-transformers'
`MultipleNegativesRankingLoss` (with `scale = 1 / temperature`, 20 there), and
notebook 06's cosine classifier with the batch's documents as the classes:
the temperature plays the part of the scale `s = 1 / temperature`. A small
temperature (a large `s`) makes the softmax sharp, so only the documents that
score close to the right one still push; a large one spreads the push over
every document of the batch.

Two pairs of a batch can share their document (two names of one synset):
each is then a right answer for the other's query, not a negative. The
labels say which pairs share a document; such columns are left out of the
softmax, except the pair's own.

Written with `keras.ops` only; `InBatchSoftmaxLoss` is registered serializable
under `"course_lib"`. Importing this module imports Keras.
"""

import math

import keras
from keras import ops

from course_lib._validation import as_labels, check_bool, check_real, concrete_values
from course_lib.losses import CheckedLoss

__all__ = ["InBatchSoftmaxLoss", "in_batch_softmax_loss"]

_MASKED_LOGIT = -1e9  # exp(-1e9 - max) is exactly 0 in float32


def _check_temperature(temperature):
    temperature = check_real(temperature, "temperature", example=0.05)
    if not (temperature > 0.0 and math.isfinite(temperature)):
        raise ValueError(
            f"`temperature` must be a finite number > 0 (the cosines are divided by it); received "
            f"{temperature!r}. Typical values are 0.01 to 0.1, i.e. a scale s = 1 / temperature of 10 to 100."
        )
    return temperature


def _check_inputs(labels, embeddings):
    """Checks the values when they are known (eager); skipped inside a compiled step."""
    values = concrete_values(embeddings, "embeddings")
    if values is None:
        return
    if values.ndim != 3 or values.shape[1] != 2:
        raise ValueError(
            f"`embeddings` must have shape (batch_size, 2, embedding_dim): each pair's query "
            f"embedding at [:, 0] and its document's at [:, 1]; received shape {values.shape}. "
            f"Stack them with keras.ops.stack([queries, documents], axis=1) (as build_dual_encoder does)."
        )
    label_values = concrete_values(labels, "labels")
    if label_values is not None:
        flat = label_values.reshape(-1) if label_values.ndim == 2 and label_values.shape[-1] == 1 else label_values
        as_labels(flat, "labels", n_samples=values.shape[0])


def in_batch_softmax_loss(labels, embeddings, *, temperature=0.05, symmetric=True):
    """Per-pair in-batch softmax (InfoNCE) losses of a batch of (query, document) embeddings.

    Formula:
        `logits_ij = q_i . d_j / temperature`, with the columns `j != i` whose
        label equals `labels_i` removed; `loss_i = logsumexp_j(logits_ij) - logits_ii`;
        symmetric: `(loss_i + loss'_i) / 2` with `loss'` the same over the
        columns of `logits` (documents choosing among the queries).

    Args:
        labels: int tensor `(batch_size,)` (or `(batch_size, 1)`): an id of each
            pair's document, e.g. its synset. Pairs with equal labels are not
            negatives of each other. Use `arange(batch_size)` when every
            document is different.
        embeddings: float tensor `(batch_size, 2, embedding_dim)`: `[:, 0]` the
            queries, `[:, 1]` their documents, each L2-normalised (so the dot
            products are cosines).
        temperature: float > 0; the cosines are divided by it (`s = 1 / temperature`).
            Defaults to `0.05`.
        symmetric: bool, also make each document pick its query. Defaults to `True`.

    Returns:
        A float tensor `(batch_size,)`, one loss per pair.

    Raises:
        ValueError: for a bad temperature or, when the values are known, an
            `embeddings` tensor not shaped `(batch_size, 2, embedding_dim)` or
            labels of another length.

    Example:

    >>> import numpy as np
    >>> pairs = np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]], "float32")
    >>> losses = in_batch_softmax_loss(np.array([0, 1]), pairs, temperature=1.0)
    >>> np.round(ops.convert_to_numpy(losses), 4).tolist()  # log(1 + e^(0 - 1)) for each pair
    [0.3133, 0.3133]
    """
    temperature = _check_temperature(temperature)
    symmetric = check_bool(symmetric, "symmetric")
    _check_inputs(labels, embeddings)
    embeddings = ops.convert_to_tensor(embeddings)
    queries, documents = embeddings[:, 0, :], embeddings[:, 1, :]
    logits = ops.matmul(queries, ops.transpose(documents)) / ops.cast(temperature, embeddings.dtype)
    labels = ops.reshape(ops.convert_to_tensor(labels), (-1,))
    same_document = ops.equal(labels[:, None], labels[None, :])
    own = ops.eye(ops.shape(logits)[0], dtype="bool")
    keep = ops.logical_or(own, ops.logical_not(same_document))
    logits = ops.where(keep, logits, ops.cast(_MASKED_LOGIT, logits.dtype))
    right = ops.diagonal(logits)
    losses = ops.logsumexp(logits, axis=1) - right
    if symmetric:
        losses = (losses + ops.logsumexp(logits, axis=0) - right) / 2.0
    return losses


@keras.saving.register_keras_serializable(package="course_lib")
class InBatchSoftmaxLoss(CheckedLoss):
    """Keras loss for dual encoders: `in_batch_softmax_loss` averaged over the batch.

    Use it with a model whose output stacks each pair's query and document
    embeddings, `(batch_size, 2, embedding_dim)` (`course_lib.models.
    build_dual_encoder`), and each pair's document id as `y` (pairs with
    equal ids are not each other's negatives). Shuffle the pairs between
    epochs so the negatives change.

    Formula:
        `loss_i = -log softmax_j(cos(q_i, d_j) / temperature)_i`, averaged over
        the pairs (and, if symmetric, over both directions).

    Args:
        temperature: float > 0, `1 / s`. Defaults to `0.05` (s = 20).
        symmetric: bool, average with the documents-pick-queries direction.
            Defaults to `True`.
        reduction: Keras reduction of the per-pair losses. Defaults to
            `"sum_over_batch_size"` (the mean).
        name: defaults to `"in_batch_softmax_loss"`.
        dtype: the loss's dtype. Defaults to `None` (Keras's float type).

    Raises:
        TypeError: if `temperature` is not a number.
        ValueError: if `temperature` is not positive and finite.

    Example:

    >>> import numpy as np
    >>> loss = InBatchSoftmaxLoss(temperature=1.0)
    >>> pairs = np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]], "float32")
    >>> round(float(loss(np.array([0, 1]), pairs)), 4)
    0.3133
    >>> InBatchSoftmaxLoss.from_config(loss.get_config()).temperature
    1.0
    """

    def __init__(
        self,
        temperature=0.05,
        symmetric=True,
        reduction="sum_over_batch_size",
        name="in_batch_softmax_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = _check_temperature(temperature)
        self.symmetric = check_bool(symmetric, "symmetric")

    _check = _check_inputs

    def call(self, y_true, y_pred):
        return in_batch_softmax_loss(y_true, y_pred, temperature=self.temperature, symmetric=self.symmetric)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature, "symmetric": self.symmetric}
