"""Building blocks shared by the model builders: seeded initializers, a Transformer block."""

import keras

from course_lib._validation import check_seed
from course_lib.models._checks import layer_seeds

__all__ = ["Seeds", "transformer_block"]


class Seeds:
    """Hands out seeded initializers in order, from one user seed."""

    def __init__(self, seed, count=32):
        self._seeds = iter(layer_seeds(check_seed(seed), count))

    def next_seed(self):
        return next(self._seeds)

    def glorot(self):
        return keras.initializers.GlorotUniform(seed=next(self._seeds))

    def orthogonal(self):
        return keras.initializers.Orthogonal(seed=next(self._seeds))

    def normal(self):
        return keras.initializers.RandomNormal(stddev=0.05, seed=next(self._seeds))


def transformer_block(x, *, index, num_heads, feedforward_dim, dropout_rate, seeds, dropout_seed):
    """One post-norm Transformer encoder block on `x` `(batch, steps, model_dim)`, masks respected.

    `h = LN(x + MHA(x, x, x))`, then `LN(h + dropout(W_2 relu(W_1 h)))`; the
    layers are named `self_attention_<index>`, `residual_<index>a`,
    `norm_<index>a`, `feedforward_<index>`, `feedforward_out_<index>`,
    `dropout_<index>`, `residual_<index>b` and `norm_<index>b`.
    """
    model_dim = x.shape[-1]
    attention = keras.layers.MultiHeadAttention(
        num_heads,
        model_dim // num_heads,
        dropout=dropout_rate,
        kernel_initializer=seeds.glorot(),
        name=f"self_attention_{index}",
    )(x, x)
    x = keras.layers.Add(name=f"residual_{index}a")([x, attention])
    x = keras.layers.LayerNormalization(name=f"norm_{index}a")(x)
    hidden = keras.layers.Dense(
        feedforward_dim, activation="relu", kernel_initializer=seeds.glorot(), name=f"feedforward_{index}"
    )(x)
    hidden = keras.layers.Dense(model_dim, kernel_initializer=seeds.glorot(), name=f"feedforward_out_{index}")(hidden)
    hidden = keras.layers.Dropout(dropout_rate, seed=dropout_seed, name=f"dropout_{index}")(hidden)
    x = keras.layers.Add(name=f"residual_{index}b")([x, hidden])
    return keras.layers.LayerNormalization(name=f"norm_{index}b")(x)
