"""Text encoders and the dual encoder that trains them with in-batch negatives.

A text arrives as integer ids: its words, from a `keras.layers.TextVectorization`
adapted on the training texts (0 is padding, 1 the out-of-vocabulary id), and,
optionally, its character n-grams, from a second `TextVectorization` with
`split="character"` and `ngrams`. The n-grams are what let the encoder read a
word it never saw in training: "Quercus" is out of the vocabulary, but "que",
"uer", "erc", ... are not.

- `build_text_encoder(..., encoder="mean")`: word embeddings averaged over the
  real words (the masked mean of notebook 04), plus the average of the n-gram
  embeddings, projected and L2-normalised: a bag of words and n-grams, as
  fastText embeds a sentence.
- `build_text_encoder(..., encoder="attention")`: the same, with positions and
  one self-attention block of notebook 05 over the words before they are
  averaged, so each word's vector can depend on its neighbours.
- `build_dual_encoder(encoder)`: one encoder applied to a query and to a
  document, its output `(batch, 2, embedding_dim)`, for
  `course_lib.in_batch_softmax.InBatchSoftmaxLoss`. Both sides share every weight, so a
  word means the same in a definition as in a name.

Every initializer is seeded from `seed`.
"""

import keras

from course_lib._validation import check_choice, check_positive_int
from course_lib.attention import PositionalEncoding
from course_lib.layers import L2Normalize, MaskedMeanPooling
from course_lib.models._blocks import Seeds, transformer_block
from course_lib.models._checks import layer_seeds

__all__ = ["TEXT_ENCODERS", "build_dual_encoder", "build_text_encoder"]

#: The valid values of `encoder` in `build_text_encoder`.
TEXT_ENCODERS = ("mean", "attention")


def _embedding(size, dim, seeds, name):
    initializer = keras.initializers.RandomUniform(-0.05, 0.05, seed=seeds.next_seed())
    return keras.layers.Embedding(size, dim, mask_zero=True, embeddings_initializer=initializer, name=name)


def build_text_encoder(
    vocabulary_size,
    *,
    subword_vocabulary_size=None,
    embedding_dim=64,
    encoder="mean",
    num_heads=4,
    feedforward_dim=128,
    dropout_rate=0.0,
    seed=0,
):
    """Builds a text encoder: token ids (and n-gram ids) to an L2-normalised embedding.

    Layers: `tokens` (Input, int, any length), `token_embedding` (Embedding,
    `mask_zero=True`); with `encoder="attention"` `positions`
    (`course_lib.attention.PositionalEncoding`) and one Transformer block
    (`self_attention_1`, ..., `norm_1b`); `token_pool`
    (`course_lib.layers.MaskedMeanPooling`); with `subword_vocabulary_size`
    also `subwords` (Input), `subword_embedding`, `subword_pool` and `add`;
    then `projection` (Dense, linear) and `l2_normalize`.

    Formula:
        `e = normalize(W (mean_{real t} h_t + mean_{real n} g_n) + b)`, with
        `h_t` the embedding of word `t` (after self-attention, for
        `"attention"`) and `g_n` that of n-gram `n`.

    Args:
        vocabulary_size: positive int, the number of word ids (the
            `TextVectorization` vocabulary size, padding and OOV included).
        subword_vocabulary_size: positive int or None (default): the number of
            n-gram ids; None builds a words-only encoder with one input.
        embedding_dim: positive int, the width of every embedding. Defaults to `64`.
        encoder: `"mean"` (default) or `"attention"`.
        num_heads: positive int dividing `embedding_dim`, for `"attention"`. Defaults to `4`.
        feedforward_dim: positive int, for `"attention"`. Defaults to `128`.
        dropout_rate: float in `[0, 1)`, for `"attention"`. Defaults to `0.0`.
        seed: non-negative int; seeds every initializer. Defaults to `0`.

    Returns:
        An uncompiled functional `keras.Model` named `"<encoder>_text_encoder"`,
        mapping `tokens` `(batch, steps)` (and `subwords` `(batch, n_steps)`,
        as a list `[tokens, subwords]`) to unit vectors `(batch, embedding_dim)`.
        A text with no id at all (only padding) gets a zero vector.

    Raises:
        TypeError, ValueError: for a size, choice or rate out of range, or
            `num_heads` not dividing `embedding_dim`.

    Example:

    >>> import numpy as np
    >>> encoder = build_text_encoder(100, subword_vocabulary_size=50, embedding_dim=8)
    >>> [tuple(i.shape) for i in encoder.inputs], encoder.output_shape
    ([(None, None), (None, None)], (None, 8))
    >>> out = encoder.predict([np.array([[5, 7, 0, 0]]), np.array([[3, 0]])], verbose=0)
    >>> round(float(np.linalg.norm(out)), 4)
    1.0
    """
    vocabulary_size = check_positive_int(vocabulary_size, "vocabulary_size")
    if subword_vocabulary_size is not None:
        subword_vocabulary_size = check_positive_int(subword_vocabulary_size, "subword_vocabulary_size")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    check_choice(encoder, "encoder", TEXT_ENCODERS)
    num_heads = check_positive_int(num_heads, "num_heads")
    feedforward_dim = check_positive_int(feedforward_dim, "feedforward_dim")
    if encoder == "attention" and embedding_dim % num_heads:
        raise ValueError(
            f"`num_heads` must divide `embedding_dim` (each head gets embedding_dim / num_heads "
            f"units); received embedding_dim={embedding_dim}, num_heads={num_heads}."
        )
    if isinstance(dropout_rate, bool) or not 0.0 <= float(dropout_rate) < 1.0:
        raise ValueError(f"`dropout_rate` must be in [0, 1); received {dropout_rate!r}.")
    seeds = Seeds(seed, count=16)

    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = _embedding(vocabulary_size, embedding_dim, seeds, "token_embedding")(tokens)
    if encoder == "attention":
        x = PositionalEncoding(name="positions")(x)
        x = transformer_block(
            x,
            index=1,
            num_heads=num_heads,
            feedforward_dim=feedforward_dim,
            dropout_rate=float(dropout_rate),
            seeds=seeds,
            dropout_seed=int(layer_seeds(seed + 1, 1)[0]),
        )
    x = MaskedMeanPooling(name="token_pool")(x)
    inputs = [tokens]
    if subword_vocabulary_size is not None:
        subwords = keras.Input((None,), dtype="int32", name="subwords")
        g = _embedding(subword_vocabulary_size, embedding_dim, seeds, "subword_embedding")(subwords)
        x = keras.layers.Add(name="add")([x, MaskedMeanPooling(name="subword_pool")(g)])
        inputs.append(subwords)
    x = keras.layers.Dense(embedding_dim, kernel_initializer=seeds.glorot(), name="projection")(x)
    outputs = L2Normalize(name="l2_normalize")(x)
    return keras.Model(inputs if len(inputs) > 1 else tokens, outputs, name=f"{encoder}_text_encoder")


def build_dual_encoder(encoder, *, name="dual_encoder"):
    """Wraps one text encoder into a model of (query, document) pairs, for in-batch negatives.

    The same encoder (the same weights) embeds the query and the document of
    each pair; the output stacks them, `[:, 0]` the queries and `[:, 1]` the
    documents, as `course_lib.in_batch_softmax.InBatchSoftmaxLoss` expects.

    Args:
        encoder: a `keras.Model` from `build_text_encoder` (one or two inputs,
            one embedding output).
        name: the model's name. Defaults to `"dual_encoder"`.

    Returns:
        An uncompiled functional `keras.Model` whose inputs are the encoder's
        inputs for the queries, then the same for the documents (inputs named
        `query_<input>` and `document_<input>`), and whose output has shape
        `(batch, 2, embedding_dim)`.

    Raises:
        TypeError: if `encoder` is not a Keras model with one output.

    Example:

    >>> dual = build_dual_encoder(build_text_encoder(100, embedding_dim=8))
    >>> [i.name for i in dual.inputs], dual.output_shape
    (['query_tokens', 'document_tokens'], (None, 2, 8))
    """
    if not isinstance(encoder, keras.Model) or len(encoder.outputs) != 1:
        raise TypeError(
            f"`encoder` must be a keras.Model with one embedding output, e.g. from "
            f"build_text_encoder(); received {type(encoder).__name__}."
        )
    dim = encoder.output_shape[-1]
    sides = {}
    for side in ("query", "document"):
        inputs = [keras.Input(tuple(i.shape[1:]), dtype=i.dtype, name=f"{side}_{i.name}") for i in encoder.inputs]
        embedding = encoder(inputs if len(inputs) > 1 else inputs[0])
        sides[side] = (inputs, keras.layers.Reshape((1, dim), name=f"{side}_embedding")(embedding))
    pair = keras.layers.Concatenate(axis=1, name="pair")([sides["query"][1], sides["document"][1]])
    return keras.Model(sides["query"][0] + sides["document"][0], pair, name=name)
