"""Classifiers around an embedding encoder: a softmax head or a cosine head.

Both builders put a classification layer on top of an encoder (e.g. from
`course_lib.models.build_cnn_encoder`) and share its weights: training the
classifier trains the encoder, and after training the encoder alone embeds
images for search. They differ in what the last layer computes:

- `build_softmax_classifier`: a Dense layer with bias on the encoder's
  features *before* its final `L2Normalize` (the usual CNN classifier),
  giving logits `w_c . x + b_c`; train with
  `keras.losses.SparseCategoricalCrossentropy(from_logits=True)`;
- `build_cosine_classifier`: `course_lib.heads.CosineClassifier`, giving the
  cosines between the (normalised) embedding and one weight vector per class;
  train with `course_lib.heads.MarginCosineLoss` (NormFace, CosFace or ArcFace).
"""

import keras
from keras import layers

from course_lib._validation import check_positive_int, check_seed
from course_lib.heads import CosineClassifier
from course_lib.layers import L2Normalize
from course_lib.models._checks import check_encoder

__all__ = ["build_cosine_classifier", "build_softmax_classifier"]


def _check_num_classes(num_classes):
    num_classes = check_positive_int(num_classes, "num_classes")
    if num_classes < 2:
        raise ValueError(f"`num_classes` must be >= 2 (a classifier needs two classes); received {num_classes}.")
    return num_classes


def build_softmax_classifier(encoder, num_classes, *, seed=0, name="softmax_classifier"):
    """A plain softmax classifier on the encoder's unnormalised features.

    If the encoder ends with `L2Normalize` (as `build_cnn_encoder` does), the
    Dense layer reads the features *before* it, as in a standard CNN
    classifier, so that lengths and biases take part in the logits; the
    encoder's own (normalised) output is still what retrieval uses.

    Formula:
        `logits_c = w_c . z(x) + b_c`, with `z(x)` the encoder's features.

    Args:
        encoder: a `keras.Model` with one input and one `(batch,
            embedding_dim)` output.
        num_classes: int >= 2.
        seed: non-negative int seeding the Dense layer's initializer.
            Keyword-only. Defaults to `0`.
        name: the model's name. Defaults to `"softmax_classifier"`.

    Returns:
        An uncompiled functional `keras.Model` from the encoder's input to
        logits `(batch, num_classes)`, sharing the encoder's weights.

    Raises:
        TypeError: if `encoder` is not a single-input, single-output
            `keras.Model`, or `num_classes` / `seed` is not an int.
        ValueError: if `num_classes < 2`.

    Example:

    >>> from course_lib.models import build_cnn_encoder
    >>> encoder = build_cnn_encoder((28, 28), embedding_dim=8, filters=(4, 8))
    >>> model = build_softmax_classifier(encoder, 10)
    >>> model.output_shape, model.get_layer("logits").kernel.shape[0]
    ((None, 10), 8)
    """
    encoder = check_encoder(encoder)
    num_classes = _check_num_classes(num_classes)
    seed = check_seed(seed)
    image = keras.Input(shape=tuple(encoder.inputs[0].shape[1:]), name="image")
    if isinstance(encoder.layers[-1], L2Normalize):
        features = keras.Model(encoder.inputs, encoder.layers[-1].input, name=f"{encoder.name}_features")
    else:
        features = encoder
    logits = layers.Dense(num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed=seed), name="logits")(
        features(image)
    )
    return keras.Model(image, logits, name=name)


def build_cosine_classifier(encoder, num_classes, *, seed=0, name="cosine_classifier"):
    """A cosine classifier: the encoder, then `CosineClassifier` (one weight vector per class).

    The output is cosines in `[-1, 1]`, not logits: compile with
    `course_lib.heads.MarginCosineLoss`, which applies the scale and the
    margin. The predicted class is the argmax of the cosines.

    Formula:
        `cos_c = e(x) . w_c / (||e(x)|| ||w_c||)`

    Args:
        encoder: a `keras.Model` with one input and one `(batch,
            embedding_dim)` output, e.g. from `build_cnn_encoder`.
        num_classes: int >= 2.
        seed: non-negative int seeding the class weights. Keyword-only.
            Defaults to `0`.
        name: the model's name. Defaults to `"cosine_classifier"`.

    Returns:
        An uncompiled functional `keras.Model` from the encoder's input to
        cosines `(batch, num_classes)`, sharing the encoder's weights.

    Raises:
        TypeError: if `encoder` is not a single-input, single-output
            `keras.Model`, or `num_classes` / `seed` is not an int.
        ValueError: if `num_classes < 2`.

    Example:

    >>> from course_lib.models import build_cnn_encoder
    >>> encoder = build_cnn_encoder((28, 28), embedding_dim=8, filters=(4, 8))
    >>> model = build_cosine_classifier(encoder, 10)
    >>> model.output_shape, tuple(model.get_layer("cosine_head").class_weights.shape)
    ((None, 10), (10, 8))
    """
    encoder = check_encoder(encoder)
    num_classes = _check_num_classes(num_classes)
    seed = check_seed(seed)
    image = keras.Input(shape=tuple(encoder.inputs[0].shape[1:]), name="image")
    cosines = CosineClassifier(num_classes, seed=seed, name="cosine_head")(encoder(image))
    return keras.Model(image, cosines, name=name)
