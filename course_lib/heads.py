"""Cosine classifier heads: NormFace, CosFace and ArcFace.

A softmax classifier scores class `c` with `w_c . x + b_c = ||w_c|| ||x||
cos(theta_c) + b_c`: the lengths of the feature and of the class weights take
part in the decision. A **cosine head** removes them: it L2-normalises the
embedding and each class's weight vector, so that only the angle between them
counts, and multiplies the cosine by a fixed **scale** `s` before the softmax
(NormFace; Wang et al., 2017). A **margin** on the true class makes training
harder than testing, so that classes end up farther apart in angle:

- CosFace (Wang et al., 2018): `s * (cos(theta_y) - m)`, an additive *cosine*
  margin;
- ArcFace (Deng et al., 2019): `s * cos(theta_y + m)`, an additive *angular*
  margin.

The margin needs the labels, so this module splits the head in two:

- `CosineClassifier`, a layer that holds one weight vector per class and
  outputs the cosines `(batch_size, num_classes)`; at inference, the predicted
  class is their argmax and the embedding before it serves retrieval;
- `MarginCosineLoss`, a loss that takes those cosines as `y_pred` and the
  integer labels as `y_true`, applies the margin to the true class only
  (`margin_logits`), scales, and returns the softmax cross-entropy.

Both are written with `keras.ops` only and registered serializable under the
package name `"course_lib"`. Importing this module imports Keras.
"""

import math

import keras
from keras import ops

from course_lib._validation import (
    as_labels,
    check_choice,
    check_positive_int,
    check_real,
    check_seed,
    concrete_values,
    is_concrete,
)
from course_lib.layers import CheckedInputs
from course_lib.losses import CheckedLoss
from course_lib.tensor_similarity import check_features, float_tensor, unit_vectors_tensor

__all__ = [
    "MARGIN_TYPES",
    "CosineClassifier",
    "MarginCosineLoss",
    "cosine_logits",
    "margin_logits",
]

#: The valid values of `margin_type` in `margin_logits` and `MarginCosineLoss`.
MARGIN_TYPES = ("none", "cosface", "arcface")

_SERIALIZATION_PACKAGE = "course_lib"
_CLIP = 1e-6  # ArcFace keeps cos(theta) in [-1 + _CLIP, 1 - _CLIP]: sin(theta) > 0, finite gradients


def _check_scale(scale):
    scale = check_real(scale, "scale", example=16.0)
    if not (scale > 0.0 and math.isfinite(scale)):
        raise ValueError(
            f"`scale` must be a finite number > 0 (it multiplies cosines in [-1, 1]); received "
            f"{scale!r}. Typical values: 10 to 64."
        )
    return scale


def _check_margin(margin, margin_type):
    margin = check_real(margin, "margin", example=0.2)
    bound, unit = (math.pi / 2, "radians") if margin_type == "arcface" else (1.0, "in cosine")
    if not 0.0 <= margin < bound:
        raise ValueError(
            f"`margin` must be in [0, {bound:.4g}) ({unit}) for margin_type={margin_type!r}; "
            f"received {margin!r}. Typical values: 0.1 to 0.5."
        )
    return margin


def cosine_logits(embeddings, weights, *, scale=1.0):
    """Scaled cosines between each embedding and each class's weight vector.

    Both sides are L2-normalised (a zero vector stays zero, so its cosines are
    0, not NaN; any other vector, however short or long, gets length 1), so the
    logits depend only on angles: a softmax classifier's
    `w_c . x` with the lengths taken out.

    Formula:
        `logits[i, c] = scale * (x_i / ||x_i||) . (w_c / ||w_c||) = scale * cos(theta_ic)`

    Args:
        embeddings: float tensor `(batch_size, embedding_dim)`.
        weights: float tensor `(num_classes, embedding_dim)`: one row per class.
        scale: positive number multiplying the cosines. Keyword-only.
            Defaults to `1.0` (the plain cosines).

    Returns:
        A float tensor `(batch_size, num_classes)` with values in
        `[-scale, scale]`.

    An empty batch gives logits of shape `(0, num_classes)`.

    Raises:
        ValueError: if either input is not 2-D, the embedding sizes differ or
            are 0, `scale` is not positive and finite, or (when the values are known,
            i.e. outside a compiled training step) an input holds NaN or inf.
        TypeError: if `scale` is not a number, or (when known) an input is
            not real-valued.

    Example:

    >>> import numpy as np
    >>> embeddings = np.array([[2.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> weights = np.array([[1.0, 0.0], [0.0, 3.0]])  # class 0 along x, class 1 along y
    >>> np.asarray(cosine_logits(embeddings, weights, scale=10.0)).round(3).tolist()
    [[10.0, 0.0], [7.071, 7.071], [0.0, 0.0]]
    """
    scale = _check_scale(scale)
    for name, value in (("embeddings", embeddings), ("weights", weights)):
        concrete_values(value, name)  # real and finite, when the values are known
    embeddings, weights = ops.convert_to_tensor(embeddings), ops.convert_to_tensor(weights)
    if len(embeddings.shape) != 2 or len(weights.shape) != 2:
        raise ValueError(
            f"`embeddings` must be 2-D (batch_size, embedding_dim) and `weights` 2-D "
            f"(num_classes, embedding_dim); received shapes {tuple(embeddings.shape)} and "
            f"{tuple(weights.shape)}. For one embedding use embeddings[None, :]."
        )
    if None not in (embeddings.shape[-1], weights.shape[-1]) and embeddings.shape[-1] != weights.shape[-1]:
        raise ValueError(
            f"`embeddings` and `weights` must have the same last axis (embedding_dim); received "
            f"shapes {tuple(embeddings.shape)} and {tuple(weights.shape)}. `weights` holds one "
            f"row per class: if yours is (embedding_dim, num_classes), pass weights.T."
        )
    check_features(embeddings, "embeddings")
    embeddings = float_tensor(embeddings)
    weights = ops.cast(weights, embeddings.dtype)
    cosines = ops.matmul(unit_vectors_tensor(embeddings), ops.transpose(unit_vectors_tensor(weights)))
    return cosines * scale


def margin_logits(cosines, labels, *, margin_type="cosface", scale=16.0, margin=0.2):
    """Turns cosines into logits, with a margin on each row's true class only.

    The other classes keep `scale * cos(theta_c)`. For the true class `y`:

    - `"none"` (NormFace): `scale * cos(theta_y)`;
    - `"cosface"`: `scale * (cos(theta_y) - margin)`;
    - `"arcface"`: `scale * cos(theta_y + margin)`, computed as
      `cos(theta) cos(m) - sin(theta) sin(m)` with `sin(theta) = sqrt(1 -
      cos^2)` and `cos(theta)` clipped to `[-1 + 1e-6, 1 - 1e-6]` so that the
      gradient stays finite at `cos = +-1`. `cos(theta + m)` stops decreasing
      once `theta + m > pi`, which would *reward* the worst angles; there
      (`cos(theta) < cos(pi - m)`) the CosFace-like `cos(theta) - m sin(m)`
      is used instead, which keeps falling (the insightface fallback).

    At inference no margin is applied: the predicted class is the argmax of
    the cosines.

    Formula:
        `logits[i, c] = scale * f(cos(theta_ic))` if `c == y_i`, else
        `scale * cos(theta_ic)`, with `f` as above.

    Args:
        cosines: float tensor `(batch_size, num_classes)` with values in
            `[-1, 1]`, e.g. the output of `CosineClassifier`.
        labels: integer class labels `(batch_size,)` or `(batch_size, 1)`,
            each in `[0, num_classes)`.
        margin_type: one of `MARGIN_TYPES`: `"none"`, `"cosface"` (default)
            or `"arcface"`. Keyword-only.
        scale: positive number, the `s` above. Keyword-only. Defaults to `16.0`.
        margin: `m`, in `[0, 1)` for CosFace (a cosine) or `[0, pi/2)` for
            ArcFace (radians); ignored for `"none"`. Keyword-only. Defaults to
            `0.2`.

    Returns:
        A float tensor `(batch_size, num_classes)`: the logits.

    Raises:
        ValueError: if `margin_type` is unknown (the message lists the choices),
            `scale` or `margin` is out of range, `cosines` is not 2-D or holds
            NaN or inf (checked when known), or the
            labels do not match the batch or lie outside `[0, num_classes)`
            (checked whenever their values are known, i.e. outside a compiled
            training step).
        TypeError: if `scale` or `margin` is not a number, or labels are not
            integers or cosines not real (checked when known).

    Example:

    >>> import numpy as np
    >>> cosines = np.array([[0.8, 0.6], [0.5, -0.5]])
    >>> labels = np.array([0, 1])
    >>> np.asarray(margin_logits(cosines, labels, margin_type="cosface", scale=10.0,
    ...                          margin=0.2)).round(3).tolist()
    [[6.0, 6.0], [5.0, -7.0]]
    >>> np.asarray(margin_logits(cosines, labels, margin_type="arcface", scale=1.0,
    ...                          margin=0.5)).round(3).tolist()  # cos(arccos(c) + 0.5) on y
    [[0.414, 0.6], [0.5, -0.854]]
    """
    check_choice(margin_type, "margin_type", MARGIN_TYPES)
    scale = _check_scale(scale)
    margin = _check_margin(margin, margin_type)
    concrete_values(cosines, "cosines")  # real and finite, when the values are known
    cosines = ops.convert_to_tensor(cosines)
    if not keras.backend.is_float_dtype(cosines.dtype):
        cosines = ops.cast(cosines, "float32")
    if len(cosines.shape) != 2:
        raise ValueError(f"`cosines` must be 2-D (batch_size, num_classes); received shape {tuple(cosines.shape)}.")
    num_classes = cosines.shape[-1]
    if is_concrete(labels):
        flat = concrete_values(labels, "labels")  # float64: exact for every valid class index
        flat = as_labels(flat.reshape(-1) if flat.ndim == 2 and flat.shape[-1] == 1 else flat, "labels")
        if cosines.shape[0] is not None and flat.shape[0] != cosines.shape[0]:
            raise ValueError(
                f"`labels` must have one entry per row of `cosines` ({cosines.shape[0]}); "
                f"received {flat.shape[0]}. Pass one label per row."
            )
        if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
            raise ValueError(
                f"`labels` must lie in [0, {num_classes}) for {num_classes} classes; received "
                f"values from {flat.min()} to {flat.max()}."
            )
    labels = ops.reshape(ops.cast(ops.convert_to_tensor(labels), "int32"), (-1,))
    is_true = ops.one_hot(labels, num_classes, dtype=cosines.dtype)

    if margin_type == "none" or margin == 0.0:
        target = cosines
    elif margin_type == "cosface":
        target = cosines - margin
    else:
        clipped = ops.clip(cosines, -1.0 + _CLIP, 1.0 - _CLIP)
        sine = ops.sqrt(1.0 - ops.square(clipped))
        shifted = clipped * math.cos(margin) - sine * math.sin(margin)  # cos(theta + m)
        fallback = cosines - margin * math.sin(margin)  # theta + m > pi: keep decreasing
        target = ops.where(clipped > math.cos(math.pi - margin), shifted, fallback)
    return scale * (is_true * target + (1.0 - is_true) * cosines)


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class CosineClassifier(CheckedInputs, keras.layers.Layer):
    """The last layer of a cosine classifier: cosines to one weight vector per class.

    It holds a trainable matrix `class_weights` of shape `(num_classes,
    embedding_dim)`, one row per class (a class "centre" on the sphere), and
    returns the cosine between each embedding and each row: a Dense layer
    without bias whose inputs and weights are L2-normalised. It applies no
    scale and no margin; `MarginCosineLoss` does, because the margin needs the
    labels. Predict a class with the argmax of the cosines.

    Formula:
        `cos[i, c] = (x_i / ||x_i||) . (w_c / ||w_c||)`

    Args:
        num_classes: positive int, the number of classes.
        seed: non-negative int seeding the Glorot-uniform initializer.
            Keyword-only. Defaults to `0`.
        **kwargs: standard layer arguments (`name`, `dtype`, ...).

    Input shape:
        `(batch_size, embedding_dim)`.

    Output shape:
        `(batch_size, num_classes)`, values in `[-1, 1]`.

    Raises:
        TypeError: if `num_classes` or `seed` is not an int.
        ValueError: if `num_classes < 2` or the input is not 2-D.

    Example:

    >>> import numpy as np
    >>> layer = CosineClassifier(3, seed=0)
    >>> cosines = np.asarray(layer(np.ones((2, 4))))
    >>> cosines.shape, bool(np.all(np.abs(cosines) <= 1.0))
    ((2, 3), True)
    >>> tuple(layer.class_weights.shape)
    (3, 4)
    >>> CosineClassifier.from_config(layer.get_config()).num_classes
    3
    """

    def __init__(self, num_classes, *, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        if self.num_classes < 2:
            raise ValueError(f"`num_classes` must be >= 2; received {num_classes}.")
        self.seed = check_seed(seed)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"CosineClassifier expects embeddings of shape (batch_size, embedding_dim) with "
                f"a known embedding_dim; received input shape {tuple(input_shape)}."
            )
        self.class_weights = self.add_weight(
            name="class_weights",
            shape=(self.num_classes, int(input_shape[-1])),
            initializer=keras.initializers.GlorotUniform(seed=self.seed),
        )

    def call(self, inputs):
        return cosine_logits(inputs, self.class_weights, scale=1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "seed": self.seed}


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class MarginCosineLoss(CheckedLoss):
    """Softmax cross-entropy on scaled cosines, with a CosFace or ArcFace margin.

    `y_pred` is the output of `CosineClassifier` (cosines, not logits) and
    `y_true` the integer class labels. `margin_logits` turns the cosines into
    logits, with the margin on the true class only, and the loss is the
    sparse categorical cross-entropy of those logits.

    Formula:
        `L_i = -log( exp(s f(cos theta_iy)) / (exp(s f(cos theta_iy)) +
        sum_{c != y} exp(s cos theta_ic)) )`, with `f(c) = c` (`"none"`),
        `c - m` (`"cosface"`) or `cos(arccos(c) + m)` (`"arcface"`).

    Args:
        margin_type: `"none"` (NormFace), `"cosface"` (default) or `"arcface"`.
        scale: positive number `s`. Defaults to `16.0`.
        margin: `m` (ignored for `"none"`). Defaults to `0.2`.
        reduction: Keras reduction of the per-item losses. Defaults to
            `"sum_over_batch_size"` (the mean).
        name: defaults to `"margin_cosine_loss"`.
        dtype: the loss's dtype. Defaults to `None` (Keras's float type).

    Raises:
        ValueError: if `margin_type` is unknown, or `scale` or `margin` is out
            of range (see `margin_logits`).
        TypeError: if `scale` or `margin` is not a number.

    Example:

    >>> import numpy as np
    >>> cosines = np.array([[1.0, 0.0]])      # perfectly classified as class 0
    >>> for scale in (1.0, 16.0):             # the scale decides how small the loss can get
    ...     print(round(float(MarginCosineLoss("none", scale=scale)(np.array([0]), cosines)), 4))
    0.3133
    0.0
    >>> MarginCosineLoss.from_config(MarginCosineLoss("arcface", margin=0.3).get_config()).margin
    0.3
    """

    def __init__(
        self,
        margin_type="cosface",
        scale=16.0,
        margin=0.2,
        reduction="sum_over_batch_size",
        name="margin_cosine_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin_type = check_choice(margin_type, "margin_type", MARGIN_TYPES)
        self.scale = _check_scale(scale)
        self.margin = _check_margin(margin, margin_type)

    def _check(y_true, y_pred):
        if is_concrete(y_true) and is_concrete(y_pred):
            margin_logits(y_pred, y_true, margin_type="none", scale=1.0)  # checks, result unused

    def call(self, y_true, y_pred):
        logits = margin_logits(y_pred, y_true, margin_type=self.margin_type, scale=self.scale, margin=self.margin)
        labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)

    def get_config(self):
        return {**super().get_config(), "margin_type": self.margin_type, "scale": self.scale, "margin": self.margin}
