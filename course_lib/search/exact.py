"""`ExactIndex`: exact cosine search (`top_k`) behind an add/search interface."""

import numpy as np

from course_lib._validation import check_positive_int
from course_lib.search._common import _check_vectors
from course_lib.similarity import l2_normalize, top_k

__all__ = ["ExactIndex"]


class ExactIndex:
    """Exact cosine search over stored vectors: `top_k` behind an add/search interface.

    Args:
        dim: int, the length of the vectors.

    Example:

    >>> index = ExactIndex(2)
    >>> index.add([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> scores, indices = index.search([[1.0, 0.1]], k=2)
    >>> indices
    array([[0, 2]])
    """

    def __init__(self, dim):
        self.dim = check_positive_int(dim, "dim")
        self._vectors = np.zeros((0, self.dim), dtype=np.float32)

    def __len__(self):
        return len(self._vectors)

    @property
    def memory_bytes(self):
        """Bytes held by the stored vectors (float32)."""
        return int(self._vectors.nbytes)

    @classmethod
    def from_vectors(cls, vectors):
        """Builds an index holding `vectors`: `ExactIndex.from_vectors(x)`."""
        vectors = _check_vectors(vectors, "vectors")
        index = cls(vectors.shape[1])
        index.add(vectors)
        return index

    def add(self, vectors):
        """Stores `(n, dim)` vectors, L2-normalised; they get the next indices."""
        vectors = l2_normalize(_check_vectors(vectors, "vectors", self.dim))
        self._vectors = np.concatenate([self._vectors, vectors])

    def search(self, queries, k, *, batch_size=None):
        """Top-`k` by cosine: `(scores, indices)`, both `(n_queries, k)`, best first.

        `batch_size` queries are scored at a time (`top_k`), so memory holds a
        `(batch_size, len(index))` block of float32 scores; the default picks a
        block of about 64 MiB (167 queries for 100,000 vectors).
        """
        if not len(self):
            raise ValueError("The index is empty; call add(vectors) before search(queries, k).")
        queries = _check_vectors(queries, "queries", self.dim)
        return top_k(queries, self._vectors, k, batch_size=batch_size)
