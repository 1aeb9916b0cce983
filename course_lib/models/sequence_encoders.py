"""Sequence encoders: an RNN, a sequence autoencoder and a self-attention encoder.

Each encoder maps a zero-padded batch `(batch, max_length, n_features)` to
L2-normalised embeddings `(batch, embedding_dim)`, so two utterances are
compared by the cosine of their embeddings. Padding is found by a
`keras.layers.Masking(mask_value=0.0)` layer at the input (a real frame is
never all zeros), and the mask travels with the tensors to every layer that
supports it: the RNN skips padded steps, the pooling ignores them, attention
gives them zero weight. `use_mask=False` builds the same model without the
`Masking` layer, for the ablation that shows why it matters.

The encoders end in `course_lib.layers.L2Normalize`; train them for
similarity with `course_lib.losses.TripletLoss` (labels as `y`), or use the
autoencoder's reconstruction error for an unsupervised comparison.

Every initializer is seeded from `seed`, so the same `seed` gives the same
initial weights.
"""

import keras

from course_lib._validation import check_bool, check_choice, check_positive_int, check_real
from course_lib.attention import AttentionPooling, PositionalEncoding
from course_lib.layers import L2Normalize
from course_lib.models._blocks import Seeds, transformer_block
from course_lib.models._checks import check_input_shape, layer_seeds

__all__ = [
    "build_attention_encoder",
    "build_rnn_encoder",
    "build_sequence_autoencoder",
]

_EXAMPLE = "(29, 12) for Japanese Vowels"


def _sequence_shape(input_shape):
    return check_input_shape(input_shape, ranks=(2,), what="sequence (max_length, n_features)", example=_EXAMPLE)


def _rnn_layer(cell, units, seeds, *, return_sequences, name):
    layer_class = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    return layer_class(
        units,
        return_sequences=return_sequences,
        kernel_initializer=seeds.glorot(),
        recurrent_initializer=seeds.orthogonal(),
        name=name,
    )


def build_rnn_encoder(
    input_shape=(29, 12), *, embedding_dim=32, units=64, cell="gru", bidirectional=True, use_mask=True, seed=0
):
    """Builds an RNN encoder: masked recurrent layer, mean pooling, L2-normalised embedding.

    Layers: `sequence` (Input), `masking` (only with `use_mask`), `rnn`
    (GRU or LSTM, wrapped in `Bidirectional` if asked), `mean_pool`
    (`GlobalAveragePooling1D`, which averages over real steps only when a mask
    arrives), `embedding` (Dense, linear), `l2_normalize` (`course_lib.layers.L2Normalize`).

    Formula:
        `h_t = RNN(x_t, h_{t-1})` for real steps `t < length`,
        `e = normalize(W mean_t(h_t) + b)`.

    Args:
        input_shape: `(max_length, n_features)`. Defaults to `(29, 12)`.
        embedding_dim: positive int. Defaults to `32`.
        units: positive int, RNN units per direction. Defaults to `64`.
        cell: `"gru"` or `"lstm"`. Defaults to `"gru"`.
        bidirectional: bool, run the RNN both ways and concatenate. Defaults to `True`.
        use_mask: bool, mask the zero padding. Defaults to `True`.
        seed: non-negative int; seeds every initializer. Defaults to `0`.

    Returns:
        An uncompiled functional `keras.Model` named `"rnn_encoder"`, mapping
        `(batch, *input_shape)` to unit vectors `(batch, embedding_dim)`.

    Raises:
        TypeError, ValueError: for a bad shape, size, choice or seed.

    Example:

    >>> encoder = build_rnn_encoder((29, 12), embedding_dim=16, units=8)
    >>> encoder.output_shape, "masking" in [layer.name for layer in encoder.layers]
    ((None, 16), True)
    """
    input_shape = _sequence_shape(input_shape)
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    units = check_positive_int(units, "units")
    check_choice(cell, "cell", ("gru", "lstm"))
    bidirectional = check_bool(bidirectional, "bidirectional")
    use_mask = check_bool(use_mask, "use_mask")
    seeds = Seeds(seed)
    inputs = keras.Input(input_shape, name="sequence")
    x = keras.layers.Masking(mask_value=0.0, name="masking")(inputs) if use_mask else inputs
    rnn = _rnn_layer(cell, units, seeds, return_sequences=True, name=cell)
    x = (keras.layers.Bidirectional(rnn, name="rnn") if bidirectional else rnn)(x)
    x = keras.layers.GlobalAveragePooling1D(name="mean_pool")(x)
    x = keras.layers.Dense(embedding_dim, kernel_initializer=seeds.glorot(), name="embedding")(x)
    outputs = L2Normalize(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name="rnn_encoder")


def build_sequence_autoencoder(input_shape=(29, 12), *, embedding_dim=32, units=64, use_mask=True, seed=0):
    """Builds a GRU sequence autoencoder and its encoder (unsupervised embeddings).

    The encoder reads the sequence into a code; the decoder repeats the code at
    every step and a GRU unrolls it back into frames. To train it on the mean
    squared error over the real frames only, compile it with
    `keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")` and pass
    `sample_weight=sequence_mask(lengths)` to `fit`: the padded steps then weigh
    0, and each batch's loss is divided by its number of real frames. (With the
    default reduction, Keras divides by `batch * max_length` instead, padded
    steps included, which gives a smaller number that is not a mean over frames.)

    Formula:
        `z = W GRU_enc(x)_last + b`, `x_hat_t = V GRU_dec(z, z, ..., z)_t + c`,
        `L = sum_{i,t} m_it ||x_it - x_hat_it||^2 / (n_features sum_{i,t} m_it)`
        over the utterances `i` of a batch and their steps `t`.

    Layers: encoder `sequence`, `masking` (with `use_mask`), `gru`, `code`;
    autoencoder `sequence`, `encoder` (the nested encoder model), `repeat`,
    `decoder_gru`, `reconstruction`.

    Args:
        input_shape: `(max_length, n_features)`. Defaults to `(29, 12)`.
        embedding_dim: positive int, the code size. Defaults to `32`.
        units: positive int, GRU units on each side. Defaults to `64`.
        use_mask: bool, mask the padding in the encoder. Defaults to `True`.
        seed: non-negative int; seeds every initializer. Defaults to `0`.

    Returns:
        A tuple `(autoencoder, encoder)` of uncompiled functional models: the
        autoencoder maps `(batch, *input_shape)` to a reconstruction of the same
        shape; the encoder (its layer `"encoder"`, shared weights) maps it to
        codes `(batch, embedding_dim)` (not normalised; compare them by cosine).

    Example:

    >>> autoencoder, encoder = build_sequence_autoencoder((29, 12), embedding_dim=8, units=8)
    >>> autoencoder.output_shape, encoder.output_shape
    ((None, 29, 12), (None, 8))
    """
    input_shape = _sequence_shape(input_shape)
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    units = check_positive_int(units, "units")
    use_mask = check_bool(use_mask, "use_mask")
    seeds = Seeds(seed)
    steps, n_features = input_shape

    inputs = keras.Input(input_shape, name="sequence")
    x = keras.layers.Masking(mask_value=0.0, name="masking")(inputs) if use_mask else inputs
    x = _rnn_layer("gru", units, seeds, return_sequences=False, name="gru")(x)
    code = keras.layers.Dense(embedding_dim, kernel_initializer=seeds.glorot(), name="code")(x)
    encoder = keras.Model(inputs, code, name="encoder")

    outer = keras.Input(input_shape, name="sequence")
    z = encoder(outer)
    y = keras.layers.RepeatVector(steps, name="repeat")(z)
    y = _rnn_layer("gru", units, seeds, return_sequences=True, name="decoder_gru")(y)
    y = keras.layers.Dense(n_features, kernel_initializer=seeds.glorot(), name="reconstruction")(y)
    return keras.Model(outer, y, name="sequence_autoencoder"), encoder


def build_attention_encoder(
    input_shape=(29, 12),
    *,
    embedding_dim=32,
    model_dim=64,
    num_heads=4,
    num_layers=1,
    feedforward_dim=128,
    dropout_rate=0.1,
    use_mask=True,
    seed=0,
):
    """Builds a self-attention (Transformer) encoder with attention pooling.

    Frames are projected to `model_dim`, given sinusoidal positions, passed
    through `num_layers` Transformer blocks (multi-head self-attention and a
    feed-forward layer, each with a residual connection and layer
    normalisation), then pooled by `AttentionPooling` and projected to an
    L2-normalised embedding. The padding mask reaches the attention (padded
    keys get zero weight) and the pooling.

    Formula:
        `h = x W_in + pe`; per block `h = LN(h + MHA(h, h, h))`,
        `h = LN(h + W_2 relu(W_1 h))`; `e = normalize(W_out attention_pool(h))`.

    Args:
        input_shape: `(max_length, n_features)`. Defaults to `(29, 12)`.
        embedding_dim: positive int. Defaults to `32`.
        model_dim: positive int, width of every step inside. Defaults to `64`.
        num_heads: positive int dividing `model_dim`. Defaults to `4`.
        num_layers: positive int, Transformer blocks. Defaults to `1`.
        feedforward_dim: positive int. Defaults to `128`.
        dropout_rate: float in `[0, 1)`. Defaults to `0.1`.
        use_mask: bool, mask the zero padding. Defaults to `True`.
        seed: non-negative int; seeds every initializer. Defaults to `0`.

    Returns:
        An uncompiled functional `keras.Model` named `"attention_encoder"`.

    Raises:
        ValueError: if `num_heads` does not divide `model_dim`, or an argument
            is out of range.
        TypeError: if a size is not an int, `dropout_rate` is not a number or
            `use_mask` is not a bool.

    Example:

    >>> encoder = build_attention_encoder((29, 12), embedding_dim=16, model_dim=16, num_heads=2)
    >>> encoder.output_shape
    (None, 16)
    """
    input_shape = _sequence_shape(input_shape)
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    model_dim = check_positive_int(model_dim, "model_dim")
    num_heads = check_positive_int(num_heads, "num_heads")
    num_layers = check_positive_int(num_layers, "num_layers")
    feedforward_dim = check_positive_int(feedforward_dim, "feedforward_dim")
    use_mask = check_bool(use_mask, "use_mask")
    if model_dim % num_heads:
        raise ValueError(
            f"`num_heads` must divide `model_dim` (each head gets model_dim / num_heads "
            f"units); received model_dim={model_dim}, num_heads={num_heads}."
        )
    if not 0.0 <= check_real(dropout_rate, "dropout_rate", example=0.1) < 1.0:
        raise ValueError(f"`dropout_rate` must be in [0, 1); received {dropout_rate!r}.")
    dropout_rate = float(dropout_rate)
    seeds = Seeds(seed, count=8 + 8 * num_layers)

    inputs = keras.Input(input_shape, name="sequence")
    x = keras.layers.Masking(mask_value=0.0, name="masking")(inputs) if use_mask else inputs
    x = keras.layers.Dense(model_dim, kernel_initializer=seeds.glorot(), name="input_projection")(x)
    x = PositionalEncoding(name="positions")(x)
    for index in range(1, num_layers + 1):
        x = transformer_block(
            x,
            index=index,
            num_heads=num_heads,
            feedforward_dim=feedforward_dim,
            dropout_rate=dropout_rate,
            seeds=seeds,
            dropout_seed=int(layer_seeds(seed + index, 1)[0]),
        )
    x = AttentionPooling(name="attention_pool")(x)
    x = keras.layers.Dense(embedding_dim, kernel_initializer=seeds.glorot(), name="embedding")(x)
    outputs = L2Normalize(name="l2_normalize")(x)
    return keras.Model(inputs, outputs, name="attention_encoder")
