"""course_lib.search: exact and IVF indexes against exact top_k, k-means, recall and evaluation."""

import sys

import numpy as np
import pytest

from course_lib import evaluate_retrieval, top_k
from course_lib import search as search_module
from course_lib.search import (
    ExactIndex,
    FaissIVFIndex,
    IVFIndex,
    evaluate_search,
    faiss_available,
    kmeans,
    queries_per_second,
    recall_at_k_vs_exact,
)


def _clustered(n=3000, dim=16, n_centres=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_centres, dim))
    labels = rng.integers(0, n_centres, n)
    return (centres[labels] + 0.5 * rng.normal(size=(n, dim))).astype(np.float32), labels


@pytest.fixture(scope="module")
def data():
    vectors, labels = _clustered()
    queries, query_labels = _clustered(n=200, seed=1)
    return vectors, labels, queries, query_labels


def test_exact_index_equals_top_k(data):
    vectors, _, queries, _ = data
    index = ExactIndex(vectors.shape[1])
    index.add(vectors[:1000])
    index.add(vectors[1000:])
    scores, indices = index.search(queries, 5)
    expected_scores, expected_indices = top_k(queries, vectors, 5)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-6)
    assert len(index) == len(vectors) and index.memory_bytes == vectors.nbytes


def test_ivf_with_every_cell_probed_is_exact(data):
    vectors, _, queries, _ = data
    index = IVFIndex.from_vectors(vectors, n_lists=16, n_probe=16, seed=0)
    scores, indices = index.search(queries, 10, batch_size=64)
    expected_scores, expected_indices = top_k(queries, vectors, 10)
    np.testing.assert_array_equal(indices, expected_indices)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-5)
    assert index.list_sizes.sum() == len(vectors) == len(index)


def test_ivf_recall_increases_with_n_probe(data):
    vectors, _, queries, _ = data
    exact = top_k(queries, vectors, 10)[1]
    index = IVFIndex.from_vectors(vectors, n_lists=32, seed=0)
    recalls = []
    for n_probe in (1, 2, 4, 8, 32):
        index.n_probe = n_probe
        recalls.append(recall_at_k_vs_exact(index.search(queries, 10)[1], exact))
    assert recalls == sorted(recalls) and recalls[0] < 1.0 and recalls[-1] == 1.0


def test_ivf_matches_a_brute_force_search_of_the_probed_cells(data):
    vectors, _, queries, _ = data
    index = IVFIndex.from_vectors(vectors, n_lists=8, n_probe=3, seed=2)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cells = np.argmax(unit @ index.centroids.T, axis=1)
    found = index.search(queries[:20], 4)[1]
    for query, row in zip(queries[:20], found):
        query = query / np.linalg.norm(query)
        probed = np.argsort(-(index.centroids @ query))[:3]
        candidates = np.flatnonzero(np.isin(cells, probed))
        expected = candidates[np.argsort(-(unit[candidates] @ query), kind="stable")[:4]]
        np.testing.assert_array_equal(np.sort(row), np.sort(expected))


def test_same_seed_same_index_other_seed_other_centroids(data):
    vectors = data[0]
    first = IVFIndex.from_vectors(vectors, n_lists=16, seed=5)
    second = IVFIndex.from_vectors(vectors, n_lists=16, seed=5)
    third = IVFIndex.from_vectors(vectors, n_lists=16, seed=6)
    np.testing.assert_array_equal(first.centroids, second.centroids)
    np.testing.assert_array_equal(first.search(vectors[:50], 5)[1], second.search(vectors[:50], 5)[1])
    assert not np.array_equal(first.centroids, third.centroids)


def test_kmeans_unit_centroids_subsample_and_empty_clusters():
    vectors, _ = _clustered(n=500, dim=4, n_centres=3)
    centroids = kmeans(vectors, 5, n_iterations=5, max_training_points=200, seed=0)
    assert centroids.shape == (5, 4) and centroids.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0, atol=1e-5)
    # duplicates: k-means must restart empty clusters, never return NaN
    duplicated = np.repeat(np.eye(3, dtype=np.float32), 10, axis=0)
    assert np.isfinite(kmeans(duplicated, 6, seed=0)).all()


def _planted_directions(n_clusters=8, per_cluster=100, dim=32, noise=0.05, seed=1):
    """Well-separated blobs on the sphere: unit centres plus small Gaussian noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = np.repeat(np.arange(n_clusters), per_cluster)
    vectors = centres[labels] + noise * rng.normal(size=(len(labels), dim))
    return vectors.astype(np.float32), labels, centres


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_kmeans_recovers_planted_clusters(seed):
    from sklearn.metrics import adjusted_rand_score

    vectors, labels, centres = _planted_directions()
    centroids = kmeans(vectors, len(centres), seed=seed)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assigned = np.argmax(unit @ centroids.T, axis=1)
    assert adjusted_rand_score(labels, assigned) == 1.0
    # Each centroid sits on its planted centre: the mean of 100 noisy copies, renormalised.
    matched = centroids[assigned[::100]]  # the centroid of planted cluster 0, 1, ...
    cosines = np.sum(matched * centres, axis=1)
    assert cosines.min() > 0.999, cosines


def test_kmeans_same_seed_same_centroids():
    vectors, _, _ = _planted_directions(noise=0.3)
    first = kmeans(vectors, 8, n_iterations=3, max_training_points=500, seed=7)
    np.testing.assert_array_equal(first, kmeans(vectors, 8, n_iterations=3, max_training_points=500, seed=7))
    assert not np.array_equal(first, kmeans(vectors, 8, n_iterations=3, max_training_points=500, seed=8))


def test_ivf_returns_minus_one_when_probed_cells_are_too_small():
    vectors = np.r_[np.tile([1.0, 0.0], (3, 1)), np.tile([0.0, 1.0], (20, 1))].astype(np.float32)
    vectors += np.random.default_rng(0).normal(scale=0.01, size=vectors.shape).astype(np.float32)
    index = IVFIndex.from_vectors(vectors, n_lists=2, n_probe=1, seed=0)
    scores, indices = index.search([[1.0, 0.0]], 5)
    assert sorted(indices[0, :3]) == [0, 1, 2]
    assert (indices[0, 3:] == -1).all() and np.isneginf(scores[0, 3:]).all()


def test_recall_at_k_vs_exact_hand_case_and_errors():
    assert recall_at_k_vs_exact([[0, 1, 2], [5, 9, 7]], [[2, 1, 0], [5, 6, 7]]) == pytest.approx(5 / 6)
    assert recall_at_k_vs_exact([[-1, 1]], [[1, 2]]) == 0.5
    with pytest.raises(ValueError, match="same shape"):
        recall_at_k_vs_exact([[0, 1]], [[0, 1, 2]])
    with pytest.raises(TypeError, match="integer indices"):
        recall_at_k_vs_exact([[0.5, 1.0]], [[0, 1]])


def test_evaluate_search_equals_evaluate_retrieval_for_exact_search(data):
    vectors, labels, queries, query_labels = data
    index = ExactIndex.from_vectors(vectors)
    assert evaluate_search(queries, query_labels, index.search, labels) == pytest.approx(
        evaluate_retrieval(queries, query_labels, vectors, labels)
    )


def test_evaluate_search_counts_minus_one_as_a_miss():
    def search(queries, k):
        return np.zeros((len(queries), k)), np.full((len(queries), k), -1)

    result = evaluate_search([[1.0, 0.0]], [0], search, [0, 0, 1], ks=(1,))
    assert result == {"R@1": 0.0, "MAP@R": 0.0}


def test_evaluate_search_rejects_a_wrong_shape():
    def search(queries, k):
        return None, np.zeros((len(queries), 1), int)

    with pytest.raises(ValueError, match="must return indices of shape"):
        evaluate_search([[1.0, 0.0]], [0], search, [0, 0, 1], ks=(1,))


def test_evaluate_search_names_the_argument_order():
    def search(queries, k):
        return None, np.zeros((len(queries), k), int)

    with pytest.raises(TypeError, match=r"evaluate_search\(query_embeddings, query_labels, index.search"):
        evaluate_search(search, [0, 0, 1], [[1.0, 0.0]], [0])


def test_input_errors_name_the_problem(data):
    vectors = data[0]
    with pytest.raises(ValueError, match="call add"):
        ExactIndex(3).search([[1.0, 0.0, 0.0]], 1)
    with pytest.raises(ValueError, match="must have 16 features"):
        ExactIndex.from_vectors(vectors).search([[1.0, 0.0]], 1)
    with pytest.raises(ValueError, match="not trained"):
        IVFIndex(16, n_lists=4).add(vectors)
    with pytest.raises(ValueError, match="at least n_lists=4 vectors"):
        IVFIndex(2, n_lists=4).train([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="n_probe` must be <= 4"):
        IVFIndex(16, n_lists=4, n_probe=5)
    index = IVFIndex.from_vectors(vectors, n_lists=4, seed=0)
    with pytest.raises(ValueError, match="n_probe` must be <= 4"):
        index.n_probe = 9
    with pytest.raises(ValueError, match="`k` must be <= 3000"):
        index.search(vectors[:2], 4000)
    with pytest.raises(ValueError, match="queries\\[None, :\\]"):
        index.search(vectors[0], 3)
    with pytest.raises(ValueError, match="NaN or infinite"):
        index.search(np.full((1, 16), np.nan), 3)
    with pytest.raises(ValueError, match="k-means trains on 2 vector"):
        kmeans([[1.0, 0.0], [0.0, 1.0]], 3)
    with pytest.raises(TypeError, match="`search` must be callable"):
        queries_per_second(3, vectors)


def test_zero_vectors_do_not_make_nan():
    vectors = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    index = IVFIndex.from_vectors(vectors, n_lists=2, n_probe=2, seed=0)
    scores, indices = index.search([[0.0, 0.0], [1.0, 0.0]], 2)
    assert np.isfinite(scores).all() and indices[1, 0] == 1


def test_without_faiss_the_wrapper_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # `import faiss` now raises ImportError
    assert search_module.faiss_available() is False
    with pytest.raises(ImportError, match=r'pip install -e "\.\[search\]"'):
        FaissIVFIndex(8, n_lists=4)


def test_faiss_ivf_agrees_with_the_numpy_ivf(data):
    pytest.importorskip("faiss")
    assert faiss_available()
    vectors, _, queries, _ = data
    exact = top_k(queries, vectors, 10)[1]
    index = FaissIVFIndex.from_vectors(vectors, n_lists=16, n_probe=16, seed=0)
    scores, indices = index.search(queries, 10)
    assert recall_at_k_vs_exact(indices, exact) > 0.999
    np.testing.assert_allclose(scores, top_k(queries, vectors, 10)[0], atol=1e-4)
    index.n_probe = 1
    assert recall_at_k_vs_exact(index.search(queries, 10)[1], exact) < 1.0
    assert len(index) == len(vectors) and index.memory_bytes > vectors.nbytes
    with pytest.raises(ValueError, match="n_probe` must be <= 16"):
        index.n_probe = 17
