"""The classic recommenders, and what their top-k lists cover.

The baselines every learned recommender must be measured against, on a
sparse user x item matrix of implicit feedback (`course_lib.interactions.
interaction_matrix`):

- `item_popularity`: how many users met each item. Recommending the most
  popular items to everyone is the floor.
- `item_cosine_similarity`: item-item cosine similarity of the matrix's
  columns, kept to each item's `k` nearest neighbours. Its product with the
  matrix scores "items similar to what you met" (item-based collaborative
  filtering: Sarwar, Karypis, Konstan and Riedl, 2001; Deshpande and Karypis,
  2004).
- `implicit_als`: matrix factorisation for implicit feedback by alternating
  least squares (Hu, Koren and Volinsky, 2008): user and item vectors whose
  dot products approximate "met or not", with the observed entries weighted
  by a confidence `1 + alpha`.

And two helpers to look at recommendations: `top_k_items` (each user's k best
items) and `coverage_at_k` (the share of the catalogue that some user is
shown).

NumPy and SciPy only: the matrix stays sparse, and only blocks of rows are
ever dense.
"""

import numpy as np

from course_lib._validation import as_matrix, check_positive_int, check_real, check_seed
from course_lib.rank_metrics import exclusion_mask

__all__ = [
    "item_popularity",
    "item_cosine_similarity",
    "implicit_als",
    "fold_in_users",
    "top_k_items",
    "coverage_at_k",
]


def _as_sparse(matrix, name="matrix"):
    from scipy import sparse

    if not sparse.issparse(matrix):
        raise TypeError(
            f"`{name}` must be a SciPy sparse matrix (users x items), e.g. from "
            f"course_lib.interactions.interaction_matrix; received {type(matrix).__name__}. "
            f"Convert a dense array with scipy.sparse.csr_array(array)."
        )
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(f"`{name}` must be a non-empty 2-D matrix (users x items); received shape {matrix.shape}.")
    matrix = sparse.csr_array(matrix, dtype=np.float64)
    if matrix.nnz and not np.all(np.isfinite(matrix.data)):
        raise ValueError(f"`{name}` holds NaN or infinite values; an interaction matrix holds 0 and 1.")
    return matrix


def item_popularity(matrix):
    """The number of users who met each item: the column sums of the matrix.

    Args:
        matrix: SciPy sparse `(n_users, n_items)` of ones (see `interaction_matrix`).

    Returns:
        A float64 array `(n_items,)`.

    Example:

    >>> from scipy import sparse
    >>> item_popularity(sparse.csr_array([[1, 1, 0], [0, 1, 0]])).tolist()
    [1.0, 2.0, 0.0]
    """
    return np.asarray(_as_sparse(matrix).sum(axis=0)).ravel()


def item_cosine_similarity(matrix, *, k=None, block_size=1024):
    """Cosine similarity between the items (columns) of a sparse matrix, top `k` per item.

    Each item is the column of users who met it; two items are similar when
    the same users met both. The cosine divides the number of shared users by
    the geometric mean of the two items' numbers of users, so a popular item
    is not similar to everything. An item is not its own neighbour (the
    diagonal is 0), and an item nobody met has similarity 0 with every item.

    The `(n_items, n_items)` matrix is computed a block of rows at a time
    as a product of sparse matrices, and only each row's `k` largest
    similarities are kept: nothing of size `n_items x n_items` is ever dense.

    Formula:

        cos(i, j) = (x_i . x_j) / (||x_i|| ||x_j||),  x_i = column i of the matrix

    Args:
        matrix: SciPy sparse `(n_users, n_items)` (see `interaction_matrix`).
        k: optional int >= 1: keep each item's `k` most similar items (its
            neighbourhood); among items tied at the cut, the lower indices.
            Keyword-only. Defaults to None: keep all.
        block_size: int >= 1, rows computed at once (memory grows with it).
            Keyword-only. Defaults to 1024.

    Returns:
        A `scipy.sparse.csr_array` of float32, `(n_items, n_items)`: row `i`
        holds item `i`'s similarities to its neighbours (only positive ones).

    Raises:
        TypeError: if `matrix` is not a SciPy sparse matrix, or `k` not an int.
        ValueError: if `matrix` is empty or holds NaN, or `k` is below 1.

    Example:

    >>> from scipy import sparse
    >>> users_x_items = sparse.csr_array([[1, 1, 0], [1, 1, 1], [0, 0, 1]])
    >>> item_cosine_similarity(users_x_items).toarray().round(3).tolist()
    [[0.0, 1.0, 0.5], [1.0, 0.0, 0.5], [0.5, 0.5, 0.0]]
    >>> item_cosine_similarity(users_x_items, k=1).toarray().round(3).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.0, 0.0]]
    """
    from scipy import sparse

    matrix = _as_sparse(matrix)
    n_items = matrix.shape[1]
    if k is not None:
        k = min(check_positive_int(k, "k"), max(n_items - 1, 1))
    block_size = check_positive_int(block_size, "block_size")
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0)).ravel())
    inverse = np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)
    unit_columns = sparse.csc_array(matrix @ sparse.diags_array(inverse))
    transposed = unit_columns.T.tocsr()
    rows, columns, values = [], [], []
    for start in range(0, n_items, block_size):
        block = (transposed[start : start + block_size] @ unit_columns).tocsr()
        block.sort_indices()  # ties at the cut then go to the lower item index
        for row in range(block.shape[0]):
            begin, end = block.indptr[row], block.indptr[row + 1]
            neighbours, similarities = block.indices[begin:end], block.data[begin:end]
            keep = (neighbours != start + row) & (similarities > 0)  # not its own neighbour
            neighbours, similarities = neighbours[keep], similarities[keep]
            if k is not None and len(neighbours) > k:
                kth = np.partition(similarities, len(similarities) - k)[len(similarities) - k]
                best = similarities > kth
                best[np.flatnonzero(similarities == kth)[: k - best.sum()]] = True
                neighbours, similarities = neighbours[best], similarities[best]
            rows.append(np.full(len(neighbours), start + row))
            columns.append(neighbours)
            values.append(similarities)
    return sparse.csr_array(
        (np.concatenate(values).astype(np.float32), (np.concatenate(rows), np.concatenate(columns))),
        shape=(n_items, n_items),
    )


def _solve_rows(rows, fixed, *, regularization, alpha, chunk_size=1024):
    """One half-step of ALS: each row's vector given the other side's vectors `fixed`.

    Row `r`'s system is `(F^T F + regularization I + alpha F_r^T F_r) x = (1 + alpha) F_r^T 1`,
    where `F_r` holds the vectors of the columns row `r` met. The sums `F_r^T F_r` of all
    rows come from one sparse product with the outer products `f f^T` of the fixed
    vectors, and the systems are solved together, a chunk of rows at a time.
    """
    factors = fixed.shape[1]
    gram = fixed.T @ fixed + regularization * np.eye(factors)
    outer = (fixed[:, :, None] * fixed[:, None, :]).reshape(len(fixed), factors * factors)
    right = (1.0 + alpha) * (rows @ fixed)
    solved = np.empty((rows.shape[0], factors))
    for start in range(0, rows.shape[0], chunk_size):
        systems = (rows[start : start + chunk_size] @ outer).reshape(-1, factors, factors)
        systems *= alpha
        systems += gram
        solved[start : start + chunk_size] = np.linalg.solve(systems, right[start : start + chunk_size, :, None])[
            ..., 0
        ]
    return solved


def _check_als_settings(regularization, alpha):
    settings = {}
    for name, value, example in (("regularization", regularization, 1.0), ("alpha", alpha, 10.0)):
        settings[name] = check_real(value, name, example=example)
        if not 0.0 <= settings[name] < float("inf"):
            raise ValueError(f"`{name}` must be a finite number >= 0, e.g. {example}; received {value!r}.")
    return settings


def implicit_als(matrix, *, factors=32, regularization=1.0, alpha=10.0, iterations=10, seed=0):
    """Matrix factorisation of implicit feedback by alternating least squares (Hu et al., 2008).

    Finds user vectors `u` and item vectors `v` whose dot products approximate
    the preference `p = 1` where a user met an item and `p = 0` everywhere
    else, each entry weighted by a confidence: `1 + alpha` for a met item, 1
    for the rest (an unmet item may simply be unknown). With one side fixed
    the loss is quadratic in the other, so each half-step solves one small
    linear system per user (then per item) exactly; the systems use the
    identity `V^T C_u V = V^T V + alpha V_u^T V_u`, so the cost grows with
    the number of interactions, not with users x items. Each half-step solves all its
    systems together (NumPy's batched `linalg.solve`), a chunk of rows at a time.

    Formula:

        min  sum_(u, i) c_ui (p_ui - u_u . v_i)^2 + regularization (sum ||u_u||^2 + sum ||v_i||^2)
        u_u = (V^T V + alpha V_u^T V_u + regularization I)^-1 (1 + alpha) V_u^T 1

    where `V_u` holds the vectors of the items user `u` met.

    Args:
        matrix: SciPy sparse `(n_users, n_items)` of ones (see `interaction_matrix`).
        factors: int >= 1, the length of each vector. Keyword-only. Defaults to 32.
        regularization: float >= 0, the weight of the vectors' squared lengths.
            Keyword-only. Defaults to 1.0.
        alpha: float >= 0, the extra confidence of a met item. Keyword-only.
            Defaults to 10.0.
        iterations: int >= 1, the number of (users, items) half-step pairs.
            Keyword-only. Defaults to 10.
        seed: non-negative int for the initial item vectors. Keyword-only.
            Defaults to 0.

    Returns:
        A tuple `(user_vectors, item_vectors)`: float64 arrays `(n_users,
        factors)` and `(n_items, factors)`; an item (or user) without any
        interaction keeps a zero vector. Score with `user_vectors @ item_vectors.T`.

    Raises:
        TypeError, ValueError: for a matrix that is not sparse, or a setting of
            the wrong type or range.

    Example:

    >>> from scipy import sparse
    >>> users_x_items = sparse.csr_array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]])
    >>> users, items = implicit_als(users_x_items, factors=2, regularization=0.1, iterations=5)
    >>> (users @ items.T).round(1).tolist()
    [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
    """
    matrix = _as_sparse(matrix)
    factors = check_positive_int(factors, "factors")
    iterations = check_positive_int(iterations, "iterations")
    settings = _check_als_settings(regularization, alpha)
    rng = np.random.default_rng(check_seed(seed))
    items = rng.normal(scale=0.01, size=(matrix.shape[1], factors))
    by_item = matrix.T.tocsr()
    for _ in range(iterations):
        users = _solve_rows(matrix, items, **settings)
        items = _solve_rows(by_item, users, **settings)
    return users, items


def fold_in_users(matrix, item_vectors, *, regularization=1.0, alpha=10.0):
    """User vectors for (new) interactions, with the item vectors of a trained ALS model kept fixed.

    One half-step of `implicit_als`: each user's vector is the exact
    least-squares answer given the items they met. Use it to score users
    with interactions the model was not trained on (a user's latest ones),
    without training again.

    Args:
        matrix: SciPy sparse `(n_users, n_items)` of ones, the interactions to use.
        item_vectors: float array `(n_items, factors)` from `implicit_als`.
        regularization, alpha: the settings the model was trained with. Keyword-only.

    Returns:
        A float64 array `(n_users, factors)`.

    Raises:
        TypeError, ValueError: for a matrix that is not sparse, item vectors of
            the wrong shape, or settings of the wrong type or range.

    Example:

    >>> from scipy import sparse
    >>> users_x_items = sparse.csr_array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]])
    >>> users, items = implicit_als(users_x_items, factors=2, regularization=0.1, iterations=5)
    >>> new_users = sparse.csr_array([[0, 0, 1, 0], [1, 0, 0, 0]])   # each met one item
    >>> (fold_in_users(new_users, items, regularization=0.1) @ items.T).round(1).tolist()
    [[0.0, 0.0, 0.9, 0.9], [0.9, 0.9, 0.0, 0.0]]
    """
    matrix = _as_sparse(matrix)
    item_vectors = as_matrix(item_vectors, "item_vectors", dtype=np.float64)
    if item_vectors.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"`item_vectors` must have one row per item (column of `matrix`), {matrix.shape[1]}; "
            f"received shape {item_vectors.shape}."
        )
    return _solve_rows(matrix, item_vectors, **_check_als_settings(regularization, alpha))


def top_k_items(scores, k, *, exclude=None):
    """Each user's `k` best-scored items, best first; ties go to the lower item index.

    Args:
        scores: array `(n_users, n_items)`, higher is better.
        k: int >= 1, the length of each list.
        exclude: optional boolean array or SciPy sparse matrix `(n_users,
            n_items)`: True (non-zero) where an item may not be recommended
            (what the user met in training). Keyword-only.

    Returns:
        An int64 array `(n_users, k)` of item indices.

    Raises:
        ValueError: if the shapes disagree, a score is NaN, or a user has fewer
            than `k` items left to recommend.

    Example:

    >>> top_k_items(np.array([[0.1, 0.9, 0.5, 0.5]]), 3).tolist()
    [[1, 2, 3]]
    >>> top_k_items(np.array([[0.1, 0.9, 0.5, 0.5]]), 2, exclude=np.array([[False, True, False, False]])).tolist()
    [[2, 3]]
    """
    scores = as_matrix(scores, "scores", dtype=np.float64).copy()
    k = check_positive_int(k, "k")
    if exclude is not None:
        excluded = exclusion_mask(exclude, scores.shape)
        left = scores.shape[1] - excluded.sum(axis=1)
        if left.min() < k:
            raise ValueError(
                f"user {int(np.argmin(left))} has {int(left.min())} items left after `exclude`, fewer "
                f"than k={k}; lower k."
            )
        scores[excluded] = -np.inf
    elif k > scores.shape[1]:
        raise ValueError(f"`k` must be at most the number of items, {scores.shape[1]}; received {k}.")
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1 : k]
    above = scores > kth
    tied = scores == kth
    tied &= np.cumsum(tied, axis=1) <= k - above.sum(axis=1, keepdims=True)  # lower indices first
    users, items = np.nonzero(above | tied)
    items = items.reshape(len(scores), k)
    chosen = scores[users.reshape(len(scores), k), items]
    order = np.lexsort((items, -chosen), axis=1)
    return np.take_along_axis(items, order, axis=1)


def coverage_at_k(scores, *, k=10, exclude=None):
    """Catalogue coverage@k: the share of all items that appear in at least one user's top k.

    A recommender that shows everyone the same popular items covers k items
    out of the whole catalogue; one that personalises covers more. Coverage
    says nothing about accuracy: read it next to R@k or NDCG@k.

    Args:
        scores, exclude: as `top_k_items`.
        k: int >= 1. Keyword-only. Defaults to 10.

    Returns:
        A float in `(0, 1]`: distinct items in the top-k lists / `n_items`.

    Example:

    >>> scores = np.array([[0.9, 0.8, 0.1, 0.0], [0.9, 0.1, 0.8, 0.0]])
    >>> coverage_at_k(scores, k=2)   # items 0, 1 and 2 of 4
    0.75
    """
    items = top_k_items(scores, k, exclude=exclude)
    return float(len(np.unique(items)) / np.shape(scores)[1])
