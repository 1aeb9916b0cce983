"""Spherical k-means, the coarse quantiser of the IVF index."""

import numpy as np

from course_lib._validation import check_positive_int, check_seed
from course_lib.search._common import check_vectors
from course_lib.similarity import l2_normalize

__all__ = ["kmeans", "nearest_centroid"]


# Largest entries between these bounds give products that neither overflow nor underflow float32.
_ORDINARY = (1e-15, 1e15)


def nearest_centroid(vectors, centroids, *, batch_size=4096):
    """Index of the most similar centroid (largest inner product) for each vector.

    The step of k-means that assigns each vector to a cell, and of `IVFIndex.add`
    that files it there. Vectors are scored in chunks of `batch_size`; ties go
    to the lower centroid index. A vector whose entries are all below 1e-15 or
    one above 1e15 in magnitude is divided by its largest entry first (and the
    centroids likewise), which changes no vector's choice, so that the products
    neither overflow nor underflow.

    Args:
        vectors: `(n, dim)` float array (finite, real).
        centroids: `(n_clusters, dim)` float array, e.g. from `kmeans`.
        batch_size: int >= 1, vectors scored at a time. Keyword-only.
            Defaults to 4096.

    Returns:
        An int64 array `(n,)` of centroid indices.

    Raises:
        ValueError: on NaN/inf, input that is not 2-D or is empty, or a
            different `dim` in `vectors` and `centroids`.
        TypeError: on complex or non-numeric input, or a `batch_size` that is
            not an int.

    Example:

    >>> nearest_centroid([[1.0, 0.1], [0.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]).tolist()
    [0, 1]
    """
    centroids = check_vectors(centroids, "centroids")
    vectors = check_vectors(vectors, "vectors", centroids.shape[1])
    batch_size = check_positive_int(batch_size, "batch_size")
    # Vectors (and centroids) whose largest entry lies outside [1e-15, 1e15] are divided by
    # it first: their products would overflow or underflow float32. Others are used as given.
    centroid_largest = float(np.abs(centroids).max())
    if not _ORDINARY[0] <= centroid_largest <= _ORDINARY[1] and centroid_largest > 0:
        centroids = centroids / centroid_largest
    largest = np.abs(vectors).max(axis=1, keepdims=True)
    divisors = np.where((largest > 0) & ((largest < _ORDINARY[0]) | (largest > _ORDINARY[1])), largest, 1).astype(
        np.float32
    )
    labels = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), batch_size):
        chunk = vectors[start : start + batch_size] / divisors[start : start + batch_size]
        labels[start : start + batch_size] = np.argmax(chunk @ centroids.T, axis=1)
    return labels


_START_POINTS_PER_CLUSTER = 32


def _spread_start(vectors, nonzero, n_clusters, rng):
    """Greedy k-means++ start for unit vectors (as scikit-learn's, on cosine distance).

    Each next centroid is the best of `2 + log(n_clusters)` vectors drawn with
    probability proportional to their cosine distance from the nearest centroid
    chosen so far: the one that most lowers the summed distance. Plain random
    starts often put two centroids in one cluster and none in another, and
    Lloyd's iterations rarely undo that. Each step is a pass over the
    candidates, so they are a seeded sample of at most
    `_START_POINTS_PER_CLUSTER * n_clusters` vectors.
    """
    if len(nonzero) > _START_POINTS_PER_CLUSTER * n_clusters:  # each step is a pass over them
        nonzero = np.sort(rng.choice(nonzero, _START_POINTS_PER_CLUSTER * n_clusters, replace=False))
    candidates = vectors[nonzero]
    n_trials = 2 + int(np.log(n_clusters))
    chosen = [int(rng.integers(len(candidates)))]
    distance = np.maximum(1.0 - candidates @ candidates[chosen[0]], 0.0)
    for _ in range(1, n_clusters):
        weights = np.cumsum(distance, dtype=np.float64)
        if weights[-1] > 0:  # draw proportionally to the distance (chosen vectors have 0)
            trials = np.searchsorted(weights, rng.random(n_trials) * weights[-1], side="right")
            trials = np.minimum(trials, len(candidates) - 1)
        else:  # every remaining vector duplicates a chosen one
            trials = rng.choice(np.setdiff1d(np.arange(len(candidates)), chosen), 1)
        trial_distances = np.minimum(distance, np.maximum(1.0 - candidates[trials] @ candidates.T, 0.0))
        best = int(np.argmin(trial_distances.sum(axis=1, dtype=np.float64)))
        chosen.append(int(trials[best]))
        distance = trial_distances[best]
    return candidates[chosen].copy()


def kmeans(vectors, n_clusters, *, n_iterations=10, max_training_points=None, seed=0):
    """Spherical k-means: unit-length centroids that maximise cosine similarity.

    Lloyd's algorithm on L2-normalised vectors: assign each vector to the
    centroid with the largest cosine similarity, move each centroid to the mean
    of its vectors and rescale it to length 1. Starts from `n_clusters`
    distinct vectors drawn with the seed, spread out as in greedy k-means++
    (each next start drawn with probability proportional to its cosine
    distance from the nearest start so far); a cluster that loses all its vectors
    is restarted at a random vector, and so is one whose vectors cancel out
    (their mean is zero), so every centroid has length 1. Like faiss, it can train on a seeded
    random subset of the vectors (`max_training_points`).

    Formula:
        `assign(x) = argmax_j c_j . x`,  `c_j = normalise(mean{x : assign(x) = j})`.

    Args:
        vectors: `(n, dim)` float array (normalised here).
        n_clusters: int, `1 <= n_clusters <= n` (after subsampling).
        n_iterations: int >= 1, Lloyd iterations. Defaults to 10.
        max_training_points: int or None; train on at most this many vectors,
            drawn with the seed. Defaults to None (all of them).
        seed: int, seeds the start and the subsample.

    Returns:
        Float32 centroids `(n_clusters, dim)`, each of length 1.

    Raises:
        ValueError: on NaN/inf, non 2-D input, or more clusters than (non-zero)
            vectors.
        TypeError: on complex input, or counts or a seed that are not ints.

    Example:

    >>> points = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> centroids = kmeans(points, 2, seed=0)
    >>> np.sort(np.round(centroids[:, 0], 2))
    array([0.06, 1.  ], dtype=float32)
    """
    vectors = l2_normalize(check_vectors(vectors, "vectors"))
    n_iterations = check_positive_int(n_iterations, "n_iterations")
    rng = np.random.default_rng(check_seed(seed))
    if max_training_points is not None:
        max_training_points = check_positive_int(max_training_points, "max_training_points")
        if len(vectors) > max_training_points:
            vectors = vectors[np.sort(rng.choice(len(vectors), max_training_points, replace=False))]
    n_clusters = check_positive_int(
        n_clusters,
        "n_clusters",
        maximum=len(vectors),
        maximum_reason=f" (k-means trains on {len(vectors)} vector(s))",
    )
    nonzero = np.flatnonzero(np.any(vectors != 0, axis=1))  # a zero vector has no direction
    if len(nonzero) < n_clusters:
        raise ValueError(
            f"k-means needs at least n_clusters={n_clusters} non-zero vectors to start from; "
            f"received {len(nonzero)} among {len(vectors)}. Drop the zero vectors or ask for "
            f"fewer clusters."
        )
    centroids = _spread_start(vectors, nonzero, n_clusters, rng)
    for _ in range(n_iterations):
        labels = nearest_centroid(vectors, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, vectors)
        counts = np.bincount(labels, minlength=n_clusters)
        empty = np.flatnonzero(counts == 0)
        sums[empty] = vectors[rng.choice(nonzero, len(empty), replace=False)]
        centroids = l2_normalize(sums)
        cancelled = np.flatnonzero(~np.any(centroids != 0, axis=1))  # e.g. x and -x
        if len(cancelled):
            centroids[cancelled] = vectors[rng.choice(nonzero, len(cancelled), replace=False)]
    return centroids.astype(np.float32)
