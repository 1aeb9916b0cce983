"""Exercises of notebook 02, autoencoder similarity.

- `reconstruction_loss`: the autoencoder's loss `||x - x_hat||^2`, averaged over images.
- `encode_one`: the code of ONE image from an encoder that expects a batch.
- `conv_encoder`: a small convolutional encoder built to a given specification.
- `linear_autoencoder_pca`: a question: what a linear autoencoder's codes share with PCA.
"""

import functools
import re

import numpy as np

from course_lib.exercises.core import (
    ____,
    Exercise,
    Incorrect,
    Question,
    as_learner_array,
    call_learner,
    check_cases,
    describe_array,
    register,
    screen_returned,
)

__all__ = ["reconstruction_loss", "encode_one", "conv_encoder", "linear_autoencoder_pca"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


_SHAPE_ERROR = re.compile(
    r"expected (?:min_)?ndim=\d+, found ndim=\d+"
    r"|expected shape=?\s*\([^)]*\),? (?:but input has incompatible|found) shape=?\s*\([^)]*\)"
    r"|as_list\(\) is not defined on an unknown TensorShape",  # Keras's wording after predict ran
    re.IGNORECASE,
)


def _brief(error):
    """An exception's text cut to what matters: the shape clause of a Keras error, else its
    first line, without terminal colour codes or the tensors Keras prints."""
    text = _ANSI.sub("", str(error))
    match = _SHAPE_ERROR.search(text)
    if match:
        return match.group(0)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((line for line in lines if not line.startswith("Exception encountered")), "")
    return line if len(line) <= 300 else line[:297] + "..."


def _call_briefly(function, *args, description, shape_hint):
    """`call_learner`, with long Keras errors cut short and `shape_hint` added to shape errors."""
    if function is ____ or not callable(function):
        return call_learner(function, *args, description=description)
    try:
        value = function(*args)
    except Exception as error:  # the learner's code may fail in any way; report it kindly
        hint = f" {shape_hint}" if _SHAPE_ERROR.search(_ANSI.sub("", str(error))) else ""
        raise Incorrect(
            f"your function raised {type(error).__name__}: {_brief(error)} (called with "
            f"{description}).{hint}"
        ) from None
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
        ("x = zeros (2, 2, 2), x_hat = [[[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]]",
         (x_small, x_hat_small)),
        ("x and x_hat random, shape (5, 28, 28)",
         (images, np.clip(images + rng.normal(scale=0.2, size=images.shape), 0, 1))),
        ("x and x_hat random, flattened images of shape (4, 784)",
         (flat, np.clip(flat + rng.normal(scale=0.3, size=flat.shape), 0, 1))),
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
        (np.mean(difference**2),
         "you averaged over the pixels too: that is Keras's loss='mse', which is L divided "
         "by the number of pixels. Sum the squares over the pixels of each image, then "
         "average over the images."),
        (np.sum(difference**2),
         "you summed over the images too; L is the average over the images of each "
         "image's summed squared error."),
        (np.mean(np.sqrt(np.sum(difference**2, axis=1))),
         "you averaged the Euclidean norms ||x - x_hat||; L uses the squared norm, so "
         "leave out the square root."),
        (np.mean(np.sum(np.abs(difference), axis=1)),
         "you summed absolute differences (an L1 loss); L sums squared differences."),
        (np.mean(np.sum(difference, axis=1)),
         "you summed the differences without squaring them, so positive and negative "
         "errors cancel; square them first."),
        (_same_array(per_image),
         f"you returned an array of shape {per_image.shape}, one value per image: average "
         f"them with .mean() to get one number."),
        (_same_array(last_axis),
         f"you returned an array of shape {last_axis.shape}: you summed over the last axis "
         f"only. Sum over every pixel axis of each image, e.g. axis=tuple(range(1, x.ndim)), "
         f"or flatten first with x.reshape(len(x), -1)."),
    ]


def _same_array(value):
    """A predicate for `explain_failures`: the answer holds the numbers of `value`, in order
    (an answer of one number has been turned into a float already)."""
    return lambda got: np.size(got) == np.size(value) and np.allclose(
        np.ravel(got), np.ravel(value), rtol=1e-5)


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
        function, _reconstruction_cases(), expected=_reference_reconstruction_loss,
        convert=_as_loss, mistakes=_reconstruction_mistakes, render=_render_loss,
        same=lambda got, value: np.ndim(got) == 0 and np.isclose(got, value, rtol=1e-5, atol=1e-8),
    )
    return (
        "your loss is the mean over images of ||x - x_hat||^2 (784 times Keras's mse on "
        "28x28 images)."
    )


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


# --- 02.encode_one ---------------------------------------------------------------------


def _encode_cases():
    from course_lib.models.autoencoders import build_conv_autoencoder, build_dense_autoencoder

    rng = np.random.default_rng(22)
    _, dense_encoder = build_dense_autoencoder((28, 28), embedding_dim=8, hidden_units=16, seed=22)
    _, conv_encoder = build_conv_autoencoder((28, 28), embedding_dim=6, filters=(4,), seed=23)
    return [
        ("a dense encoder to 8 numbers and one image of shape (28, 28)",
         (dense_encoder, rng.random((28, 28), dtype=np.float32))),
        ("a convolutional encoder to 6 numbers and one image of shape (28, 28)",
         (conv_encoder, rng.random((28, 28), dtype=np.float32))),
    ]


def _reference_code(encoder, image):
    return np.asarray(encoder(image[None]), dtype=np.float64)[0]


def _encode_mistakes(encoder, image):
    code = _reference_code(encoder, image)
    return [
        (code / max(np.linalg.norm(code), 1e-12),
         "you L2-normalised the code. Return E(x) itself; cosine similarity normalises when "
         "it compares."),
    ]


def _as_code(got, expected, description):
    """`convert` for 02.encode_one: the code as an array of the code's shape, or a verdict
    on the shape returned."""
    (dim,) = expected.shape
    got = as_learner_array(got, f"the code, an array of shape ({dim},)")
    if got.shape == (1, dim):
        raise Incorrect(
            f"on {description}: you returned shape (1, {dim}), a batch holding one code. "
            f"Return the code itself, shape ({dim},): take row 0 with [0]."
        )
    if got.shape in ((28, 28), (784,), (1, 28, 28), (1, 784)):
        raise Incorrect(
            f"on {description}: you returned shape {got.shape}: the image's pixels (or "
            f"the autoencoder's reconstruction), not its code. Call the encoder."
        )
    if got.shape != (dim,):
        raise Incorrect(
            f"on {description}: expected the code, shape ({dim},); got shape {got.shape}."
        )
    return got


def _check_encode_one(function):
    call = functools.partial(
        _call_briefly,
        shape_hint="A Keras model takes a BATCH of images, (batch, 28, 28): one image "
        "(28, 28) is read as 28 rows of 28 numbers. Give it a batch of one, image[None] "
        "(shape (1, 28, 28)), keeping each image's own shape.",
    )
    check_cases(
        function, _encode_cases(), expected=_reference_code, convert=_as_code, call=call,
        same=lambda got, value: np.allclose(got, value, atol=1e-4, rtol=1e-4),
        mistakes=_encode_mistakes,
    )
    return "one image in, one code of shape (embedding_dim,) out."


encode_one = register(
    Exercise(
        "02.encode_one",
        title="The code E(x) of ONE image (28, 28), as an array of shape (embedding_dim,).",
        checker=_check_encode_one,
        hint=(
            """
            A Keras model always works on a batch, even a batch of one. Put the image into
            a batch on the way in, and take it out of the batch on the way out.
            """,
            """
            image[None] (or image[np.newaxis]) adds a batch axis of length 1: (28, 28) ->
            (1, 28, 28). encoder.predict(..., verbose=0) then returns shape
            (1, embedding_dim); take row 0.
            """,
        ),
        solution_code="""
            def encode_one(encoder, image):
                return encoder.predict(image[None], verbose=0)[0]
        """,
        answer_name="encode_one",
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
            raise Incorrect(
                f"{where} has {conv.filters} filters; the first has 16 and the second 32."
            )
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
                f"{where} has activation {_activation_name(conv)!r}; use activation='relu' "
                f"on both convolutions."
            )


def _build_conv_encoder(function, embedding_dim):
    """Calls the learner's builder; returns the model, or raises a verdict on what came back."""
    import keras

    description = f"build_conv_encoder({embedding_dim})"
    model = _call_briefly(
        function, embedding_dim, description=f"embedding_dim={embedding_dim}",
        shape_hint="Conv2D needs images with a channel axis, (batch, 28, 28, 1): put "
        "keras.layers.Reshape((28, 28, 1)) right after the Input.",
    )
    if not isinstance(model, keras.Model):
        raise Incorrect(
            f"{description} returned {type(model).__name__}; return the keras.Model, "
            f"keras.Model(inputs, code)."
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
    _check_conv_layers([layer for layer in layers if isinstance(layer, keras.layers.Conv2D)],
                       description)
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
            if len(sizes) == 1 else ""
        )
        raise Incorrect(
            f"{description}: the code has {output_shape[1]} numbers; expected "
            f"{embedding_dim}.{fixed}"
        )
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
    models = {embedding_dim: _build_conv_encoder(function, embedding_dim)
              for embedding_dim in (32, 8)}
    code_sizes = {embedding_dim: _code_size(model) for embedding_dim, model in models.items()}
    for embedding_dim, model in models.items():
        _check_one_conv_encoder(model, embedding_dim, code_sizes)
    return (
        "(28, 28) -> (28, 28, 1) -> (14, 14, 16) -> (7, 7, 32) -> 1,568 -> embedding_dim, "
        "the encoder of course_lib's build_conv_autoencoder."
    )


def _autoencoder_builders():
    from course_lib.models import autoencoders

    return (autoencoders.build_conv_autoencoder, autoencoders.build_dense_autoencoder)


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
            "b": "the same subspace only: each code is an invertible linear mix of the k "
                 "PCA coordinates",
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
