"""Notebook 02's exercise checkers against wrong answers, each with its specific message.

`test_exercises.py` runs every exercise's solution, blanks and crashing answers, and
rejects every wrong answer listed in `WRONG_ANSWERS` here, with its message.
"""

import keras
import numpy as np
from sklearn.metrics.pairwise import cosine_similarity as sklearn_cosine_similarity

import course_lib
from course_lib.exercises import get_exercise
from course_lib.models import build_conv_autoencoder

layers = keras.layers

# --- 02.reconstruction_loss -----------------------------------------------------------------


def _loss_keras_mse(x, x_hat):
    return np.mean((x - x_hat) ** 2)


def _loss_summed_over_images(x, x_hat):
    return np.sum((x - x_hat) ** 2)


def _loss_norm_not_squared(x, x_hat):
    return np.mean(np.linalg.norm((x - x_hat).reshape(len(x), -1), axis=1))


def _loss_l1(x, x_hat):
    return np.mean(np.abs(x - x_hat).reshape(len(x), -1).sum(axis=1))


def _loss_not_squared(x, x_hat):
    return np.mean((x - x_hat).reshape(len(x), -1).sum(axis=1))


def _loss_per_image(x, x_hat):
    return ((x - x_hat) ** 2).reshape(len(x), -1).sum(axis=1)


def _loss_last_axis_only(x, x_hat):
    return ((x - x_hat) ** 2).sum(axis=-1)


# --- 02.code_similarities --------------------------------------------------------------------


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _similarities_unscaled(encoder, query, images):
    codes = _unit(encoder.predict(np.concatenate([query[None], images]), verbose=0))
    return codes[1:] @ codes[0]


def _similarities_query_scaled_only(encoder, query, images):
    return _unit(encoder.predict(images, verbose=0)) @ _unit(encoder.predict(query[None] / 255, verbose=0)[0])


def _similarities_images_scaled_only(encoder, query, images):
    return _unit(encoder.predict(images / 255, verbose=0)) @ _unit(encoder.predict(query[None], verbose=0)[0])


def _similarities_dot(encoder, query, images):
    return encoder.predict(images / 255, verbose=0) @ encoder.predict(query[None] / 255, verbose=0)[0]


def _similarities_no_batch_axis(encoder, query, images):
    return _unit(encoder.predict(images / 255, verbose=0)) @ _unit(encoder.predict(query / 255, verbose=0)[0])


def _similarities_direct_call_no_batch_axis(encoder, query, images):
    return _unit(np.asarray(encoder(images / 255))) @ _unit(np.asarray(encoder(query / 255))[0])


def _similarities_flattened(encoder, query, images):
    codes = encoder.predict(images.reshape(len(images), -1) / 255, verbose=0)
    return _unit(codes) @ _unit(encoder.predict(query.reshape(1, -1) / 255, verbose=0)[0])


def _similarities_batch_row(encoder, query, images):
    return sklearn_cosine_similarity(
        encoder.predict(query[None] / 255, verbose=0), encoder.predict(images / 255, verbose=0)
    )


def _similarities_distances(encoder, query, images):
    return 1 - _unit(encoder.predict(images / 255, verbose=0)) @ _unit(encoder.predict(query[None] / 255, verbose=0)[0])


def _similarities_pixels(encoder, query, images):
    return _unit(images.reshape(len(images), -1).astype(float)) @ _unit(query.reshape(-1).astype(float))


def _similarities_all_pairs(encoder, query, images):
    codes = _unit(encoder.predict(np.concatenate([query[None], images]) / 255, verbose=0))
    return codes @ codes.T


def _similarities_codes(encoder, query, images):
    return encoder.predict(images / 255, verbose=0)


def _similarities_mixed(encoder, query, images):  # two mistakes, one per input
    if encoder.output_shape[-1] == 8:
        return _similarities_unscaled(encoder, query, images)
    return _similarities_dot(encoder, query, images)


# --- 02.conv_encoder ----------------------------------------------------------------------


def _conv_encoder(
    embedding_dim,
    *,
    channel_axis=True,
    strides=2,
    padding="same",
    conv_activation="relu",
    code_activation=None,
    filters=(16, 32),
    flatten=True,
    input_shape=(28, 28),
    pool=False,
    extra_dense=False,
):
    """A conv encoder with one thing changed from the specification."""
    image = keras.Input(shape=input_shape)
    x = layers.Reshape((28, 28, 1))(image) if channel_axis and len(input_shape) == 2 else image
    for n_filters in filters:
        x = layers.Conv2D(n_filters, 3, strides=1 if pool else strides, padding=padding, activation=conv_activation)(x)
        if pool:
            x = layers.MaxPooling2D()(x)
    if flatten:
        x = layers.Flatten()(x)
        if extra_dense:
            x = layers.Dense(64, activation="relu")(x)
    code = layers.Dense(embedding_dim, activation=code_activation)(x)
    return keras.Model(image, code)


WRONG_ANSWERS = {
    "02.reconstruction_loss": [
        (_loss_keras_mse, "loss='mse'"),
        (_loss_summed_over_images, "summed over the images too"),
        (_loss_norm_not_squared, "leave out the square root"),
        (_loss_l1, "absolute differences"),
        (_loss_not_squared, "without squaring"),
        (_loss_per_image, r"one value per image: average them"),
        (_loss_last_axis_only, r"shape \(2, 2\).*every pixel axis"),
        # Two different mistakes on two inputs: neither is named, the first input is shown.
        (
            lambda x, x_hat: (_loss_keras_mse if len(x) == 2 else _loss_summed_over_images)(x, x_hat),
            r"^on x = zeros \(2, 2, 2\).*: expected\n1.5\ngot\n0.375 Try again",
        ),
    ],
    "02.code_similarities": [
        (_similarities_unscaled, r"raw pixels, 0 to 255.*Divide by 255 BEFORE the encoder"),
        (_similarities_query_scaled_only, "divided the query by 255 but not the images"),
        (_similarities_images_scaled_only, "divided the images by 255 but not the query"),
        (_similarities_dot, "plain dot products of the codes"),
        (
            _similarities_no_batch_axis,
            r"given an array of shape \(28, 28\), but it takes shape \(None, 28, 28\).*BATCH.*query\[None\]",
        ),
        (_similarities_direct_call_no_batch_axis, r"given an array of shape \(28, 28\).*query\[None\]"),
        (_similarities_flattened, r"given an array of shape \(5, 784\).*keeping each image's own shape"),
        (_similarities_batch_row, r"shape \(1, 5\), a batch of one row.*\[0\]"),
        (_similarities_distances, "cosine DISTANCES"),
        (_similarities_pixels, "compared the pixels, not the codes"),
        (_similarities_all_pairs, r"a matrix \(6, 6\), every pair compared"),
        (_similarities_codes, r"shape \(5, 8\), the images' codes"),
        (_similarities_mixed, r"^on a dense encoder .*: expected\n.*\ngot\n"),
    ],
    "02.conv_encoder": [
        (
            lambda d: _conv_encoder(d, channel_axis=False),
            r"layer '\w+' was given shape \(None, 28, 28\), 3 axes, and it needs at least 4.*Reshape\(\(28, 28, 1\)\)",
        ),
        (lambda d: _conv_encoder(d, input_shape=(28, 28, 1)), r"\(None, 28, 28, 1\).*Reshape"),
        (lambda d: _conv_encoder(d, strides=1), "strides=2"),
        (lambda d: _conv_encoder(d, padding="valid"), "padding='same'"),
        (lambda d: _conv_encoder(d, conv_activation=None), "activation='relu'"),
        (lambda d: _conv_encoder(d, code_activation="relu"), "leave it linear"),
        (lambda d: _conv_encoder(d, filters=(32, 16)), "first has 16"),
        (lambda d: _conv_encoder(d, filters=(16,)), "expected 2 Conv2D"),
        (lambda d: _conv_encoder(d, pool=True), "pooling"),
        (lambda d: _conv_encoder(d, flatten=False), r"one vector per image.*Flatten"),
        (lambda d: _conv_encoder(32), "has 32 numbers; expected 8"),
        (lambda d: _conv_encoder(d + 1), r"has 33 numbers; expected 32\. Try again"),
        (lambda d: _conv_encoder(d, extra_dense=True), "exactly one Dense"),
        (lambda d: _conv_encoder(d).layers, "return the keras.Model"),
        (lambda d: build_conv_autoencoder((28, 28), embedding_dim=d, filters=(16, 32))[1], "course's own version"),
    ],
}


def test_shape_errors_are_cut_short():
    """Keras prints the whole input array in some errors; the verdict keeps one clause."""
    result = get_exercise("02.code_similarities").evaluate(_similarities_direct_call_no_batch_axis)
    assert len(result.message) < 700, result.message
    assert "\x1b[" not in result.message


def test_shape_errors_are_diagnosed_from_the_shapes_given_not_the_backend_wording():
    """The encoder notes what it is given, so the verdict reads the same on TensorFlow and JAX,
    whatever the error says."""

    def flattened_then_other_error(encoder, query, images):
        try:
            encoder.predict(images.reshape(len(images), -1) / 255, verbose=0)
        except ValueError:
            pass
        raise RuntimeError("any wording at all")

    message = get_exercise("02.code_similarities").evaluate(flattened_then_other_error).message
    assert message.startswith(
        "your function raised RuntimeError: the model was given an array of shape (5, 784), "
        "but it takes shape (None, 28, 28), where None stands for any number of images (called with a dense"
    ), message
    assert "any wording at all" not in message and "BATCH" in message


def _similarities_one_batch_with_call(encoder, query, images):  # tensors, not NumPy arrays
    batch = np.concatenate([query[np.newaxis], images]).astype("float32") * (1 / 255)
    codes = keras.ops.convert_to_numpy(encoder(batch))
    return sklearn_cosine_similarity(codes[:1], codes[1:])[0]


def _similarities_course_cosine(encoder, query, images):
    query_code = encoder.predict(np.expand_dims(query, 0) / 255.0, verbose=0)[0]
    return course_lib.cosine_similarity(query_code, encoder.predict(images / 255.0, verbose=0))


def _sequential_encoder(embedding_dim):
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Reshape((28, 28, 1)),
            layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(embedding_dim),
        ]
    )


def _functional_encoder_keywords(embedding_dim):
    inputs = keras.Input((28, 28))
    x = layers.Reshape(target_shape=(28, 28, 1))(inputs)
    for filters in (16, 32):
        x = layers.Conv2D(
            filters=filters, kernel_size=(3, 3), strides=2, padding="same", activation=keras.activations.relu
        )(x)
    return keras.Model(inputs, layers.Dense(units=embedding_dim)(layers.Flatten()(x)))


RIGHT_ANSWERS = {
    "02.reconstruction_loss": [
        lambda x, x_hat: np.sum((x - x_hat) ** 2, axis=tuple(range(1, x.ndim))).mean(),
        lambda x, x_hat: np.einsum("ij,ij->", d := (x - x_hat).reshape(len(x), -1), d) / len(x),
    ],
    "02.code_similarities": [_similarities_one_batch_with_call, _similarities_course_cosine],
    "02.conv_encoder": [_sequential_encoder, _functional_encoder_keywords],
}


def test_the_pca_question_explains_why_cosine_neighbours_can_differ():
    question = get_exercise("02.linear_autoencoder_pca")
    assert question.evaluate("b").correct
    assert "invertible mix" in question.evaluate("c").message
    assert "Baldi and Hornik" in question.evaluate("d").message


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _loss_axis_1_only(x, x_hat):  # sums one pixel axis of an image, averages the rest
    return np.mean(np.sum((x - x_hat) ** 2, axis=1))


def _loss_keras_float32(x, x_hat):
    difference = keras.ops.convert_to_tensor(x - x_hat, dtype="float32")
    return keras.ops.mean(keras.ops.sum(keras.ops.reshape(difference**2, (len(x), -1)), axis=1))


WRONG_ANSWERS["02.reconstruction_loss"].append((_loss_axis_1_only, "summed over axis 1 only"))
WRONG_ANSWERS["02.conv_encoder"].append(
    (lambda d: _conv_encoder(d, code_activation="sigmoid"), r"activation 'sigmoid'; leave it linear.*never negative")
)
RIGHT_ANSWERS["02.reconstruction_loss"].append(_loss_keras_float32)


def test_a_code_layer_activation_is_named_as_it_is_not_as_relu():
    exercise = get_exercise("02.conv_encoder")
    sigmoid = exercise.evaluate(lambda d: _conv_encoder(d, code_activation="sigmoid")).message
    assert "'sigmoid'" in sigmoid and "ReLU" not in sigmoid
    tanh = exercise.evaluate(lambda d: _conv_encoder(d, code_activation="tanh")).message
    assert "'tanh'" in tanh and "ReLU" not in tanh and "squeezes or clips" in tanh
    assert (
        "ReLU code has no negative entries"
        in exercise.evaluate(lambda d: _conv_encoder(d, code_activation="relu")).message
    )


def test_calling_the_course_builder_is_told_to_write_it_with_keras_layers_not_numpy():
    message = (
        get_exercise("02.conv_encoder")
        .evaluate(lambda d: build_conv_autoencoder((28, 28), embedding_dim=d, filters=(16, 32))[1])
        .message
    )
    assert "build_conv_autoencoder" in message and "with keras.layers" in message and "NumPy" not in message
