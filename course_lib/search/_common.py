"""Shared input checks and the BLAS thread limit of the search indexes.

A private module (its name starts with `_`): the names in it are shared by the
modules of `course_lib.search` and are not part of the course's API.
"""

import contextlib

from course_lib._validation import as_matrix

__all__ = ["check_vectors", "check_training_size", "one_blas_thread", "TrainedIndex"]


def check_vectors(vectors, name, dim=None):
    vectors = as_matrix(vectors, name)
    if dim is not None and vectors.shape[1] != dim:
        raise ValueError(
            f"`{name}` must have {dim} features, like the vectors in the index; received "
            f"shape {vectors.shape}. Embed queries and corpus with the same model."
        )
    return vectors


def check_training_size(vectors, n_lists):
    """Raises unless there are at least `n_lists` training vectors (one per k-means cell)."""
    if len(vectors) < n_lists:
        raise ValueError(
            f"`train` needs at least n_lists={n_lists} vectors; received "
            f"{len(vectors)}. Train on more vectors or use fewer lists."
        )


def one_blas_thread():
    """A context that limits BLAS to one thread (threadpoolctl ships with scikit-learn).

    The per-cell matrix products of `IVFIndex.search` are small; a multi-threaded
    BLAS spends more time waking its threads than computing them, many times more
    on a busy machine.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class TrainedIndex:
    """Shared by the indexes that must be trained before vectors are added (IVF)."""

    @classmethod
    def from_vectors(cls, vectors, **kwargs):
        """Builds, trains and fills an index in one call: `IVFIndex.from_vectors(x, n_lists=...)`.

        `kwargs` go to the constructor; the vectors train the index, then are added.
        """
        vectors = check_vectors(vectors, "vectors")
        index = cls(vectors.shape[1], **kwargs)
        index.train(vectors)
        index.add(vectors)
        return index
