"""Keras layers for similarity models: `L2Normalize` and `PairDistance`.

Both are written with `keras.ops` only, so they run on any Keras backend, and
both are registered serializable under the package name `"course_lib"`: a
model that uses them saves to `.keras` and loads back with
`keras.saving.load_model(path)` as long as `course_lib.layers` is imported.

- `L2Normalize` ends every embedding model of the course: it divides each
  embedding by its Euclidean length, so that cosine similarity is a dot product
  and Euclidean distance lies in `[0, 2]`.
- `PairDistance` turns two batches of embeddings into one Euclidean distance
  per pair: the output of a siamese model trained with the contrastive loss.
- `MaskedMeanPooling` averages a padded sequence over its real steps, and
  gives zeros (not NaN) for a sequence with none: a text of unknown words.

Importing this module imports Keras.
"""

import keras
from keras import ops

from course_lib._validation import as_flags, check_choice, is_concrete
from course_lib.similarity import METRICS
from course_lib.tensor_similarity import (
    check_axis,
    check_epsilon,
    check_pair_shapes,
    check_tensor_input,
    float_tensor,
    l2_normalize_tensor,
    paired_distances_tensor,
    unit_vectors_tensor,
)

__all__ = ["L2Normalize", "MaskedMeanPooling", "PairDistance"]

_SERIALIZATION_PACKAGE = "course_lib"


class CheckedInputs:
    """A layer mixin: `__call__` checks the input with `check_tensor_input` before Keras converts it.

    Keras's `Layer.__call__` turns NumPy arrays into tensors first, so without it a
    string, object or NaN input would fail inside the backend (or pass unchecked).
    """

    def __call__(self, inputs, *args, **kwargs):
        if kwargs.get("mask") is not None and is_concrete(kwargs["mask"]):
            kwargs["mask"] = as_flags(kwargs["mask"], "mask", what="True (a real step) or False (padding)")
        return super().__call__(check_tensor_input(inputs), *args, **kwargs)


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class L2Normalize(CheckedInputs, keras.layers.UnitNormalization):
    """Scales each vector to unit Euclidean length: the last layer of an embedding model.

    After it, cosine similarity is a plain dot product and, for unit vectors,
    `||a - b||^2 = 2 - 2 cos(a, b)`: ranking by cosine or by Euclidean
    distance gives the same neighbours (notebook 01). It has no weights.

    It is Keras's `keras.layers.UnitNormalization` (a subclass of it) with
    two additions: an `epsilon` argument (UnitNormalization fixes it at
    1e-12, the default here too), and `l2_normalize_tensor` as its
    computation, so that a zero vector gives a zero output with a finite
    gradient on every backend, and huge or tiny vectors still give unit
    vectors. It is registered as `"course_lib>L2Normalize"`: a saved `.keras`
    model that uses it loads with `keras.saving.load_model(path)` once
    `course_lib` is imported, without `custom_objects`.

    Formula:
        `y = x / max(||x||_2, epsilon)`, along `axis`.

    Args:
        axis: int, the axis that holds each vector. Defaults to `-1`.
        epsilon: smallest length divided by, so a zero vector stays zero.
            Defaults to `1e-12`.
        **kwargs: standard layer arguments (`name`, `dtype`, ...).

    Input shape:
        Any, e.g. `(batch_size, embedding_dim)`.

    Output shape:
        The input shape.

    Raises:
        TypeError: if `axis` is not an int, or the inputs (when their values
            are known) are not real numbers.
        ValueError: if `epsilon` is not a positive number, `axis` is out of
            range for the inputs, or they hold NaN or infinite values.

    Example:

    >>> import numpy as np
    >>> layer = L2Normalize()
    >>> np.asarray(layer(np.array([[3.0, 4.0]]))).round(3).tolist()
    [[0.6, 0.8]]
    >>> L2Normalize.from_config(layer.get_config()).axis
    -1
    """

    def __init__(self, axis=-1, epsilon=1e-12, **kwargs):
        super().__init__(axis=check_axis(axis), **kwargs)
        self.epsilon = check_epsilon(epsilon)

    def call(self, inputs):
        return l2_normalize_tensor(inputs, axis=self.axis, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class PairDistance(keras.layers.Layer):
    """Euclidean (or cosine) distance between two batches of embeddings, row by row.

    Called on a list `[a, b]` of two tensors of the same shape, it returns one
    distance per row: the output of a siamese model, compared with a pair
    label by `course_lib.losses.ContrastiveLoss`.

    Formula:
        `"euclidean"`: `d_i = ||a_i - b_i||_2` (zero gradient at `d_i = 0`);
        `"cosine"`: `d_i = 1 - cos(a_i, b_i)`, with cosine 0 for a zero
        vector and no length floor (short parallel vectors are 0 apart).

    Args:
        metric: `"euclidean"` (default) or `"cosine"`.
        **kwargs: standard layer arguments (`name`, `dtype`, ...).

    Input shape:
        A list of two tensors `(batch_size, embedding_dim)`.

    Output shape:
        `(batch_size,)`.

    Raises:
        ValueError: if `metric` is not one of the two names (the message lists
            them and the value received), or if the layer is not called on a
            list of two 2-D tensors of the same shape (or, when their values
            are known, on NaN or infinite values).
        TypeError: if the values (when known) are not real numbers.

    Example:

    >>> import numpy as np
    >>> a, b = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])
    >>> np.asarray(PairDistance()([a, b])).tolist()
    [5.0]
    >>> PairDistance(metric="cosine").get_config()["metric"]
    'cosine'
    """

    METRICS = METRICS  # the course's one list, `course_lib.similarity.METRICS`

    def __init__(self, metric="euclidean", **kwargs):
        super().__init__(**kwargs)
        self.metric = check_choice(metric, "metric", self.METRICS)

    @staticmethod
    def _check_inputs(inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"PairDistance must be called on a list of two tensors [a, b] of shape "
                f"(batch_size, embedding_dim); received {type(inputs).__name__}"
                f"{'' if not isinstance(inputs, (list, tuple)) else f' of length {len(inputs)}'}."
            )

    def __call__(self, inputs, *args, **kwargs):
        self._check_inputs(inputs)  # before Keras converts them (strings, objects, ragged lists)
        inputs = [check_tensor_input(value, name) for name, value in zip(("a", "b"), inputs)]
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        self._check_inputs(inputs)
        a, b = inputs
        if self.metric == "cosine":
            a, b = float_tensor(a), float_tensor(b)
            check_pair_shapes(a, b)
            return 1.0 - ops.sum(unit_vectors_tensor(a) * unit_vectors_tensor(b), axis=-1)
        return paired_distances_tensor(a, b)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1])

    def get_config(self):
        return {**super().get_config(), "metric": self.metric}


@keras.saving.register_keras_serializable(package=_SERIALIZATION_PACKAGE)
class MaskedMeanPooling(keras.layers.Layer):
    """Averages each sequence over its real steps: the masked mean of notebook 04, safe when empty.

    `keras.layers.GlobalAveragePooling1D` does the same given a mask, but
    divides by zero for a sequence whose steps are all masked, and its NaN
    then spreads through every layer after it. A text whose tokens are all
    padding (an empty string, or one whose only characters are stripped)
    is such a sequence; here it pools to a zero vector.

    Formula:
        `y_i = sum_t m_it x_it / max(1, sum_t m_it)`, with `m` the mask (1 on real steps).

    Call arguments:
        inputs: float tensor `(batch, steps, d)`.
        mask: bool tensor `(batch, steps)` or None (every step real); set by
            an `Embedding(mask_zero=True)` or `Masking` layer upstream.

    Returns:
        A tensor `(batch, d)`; the mask stops here.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [100.0]], [[5.0], [7.0], [9.0]]], "float32")
    >>> mask = np.array([[True, True, False], [False, False, False]])
    >>> ops.convert_to_numpy(MaskedMeanPooling()(x, mask=mask)).tolist()
    [[2.0], [0.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.cast(mask, inputs.dtype)[:, :, None]
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
