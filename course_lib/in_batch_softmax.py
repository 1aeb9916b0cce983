"""The in-batch softmax loss of two-tower retrieval models, with the log-popularity correction.

A two-tower model maps a query (a user, a sentence) and a candidate (an item,
a document) to vectors and scores a pair by their similarity. Training it as
a classifier over *all* candidates would need every candidate's vector at
every step; the in-batch softmax uses the batch instead: row `i` of a batch of
`B` (query, positive candidate) pairs must pick its own candidate `i` out of
the batch's `B` candidates, and the other `B - 1` positives serve as its
negatives (Henderson et al., 2017; Gillick et al., 2018; sentence-transformers'
MultipleNegativesRankingLoss and InfoNCE are the same softmax over scaled
cosines).

Those negatives are not drawn uniformly: an item shows up as a negative as
often as it is a positive somewhere, so popular items are pushed away far more
than rare ones, and the model learns to under-rate them. The **logQ
correction** (Yi et al., 2019, "Sampling-bias-corrected neural modeling for
large corpus item recommendations"; Bengio and Senecal, 2008, for sampled
softmax) subtracts from each logit the log of the probability `q_j` that
candidate `j` is in a batch, which turns the batch softmax back into an
estimate of the full softmax.

The same loss trains notebook 07's dual encoder for text (a definition and its
word, InfoNCE), there in its symmetric form: each document must also pick its
query among the batch's queries (CLIP's loss).

- `in_batch_softmax_loss`: the loss of each row of a batch, from the query and
  candidate vectors (`keras.ops` only, any backend);
- `InBatchSoftmaxLoss`: the Keras loss for a model whose output stacks each
  row's query and candidate vectors, `(batch, 2, dim)`
  (`course_lib.models.build_two_tower_model`, `course_lib.models.build_dual_encoder`),
  with the candidate ids as `y_true`;
- `sampling_log_probabilities`: `log q` of each item from its training counts.

Importing this module imports Keras.
"""

import keras
import numpy as np
from keras import ops

from course_lib._validation import as_array, as_integers, check_bool, check_real, concrete_values
from course_lib.tensor_similarity import l2_normalize_tensor

__all__ = ["InBatchSoftmaxLoss", "in_batch_softmax_loss", "sampling_log_probabilities"]

_SERIALIZATION_PACKAGE = "course_lib"
# A logit that takes no part in the softmax: far below any scaled similarity, finite in float16.
_EXCLUDED_LOGIT = -1e4


def _check_temperature(temperature):
    temperature = check_real(temperature, "temperature", example=0.1)
    if not 0.0 < temperature < float("inf"):
        raise ValueError(
            f"`temperature` must be a finite number > 0 (the logits are similarity / temperature); "
            f"received {temperature!r}. For cosines try 0.05 to 0.2; for dot products 1.0."
        )
    return temperature


def _check_loss_inputs(queries, candidates, candidate_log_q, candidate_ids):
    """Checks the values when they are known (eager); skipped inside a compiled step."""
    query_values = concrete_values(queries, "query_embeddings")
    candidate_values = concrete_values(candidates, "candidate_embeddings")
    if query_values is None or candidate_values is None:
        return
    for name, values in (("query_embeddings", query_values), ("candidate_embeddings", candidate_values)):
        if values.ndim != 2:
            raise ValueError(f"`{name}` must be 2-D (batch_size, dim); received shape {values.shape}.")
    if query_values.shape != candidate_values.shape:
        raise ValueError(
            f"`query_embeddings` and `candidate_embeddings` must have the same shape (batch_size, dim), "
            f"row i of one paired with row i of the other; received {query_values.shape} and "
            f"{candidate_values.shape}."
        )
    batch_size = query_values.shape[0]
    for name, values in (("candidate_log_q", candidate_log_q), ("candidate_ids", candidate_ids)):
        values = concrete_values(values, name) if values is not None else None
        if values is not None and values.reshape(-1).shape != (batch_size,):
            raise ValueError(
                f"`{name}` must hold one value per candidate, shape ({batch_size},); received shape {values.shape}."
            )
        if values is not None and name == "candidate_ids":
            as_integers(values, name, what="candidate ids")


def in_batch_softmax_loss(
    query_embeddings,
    candidate_embeddings,
    *,
    temperature=0.1,
    candidate_log_q=None,
    candidate_ids=None,
    normalize=True,
    symmetric=False,
):
    """The in-batch softmax loss of each (query, candidate) pair of a batch.

    Row `i` pairs query `i` with its positive candidate `i`; the other
    candidates of the batch are its negatives. Each query scores every
    candidate of the batch, and the loss is the cross-entropy of picking its
    own.

    Formula:

        logit_ij = sim(q_i, c_j) / temperature - log q_j        (- log q_j: the logQ correction)
        loss_i   = -log( exp(logit_ii) / sum_j exp(logit_ij) )

    where `sim` is the cosine (`normalize=True`) or the dot product, and
    `temperature` is `1 / s`, the scale `s` of a cosine head. With
    `candidate_ids`, a candidate `j != i` that is the same item as candidate
    `i` (a popular item twice in one batch) is not counted as a negative of
    row `i`: it is the right answer too. With `symmetric`, each candidate
    also picks its query among the batch's queries (a softmax over the
    columns of the same logits), and the two losses are averaged.

    Args:
        query_embeddings: float tensor `(batch_size, dim)`.
        candidate_embeddings: float tensor `(batch_size, dim)`, row `i` the
            positive of query `i`.
        temperature: float > 0. Keyword-only. Defaults to `0.1`.
        candidate_log_q: optional float tensor `(batch_size,)`, the log of the
            probability that each candidate is in a batch (see
            `sampling_log_probabilities`). Keyword-only. Defaults to None: no correction.
        candidate_ids: optional int tensor `(batch_size,)`, each candidate's
            item id, to find repeated items. Keyword-only. Defaults to None.
        normalize: True (default) scores by cosine, False by dot product (or
            by cosine when the vectors are unit vectors already). Keyword-only.
        symmetric: False (default), or True to average with the loss of each
            candidate picking its query. Keyword-only.

    Returns:
        A float tensor `(batch_size,)`: the loss of each row.

    Raises:
        TypeError: if `temperature` is not a number or `normalize` or
            `symmetric` not a bool.
        ValueError: if `temperature` is not positive and finite, or (when the
            values are known, outside a compiled step) the shapes disagree.

    Example:

    >>> import numpy as np
    >>> queries = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> candidates = np.array([[2.0, 0.0], [0.0, 0.5]])   # each query's own candidate points its way
    >>> np.round(np.asarray(in_batch_softmax_loss(queries, candidates, temperature=1.0)), 4).tolist()
    [0.3133, 0.3133]
    >>> # candidate 0 is rare (q = 0.01), candidate 1 is in every batch (q = 1): the
    >>> # correction raises candidate 0's logits by -log 0.01 = 4.6 in both rows
    >>> log_q = np.log(np.array([0.01, 1.0]))
    >>> np.round(np.asarray(in_batch_softmax_loss(queries, candidates, temperature=1.0,
    ...                                           candidate_log_q=log_q)), 4).tolist()
    [0.0037, 3.632]
    """
    temperature = _check_temperature(temperature)
    normalize = check_bool(normalize, "normalize")
    symmetric = check_bool(symmetric, "symmetric")
    _check_loss_inputs(query_embeddings, candidate_embeddings, candidate_log_q, candidate_ids)
    queries = ops.convert_to_tensor(query_embeddings)
    candidates = ops.cast(ops.convert_to_tensor(candidate_embeddings), queries.dtype)
    if normalize:
        queries, candidates = l2_normalize_tensor(queries), l2_normalize_tensor(candidates)
    logits = ops.matmul(queries, ops.transpose(candidates)) / temperature
    if candidate_log_q is not None:
        log_q = ops.cast(ops.reshape(ops.convert_to_tensor(candidate_log_q), (1, -1)), logits.dtype)
        logits = logits - log_q
    batch_size = ops.shape(logits)[0]
    own = ops.eye(batch_size, dtype="bool")
    if candidate_ids is not None:
        ids = ops.reshape(ops.convert_to_tensor(candidate_ids), (-1,))
        repeated = ops.logical_and(ops.equal(ids[:, None], ids[None, :]), ops.logical_not(own))
        logits = ops.where(repeated, ops.cast(_EXCLUDED_LOGIT, logits.dtype), logits)
    positive = ops.sum(ops.where(own, logits, ops.zeros_like(logits)), axis=1)
    losses = ops.logsumexp(logits, axis=1) - positive
    if symmetric:
        losses = (losses + ops.logsumexp(logits, axis=0) - positive) / 2.0
    return losses


def sampling_log_probabilities(counts):
    """`log q` of each item: the log of its share of the training pairs.

    In a batch drawn uniformly from the training (user, item) pairs, item `j`
    appears with a probability proportional to its count. Items never seen in
    training are never in a batch; they get the log of half the smallest
    non-zero share, so the table stays finite.

    Args:
        counts: array `(n_items,)` of non-negative counts (e.g.
            `course_lib.recommenders.item_popularity`), at least one positive.

    Returns:
        A float32 array `(n_items,)`, all values < 0 (or 0 for a single item).

    Raises:
        ValueError: if a count is negative, NaN or infinite, or all are zero.

    Example:

    >>> np.round(sampling_log_probabilities([3, 1, 0]), 4).tolist()
    [-0.2877, -1.3863, -2.0794]
    """
    counts = as_array(counts, "counts", dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(f"`counts` must be 1-D, one count per item; received shape {counts.shape}.")
    if counts.min() < 0 or counts.max() <= 0:
        raise ValueError(
            f"`counts` must be >= 0 with at least one positive; received a minimum of {counts.min():g} "
            f"and a maximum of {counts.max():g}."
        )
    shares = counts / counts.sum()
    floor = shares[shares > 0].min() / 2.0
    return np.log(np.where(shares > 0, shares, floor)).astype(np.float32)


def _check_stacked(y_true, y_pred):
    """Checks `y_pred` of shape (batch, 2, dim) and its ids when the values are known."""
    values = concrete_values(y_pred, "y_pred")
    if values is not None and (values.ndim != 3 or values.shape[1] != 2):
        raise ValueError(
            f"`y_pred` must be (batch_size, 2, dim): each row's query vector and candidate vector, "
            f"as build_two_tower_model outputs them; received shape {values.shape}."
        )
    ids = concrete_values(y_true, "y_true")
    if ids is not None:
        ids = as_integers(ids, "y_true", what="candidate ids").reshape(-1)
        if values is not None and len(ids) != values.shape[0]:
            raise ValueError(f"`y_true` must hold one candidate id per row, {values.shape[0]}; received {len(ids)}.")


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class InBatchSoftmaxLoss(keras.losses.Loss):
    """Keras loss for two-tower and dual encoders: `in_batch_softmax_loss` over each batch.

    Use it with a model whose output stacks each row's query and candidate
    vectors, `(batch, 2, dim)` (`course_lib.models.build_two_tower_model`,
    `course_lib.models.build_dual_encoder`), and pass each row's candidate id
    as `y_true` (an item, a synset): the loss looks up its `log q` in `log_q`
    and treats repeated candidates as right answers.

    Formula:
        `logit_ij = sim(q_i, c_j) / temperature - log q_j`, the mean over rows
        of `-log softmax_j(logit_i)[i]` (see `in_batch_softmax_loss`).

    Args:
        temperature: float > 0. Defaults to `0.1`.
        log_q: optional 1-D array, the log sampling probability of every item
            id (`sampling_log_probabilities`). Defaults to None: no logQ correction.
        normalize: True (default) for cosine similarity, False for dot products.
        remove_accidental_hits: whether a repeated item in the batch is not a
            negative. Defaults to True.
        symmetric: whether each candidate also picks its query (InfoNCE as
            CLIP uses it). Defaults to False.
        reduction, name, dtype: as for any Keras loss.

    Example:

    >>> import numpy as np
    >>> loss = InBatchSoftmaxLoss(temperature=1.0)
    >>> stacked = np.array([[[1.0, 0.0], [2.0, 0.0]], [[0.0, 1.0], [0.0, 0.5]]])   # (2, 2, 2)
    >>> round(float(loss(np.array([7, 3]), stacked)), 4)
    0.3133
    >>> InBatchSoftmaxLoss.from_config(loss.get_config()).temperature
    1.0
    """

    def __init__(
        self,
        temperature=0.1,
        log_q=None,
        normalize=True,
        remove_accidental_hits=True,
        symmetric=False,
        reduction="sum_over_batch_size",
        name="in_batch_softmax_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.temperature = _check_temperature(temperature)
        self.normalize = check_bool(normalize, "normalize")
        self.remove_accidental_hits = check_bool(remove_accidental_hits, "remove_accidental_hits")
        self.symmetric = check_bool(symmetric, "symmetric")
        if log_q is not None:
            log_q = as_array(log_q, "log_q", dtype=np.float32)
            if log_q.ndim != 1 or log_q.size == 0:
                raise ValueError(f"`log_q` must be 1-D, one value per item id; received shape {log_q.shape}.")
        self.log_q = log_q

    def __call__(self, y_true, y_pred, sample_weight=None):
        _check_stacked(y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        log_q = None if self.log_q is None else ops.take(ops.convert_to_tensor(self.log_q), ids)
        return in_batch_softmax_loss(
            y_pred[:, 0],
            y_pred[:, 1],
            temperature=self.temperature,
            candidate_log_q=log_q,
            candidate_ids=ids if self.remove_accidental_hits else None,
            normalize=self.normalize,
            symmetric=self.symmetric,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "temperature": self.temperature,
            "log_q": None if self.log_q is None else self.log_q.tolist(),
            "normalize": self.normalize,
            "remove_accidental_hits": self.remove_accidental_hits,
            "symmetric": self.symmetric,
        }
