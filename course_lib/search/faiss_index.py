"""faiss, optional: `faiss_available()` and `FaissIVFIndex` with the interface of `IVFIndex`."""

import numpy as np

from course_lib._validation import check_positive_int, check_seed
from course_lib.search._common import TrainedIndex, check_training_size, check_vectors
from course_lib.similarity import l2_normalize

__all__ = ["FaissIVFIndex", "faiss_available"]


def _import_faiss():
    """Imports faiss, or returns None when it is not installed."""
    try:
        import faiss
    except ImportError:
        return None
    return faiss


def faiss_available():
    """True when the optional `faiss` package can be imported.

    Install it with the course's `search` extra: `pip install -e ".[search]"`
    (it installs `faiss-cpu`).

    Returns:
        A bool.

    Example:

    >>> isinstance(faiss_available(), bool)
    True
    """
    return _import_faiss() is not None


class FaissIVFIndex(TrainedIndex):
    """faiss's `IndexIVFFlat` (inner product on unit vectors) with the interface of `IVFIndex`.

    The same algorithm as `IVFIndex`, in optimised C++ with its own k-means.
    Needs the optional faiss package: `pip install -e ".[search]"`.

    Args:
        dim: int, the length of the vectors.
        n_lists: int, the number of cells.
        n_probe: int, cells searched per query. Defaults to 1.
        seed: int, seeds faiss's k-means.

    Raises:
        ImportError: if faiss is not installed, with the command that installs it.

    Example (with `IVFIndex`, the same interface, where faiss is not installed):

    >>> from course_lib.search import IVFIndex
    >>> Index = FaissIVFIndex if faiss_available() else IVFIndex
    >>> corpus = np.random.default_rng(0).normal(size=(2000, 8)).astype("float32")
    >>> index = Index(8, n_lists=8, n_probe=8, seed=0)  # 8 of 8 cells: an exact search
    >>> index.train(corpus); index.add(corpus)
    >>> index.search(corpus[:3], k=2)[1][:, 0].tolist()  # each vector finds itself first
    [0, 1, 2]
    """

    def __init__(self, dim, *, n_lists, n_probe=1, seed=0):
        faiss = _import_faiss()
        if faiss is None:
            raise ImportError(
                "FaissIVFIndex needs the optional faiss package, which is not installed. "
                'Install the course\'s search extra: pip install -e ".[search]" (or '
                "pip install faiss-cpu); IVFIndex works without it."
            )
        self.dim = check_positive_int(dim, "dim")
        self.n_lists = check_positive_int(n_lists, "n_lists")
        self._quantiser = faiss.IndexFlatIP(self.dim)
        self._index = faiss.IndexIVFFlat(self._quantiser, self.dim, self.n_lists, faiss.METRIC_INNER_PRODUCT)
        self._index.cp.seed = check_seed(seed)
        self.n_probe = n_probe

    @property
    def n_probe(self):
        """Cells searched per query, `1 <= n_probe <= n_lists`."""
        return int(self._index.nprobe)

    @n_probe.setter
    def n_probe(self, value):
        self._index.nprobe = check_positive_int(
            value,
            "n_probe",
            maximum=self.n_lists,
            maximum_reason=f" (the index has n_lists={self.n_lists} cells)",
        )

    def __len__(self):
        return int(self._index.ntotal)

    @property
    def memory_bytes(self):
        """Bytes of the stored vectors, their ids (int64) and the centroids."""
        return int(len(self) * (4 * self.dim + 8) + self.n_lists * 4 * self.dim)

    def train(self, vectors):
        """Learns the centroids with faiss's k-means on `(n, dim)` vectors (normalised), `n >= n_lists`."""
        vectors = l2_normalize(check_vectors(vectors, "vectors", self.dim))
        check_training_size(vectors, self.n_lists)
        self._index.train(np.ascontiguousarray(vectors))

    def add(self, vectors):
        """Adds `(n, dim)` vectors (L2-normalised); they get the next indices."""
        if not self._index.is_trained:
            raise ValueError("The index is not trained; call train(vectors) before add(vectors).")
        self._index.add(np.ascontiguousarray(l2_normalize(check_vectors(vectors, "vectors", self.dim))))

    def search(self, queries, k):
        """Approximate top-`k` by cosine: `(scores, indices)`, both `(n_queries, k)`."""
        if not len(self):
            raise ValueError("The index is empty; call train(vectors) and add(vectors) first.")
        queries = l2_normalize(check_vectors(queries, "queries", self.dim))
        k = check_positive_int(k, "k", maximum=len(self), maximum_reason=f" (the index holds {len(self)} vector(s))")
        scores, indices = self._index.search(np.ascontiguousarray(queries), k)
        return scores, indices.astype(np.int64)
