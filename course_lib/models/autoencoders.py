"""Autoencoders whose codes serve as image embeddings.

An autoencoder is two networks trained together: an **encoder** `E` that
compresses an image `x` into a short code `E(x)` of `embedding_dim` numbers, and
a **decoder** `D` that rebuilds the image from the code. Training minimises the
reconstruction error, with no labels:

Formula:
    `L(x) = ||x - D(E(x))||^2`, summed over pixels and averaged over images.
    Keras's `loss="mse"` averages over pixels as well: it is `L / n_pixels`,
    the same minimum.

For similarity, the decoder is then thrown away and two images are compared by
the cosine of their codes, `cos(E(x1), E(x2))`.

Both builders return `(autoencoder, encoder)`. The autoencoder is a functional
`keras.Model` made of two nested functional models, `autoencoder.get_layer("encoder")`
(the same object as the returned `encoder`, so the two share their weights) and
`autoencoder.get_layer("decoder")`. Nothing is compiled: choose the optimizer
and the loss in `compile`. Every weight is drawn from an initializer seeded from
`seed`, so the same `seed` gives the same initial weights on every run,
whatever the global random state.
"""

import math

from course_lib._validation import check_positive_int, check_seed
from course_lib.models._checks import check_filters, check_input_shape, layer_seeds

__all__ = ["build_dense_autoencoder", "build_conv_autoencoder"]


def build_dense_autoencoder(input_shape=(28, 28), *, embedding_dim=32, hidden_units=128, seed=0):
    """Builds a fully connected autoencoder and its encoder.

    The encoder flattens the image and applies one hidden ReLU layer and a
    linear code layer; the decoder mirrors it and ends in a sigmoid, so the
    inputs should be scaled to `[0, 1]` (as `course_lib.data` loads them). With
    the defaults: 784 -> 128 -> 32 -> 128 -> 784. The code layer is linear
    (no activation) so codes can point in any direction; a ReLU code would
    confine them to the positive orthant, where every cosine is >= 0.

    Layers: encoder `flatten`, `encoder_hidden` (Dense, ReLU), `code` (Dense,
    linear); decoder `decoder_hidden` (Dense, ReLU), `decoder_output` (Dense,
    sigmoid), `reconstruction` (Reshape back to `input_shape`).

    Formula:
        `E(x) = W2 relu(W1 flatten(x) + b1) + b2`,
        `D(z) = reshape(sigmoid(W4 relu(W3 z + b3) + b4))`,
        trained to minimise `||x - D(E(x))||^2`.

    Args:
        input_shape: tuple of ints, the shape of one input without the batch
            axis, e.g. `(28, 28)` or `(784,)`. Defaults to `(28, 28)`.
        embedding_dim: positive int, the code size. Defaults to `32`.
        hidden_units: positive int, units of the hidden layer on each side.
            Defaults to `128`.
        seed: non-negative int below `2**32`; seeds every initializer.
            Defaults to `0`.

    Returns:
        A tuple `(autoencoder, encoder)` of uncompiled functional `keras.Model`s:
        `autoencoder` maps `(batch, *input_shape)` to a reconstruction of the
        same shape, `encoder` maps `(batch, *input_shape)` to codes
        `(batch, embedding_dim)`. `encoder` is the autoencoder's layer
        `"encoder"` (shared weights); the decoder is its layer `"decoder"`.

    Raises:
        TypeError: if `input_shape` is not a tuple of ints, or a size or
            `seed` is not an int.
        ValueError: if `input_shape` has more than 3 entries, a size is below 1,
            or `seed` is out of range.

    Example:

    >>> autoencoder, encoder = build_dense_autoencoder((28, 28), embedding_dim=32)
    >>> autoencoder.output_shape, encoder.output_shape
    ((None, 28, 28), (None, 32))
    >>> [layer.name for layer in autoencoder.layers]
    ['image', 'encoder', 'decoder']
    >>> encoder.count_params()  # 784 * 128 + 128 + 128 * 32 + 32
    104608
    """
    import keras
    from keras import layers

    input_shape = check_input_shape(input_shape, ranks=(1, 2, 3), what="input", example="(28, 28) or (784,)")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    hidden_units = check_positive_int(hidden_units, "hidden_units")
    seed = check_seed(seed)
    n_features = math.prod(input_shape)
    seeds = iter(layer_seeds(seed, 4))

    def dense(units, activation, name):
        return layers.Dense(
            units,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            bias_initializer="zeros",
            name=name,
        )

    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten(name="flatten")(image)
    x = dense(hidden_units, "relu", "encoder_hidden")(x)
    code = dense(embedding_dim, None, "code")(x)
    encoder = keras.Model(image, code, name="encoder")

    code_input = keras.Input(shape=(embedding_dim,), name="code_input")
    y = dense(hidden_units, "relu", "decoder_hidden")(code_input)
    y = dense(n_features, "sigmoid", "decoder_output")(y)
    reconstruction = layers.Reshape(input_shape, name="reconstruction")(y)
    decoder = keras.Model(code_input, reconstruction, name="decoder")

    autoencoder_input = keras.Input(shape=input_shape, name="image")
    autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)), name="dense_autoencoder")
    return autoencoder, encoder


def build_conv_autoencoder(input_shape=(28, 28, 1), *, embedding_dim=32, filters=(16, 32), seed=0):
    """Builds a small convolutional autoencoder and its encoder.

    The encoder applies one 3x3 convolution with stride 2 (ReLU, "same"
    padding) per entry of `filters`, halving the height and width each time,
    then flattens and projects linearly to the code. The decoder mirrors it:
    a Dense layer and a Reshape back to the encoder's last feature map, then
    one 3x3 transposed convolution with stride 2 per encoder convolution,
    doubling the size each time; the last one outputs the image's channels
    through a sigmoid, so inputs should be scaled to `[0, 1]`. With the
    defaults on 28x28 images: 28x28x1 -> 14x14x16 -> 7x7x32 -> 32 -> 7x7x32
    -> 14x14x16 -> 28x28x1.

    Grayscale images may come as `(h, w)` (as `load_fashion_mnist` returns
    them): the models then add and remove the channel axis themselves.

    Layers: encoder `add_channel` (only for 2-D inputs), `encoder_conv_1`,
    `encoder_conv_2`, ..., `flatten`, `code` (Dense, linear); decoder
    `decoder_dense`, `decoder_reshape`, `decoder_deconv_1`, ... (one fewer
    than `filters`), `decoder_output` (Conv2DTranspose, sigmoid) and
    `remove_channel` (only for 2-D inputs).

    Formula:
        trained to minimise `||x - D(E(x))||^2`; each encoder convolution maps
        `(h, w, c)` to `(h / 2, w / 2, filters[i])`, each transposed
        convolution maps `(h, w, c)` to `(2 h, 2 w, c')`.

    Args:
        input_shape: tuple of ints `(height, width)` or `(height, width,
            channels)`; height and width must be divisible by
            `2 ** len(filters)` so the decoder restores the exact size.
            Defaults to `(28, 28, 1)`.
        embedding_dim: positive int, the code size. Defaults to `32`.
        filters: non-empty tuple of positive ints, the channels of the encoder
            convolutions; the decoder's transposed convolutions output
            `filters[-2], ..., filters[0]` and then the image's channels.
            Defaults to `(16, 32)`.
        seed: non-negative int below `2**32`; seeds every initializer.
            Defaults to `0`.

    Returns:
        A tuple `(autoencoder, encoder)` of uncompiled functional `keras.Model`s:
        `autoencoder` maps `(batch, *input_shape)` to a reconstruction of the
        same shape, `encoder` maps `(batch, *input_shape)` to codes
        `(batch, embedding_dim)`. `encoder` is the autoencoder's layer
        `"encoder"` (shared weights); the decoder is its layer `"decoder"`.

    Raises:
        TypeError: if `input_shape` or `filters` is not a tuple of ints, or
            `embedding_dim` or `seed` is not an int.
        ValueError: if `input_shape` has the wrong rank, its height or width is
            not divisible by `2 ** len(filters)`, `filters` is empty, a size is
            below 1, or `seed` is out of range.

    Example:

    >>> autoencoder, encoder = build_conv_autoencoder((28, 28), embedding_dim=16)
    >>> autoencoder.output_shape, encoder.output_shape
    ((None, 28, 28), (None, 16))
    >>> [layer.name for layer in encoder.layers[2:5]]
    ['encoder_conv_1', 'encoder_conv_2', 'flatten']
    """
    import keras
    from keras import layers

    input_shape = check_input_shape(input_shape, ranks=(2, 3), what="image", example="(28, 28, 1) or (28, 28)")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    filters = check_filters(filters, example="(16, 32)")
    seed = check_seed(seed)
    height, width = input_shape[:2]
    channels = input_shape[2] if len(input_shape) == 3 else 1
    factor = 2 ** len(filters)
    if height % factor or width % factor:
        raise ValueError(
            f"Height and width must be divisible by 2 ** len(filters) = {factor} so that "
            f"{len(filters)} stride-2 convolutions and their transposes restore the size; "
            f"received input_shape={input_shape} with filters={filters}. Use fewer "
            f"filters, or pad the images (e.g. 28x28 works with up to 2 filters, 32x32 "
            f"with up to 5)."
        )
    seeds = iter(layer_seeds(seed, 2 * len(filters) + 2))

    def initializer():
        return keras.initializers.GlorotUniform(seed=next(seeds))

    image = keras.Input(shape=input_shape, name="image")
    x = image
    if len(input_shape) == 2:
        x = layers.Reshape((height, width, 1), name="add_channel")(x)
    for index, n_filters in enumerate(filters, start=1):
        x = layers.Conv2D(
            n_filters,
            3,
            strides=2,
            padding="same",
            activation="relu",
            kernel_initializer=initializer(),
            name=f"encoder_conv_{index}",
        )(x)
    bottleneck_shape = (height // factor, width // factor, filters[-1])
    x = layers.Flatten(name="flatten")(x)
    code = layers.Dense(embedding_dim, kernel_initializer=initializer(), name="code")(x)
    encoder = keras.Model(image, code, name="encoder")

    code_input = keras.Input(shape=(embedding_dim,), name="code_input")
    y = layers.Dense(
        math.prod(bottleneck_shape), activation="relu", kernel_initializer=initializer(), name="decoder_dense"
    )(code_input)
    y = layers.Reshape(bottleneck_shape, name="decoder_reshape")(y)
    for index, n_filters in enumerate(filters[-2::-1], start=1):
        y = layers.Conv2DTranspose(
            n_filters,
            3,
            strides=2,
            padding="same",
            activation="relu",
            kernel_initializer=initializer(),
            name=f"decoder_deconv_{index}",
        )(y)
    y = layers.Conv2DTranspose(
        channels,
        3,
        strides=2,
        padding="same",
        activation="sigmoid",
        kernel_initializer=initializer(),
        name="decoder_output",
    )(y)
    if len(input_shape) == 2:
        y = layers.Reshape(input_shape, name="remove_channel")(y)
    decoder = keras.Model(code_input, y, name="decoder")

    autoencoder_input = keras.Input(shape=input_shape, name="image")
    autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)), name="conv_autoencoder")
    return autoencoder, encoder
