"""Exercises of notebook 02, autoencoder similarity.

- `reconstruction_loss`: the autoencoder's loss `||x - x_hat||^2`, averaged over images.
- `code_similarities`: cosine similarities between the code of ONE raw (uint8) image
  and the codes of a batch: the training preprocessing, a batch axis, the cosine.
- `conv_encoder`: a small convolutional encoder built to a given specification.
- `linear_autoencoder_pca`: a question: what a linear autoencoder's codes share with PCA.
"""

import functools
import logging
import re

import numpy as np

from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    Question,
    ____,
    as_learner_array,
    call_learner,
    check_cases,
    describe_array,
    register,
    screen_returned,
)

__all__ = ["reconstruction_loss", "code_similarities", "conv_encoder", "linear_autoencoder_pca"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# Keras's input check of a layer being built or called: the same text on every backend.
_LAYER_NDIM = re.compile(
    r"of layer '(?P<layer>[^']+)' is incompatible with the layer: expected (?P<min>min_)?ndim=(?P<needed>\d+), "
    r"found ndim=(?P<found>\d+)\. Full shape received: (?P<shape>\([^)]*\))"
)


@functools.cache
def _shape_watching_model():
    """A functional `keras.Model` class that notes the shape of every input given to it
    (called or through `predict`), so that a check can say which shape did not fit without
    reading the backend's error text (TensorFlow and JAX word shape errors differently)."""
    import keras

    class ShapeWatchingModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.shapes_given = []

        def _note(self, x):
            try:
                self.shapes_given.append(tuple(x.shape) if hasattr(x, "shape") else np.shape(x))
            except Exception:  # a tensor of unknown rank, ragged lists: nothing to note
                pass

        def __call__(self, inputs, *args, **kwargs):
            self._note(inputs)
            return super().__call__(inputs, *args, **kwargs)

        def predict(self, x, *args, **kwargs):
            self._note(x)
            return super().predict(x, *args, **kwargs)

    return ShapeWatchingModel


def _watching(model):
    """`model`'s layers as a model that notes the shapes it is given (`_shape_watching_model`)."""
    (image,), (code,) = model.inputs, model.outputs  # one tensor each, as the encoder was built
    return _shape_watching_model()(image, code, name=model.name)


def _fits(shape, expected):
    return len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected))


def _shape_diagnosis(error, args):
    """The course's own words for a shape error, or None when `error` is not one.

    From what the learner gave a watched model (the first shape that does not fit its
    input), else from Keras's layer input check (built or called with too few axes).
    """
    for arg in args:
        for shape in getattr(arg, "shapes_given", ()):
            expected = tuple(arg.inputs[0].shape)
            if not _fits(shape, expected):
                return (
                    f"the model was given an array of shape {shape}, but it takes shape {expected}, "
                    f"where None stands for any number of images"
                )
    match = _LAYER_NDIM.search(_ANSI.sub("", str(error)))
    if match:
        needed = f"{'at least ' if match['min'] else ''}{match['needed']}"
        return (
            f"layer '{match['layer']}' was given shape {match['shape']}, {match['found']} axes, "
            f"and it needs {needed} axes"
        )
    return None


def _brief(error):
    """An exception's first line, without terminal colour codes or the tensors Keras prints."""
    text = _ANSI.sub("", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((line for line in lines if not line.startswith("Exception encountered")), "")
    return line if len(line) <= 300 else line[:297] + "..."


def _call_briefly(function, *args, description, shape_hint):
    """`call_learner`, with long Keras errors cut short, and shape errors told in the course's words
    followed by `shape_hint`.

    TensorFlow's warnings are held back during the call: the check builds fresh models, and
    TensorFlow would warn that their `predict` functions are traced one after another.
    """
    if function is ____ or not callable(function):
        return call_learner(function, *args, description=description)
    tensorflow_logger = logging.getLogger("tensorflow")
    level = tensorflow_logger.level
    tensorflow_logger.setLevel(logging.ERROR)
    try:
        value = function(*args)
    except Exception as error:  # the learner's code may fail in any way; report it kindly
        diagnosis = _shape_diagnosis(error, args)
        if diagnosis:
            raise Incorrect(
                f"your function raised {type(error).__name__}: {diagnosis} (called with {description}). {shape_hint}"
            ) from None
        raise Incorrect(
            f"your function raised {type(error).__name__}: {_brief(error)} (called with {description})."
        ) from None
    finally:
        tensorflow_logger.setLevel(level)
    return screen_returned(value)


# --- 02.reconstruction_loss ------------------------------------------------------------


def _reconstruction_cases():
    rng = np.random.default_rng(21)
    x_small = np.zeros((2, 2, 2))
    x_hat_small = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.5, 0.5]]])
    images = rng.random((5, 28, 28))
    flat = rng.random((4, 784))
    one = rng.random((1, 4, 4))
    return [
        ("x = zeros (2, 2, 2), x_hat = [[[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]]", (x_small, x_hat_small)),
        (
            "x and x_hat random, shape (5, 28, 28)",
            (images, np.clip(images + rng.normal(scale=0.2, size=images.shape), 0, 1)),
        ),
        (
            "x and x_hat random, flattened images of shape (4, 784)",
            (flat, np.clip(flat + rng.normal(scale=0.3, size=flat.shape), 0, 1)),
        ),
        ("one image, x and x_hat of shape (1, 4, 4)", (one, rng.random((1, 4, 4)))),
    ]


def _reference_reconstruction_loss(x, x_hat):
    return float(np.mean(np.sum((x - x_hat).reshape(len(x), -1) ** 2, axis=1)))


def _reconstruction_mistakes(x, x_hat):
    """The usual wrong answers for `x`, `x_hat`, each with what to tell the learner."""
    difference = (x - x_hat).reshape(len(x), -1)
    per_image = np.sum(difference**2, axis=1)
    last_axis = np.sum((x - x_hat) ** 2, axis=-1)
    return [
        (
            np.mean(difference**2),
            "you averaged over the pixels too: that is Keras's loss='mse', which is L divided "
            "by the number of pixels. Sum the squares over the pixels of each image, then "
            "average over the images.",
        ),
        (
            np.sum(difference**2),
            "you summed over the images too; L is the average over the images of each image's summed squared error.",
        ),
        (
            np.mean(np.sqrt(np.sum(difference**2, axis=1))),
            "you averaged the Euclidean norms ||x - x_hat||; L uses the squared norm, so leave out the square root.",
        ),
        (
            np.mean(np.sum(np.abs(difference), axis=1)),
            "you summed absolute differences (an L1 loss); L sums squared differences.",
        ),
        (
            np.mean(np.sum(difference, axis=1)),
            "you summed the differences without squaring them, so positive and negative "
            "errors cancel; square them first.",
        ),
        (
            _same_array(per_image),
            f"you returned an array of shape {per_image.shape}, one value per image: average "
            f"them with .mean() to get one number.",
        ),
        (
            _same_array(last_axis),
            f"you returned an array of shape {last_axis.shape}: you summed over the last axis "
            f"only. Sum over every pixel axis of each image, e.g. axis=tuple(range(1, x.ndim)), "
            f"or flatten first with x.reshape(len(x), -1).",
        ),
    ]


def _same_array(value):
    """A predicate for `explain_failures`: the answer holds the numbers of `value`, in order
    (an answer of one number has been turned into a float already)."""
    return lambda got: np.size(got) == np.size(value) and np.allclose(np.ravel(got), np.ravel(value), rtol=1e-5)


def _as_loss(got, expected, description):
    """`convert` for 02.reconstruction_loss: one number as a float; an array stays an array."""
    got = as_learner_array(got, "a single number")
    return float(got.reshape(())) if got.size == 1 else got


def _render_loss(value):
    if np.ndim(value) == 0:
        return f"{value:.6g}"
    text = describe_array(value)
    shape = "" if text.startswith("an array") else f"an array of shape {np.shape(value)}: "
    return f"{shape}{text} (one number was expected)"


def _check_reconstruction_loss(function):
    check_cases(
        function,
        _reconstruction_cases(),
        expected=_reference_reconstruction_loss,
        convert=_as_loss,
        mistakes=_reconstruction_mistakes,
        render=_render_loss,
        same=lambda got, value: np.ndim(got) == 0 and np.isclose(got, value, rtol=1e-5, atol=1e-8),
    )
    return "your loss is the mean over images of ||x - x_hat||^2 (784 times Keras's mse on 28x28 images)."


reconstruction_loss = register(
    Exercise(
        "02.reconstruction_loss",
        title="The reconstruction loss ||x - x_hat||^2: summed over pixels, averaged over images.",
        checker=_check_reconstruction_loss,
        hint=(
            """
            Two different reductions: within an image the squared errors are SUMMED over
            every pixel; across images the per-image losses are AVERAGED.
            """,
            """
            Flatten to (n_images, n_pixels) with (x - x_hat).reshape(len(x), -1), square, sum
            over axis=1 (one number per image), then take the mean over images.
            """,
        ),
        solution_code="""
            def reconstruction_loss(x, x_hat):
                squared_error = (x - x_hat).reshape(len(x), -1) ** 2
                return float(squared_error.sum(axis=1).mean())
        """,
        answer_name="reconstruction_loss",
    )
)


# --- 02.code_similarities --------------------------------------------------------------


def _with_random_biases(model, seed):
    """`model` with seeded random biases: with the zero biases of a fresh model, a ReLU
    network is blind to the scale of its input, which a trained one is not."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [
            weight if weight.ndim > 1 else rng.normal(scale=0.5, size=weight.shape).astype(weight.dtype)
            for weight in model.get_weights()
        ]
    )
    return model


def _similarity_cases():
    from course_lib.data import load_fashion_mnist
    from course_lib.models.autoencoders import build_conv_autoencoder, build_dense_autoencoder

    images, _ = load_fashion_mnist("test", dtype="uint8")  # raw bytes, 0..255
    _, dense_encoder = build_dense_autoencoder((28, 28), embedding_dim=8, hidden_units=16, seed=22)
    _, conv_encoder = build_conv_autoencoder((28, 28), embedding_dim=6, filters=(4,), seed=23)
    return [
        (
            "a dense encoder to 8 numbers, query = one uint8 image (28, 28), images = 5 uint8 images (5, 28, 28)",
            (_watching(_with_random_biases(dense_encoder, 22)), images[0], images[[200, 400, 1, 600, 2]]),
        ),
        (
            "a convolutional encoder to 6 numbers, query = one uint8 image (28, 28), images = 4 "
            "uint8 images (4, 28, 28)",
            (_watching(_with_random_biases(conv_encoder, 23)), images[1000], images[[1001, 1200, 3, 1800]]),
        ),
    ]


def _codes(encoder, images):
    return np.asarray(encoder(np.asarray(images, dtype=np.float32)), dtype=np.float64)


def _unit_rows(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _reference_similarities(encoder, query, images):
    codes = _codes(encoder, np.concatenate([query[None], images]) / 255.0)
    return _unit_rows(codes[1:]) @ _unit_rows(codes[0])


def _similarity_mistakes(encoder, query, images):
    def cosines(query_code, image_codes):
        return _unit_rows(image_codes) @ _unit_rows(query_code)

    query_code, image_codes = _codes(encoder, query[None] / 255.0)[0], _codes(encoder, images / 255.0)
    raw_query, raw_images = _codes(encoder, query[None])[0], _codes(encoder, images)
    flat_query, flat_images = query.reshape(-1).astype(np.float64), images.reshape(len(images), -1)
    right = cosines(query_code, image_codes)
    return [
        (
            cosines(raw_query, raw_images),
            "you gave the encoder the raw pixels, 0 to 255; it expects the pixels as "
            "load_fashion_mnist gives them, divided by 255 into [0, 1]. A network is not "
            "scale-free: its biases and non-linearities see a 255 times larger input, so the codes "
            "change. Divide by 255 BEFORE the encoder.",
        ),
        (
            cosines(query_code, raw_images),
            "you divided the query by 255 but not the images: both must get the same "
            "preprocessing before the encoder, or their codes are not comparable.",
        ),
        (
            cosines(raw_query, image_codes),
            "you divided the images by 255 but not the query: both must get the same "
            "preprocessing before the encoder, or their codes are not comparable.",
        ),
        (
            image_codes @ query_code,
            "you returned plain dot products of the codes; cosine divides by both lengths (normalise the codes first).",
        ),
        (
            _unit_rows(image_codes) @ query_code,
            "you normalised the images' codes but not the query's; both sides need length 1.",
        ),
        (
            image_codes @ _unit_rows(query_code),
            "you normalised the query's code but not the images'; both sides need length 1.",
        ),
        (1.0 - right, "you returned cosine DISTANCES, 1 - cos; return the similarities."),
        (
            np.linalg.norm(image_codes - query_code, axis=1),
            "you returned Euclidean distances between the codes; return cosine similarities.",
        ),
        (
            cosines(flat_query, flat_images),
            "you compared the pixels, not the codes: run the images through the encoder first.",
        ),
    ]


def _as_similarities(got, expected, description):
    (n,) = expected.shape
    got = as_learner_array(got, f"an array of {n} similarities, shape ({n},)")
    if got.shape == (1, n):
        raise Incorrect(
            f"on {description}: you returned shape (1, {n}), a batch of one row; "
            f"return the row itself, shape ({n},): take [0]."
        )
    if got.shape in ((n, n), (n + 1, n + 1), (n + 1, n), (n, n + 1)):
        raise Incorrect(
            f"on {description}: you returned a matrix {got.shape}, every pair compared; "
            f"return only the query compared with each of the {n} images, shape ({n},)."
        )
    if got.shape == (n + 1,):
        raise Incorrect(
            f"on {description}: you returned {n + 1} numbers, the query compared with "
            f"itself too; return one similarity per image, shape ({n},)."
        )
    if got.ndim == 2 and got.shape[0] == n:
        raise Incorrect(
            f"on {description}: you returned shape {got.shape}, the images' codes; "
            f"compare each with the query's code: one cosine per image, shape ({n},)."
        )
    if got.shape != (n,):
        raise Incorrect(f"on {description}: expected shape ({n},), one similarity per image; got shape {got.shape}.")
    return got


def _check_code_similarities(function):
    call = functools.partial(
        _call_briefly,
        shape_hint="A Keras model takes a BATCH of images, (batch, 28, 28): one image "
        "(28, 28) is read as 28 rows of 28 numbers. Give it a batch of one, query[None] "
        "(shape (1, 28, 28)), keeping each image's own shape.",
    )
    check_cases(
        function,
        _similarity_cases(),
        expected=_reference_similarities,
        convert=_as_similarities,
        call=call,
        mistakes=_similarity_mistakes,
        same=lambda got, value: np.allclose(got, value, atol=1e-4, rtol=1e-4),
    )
    return (
        "same preprocessing as in training, a batch axis for the one query, then the cosine "
        "of the codes: the query compared with each image."
    )


code_similarities = register(
    Exercise(
        "02.code_similarities",
        title="Cosine similarities between the code of ONE raw uint8 image and the codes of a batch of raw images.",
        checker=_check_code_similarities,
        hint=(
            """
            Three things stand between raw images and comparable codes: the encoder expects
            the pixels the way it was trained on them (floats in [0, 1]), it takes a BATCH
            (even of one), and cosine compares directions, not lengths.
            """,
            """
            Divide both by 255.0; codes = encoder.predict(images / 255.0, verbose=0) and
            query_code = encoder.predict(query[None] / 255.0, verbose=0)[0]; normalise each
            code to length 1 (np.linalg.norm(..., axis=-1, keepdims=True)), then
            image_codes @ query_code.
            """,
        ),
        solution_code="""
            def code_similarities(encoder, query, images):
                batch = np.concatenate([query[None], images]).astype("float32") / 255.0
                codes = encoder.predict(batch, verbose=0)
                codes = codes / np.maximum(np.linalg.norm(codes, axis=1, keepdims=True), 1e-12)
                return codes[1:] @ codes[0]
        """,
        answer_name="code_similarities",
    )
)


# --- 02.conv_encoder -------------------------------------------------------------------

_SPEC = (
    "Input(shape=(28, 28)) -> Reshape((28, 28, 1)) -> Conv2D(16, 3, strides=2, "
    "padding='same', activation='relu') -> Conv2D(32, 3, strides=2, padding='same', "
    "activation='relu') -> Flatten() -> Dense(embedding_dim)"
)


def _leaf_layers(model):
    """The model's layers in order, nested models expanded, input layers left out."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_leaf_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            found.append(layer)
    return found


def _activation_name(layer):
    import keras

    name = keras.activations.serialize(layer.activation)
    return name if isinstance(name, str) else str(name)


def _check_conv_layers(convs, description):
    if len(convs) != 2:
        raise Incorrect(
            f"{description}: expected 2 Conv2D layers (16 then 32 filters); found "
            f"{len(convs)}. The specification: {_SPEC}."
        )
    for conv, n_filters in zip(convs, (16, 32)):
        where = f"{description}: Conv2D {conv.name!r}"
        if conv.filters != n_filters:
            raise Incorrect(f"{where} has {conv.filters} filters; the first has 16 and the second 32.")
        if tuple(conv.kernel_size) != (3, 3):
            raise Incorrect(f"{where} has kernel_size {tuple(conv.kernel_size)}; use 3 (3x3).")
        if tuple(conv.strides) != (2, 2):
            raise Incorrect(
                f"{where} has strides {tuple(conv.strides)}; use strides=2 so each "
                f"convolution halves the image, 28 -> 14 -> 7, and the code layer sees "
                f"7 * 7 * 32 = 1,568 features."
            )
        if conv.padding != "same":
            raise Incorrect(
                f"{where} has padding={conv.padding!r}; use padding='same' so the sizes "
                f"go 28 -> 14 -> 7 ('valid' gives 13 -> 6)."
            )
        if _activation_name(conv) != "relu":
            raise Incorrect(
                f"{where} has activation {_activation_name(conv)!r}; use activation='relu' on both convolutions."
            )


def _build_conv_encoder(function, embedding_dim):
    """Calls the learner's builder; returns the model, or raises a verdict on what came back."""
    import keras

    description = f"build_conv_encoder({embedding_dim})"
    model = _call_briefly(
        function,
        embedding_dim,
        description=f"embedding_dim={embedding_dim}",
        shape_hint="Conv2D needs images with a channel axis, (batch, 28, 28, 1): put "
        "keras.layers.Reshape((28, 28, 1)) right after the Input.",
    )
    if not isinstance(model, keras.Model):
        raise Incorrect(
            f"{description} returned {type(model).__name__}; return the keras.Model, keras.Model(inputs, code)."
        )
    return model


def _code_size(model):
    output_shape = tuple(model.outputs[0].shape)
    return output_shape[1] if len(output_shape) == 2 else None


def _check_one_conv_encoder(model, embedding_dim, code_sizes):
    """Checks one built model against the specification; `code_sizes` maps every
    `embedding_dim` tried to the code size the learner's builder gave for it."""
    import keras

    description = f"build_conv_encoder({embedding_dim})"
    input_shape = tuple(model.inputs[0].shape) if model.inputs else None
    if input_shape != (None, 28, 28):
        fix = (
            " The images come as (n, 28, 28): take Input(shape=(28, 28)) and add the "
            "channel axis inside the model with layers.Reshape((28, 28, 1))."
            if input_shape == (None, 28, 28, 1)
            else ""
        )
        raise Incorrect(
            f"{description}: the model's input has shape {input_shape}; expected "
            f"(None, 28, 28), a batch of images as load_fashion_mnist returns them.{fix}"
        )
    layers = _leaf_layers(model)
    pooling = [layer.name for layer in layers if "Pooling" in type(layer).__name__]
    if pooling:
        raise Incorrect(
            f"{description}: found pooling layer(s) {pooling}. This encoder shrinks the "
            f"image with strided convolutions instead (strides=2), as the autoencoder's "
            f"decoder mirrors them with strided transposed convolutions."
        )
    _check_conv_layers([layer for layer in layers if isinstance(layer, keras.layers.Conv2D)], description)
    output_shape = tuple(model.outputs[0].shape)
    if len(output_shape) != 2:
        raise Incorrect(
            f"{description}: the output has shape {output_shape}; the code must be one "
            f"vector per image, (None, {embedding_dim}). Add Flatten() and "
            f"Dense(embedding_dim) after the convolutions."
        )
    if output_shape[1] != embedding_dim:
        sizes = set(code_sizes.values())
        fixed = (
            f" It has {output_shape[1]} numbers whatever embedding_dim is "
            f"({' or '.join(map(str, code_sizes))}): use the argument, Dense(embedding_dim)."
            if len(sizes) == 1
            else ""
        )
        raise Incorrect(f"{description}: the code has {output_shape[1]} numbers; expected {embedding_dim}.{fixed}")
    denses = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    if len(denses) != 1:
        raise Incorrect(
            f"{description}: expected exactly one Dense layer, the code layer, after "
            f"Flatten; found {len(denses)}. The specification: {_SPEC}."
        )
    if _activation_name(denses[0]) != "linear":
        raise Incorrect(
            f"{description}: the code layer has activation {_activation_name(denses[0])!r}; "
            f"leave it linear (no activation). A ReLU code has no negative entries, so every "
            f"cosine between two codes is >= 0 and zero codes appear."
        )
    from course_lib.models.autoencoders import build_conv_autoencoder

    _, reference = build_conv_autoencoder((28, 28), embedding_dim=embedding_dim, filters=(16, 32))
    if model.count_params() != reference.count_params():
        raise Incorrect(
            f"{description}: the model has {model.count_params():,} parameters; the "
            f"specification gives {reference.count_params():,}. Compare your layers with: "
            f"{_SPEC}."
        )


def _check_conv_encoder(function):
    models = {embedding_dim: _build_conv_encoder(function, embedding_dim) for embedding_dim in (32, 8)}
    code_sizes = {embedding_dim: _code_size(model) for embedding_dim, model in models.items()}
    for embedding_dim, model in models.items():
        _check_one_conv_encoder(model, embedding_dim, code_sizes)
    return (
        "(28, 28) -> (28, 28, 1) -> (14, 14, 16) -> (7, 7, 32) -> 1,568 -> embedding_dim, "
        "the encoder of course_lib's build_conv_autoencoder."
    )


def _autoencoder_builders():
    from course_lib.models import autoencoders

    # build_dense_autoencoder builds no convolution, so it cannot answer this exercise
    return (autoencoders.build_conv_autoencoder,)


conv_encoder = register(
    Exercise(
        "02.conv_encoder",
        title="A convolutional encoder: (batch, 28, 28) images to (batch, embedding_dim) codes.",
        checker=_check_conv_encoder,
        hint=(
            """
            Follow the specification one layer at a time with the functional API: each layer
            is called on the previous layer's output. Conv2D needs images with a channel
            axis, and each strided convolution halves the image.
            """,
            f"""
            {_SPEC}. Return keras.Model(image, code). Reshape adds the channel axis;
            strides=2 with padding='same' halves the size, 28 -> 14 -> 7.
            """,
        ),
        solution_code="""
            def build_conv_encoder(embedding_dim):
                image = keras.Input(shape=(28, 28))
                x = keras.layers.Reshape((28, 28, 1))(image)
                x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
                x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
                x = keras.layers.Flatten()(x)
                code = keras.layers.Dense(embedding_dim)(x)
                return keras.Model(image, code)
        """,
        answer_name="build_conv_encoder",
        references=_autoencoder_builders,
    )
)


# --- 02.linear_autoencoder_pca (question) ----------------------------------------------------

linear_autoencoder_pca = register(
    Question(
        "02.linear_autoencoder_pca",
        title="What a linear autoencoder shares with PCA.",
        prompt="""
            **Question.** A linear autoencoder (Dense layers, no activations) with a code of
            k numbers is trained to its best squared reconstruction error on centred data.
            Compared with the first k coordinates of PCA, its codes have:
        """,
        choices={
            "a": "the same values as PCA's coordinates, up to the order of the numbers",
            "b": "the same subspace only: each code is an invertible linear mix of the k PCA coordinates",
            "c": "the same cosine nearest neighbours as PCA's coordinates",
            "d": "nothing in common with PCA: the encoder is learned, not computed",
        },
        answer="b",
        answer_name="linear_autoencoder_pca_answer",
        explanations={
            "a": "The loss only sees the reconstruction. For any invertible k x k matrix A, the "
            "encoder A E and the decoder D A^-1 reconstruct exactly as well, so the codes "
            "are A times PCA's coordinates, not the coordinates themselves.",
            "c": "Cosine survives a rotation or a uniform scaling, but not a general invertible "
            "mix A: stretching one direction changes the angles, so the nearest neighbours "
            "by cosine can change.",
            "d": "At its best, the encoder spans exactly the space of the first k principal "
            "components (Baldi and Hornik, 1989); only the basis in that space is free.",
        },
        hint=(
            "The loss only asks that the decoder can rebuild x from the code. If you mix the "
            "code with an invertible matrix and unmix it in the decoder, does the loss change?",
            "Encoder E and decoder D reconstruct like A E and D A^-1 for any invertible A. "
            "Which of the choices is left unchanged by every such A?",
        ),
        why="the reconstruction fixes the subspace, not the basis: codes are PCA's coordinates "
        "mixed by some invertible matrix, so distances and cosines between codes can differ "
        "from PCA's.",
    )
)
