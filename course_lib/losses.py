"""Metric-learning losses: contrastive (pairs) and triplet (online mining).

Each loss is a plain function written with `keras.ops` only, plus a thin
`keras.losses.Loss` subclass that calls it, registered serializable under the
package name `"course_lib"` so that a compiled model saves and loads back.

- `contrastive_loss` / `ContrastiveLoss` (Hadsell, Chopra and LeCun, 2006):
  for a siamese model whose output is the distance between the two items of
  a pair. Similar pairs are pulled to distance 0, dissimilar pairs pushed
  beyond a margin.
- `triplet_loss` / `TripletLoss` (Schroff, Kalenichenko and Philbin, FaceNet,
  2015; Hermans, Beyer and Leibe, 2017, for batch-hard): for an embedding
  model trained on class-balanced batches (`course_lib.sampling.
  class_balanced_batches`). The triplets are mined inside each batch from the
  labels, "online".

Pair labels follow the course convention stated once, in the docstring of
`course_lib.sampling`: `SIMILAR = 1` for a pair of the same class,
`DISSIMILAR = 0` otherwise. Hadsell et al. wrote their paper with the opposite
labels (`Y = 0` for similar pairs), and public siamese examples disagree, so
check the convention of any code you copy.

Importing this module imports Keras.
"""

import keras
import numpy as np
from keras import ops

from course_lib._validation import as_flags, as_labels, check_choice, check_real, concrete_values
from course_lib.layers import PLAIN_SMALLEST, plain_range, vector_lengths

__all__ = [
    "MINING_STRATEGIES",
    "ContrastiveLoss",
    "TripletLoss",
    "contrastive_loss",
    "pairwise_distances",
    "triplet_loss",
]

#: The valid values of `mining` in `triplet_loss` and `TripletLoss`.
MINING_STRATEGIES = ("batch_all", "batch_hard", "semi_hard")

_SERIALIZATION_PACKAGE = "course_lib"
# triplet_loss doubles the largest distance of a batch: it must stay finite in float32.
_LARGEST_DISTANCE = float(np.finfo(np.float32).max) / 4
_SQUARED_EPSILON = 1e-12


def _check_margin(margin, *, allow_zero):
    margin = check_real(margin, "margin", example=0.2)
    if not (margin >= 0.0 if allow_zero else margin > 0.0) or margin != margin or margin == float("inf"):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"`margin` must be a finite number {bound} (a distance); received {margin!r}. "
            f"For L2-normalised embeddings, distances lie in [0, 2]: try 0.2 to 1.0."
        )
    return margin


def _flat(x):
    return ops.reshape(ops.convert_to_tensor(x), (-1,))


def _flat_values(values, name, *, length_of=None, length=None):
    """Checks that concrete `values` are `(batch_size,)` or `(batch_size, 1)`; returns them flat."""
    if values.ndim > 2 or (values.ndim == 2 and values.shape[1] != 1):
        raise ValueError(f"`{name}` must have shape (batch_size,) or (batch_size, 1); received shape {values.shape}.")
    values = values.reshape(-1)
    if length is not None and len(values) != length:
        raise ValueError(
            f"`{name}` must have one entry per {length_of}: {length}; received {len(values)} "
            f"(shape {values.shape}). Pass one label per row of the batch."
        )
    return values


def _check_contrastive_inputs(y_true, distances):
    """Checks the values when they are known (eager); skipped inside a compiled step."""
    values = concrete_values(distances, "distances")
    if values is None:
        return
    values = _flat_values(values, "distances")
    if values.size and values.min() < 0.0:
        raise ValueError(
            f"`distances` must be non-negative (distances); received a minimum of "
            f"{values.min():g}. Feed the output of PairDistance, not a similarity."
        )
    labels = concrete_values(y_true, "y_true")
    if labels is not None:
        labels = _flat_values(labels, "y_true", length_of="distance", length=len(values))
        as_flags(labels, "y_true", what="1 (SIMILAR) or 0 (DISSIMILAR) pair labels")


def _check_triplet_inputs(labels, embeddings):
    """Checks the values when they are known (eager); skipped inside a compiled step."""
    values = concrete_values(embeddings, "embeddings")
    if values is None:
        return False
    if values.ndim != 2:
        raise ValueError(f"`embeddings` must be 2-D (batch_size, embedding_dim); received shape {values.shape}.")
    label_values = concrete_values(labels, "labels")
    if label_values is not None:
        flat = _flat_values(label_values, "labels", length_of="embedding row", length=values.shape[0])
        as_labels(flat, "labels")
    return True


def _max_or_zero(x):
    """The largest entry of `x`, or 0 for an empty tensor."""
    flat = ops.reshape(x, (-1,))
    return ops.max(ops.concatenate([flat, ops.zeros((1,), dtype=flat.dtype)]))


def _plain_distances(differences, squared):
    """Distances (or squares) from a `(..., dim)` tensor of differences by the plain formula."""
    plain_squared = ops.sum(ops.square(differences), axis=-1)
    if squared:
        return plain_squared
    # A squared distance below 1e-12 counts as 0: such pairs differ by less than 1e-6
    # everywhere, and with the rescaled path next to it they take that path instead.
    positive = plain_squared > _SQUARED_EPSILON
    return ops.where(positive, ops.sqrt(ops.where(positive, plain_squared, 1.0)), 0.0)


def _rescaled_distances(differences, squared):
    """The plain formula where it is exact, each difference rescaled by its largest entry elsewhere."""
    largest, unit_length = vector_lengths(differences, -1)  # no overflow in the squares
    rescaled = ops.squeeze(largest * unit_length, axis=-1)
    plain = plain_range(ops.squeeze(largest, axis=-1), smallest=PLAIN_SMALLEST)
    if squared:
        return ops.where(plain, _plain_distances(differences, True), ops.square(rescaled))
    return ops.where(plain, _plain_distances(differences, False), rescaled)


def pairwise_distances(embeddings, *, squared=False):
    """Euclidean distances between every pair of rows of one batch, with `keras.ops` only.

    Computed from the differences of every pair of rows (a `(batch_size,
    batch_size, embedding_dim)` tensor: small for the batches of this course),
    so identical rows are exactly 0 apart; the shortcut `||a||^2 + ||b||^2 -
    2 a.b` leaves round-off of about 1e-3 there. Each difference is divided by
    its largest entry `m` before squaring, `||d|| = m ||d / m||`, so the
    gradient stays finite at 0 (a plain `sqrt` would give NaN gradients for
    identical rows) and distances do not overflow in float32 below its limit
    (about 3.4e38); with `squared=True`, squared distances beyond it
    (distances from about 1.8e19) are `inf`. That rescaling is only needed for
    differences whose largest entry lies outside `[1e-6, 1e15)`; when no pair
    of the batch has one (as in training, on unit vectors), the batch takes
    the plain formula alone, which gives the same numbers (and gradients) at a
    third of the cost.

    Formula:
        `D_ij = ||e_i - e_j||_2` (or its square with `squared=True`).

    Args:
        embeddings: float tensor `(batch_size, embedding_dim)`.
        squared: return squared distances. Defaults to `False`.

    Returns:
        A float tensor `(batch_size, batch_size)`, symmetric, with a zero diagonal.

    Example:

    >>> import numpy as np
    >>> np.asarray(pairwise_distances(np.array([[0.0, 0.0], [3.0, 4.0]]))).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    embeddings = ops.convert_to_tensor(embeddings)
    differences = embeddings[:, None, :] - embeddings[None, :, :]
    largest = ops.stop_gradient(ops.max(ops.abs(differences), axis=-1))
    # Identical rows (largest entry 0) are 0 apart, with a zero gradient, on either path.
    all_plain = ops.all(ops.logical_or(plain_range(largest, smallest=PLAIN_SMALLEST), largest == 0.0))
    return ops.cond(
        all_plain,
        lambda: _plain_distances(differences, squared),
        lambda: _rescaled_distances(differences, squared),
    )


def contrastive_loss(y_true, distances, *, margin=1.0):
    """The contrastive loss of each pair, from its label and its distance.

    A similar pair (`y = 1`, see the pair-label convention in
    `course_lib.sampling`) costs its squared distance, so it is pulled
    together. A dissimilar pair (`y = 0`) costs nothing once it is at least
    `margin` apart, and the squared shortfall otherwise, so it is pushed out to
    the margin but not beyond: the loss does not waste effort on pairs that are
    already far apart.

    Formula:
        `L(y, d) = y * d^2 + (1 - y) * max(0, margin - d)^2`

        A similar pair at `d = 0` costs 0; a dissimilar pair at `d = 0` costs
        `margin^2`; a dissimilar pair at `d >= margin` costs 0. (Hadsell et
        al. write each term with a factor 1/2 and `Y = 0` for similar pairs.)

    Args:
        y_true: pair labels `(batch_size,)` or `(batch_size, 1)`, 1 = similar,
            0 = dissimilar (ints, bools or floats).
        distances: non-negative distances `(batch_size,)` or `(batch_size, 1)`,
            e.g. the output of a siamese model ending in
            `course_lib.layers.PairDistance`.
        margin: the distance beyond which dissimilar pairs cost nothing, > 0.
            Keyword-only. Defaults to `1.0`.

    Returns:
        A float tensor `(batch_size,)`: the loss of each pair; `inf` for a
        similar pair whose squared distance exceeds float32 (distances from
        about 1.8e19).

    Raises:
        TypeError: if `margin` is not a number, or (when the values are known,
            i.e. outside a compiled training step) an input is not real-valued.
        ValueError: if `margin` is not a positive, finite number, or (when the
            values are known) the lengths differ, a label is not 0 or 1, or a
            distance is negative, NaN or infinite.

    Example:

    >>> import numpy as np
    >>> labels = np.array([1, 0, 0, 1])              # similar, dissimilar, dissimilar, similar
    >>> distances = np.array([0.0, 0.0, 1.5, 0.5])
    >>> np.asarray(contrastive_loss(labels, distances, margin=1.0)).tolist()
    [0.0, 1.0, 0.0, 0.25]
    """
    margin = _check_margin(margin, allow_zero=False)
    _check_contrastive_inputs(y_true, distances)
    distances = _flat(distances)
    y_true = ops.cast(_flat(y_true), distances.dtype)
    similar_cost = ops.square(distances)
    dissimilar_cost = ops.square(ops.relu(margin - distances))
    # where, not 0 * cost: a similar pair's inf cost must not turn a dissimilar one into NaN
    return ops.where(y_true > 0.0, y_true * similar_cost, 0.0) + ops.where(
        y_true < 1.0, (1.0 - y_true) * dissimilar_cost, 0.0
    )


def _triplet_masks(labels, batch_size, dtype):
    """Float masks `(batch, batch)`: same label but not itself (positives), other label (negatives)."""
    same = ops.equal(labels[:, None], labels[None, :])
    not_self = ops.logical_not(ops.eye(batch_size, dtype="bool"))
    positive = ops.cast(ops.logical_and(same, not_self), dtype)
    negative = ops.cast(ops.logical_not(same), dtype)
    return positive, negative


def triplet_loss(labels, embeddings, *, margin=0.2, mining="batch_hard"):
    """The triplet loss of one batch, with triplets mined online from its labels.

    A triplet is an anchor `a`, a positive `p` (another item of the anchor's
    class) and a negative `n` (an item of another class). The loss asks the
    positive to be closer to the anchor than the negative by at least `margin`.
    Rather than sampling triplets in advance, the loss finds them inside the
    batch, so a class-balanced batch of P classes x K items holds
    `P K (K - 1) (P - 1) K` triplets. `mining` says which of them count:

    - `"batch_all"`: every valid triplet; the sum of their losses is divided
      by the number of triplets whose loss is positive (the easy triplets,
      with zero loss, do not dilute the average; Hermans et al., 2017).
    - `"batch_hard"`: for each anchor, only its farthest positive and its
      closest negative (Hermans et al., 2017); the mean over anchors.
    - `"semi_hard"`: for each (anchor, positive) pair, the closest negative
      that is still farther than the positive (FaceNet); when there is none,
      the farthest negative. The mean over (anchor, positive) pairs.

    Distances are Euclidean (not squared) between the embeddings as given;
    for L2-normalised embeddings they lie in `[0, 2]`. Anchors without a
    positive or a negative in the batch are left out, and a batch without any
    valid triplet (an empty batch included) has loss 0.

    Formula:
        `l(a, p, n) = max(0, D(a, p) - D(a, n) + margin)`, with `D` the
        Euclidean distance; the mining decides which `(a, p, n)` enter the mean.

    Args:
        labels: integer class labels `(batch_size,)` or `(batch_size, 1)`
            (floats holding integers work too: Keras casts `y_true` to float).
        embeddings: float tensor `(batch_size, embedding_dim)`.
        margin: the gap asked for between positive and negative distances,
            >= 0. Keyword-only. Defaults to `0.2`.
        mining: one of `MINING_STRATEGIES`: `"batch_all"`, `"batch_hard"`
            (default) or `"semi_hard"`. Keyword-only.

    Returns:
        A scalar float tensor: the loss of the batch.

    Raises:
        ValueError: if `mining` is not one of `MINING_STRATEGIES` (the
            message lists them and the value received), or `margin` is
            negative or not finite; when the values are known (outside a
            compiled training step), also if `embeddings` is not 2-D, holds
            NaN or infinite values or distances beyond 8.5e37 (a quarter of
            float32's range), or the number of labels differs from the batch
            size.
        TypeError: if `margin` is not a number, or (when known) the labels are
            not integers or the embeddings not real-valued.

    Example:

    >>> import numpy as np
    >>> labels = np.array([0, 0, 1])
    >>> embeddings = np.array([[0.0, 0.0], [0.0, 1.0], [0.5, 0.0]])
    >>> # anchor 0: positive at 1.0, negative at 0.5   -> 1.0 - 0.5 + 0.2   = 0.7
    >>> # anchor 1: positive at 1.0, negative at 1.118 -> 1.0 - 1.118 + 0.2 = 0.082
    >>> # anchor 2 has no positive in the batch and is left out: (0.7 + 0.082) / 2
    >>> round(float(triplet_loss(labels, embeddings, margin=0.2, mining="batch_hard")), 3)
    0.391
    """
    check_choice(mining, "mining", MINING_STRATEGIES)
    margin = _check_margin(margin, allow_zero=True)
    concrete = _check_triplet_inputs(labels, embeddings)
    embeddings = ops.convert_to_tensor(embeddings)
    labels = _flat(labels)
    batch_size = ops.shape(embeddings)[0]
    if embeddings.shape[0] == 0:  # a static empty batch: no triplet, loss 0
        return ops.zeros((), dtype=embeddings.dtype if keras.backend.is_float_dtype(embeddings.dtype) else "float32")
    distances = pairwise_distances(embeddings)
    if concrete and not np.max(ops.convert_to_numpy(distances)) <= _LARGEST_DISTANCE:
        raise ValueError(
            f"The distances between `embeddings` must stay below {_LARGEST_DISTANCE:.1e} (a "
            f"quarter of float32's range); received a largest distance of "
            f"{np.max(ops.convert_to_numpy(distances)):.3g}. L2-normalise the embeddings "
            f"(course_lib.layers.L2Normalize) first."
        )
    positive, negative = _triplet_masks(labels, batch_size, distances.dtype)

    # Distances of positives and of negatives; the other entries are moved out of reach,
    # far below (-beyond) or far beyond (+beyond) every distance, so no hinge uses them.
    # Twice the largest distance: margin + 1 alone would round away next to distances of 1e8.
    beyond = 2.0 * _max_or_zero(distances) + margin + 1.0
    positive_distances = ops.where(positive > 0.0, distances, -beyond)
    negative_distances = ops.where(negative > 0.0, distances, beyond)

    if mining == "batch_hard":
        hardest_positive = ops.max(positive_distances, axis=1)
        hardest_negative = ops.min(negative_distances, axis=1)
        valid = ops.max(positive, axis=1) * ops.max(negative, axis=1)
        losses = ops.relu(hardest_positive - hardest_negative + margin) * valid
        return ops.sum(losses) / ops.maximum(ops.sum(valid), 1.0)

    if mining == "batch_all":
        # The (anchor, positive, negative) cube; an unused positive or negative gives
        # D(a, p) - D(a, n) + margin < 0, so its hinge is 0.
        losses = ops.relu((positive_distances + margin)[:, :, None] - negative_distances[:, None, :])
        n_active = ops.sum(ops.cast(losses > 0.0, losses.dtype))
        return ops.sum(losses) / ops.maximum(n_active, 1.0)

    # semi_hard: for each (a, p), the closest negative with D(a, n) > D(a, p) ...
    negatives_below = ops.where(negative > 0.0, distances, -beyond)
    farther = negatives_below[:, None, :] > distances[:, :, None]
    closest_farther = ops.min(ops.where(farther, negatives_below[:, None, :], beyond), axis=2)
    # ... or, when every negative is closer than the positive, the farthest negative.
    farthest_negative = ops.max(negatives_below, axis=1)[:, None]
    chosen_negative = ops.where(closest_farther < beyond, closest_farther, farthest_negative)
    valid = positive * ops.max(negative, axis=1)[:, None]
    losses = ops.relu(distances - chosen_negative + margin) * valid
    return ops.sum(losses) / ops.maximum(ops.sum(valid), 1.0)


class CheckedLoss(keras.losses.Loss):
    """A Keras loss that checks `y_true` and `y_pred` before Keras converts them.

    `keras.losses.Loss.__call__` casts `y_true` to a float tensor first, so a
    complex, string or ragged label would fail inside Keras (or lose its
    imaginary part) before `call` could check it. Subclasses set `_check`.
    """

    _check = None  # function (y_true, y_pred) checking concrete values

    def __call__(self, y_true, y_pred, sample_weight=None):
        type(self)._check(y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class ContrastiveLoss(CheckedLoss):
    """Keras loss for siamese models: `contrastive_loss` averaged over the batch.

    Use it with a model whose output is the distance of each pair (e.g. one
    ending in `course_lib.layers.PairDistance`) and pair labels 1 = similar,
    0 = dissimilar (the convention of `course_lib.sampling`).

    Formula:
        `L(y, d) = y * d^2 + (1 - y) * max(0, margin - d)^2`, averaged over pairs.

    Args:
        margin: distance beyond which dissimilar pairs cost nothing, > 0.
            Defaults to `1.0`.
        reduction: Keras reduction of the per-pair losses. Defaults to
            `"sum_over_batch_size"` (the mean).
        name: defaults to `"contrastive_loss"`.
        dtype: the loss's dtype. Defaults to `None` (Keras's float type).

    Raises:
        TypeError: if `margin` is not a number.
        ValueError: if `margin` is not positive and finite.

    Example:

    >>> import numpy as np
    >>> loss = ContrastiveLoss(margin=1.0)
    >>> round(float(loss(np.array([1.0, 0.0]), np.array([0.0, 0.0]))), 4)  # (0 + 1) / 2
    0.5
    >>> ContrastiveLoss.from_config(loss.get_config()).margin
    1.0
    """

    def __init__(self, margin=1.0, reduction="sum_over_batch_size", name="contrastive_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = _check_margin(margin, allow_zero=False)

    _check = _check_contrastive_inputs

    def call(self, y_true, y_pred):
        return contrastive_loss(y_true, y_pred, margin=self.margin)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class TripletLoss(CheckedLoss):
    """Keras loss for embedding models: `triplet_loss` with online mining.

    `y_true` holds the class label of each item and `y_pred` its embedding;
    the triplets are found inside each batch, so train on class-balanced
    batches (`course_lib.sampling.class_balanced_batches`) with
    `shuffle=False`, or most batches hold few positives.

    Formula:
        `l(a, p, n) = max(0, D(a, p) - D(a, n) + margin)`, over the triplets
        chosen by `mining` (see `triplet_loss`).

    Args:
        margin: the gap asked for between positive and negative distances,
            >= 0. Defaults to `0.2`.
        mining: `"batch_all"`, `"batch_hard"` (default) or `"semi_hard"`.
        reduction: Keras reduction; the loss of a batch is already one number.
            Defaults to `"sum_over_batch_size"`.
        name: defaults to `"triplet_loss"`.
        dtype: the loss's dtype. Defaults to `None` (Keras's float type).

    Raises:
        ValueError: if `mining` is unknown (the message lists the valid values
            and the value received) or `margin` is negative.
        TypeError: if `margin` is not a number.

    Example:

    >>> import numpy as np
    >>> loss = TripletLoss(margin=0.2, mining="batch_all")
    >>> labels = np.array([0, 0, 1, 1])
    >>> embeddings = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> float(loss(labels, embeddings))  # classes already sqrt(2) apart: nothing to learn
    0.0
    >>> TripletLoss.from_config(loss.get_config()).mining
    'batch_all'
    """

    def __init__(
        self, margin=0.2, mining="batch_hard", reduction="sum_over_batch_size", name="triplet_loss", dtype=None
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.mining = check_choice(mining, "mining", MINING_STRATEGIES)
        self.margin = _check_margin(margin, allow_zero=True)

    _check = _check_triplet_inputs

    def call(self, y_true, y_pred):
        return triplet_loss(y_true, y_pred, margin=self.margin, mining=self.mining)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin, "mining": self.mining}
