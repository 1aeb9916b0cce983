"""Image encoders for metric learning, and the siamese model around them.

`build_cnn_encoder` maps an image to an L2-normalised embedding: a few
convolution blocks (3x3 convolution, batch normalisation, ReLU, then 2x2 max
pooling between blocks, or the pooling right after the convolution), the last
feature map flattened (or averaged over positions), a linear projection to
`embedding_dim` numbers and
`course_lib.layers.L2Normalize`. Train it directly
with `course_lib.losses.TripletLoss` on class-balanced batches, or inside
`build_siamese_model` with `course_lib.losses.ContrastiveLoss` on pairs.

`build_siamese_model` applies ONE encoder to both images of a pair (the two
"towers" share every weight) and outputs their distance.

Every initializer is seeded from `seed`, so the same `seed` gives the same
initial weights on every run, whatever the global random state.
"""

import keras
from keras import layers

from course_lib._validation import check_bool, check_choice, check_positive_int, check_seed
from course_lib.layers import L2Normalize, PairDistance
from course_lib.models._checks import check_encoder, check_filters, check_input_shape, layer_seeds

__all__ = ["POOLINGS", "build_cnn_encoder", "build_siamese_model"]

#: The valid values of `pooling` in `build_cnn_encoder`.
POOLINGS = ("flatten", "average")


def build_cnn_encoder(
    input_shape=(28, 28, 1),
    *,
    embedding_dim=64,
    filters=(32, 64, 128),
    pooling="flatten",
    pool_before_norm=False,
    seed=0,
    name="cnn_encoder",
):
    """Builds a small CNN that maps an image to an L2-normalised embedding.

    One block per entry of `filters`: a 3x3 convolution ("same" padding, no
    bias), batch normalisation and ReLU, followed by 2x2 max pooling except
    after the last block. Then the last feature map is flattened (`pooling=
    "flatten"`, which keeps where each feature was found) or averaged over
    positions (`"average"`, which forgets it), and a linear Dense layer maps
    it to `embedding_dim` numbers, followed by `L2Normalize`: every embedding
    has length 1 and cosine similarity is a dot product. With the defaults on
    28x28 images: 28x28x32 -> 14x14x64 -> 7x7x128 -> 6272 -> 64, about
    500,000 weights (most of them in the Dense layer; the convolutions cost
    the time).

    With `pool_before_norm=True` each pooled block pools right after its
    convolution, so batch normalisation and ReLU work on a quarter of the
    positions, with the same weights and output shapes. Max pooling commutes
    with an increasing function of each channel, so the block computes what
    the usual order computes, except that its batch statistics come from the
    pooled values. On a CPU, where batch normalisation takes several passes
    over the feature map, a training step of a small encoder with narrow
    blocks costs markedly less this way.

    Grayscale images may come as `(h, w)` (as `load_fashion_mnist` returns
    them): the model then adds the channel axis itself.

    Layers: `add_channel` (only for 2-D inputs); per block `i = 1, 2, ...`:
    `conv_i`, `batch_norm_i`, `relu_i`, `pool_i` (not after the last; with
    `pool_before_norm=True` it comes right after `conv_i`);
    `flatten` or `global_pool`, `embedding` (Dense, linear), `l2_normalize`.

    Formula:
        `e(x) = W g(x) / ||W g(x)||_2`, where `g(x)` is the last block's
        feature map, flattened or averaged over positions.

    Args:
        input_shape: tuple of ints `(height, width)` or `(height, width,
            channels)`; height and width at least `2 ** (len(filters) - 1)`.
            Defaults to `(28, 28, 1)`.
        embedding_dim: positive int, the embedding size. Keyword-only.
            Defaults to `64`.
        filters: non-empty tuple of positive ints, the channels of each block.
            Keyword-only. Defaults to `(32, 64, 128)`.
        pooling: `"flatten"` (default) or `"average"`, see above. Keyword-only.
        pool_before_norm: bool, pool each block before its batch
            normalisation and ReLU (see above). Keyword-only. Defaults to
            `False`.
        seed: non-negative int below `2**32`; seeds every initializer.
            Keyword-only. Defaults to `0`.
        name: the model's name. Defaults to `"cnn_encoder"`.

    Returns:
        An uncompiled functional `keras.Model` from `(batch, *input_shape)`
        to `(batch, embedding_dim)` unit-length embeddings.

    Raises:
        TypeError: if `input_shape` or `filters` is not a tuple of ints,
            `embedding_dim` or `seed` is not an int, or `pool_before_norm` is
            not a bool.
        ValueError: if `input_shape` has the wrong rank, is too small for the
            number of blocks, a size is below 1, or `pooling` is not one of
            `POOLINGS` (the message lists them and the value received).

    Example:

    >>> encoder = build_cnn_encoder((28, 28), embedding_dim=16, filters=(8, 16), seed=0)
    >>> encoder.output_shape
    (None, 16)
    >>> [layer.name for layer in encoder.layers][-3:]
    ['flatten', 'embedding', 'l2_normalize']
    """
    input_shape = check_input_shape(input_shape, ranks=(2, 3), what="image", example="(28, 28, 1) or (28, 28)")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    filters = check_filters(filters, example="(32, 64, 128)")
    check_choice(pooling, "pooling", POOLINGS)
    pool_before_norm = check_bool(pool_before_norm, "pool_before_norm")
    seed = check_seed(seed)
    height, width = input_shape[:2]
    smallest = 2 ** (len(filters) - 1)
    if min(height, width) < smallest:
        raise ValueError(
            f"{len(filters)} blocks halve the image {len(filters) - 1} times, so height and "
            f"width must be at least {smallest}; received input_shape={input_shape}. Use "
            f"fewer filters."
        )
    seeds = iter(layer_seeds(seed, len(filters) + 1))

    image = keras.Input(shape=input_shape, name="image")
    x = image
    if len(input_shape) == 2:
        x = layers.Reshape((height, width, 1), name="add_channel")(x)
    for index, n_filters in enumerate(filters, start=1):
        x = layers.Conv2D(
            n_filters,
            3,
            padding="same",
            use_bias=False,
            kernel_initializer=keras.initializers.HeNormal(seed=next(seeds)),
            name=f"conv_{index}",
        )(x)
        pooled = index < len(filters)
        if pooled and pool_before_norm:
            x = layers.MaxPooling2D(2, name=f"pool_{index}")(x)
        x = layers.BatchNormalization(name=f"batch_norm_{index}")(x)
        x = layers.ReLU(name=f"relu_{index}")(x)
        if pooled and not pool_before_norm:
            x = layers.MaxPooling2D(2, name=f"pool_{index}")(x)
    if pooling == "flatten":
        x = layers.Flatten(name="flatten")(x)
    else:
        x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dense(
        embedding_dim, kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)), name="embedding"
    )(x)
    embedding = L2Normalize(name="l2_normalize")(x)
    return keras.Model(image, embedding, name=name)


def build_siamese_model(encoder, *, metric="euclidean", name="siamese"):
    """Wraps an encoder into a siamese model: two images in, their distance out.

    Both images go through the SAME `encoder` object, so the two towers share
    every weight and `encoder` keeps training along with the siamese model.
    After training, use `encoder` alone to embed images for search. Compile
    the siamese model with `course_lib.losses.ContrastiveLoss` and pair labels
    1 = similar, 0 = dissimilar (the convention of `course_lib.sampling`).

    Formula:
        `d(x1, x2) = ||e(x1) - e(x2)||_2` (or `1 - cos(e(x1), e(x2))`).

    Args:
        encoder: a `keras.Model` with a single image input and a single
            embedding output, e.g. from `build_cnn_encoder`.
        metric: `"euclidean"` (default) or `"cosine"`, see
            `course_lib.layers.PairDistance`. Keyword-only.
        name: the model's name. Defaults to `"siamese"`.

    Returns:
        An uncompiled functional `keras.Model` with inputs `[left, right]`, each
        `(batch, *encoder input shape)`, and output distances `(batch,)`.

    Raises:
        TypeError: if `encoder` is not a `keras.Model` with one input and one output.
        ValueError: if `metric` is not one of the two names.

    Example:

    >>> encoder = build_cnn_encoder((28, 28), embedding_dim=8, filters=(4, 8))
    >>> siamese = build_siamese_model(encoder)
    >>> siamese.output_shape
    (None,)
    >>> siamese.get_layer("cnn_encoder") is encoder
    True
    """
    encoder = check_encoder(encoder)
    distance = PairDistance(metric=metric, name="distance")
    input_shape = tuple(encoder.inputs[0].shape[1:])
    left = keras.Input(shape=input_shape, name="left")
    right = keras.Input(shape=input_shape, name="right")
    return keras.Model([left, right], distance([encoder(left), encoder(right)]), name=name)
