"""Exercises of notebook 02, autoencoder similarity.

- `reconstruction_loss`: the autoencoder's loss `||x - x_hat||^2`, averaged over images.
- `code_similarities`: cosine similarities between the code of ONE raw (uint8) image
  and the codes of a batch: the training preprocessing, a batch axis, the cosine.
- `conv_encoder`: a small convolutional encoder built to a given specification (its
  checker reads the model's layers: a hook, not cases).
- `linear_autoencoder_pca`: a question: what a linear autoencoder's codes share with PCA.
"""

import functools

import numpy as np

from course_lib.exercises.answers import Array, Number, WrongShape
from course_lib.exercises.base import Exercise
from course_lib.exercises.calling import call_keras_learner, watching
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question
from course_lib.exercises.verdicts import Incorrect

__all__ = ["code_similarities", "conv_encoder", "linear_autoencoder_pca", "reconstruction_loss"]


# --- 02.reconstruction_loss ------------------------------------------------------------


def _reconstruction_cases():
    rng = np.random.default_rng(21)
    x_small = np.zeros((2, 2, 2))
    x_hat_small = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.5, 0.5]]])
    images = rng.random((5, 28, 28))
    flat = rng.random((4, 784))
    one = rng.random((1, 4, 4))
    return [
        Case("x = zeros (2, 2, 2), x_hat = [[[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]]", x_small, x_hat_small),
        Case(
            "x and x_hat random, shape (5, 28, 28)",
            images,
            np.clip(images + rng.normal(scale=0.2, size=images.shape), 0, 1),
        ),
        Case(
            "x and x_hat random, flattened images of shape (4, 784)",
            flat,
            np.clip(flat + rng.normal(scale=0.3, size=flat.shape), 0, 1),
        ),
        Case("one image, x and x_hat of shape (1, 4, 4)", one, rng.random((1, 4, 4))),
    ]


def reference_reconstruction_loss(x, x_hat):
    """The mean over images of each image's summed squared error."""
    return float(np.mean(np.sum((x - x_hat).reshape(len(x), -1) ** 2, axis=1)))


def _reconstruction_mistakes(x, x_hat):
    difference = (x - x_hat).reshape(len(x), -1)
    return [
        Mistake(
            np.mean(difference**2),
            "you averaged over the pixels too: that is Keras's loss='mse', which is L divided "
            "by the number of pixels. Sum the squares over the pixels of each image, then "
            "average over the images.",
        ),
        Mistake(
            np.sum(difference**2),
            "you summed over the images too; L is the average over the images of each image's summed squared error.",
        ),
        Mistake(
            np.mean(np.sqrt(np.sum(difference**2, axis=1))),
            "you averaged the Euclidean norms ||x - x_hat||; L uses the squared norm, so leave out the square root.",
        ),
        Mistake(
            np.mean(np.sum(np.abs(difference), axis=1)),
            "you summed absolute differences (an L1 loss); L sums squared differences.",
        ),
        Mistake(
            np.mean(np.sum(difference, axis=1)),
            "you summed the differences without squaring them, so positive and negative "
            "errors cancel; square them first.",
        ),
        Mistake(
            np.mean(np.sum((x - x_hat) ** 2, axis=1)),
            "you summed over axis 1 only and averaged over the rest; an image's pixels lie along "
            "every axis but the first: sum over all of them, e.g. flatten first with "
            "x.reshape(len(x), -1).",
        ),
    ]


reconstruction_loss = FunctionExercise(
    "02.reconstruction_loss",
    title="The reconstruction loss ||x - x_hat||^2: summed over pixels, averaged over images.",
    answer_name="reconstruction_loss",
    cases=_reconstruction_cases,
    reference=reference_reconstruction_loss,
    answer=Number(
        "one number, the loss of the batch",
        shapes=[
            WrongShape(
                lambda shape, _, x, x_hat: shape == (len(x),),
                lambda shape, *_: (
                    f"you returned an array of shape {shape}, one value per image: average "
                    f"them with .mean() to get one number."
                ),
            ),
            WrongShape(
                lambda shape, _, x, x_hat: x.ndim > 2 and shape == x.shape[:-1],
                lambda shape, *_: (
                    f"you returned an array of shape {shape}: you summed over the last axis "
                    f"only. Sum over every pixel axis of each image, e.g. axis=tuple(range(1, x.ndim)), "
                    f"or flatten first with x.reshape(len(x), -1)."
                ),
            ),
        ],
    ),
    mistakes=_reconstruction_mistakes,
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
    solution="""
        def reconstruction_loss(x, x_hat):
            squared_error = (x - x_hat).reshape(len(x), -1) ** 2
            return float(squared_error.sum(axis=1).mean())
    """,
    success="your loss is the mean over images of ||x - x_hat||^2 (784 times Keras's mse on 28x28 images).",
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


#: A code entry is a float32 sum over hundreds of pixels and units: computed by `predict`
#: or by a call, in batches of other sizes, its last digits differ.
_NETWORK_MAGNITUDE = 10.0


def _similarity_cases():
    from course_lib.data import load_fashion_mnist
    from course_lib.models.autoencoders import build_conv_autoencoder, build_dense_autoencoder

    images, _ = load_fashion_mnist("test", dtype="uint8")  # raw bytes, 0..255
    _, dense_encoder = build_dense_autoencoder((28, 28), embedding_dim=8, hidden_units=16, seed=22)
    _, conv_encoder = build_conv_autoencoder((28, 28), embedding_dim=6, filters=(4,), seed=23)
    return [
        Case(
            "a dense encoder to 8 numbers, query = one uint8 image (28, 28), images = 5 uint8 images (5, 28, 28)",
            watching(_with_random_biases(dense_encoder, 22)),
            images[0],
            images[[200, 400, 1, 600, 2]],
            magnitude=_NETWORK_MAGNITUDE,
        ),
        Case(
            "a convolutional encoder to 6 numbers, query = one uint8 image (28, 28), images = 4 "
            "uint8 images (4, 28, 28)",
            watching(_with_random_biases(conv_encoder, 23)),
            images[1000],
            images[[1001, 1200, 3, 1800]],
            magnitude=_NETWORK_MAGNITUDE,
        ),
    ]


def _codes(encoder, images):
    return np.asarray(encoder(np.asarray(images, dtype=np.float32)), dtype=np.float64)


def _unit_rows(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def reference_similarities(encoder, query, images):
    """Cosine of the query's code with each image's code, pixels scaled to [0, 1] first."""
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
        Mistake(
            cosines(raw_query, raw_images),
            "you gave the encoder the raw pixels, 0 to 255; it expects the pixels as "
            "load_fashion_mnist gives them, divided by 255 into [0, 1]. A network is not "
            "scale-free: its biases and non-linearities see a 255 times larger input, so the codes "
            "change. Divide by 255 BEFORE the encoder.",
        ),
        Mistake(
            cosines(query_code, raw_images),
            "you divided the query by 255 but not the images: both must get the same "
            "preprocessing before the encoder, or their codes are not comparable.",
        ),
        Mistake(
            cosines(raw_query, image_codes),
            "you divided the images by 255 but not the query: both must get the same "
            "preprocessing before the encoder, or their codes are not comparable.",
        ),
        Mistake(
            image_codes @ query_code,
            "you returned plain dot products of the codes; cosine divides by both lengths (normalise the codes first).",
        ),
        Mistake(
            _unit_rows(image_codes) @ query_code,
            "you normalised the images' codes but not the query's; both sides need length 1.",
        ),
        Mistake(
            image_codes @ _unit_rows(query_code),
            "you normalised the query's code but not the images'; both sides need length 1.",
        ),
        Mistake(1.0 - right, "you returned cosine DISTANCES, 1 - cos; return the similarities."),
        Mistake(
            np.linalg.norm(image_codes - query_code, axis=1),
            "you returned Euclidean distances between the codes; return cosine similarities.",
        ),
        Mistake(
            cosines(flat_query, flat_images),
            "you compared the pixels, not the codes: run the images through the encoder first.",
        ),
    ]


def _similarity_shapes():
    def says(test, message):
        return WrongShape(lambda shape, expected, *_: test(shape, expected[0]), message)

    return [
        says(
            lambda shape, n: shape == (1, n),
            lambda shape, expected, *_: (
                f"you returned shape {shape}, a batch of one row; return the row itself, shape {expected}: take [0]."
            ),
        ),
        says(
            lambda shape, n: shape in ((n, n), (n + 1, n + 1), (n + 1, n), (n, n + 1)),
            lambda shape, expected, *_: (
                f"you returned a matrix {shape}, every pair compared; return only "
                f"the query compared with each of the {expected[0]} images, shape {expected}."
            ),
        ),
        says(
            lambda shape, n: shape == (n + 1,),
            lambda shape, expected, *_: (
                f"you returned {shape[0]} numbers, the query compared with itself "
                f"too; return one similarity per image, shape {expected}."
            ),
        ),
        says(
            lambda shape, n: len(shape) == 2 and shape[0] == n,
            lambda shape, expected, *_: (
                f"you returned shape {shape}, the images' codes; compare each with "
                f"the query's code: one cosine per image, shape {expected}."
            ),
        ),
    ]


code_similarities = FunctionExercise(
    "02.code_similarities",
    title="Cosine similarities between the code of ONE raw uint8 image and the codes of a batch of raw images.",
    answer_name="code_similarities",
    cases=_similarity_cases,
    reference=reference_similarities,
    answer=Array("the similarities", per="one similarity per image", shapes=_similarity_shapes()),
    mistakes=_similarity_mistakes,
    call=functools.partial(
        call_keras_learner,
        shape_hint="A Keras model takes a BATCH of images, (batch, 28, 28): one image "
        "(28, 28) is read as 28 rows of 28 numbers. Give it a batch of one, query[None] "
        "(shape (1, 28, 28)), keeping each image's own shape.",
    ),
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
    solution="""
        def code_similarities(encoder, query, images):
            batch = np.concatenate([query[None], images]).astype("float32") / 255.0
            codes = encoder.predict(batch, verbose=0)
            codes = codes / np.maximum(np.linalg.norm(codes, axis=1, keepdims=True), 1e-12)
            return codes[1:] @ codes[0]
    """,
    success=(
        "same preprocessing as in training, a batch axis for the one query, then the cosine "
        "of the codes: the query compared with each image."
    ),
)


# --- 02.conv_encoder -------------------------------------------------------------------

_SPEC = (
    "Input(shape=(28, 28)) -> Reshape((28, 28, 1)) -> Conv2D(16, 3, strides=2, "
    "padding='same', activation='relu') -> Conv2D(32, 3, strides=2, padding='same', "
    "activation='relu') -> Flatten() -> Dense(embedding_dim)"
)


#: What an activation on the code layer costs the cosine between codes.
_POSITIVE_CODE = (
    "Its outputs are never negative, so every cosine between two codes is >= 0: half of "
    "the directions are lost to the embedding."
)
_CODE_ACTIVATION_COST = {
    "relu": "A ReLU code has no negative entries, so every cosine between two codes is >= 0, "
    "and codes of zeros appear, with no direction at all.",
    "sigmoid": _POSITIVE_CODE,
    "softplus": _POSITIVE_CODE,
    "softmax": _POSITIVE_CODE + " A softmax also makes every code sum to 1.",
    "exponential": _POSITIVE_CODE,
}
_ANY_ACTIVATION_COST = (
    "The code is compared by cosine, which reads every direction: an activation squeezes or "
    "clips the code and leaves some directions out of reach."
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
    model = call_keras_learner(
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
    activation = _activation_name(denses[0])
    if activation != "linear":
        raise Incorrect(
            f"{description}: the code layer has activation {activation!r}; leave it linear (no "
            f"activation). {_CODE_ACTIVATION_COST.get(activation, _ANY_ACTIVATION_COST)}"
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


conv_encoder = Exercise(
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
    written_with="keras.layers",
)


# --- 02.linear_autoencoder_pca (question) ----------------------------------------------------

linear_autoencoder_pca = Question(
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
