"""`IVFIndex`: an inverted file index built by hand in NumPy."""

import numpy as np

from course_lib._validation import check_positive_int, check_seed
from course_lib.search._common import TrainedIndex, check_training_size, check_vectors, one_blas_thread
from course_lib.search.kmeans import kmeans, nearest_centroid
from course_lib.similarity import l2_normalize

__all__ = ["IVFIndex"]


class IVFIndex(TrainedIndex):
    """An inverted file index (IVF): k-means cells, inverted lists, `n_probe` cells per query.

    `train` learns `n_lists` centroids with seeded spherical `kmeans`; `add`
    files each vector under its most similar centroid, keeping the vectors of
    one list next to each other in memory; `search` scores each query against
    the centroids, then exactly against the vectors of its `n_probe` best
    cells. With `n_probe = n_lists` every vector is scored: exact search.

    Search is vectorised by cell: queries are processed in chunks, and for
    each cell the chunk's queries that probe it are scored against it in one
    matrix product. Each query's candidates (its probed cells, one after
    another) go to one row of a buffer, of which the best `k` are kept.

    Args:
        dim: int, the length of the vectors.
        n_lists: int, the number of k-means cells. A common choice is about
            `sqrt(n)` to `4 sqrt(n)` for `n` vectors.
        n_probe: int, cells searched per query, `1 <= n_probe <= n_lists`;
            it can be changed later (`index.n_probe = 8`). Defaults to 1.
        n_iterations: k-means iterations. Defaults to 10.
        max_training_points: k-means trains on at most this many vectors.
            Defaults to `256 * n_lists` (faiss's default is the same).
        seed: int, seeds k-means.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> from course_lib.search import ExactIndex
    >>> corpus = rng.normal(size=(1000, 8)).astype("float32")
    >>> index = IVFIndex(8, n_lists=16, n_probe=16, seed=0)
    >>> index.train(corpus)
    >>> index.add(corpus)
    >>> _, found = index.search(corpus[:5], k=3)
    >>> _, exact = ExactIndex.from_vectors(corpus).search(corpus[:5], k=3)
    >>> bool((found == exact).all())
    True
    """

    def __init__(self, dim, *, n_lists, n_probe=1, n_iterations=10, max_training_points=None, seed=0):
        self.dim = check_positive_int(dim, "dim")
        self.n_lists = check_positive_int(n_lists, "n_lists")
        self.n_probe = n_probe
        self.n_iterations = check_positive_int(n_iterations, "n_iterations")
        self.max_training_points = (
            256 * self.n_lists
            if max_training_points is None
            else check_positive_int(max_training_points, "max_training_points")
        )
        self.seed = check_seed(seed)
        self.centroids = None
        self._vectors = np.zeros((0, self.dim), dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self._list_of = np.zeros(0, dtype=np.int64)
        self._offsets = np.zeros(self.n_lists + 1, dtype=np.int64)

    @property
    def n_probe(self):
        """Cells searched per query, `1 <= n_probe <= n_lists`."""
        return self._n_probe

    @n_probe.setter
    def n_probe(self, value):
        self._n_probe = check_positive_int(
            value,
            "n_probe",
            maximum=self.n_lists,
            maximum_reason=f" (the index has n_lists={self.n_lists} cells)",
        )

    def __len__(self):
        return len(self._ids)

    @property
    def is_trained(self):
        """Whether `train` has learned the centroids."""
        return self.centroids is not None

    @property
    def list_sizes(self):
        """Int array `(n_lists,)`: how many vectors each cell holds."""
        return np.diff(self._offsets)

    @property
    def memory_bytes(self):
        """Bytes held by the stored vectors, their ids and the centroids."""
        centroids = 0 if self.centroids is None else self.centroids.nbytes
        return int(self._vectors.nbytes + self._ids.nbytes + self._offsets.nbytes + centroids)

    def train(self, vectors):
        """Learns the `n_lists` centroids with seeded spherical k-means on `(n, dim)` vectors."""
        vectors = check_vectors(vectors, "vectors", self.dim)
        check_training_size(vectors, self.n_lists)
        self.centroids = kmeans(
            vectors,
            self.n_lists,
            n_iterations=self.n_iterations,
            max_training_points=self.max_training_points,
            seed=self.seed,
        )

    def add(self, vectors):
        """Files `(n, dim)` vectors (L2-normalised) in their cells; they get the next indices."""
        if not self.is_trained:
            raise ValueError("The index is not trained; call train(vectors) before add(vectors).")
        vectors = l2_normalize(check_vectors(vectors, "vectors", self.dim))
        ids = np.arange(len(self), len(self) + len(vectors), dtype=np.int64)
        lists = nearest_centroid(vectors, self.centroids)
        all_lists = np.concatenate([self._list_of, lists])
        order = np.argsort(all_lists, kind="stable")
        self._vectors = np.concatenate([self._vectors, vectors])[order]
        self._ids = np.concatenate([self._ids, ids])[order]
        self._list_of = all_lists[order]
        self._offsets = np.searchsorted(self._list_of, np.arange(self.n_lists + 1))

    def search(self, queries, k, *, batch_size=256):
        """Approximate top-`k` by cosine: `(scores, indices)`, both `(n_queries, k)`, best first.

        A query whose probed cells hold fewer than `k` vectors gets index -1
        and score -inf in the missing places (faiss does the same).
        """
        if not len(self):
            raise ValueError("The index is empty; call train(vectors) and add(vectors) first.")
        queries = l2_normalize(check_vectors(queries, "queries", self.dim))
        k = check_positive_int(k, "k", maximum=len(self), maximum_reason=f" (the index holds {len(self)} vector(s))")
        batch_size = check_positive_int(batch_size, "batch_size")
        sizes = self.list_sizes
        all_scores, all_indices = [], []
        for start in range(0, len(queries), batch_size):
            chunk = queries[start : start + batch_size]
            probes = np.argsort(-(chunk @ self.centroids.T), axis=1, kind="stable")[:, : self.n_probe]
            # each query's candidates side by side: its probed cells one after another
            probed_sizes = sizes[probes]
            first_column = np.cumsum(probed_sizes, axis=1) - probed_sizes
            width = max(int(probed_sizes.sum(axis=1).max()), k)
            buffer = np.full((len(chunk), width), -np.inf, dtype=np.float32)
            positions = np.full((len(chunk), width), -1, dtype=np.int64)
            pairs = np.argsort(probes.ravel(), kind="stable")  # (query, probe) pairs grouped by cell
            bounds = np.searchsorted(probes.ravel()[pairs], np.arange(self.n_lists + 1))
            with one_blas_thread():
                for cell in np.flatnonzero(np.diff(bounds)):
                    rows, slot = np.divmod(pairs[bounds[cell] : bounds[cell + 1]], self.n_probe)
                    begin, end = self._offsets[cell], self._offsets[cell + 1]
                    if begin == end:
                        continue
                    columns = first_column[rows, slot][:, None] + np.arange(end - begin)[None, :]
                    buffer[rows[:, None], columns] = chunk[rows] @ self._vectors[begin:end].T
                    positions[rows[:, None], columns] = np.arange(begin, end)[None, :]
            best = np.argpartition(-buffer, k - 1, axis=1)[:, :k]
            scores = np.take_along_axis(buffer, best, axis=1)
            found = np.take_along_axis(positions, best, axis=1)
            ids = np.where(found >= 0, self._ids[np.maximum(found, 0)], -1)
            order = np.lexsort((np.where(ids >= 0, ids, np.iinfo(np.int64).max), -scores), axis=1)
            all_scores.append(np.take_along_axis(scores, order, axis=1))
            all_indices.append(np.take_along_axis(ids, order, axis=1))
        return np.concatenate(all_scores), np.concatenate(all_indices)
