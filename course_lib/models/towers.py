"""Towers for two-tower retrieval: a query tower and a candidate tower meeting in one similarity.

A two-tower recommender maps a user (the query) and an item (the candidate)
to vectors of the same size, each with its own network, and scores the pair
by their cosine (or dot product). Because the towers never see each other's
input, every item's vector can be computed once and searched like any
embedding (notebook 09).

- `build_id_tower`: one learned vector per id (a user, an item): an
  embedding table, the classic matrix factorisation's half.
- `build_bag_tower`: a bag of ids (the items a user met last, or the words
  and genres of a movie) -> the mean of their learned vectors (padding left
  out) -> a linear projection. As a user tower it reads a history; as an item
  tower it reads content, so it has a vector for an item nobody has met yet.
- `build_two_tower_model`: the training model: both towers side by side,
  output `(batch, 2, dim)`, for `course_lib.in_batch_softmax.InBatchSoftmaxLoss`.

`EmbeddingBag`, the layer behind `build_bag_tower`, uses `keras.ops` only and
is registered serializable. Every initializer is seeded from `seed`.
"""

import keras
from keras import layers, ops

from course_lib._validation import check_positive_int, check_seed
from course_lib.models._checks import layer_seeds

__all__ = ["EmbeddingBag", "build_id_tower", "build_bag_tower", "build_two_tower_model"]


def _check_padding(padding_id, vocabulary_size):
    if isinstance(padding_id, bool) or not isinstance(padding_id, int):
        raise TypeError(f"`padding_id` must be an int id that marks an empty position; received {padding_id!r}.")
    if not 0 <= padding_id < vocabulary_size:
        raise ValueError(
            f"`padding_id` must be one of the ids 0..{vocabulary_size - 1} (its vector is never used); "
            f"received {padding_id}."
        )
    return padding_id


@keras.saving.register_keras_serializable(package="course_lib")
class EmbeddingBag(layers.Layer):
    """The mean of the learned vectors of a bag of ids, padding left out.

    Input: int ids `(batch, bag_length)`; positions holding `padding_id` are
    empty. Output: `(batch, embedding_dim)`, the mean of the vectors of the
    non-empty positions (0 for a bag with none). A bag is unordered: the
    same ids in another order give the same vector.

    Args:
        vocabulary_size: int >= 2, the number of ids, padding included.
        embedding_dim: int >= 1, the length of each vector.
        padding_id: int in `[0, vocabulary_size)`, the id of an empty position.
            Defaults to `0`.
        seed: non-negative int, seeds the initial vectors. Defaults to `0`.
        **kwargs: passed to `keras.layers.Layer` (e.g. `name`).

    Example:

    >>> import numpy as np
    >>> bag = EmbeddingBag(5, 2, padding_id=0)
    >>> vectors = np.asarray(bag(np.array([[1, 2, 0], [2, 1, 0], [0, 0, 0]])))
    >>> bool(np.allclose(vectors[0], vectors[1])), vectors[2].tolist()
    (True, [0.0, 0.0])
    """

    def __init__(self, vocabulary_size, embedding_dim, padding_id=0, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = check_positive_int(vocabulary_size, "vocabulary_size")
        if self.vocabulary_size < 2:
            raise ValueError(f"`vocabulary_size` must be >= 2 (the ids and the padding); received {vocabulary_size}.")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.padding_id = _check_padding(padding_id, self.vocabulary_size)
        self.seed = check_seed(seed)
        self.embeddings = self.add_weight(
            shape=(self.vocabulary_size, self.embedding_dim),
            initializer=keras.initializers.RandomNormal(stddev=0.1, seed=self.seed),
            name="embeddings",
        )

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        vectors = ops.take(self.embeddings, ids, axis=0)
        present = ops.cast(ops.not_equal(ids, self.padding_id), vectors.dtype)[..., None]
        return ops.sum(vectors * present, axis=-2) / ops.maximum(ops.sum(present, axis=-2), 1.0)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.embedding_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
            "padding_id": self.padding_id,
            "seed": self.seed,
        }


def build_id_tower(n_ids, *, embedding_dim=64, seed=0, name="id_tower"):
    """Builds a tower that maps an id to its own learned vector (an embedding table).

    Args:
        n_ids: int >= 1, the number of ids (users or items), 0 to `n_ids - 1`.
        embedding_dim: int >= 1, the vector length. Keyword-only. Defaults to 64.
        seed: non-negative int, seeds the initial vectors. Keyword-only. Defaults to 0.
        name: the model's name. Defaults to `"id_tower"`.

    Returns:
        A functional `keras.Model` from int ids `(batch,)` to `(batch, embedding_dim)`.

    Raises:
        TypeError, ValueError: for a size or seed of the wrong type or range.

    Example:

    >>> tower = build_id_tower(10, embedding_dim=4)
    >>> tower.output_shape
    (None, 4)
    """
    n_ids = check_positive_int(n_ids, "n_ids")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    seed = check_seed(seed)
    ids = keras.Input(shape=(), dtype="int32", name="id")
    vectors = layers.Embedding(
        n_ids,
        embedding_dim,
        embeddings_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=seed),
        name="embedding",
    )(ids)
    return keras.Model(ids, vectors, name=name)


def build_bag_tower(vocabulary_size, *, bag_length, embedding_dim=64, padding_id=0, seed=0, name="bag_tower"):
    """Builds a tower that maps a bag of ids to a vector: mean of learned vectors, then a projection.

    Layers: `bag` (`EmbeddingBag`: the mean of the vectors of the non-padding
    ids) and `projection` (Dense, linear, `embedding_dim` outputs), so the
    tower can weigh the directions of the mean before the similarity.

    Formula:
        `t(bag) = W mean_{id in bag, id != padding} e_id + b`

    Args:
        vocabulary_size: int >= 2, the number of ids, padding included.
        bag_length: int >= 1, the ids per bag (pad shorter bags with `padding_id`).
            Keyword-only.
        embedding_dim: int >= 1, the length of the vectors and of the output.
            Keyword-only. Defaults to 64.
        padding_id: int, the id of an empty position. Keyword-only. Defaults to 0.
        seed: non-negative int, seeds every initializer. Keyword-only. Defaults to 0.
        name: the model's name. Defaults to `"bag_tower"`.

    Returns:
        A functional `keras.Model` from int ids `(batch, bag_length)` to
        `(batch, embedding_dim)`.

    Raises:
        TypeError, ValueError: for a size, padding id or seed of the wrong type or range.

    Example:

    >>> tower = build_bag_tower(100, bag_length=8, embedding_dim=16, padding_id=99)
    >>> tower.input_shape, tower.output_shape
    ((None, 8), (None, 16))
    """
    bag_length = check_positive_int(bag_length, "bag_length")
    embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
    bag_seed, projection_seed = layer_seeds(check_seed(seed), 2)
    ids = keras.Input(shape=(bag_length,), dtype="int32", name="ids")
    mean = EmbeddingBag(vocabulary_size, embedding_dim, padding_id=padding_id, seed=bag_seed, name="bag")(ids)
    vectors = layers.Dense(
        embedding_dim, kernel_initializer=keras.initializers.GlorotUniform(seed=projection_seed), name="projection"
    )(mean)
    return keras.Model(ids, vectors, name=name)


def _check_tower(tower, name):
    if not isinstance(tower, keras.Model) or len(tower.inputs) != 1 or len(tower.outputs) != 1:
        raise TypeError(
            f"`{name}` must be a keras.Model with one input and one output, e.g. from build_id_tower "
            f"or build_bag_tower; received {type(tower).__name__}."
        )
    shape = tower.output_shape
    if len(shape) != 2:
        raise ValueError(f"`{name}` must output vectors (batch, dim); its output shape is {shape}.")
    return shape[-1]


def build_two_tower_model(query_tower, candidate_tower, *, name="two_tower"):
    """Builds the training model of a two-tower retriever: both towers, their vectors stacked.

    The model takes `[query input, candidate input]` for a batch of (query,
    positive candidate) pairs and outputs `(batch, 2, dim)`: row `i` holds
    query `i`'s vector and its candidate's. Train it with
    `course_lib.in_batch_softmax.InBatchSoftmaxLoss` (the candidate ids as
    `y_true`); afterwards use the towers themselves to embed users and items.

    Args:
        query_tower: a `keras.Model` with one input, output `(batch, dim)`.
        candidate_tower: the same, with the same `dim`.
        name: the model's name. Defaults to `"two_tower"`.

    Returns:
        A functional `keras.Model` with inputs `[query, candidate]` and output
        `(batch, 2, dim)`.

    Raises:
        TypeError: if a tower is not a one-input, one-output `keras.Model`.
        ValueError: if the towers' output sizes differ, or they share a name.

    Example:

    >>> users = build_id_tower(5, embedding_dim=4, name="users")
    >>> items = build_id_tower(7, embedding_dim=4, seed=1, name="items")
    >>> build_two_tower_model(users, items).output_shape
    (None, 2, 4)
    """
    query_dim = _check_tower(query_tower, "query_tower")
    candidate_dim = _check_tower(candidate_tower, "candidate_tower")
    if query_dim != candidate_dim:
        raise ValueError(
            f"the towers must output vectors of one size to be compared; query_tower gives {query_dim}, "
            f"candidate_tower {candidate_dim}."
        )
    if query_tower.name == candidate_tower.name:
        raise ValueError(
            f"the towers must have different names inside one model; both are named "
            f"{query_tower.name!r}. Pass name=... to one of the builders, e.g. name='user_tower'."
        )
    query = keras.Input(shape=query_tower.input_shape[1:], dtype=query_tower.inputs[0].dtype, name="query")
    candidate = keras.Input(
        shape=candidate_tower.input_shape[1:], dtype=candidate_tower.inputs[0].dtype, name="candidate"
    )
    rows = [
        layers.Reshape((1, query_dim))(tower(x)) for tower, x in ((query_tower, query), (candidate_tower, candidate))
    ]
    return keras.Model([query, candidate], layers.Concatenate(axis=1, name="stacked")(rows), name=name)
