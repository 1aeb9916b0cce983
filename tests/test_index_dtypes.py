"""Index arithmetic stays in int64, so that inputs past 2**31 items do not wrap around.

Arrays of 2**31 items do not fit a test machine; these tests use small arrays
with large offsets, or check the dtypes that the arithmetic runs in.
"""

import numpy as np

from course_lib import top_k
from course_lib.sampling import make_pairs, make_triplets
from course_lib.search import IVFIndex
from course_lib.search.exact import _grouped_top_k


def test_grouped_top_k_selects_per_row_without_flat_indices():
    # The candidates are gathered row by row: the old `row * n_padded + column` flat
    # index was int32 and wrapped once batch * n_padded passed 2**31.
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(5, 64)).astype(np.float32)
    best, columns = _grouped_top_k(scores, 3, 8)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(np.asarray(columns), expected)
    np.testing.assert_allclose(np.asarray(best), np.take_along_axis(scores, expected, axis=1))


def test_top_k_returns_int64_indices_across_chunks():
    rng = np.random.default_rng(1)
    database = rng.normal(size=(300, 8)).astype(np.float32)
    queries = rng.normal(size=(37, 8)).astype(np.float32)
    _, indices = top_k(queries, database, 4, batch_size=8)
    assert indices.dtype == np.int64
    _, self_indices = top_k(database, database, 2, batch_size=16, exclude_self=True)
    assert self_indices.dtype == np.int64
    assert not np.any(self_indices == np.arange(300)[:, None])


def test_ivf_keeps_ids_past_2_to_the_31():
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(400, 8)).astype(np.float32)
    index = IVFIndex(8, n_lists=4, n_probe=4, seed=0)
    index.train(vectors)
    index.add(vectors)
    assert index._ids.dtype == np.int64 and index._offsets.dtype == np.int64
    _, before = index.search(vectors[:10], 3)
    index._ids = index._ids + 2**33  # as if 2**33 vectors had been added before these
    _, after = index.search(vectors[:10], 3)
    assert after.dtype == np.int64
    np.testing.assert_array_equal(after, before + 2**33)


def test_samplers_return_int64_indices():
    labels = np.repeat(np.arange(5), 20)
    assert make_pairs(labels, n_pairs=50, seed=0)[0].dtype == np.int64
    assert make_triplets(labels, n_triplets=50, seed=0).dtype == np.int64
