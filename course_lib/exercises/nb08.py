"""Exercises of notebook 08, recommendation with two towers against the classic recommenders.

- `ndcg_at_k`: NDCG@k of each user's one held-out item among the items they have not seen.
- `coverage_at_k`: the share of the catalogue that appears in at least one user's top k.
- `item_cosine`: item-item cosine similarity from a sparse user x item matrix.
- `in_batch_softmax`: the in-batch softmax loss over scaled cosines, with the logQ correction.
- `dot_or_cosine`: a question: how a dot product and a cosine rank items differently.
"""

import numpy as np

from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    Question,
    as_learner_array,
    check_cases,
    close_to,
    describe_with_shape,
    register,
)

__all__ = ["ndcg_at_k", "coverage_at_k", "item_cosine", "in_batch_softmax", "dot_or_cosine"]


def _references(*names):
    """The course's own versions, imported on use (the Keras ones import Keras)."""

    def load():
        from course_lib import in_batch_softmax, rank_metrics, recommenders

        modules = {"rank_metrics": rank_metrics, "recommenders": recommenders, "in_batch_softmax": in_batch_softmax}
        return tuple(getattr(modules[module], name) for module, name in (name.split(".") for name in names))

    return load


def _as_one_number(got, expected, description):
    got = as_learner_array(got, "one number")
    if got.size != 1:
        raise Incorrect(
            f"on {description}: return one number, the mean over all rows; got an array of shape {got.shape}."
        )
    return float(got.reshape(()))


def _render_number(value):
    return f"{float(value):.6g}"


# --- 08.ndcg_at_k ---------------------------------------------------------------------------


def _ranks(scores, relevant, seen, *, exclude_seen=True, ascending=False, count_self=False):
    """The 1-based rank of each user's relevant item among the candidates, ways to get it wrong included."""
    target = scores[np.arange(len(relevant)), relevant][:, None]
    candidates = ~seen if exclude_seen else np.ones_like(seen)
    beaten = (scores < target) if ascending else (scores > target)
    if count_self:
        beaten = beaten | (scores == target)
    return 1 + np.sum(beaten & candidates, axis=1)


def _ndcg(ranks, k, *, log=np.log2, shift=1, cut=True, strict=False):
    gains = 1.0 / log(ranks + shift)
    if cut:
        gains = np.where(ranks < k if strict else ranks <= k, gains, 0.0)
    return float(np.mean(gains))


def _reference_ndcg(scores, relevant, seen, k):
    return _ndcg(_ranks(scores, relevant, seen), k)


def _ndcg_cases():
    rng = np.random.default_rng(81)
    hand_scores = np.array(
        [
            [0.9, 0.8, 0.1, 0.3, 0.2, 0.05],  # relevant item 1 ranks 1st once item 0 (seen) is left out
            [0.2, 0.7, 0.6, 0.8, 0.1, 0.5],  # relevant item 2 ranks 3rd: exactly k
            [0.6, 0.5, 0.4, 0.3, 0.2, 0.1],  # relevant item 5 ranks 5th, outside the top 3
        ]
    )
    hand_seen = np.array(
        [
            [True, False, False, False, False, False],
            [False, False, False, False, True, False],
            [False, False, False, False, True, False],
        ]
    )

    def random_case(n_users, n_items, k, seen_share):
        scores = rng.normal(size=(n_users, n_items))
        relevant = rng.integers(0, n_items, size=n_users)
        seen = rng.random((n_users, n_items)) < seen_share
        seen[np.arange(n_users), relevant] = False
        return scores, relevant, seen, k

    return [
        (
            "scores (3, 6) [[0.9, 0.8, 0.1, 0.3, 0.2, 0.05], ...], relevant [1, 2, 5], seen items 0, 4 and 4, k 3",
            (hand_scores, np.array([1, 2, 5]), hand_seen, 3),
        ),
        ("random scores (20, 30), 30% of the items seen, k 5", random_case(20, 30, 5, 0.3)),
        ("random scores (12, 50), half of the items seen, k 10", random_case(12, 50, 10, 0.5)),
    ]


def _ndcg_mistakes(scores, relevant, seen, k):
    ranks = _ranks(scores, relevant, seen)
    with np.errstate(divide="ignore"):
        from_zero = _ndcg(ranks, k, shift=0)
    return [
        (
            _ndcg(_ranks(scores, relevant, seen, exclude_seen=False), k),
            "you ranked the relevant item against every item, seen ones included; the items a "
            "user met in training are not candidates: count only the unseen items scored higher.",
        ),
        (
            from_zero,
            "rank 1 gave log2(1) = 0 and a division by zero: your rank starts at 0, or you took "
            "log2(rank). The gain of rank r is 1 / log2(1 + r), with r = 1 for the best place.",
        ),
        (
            _ndcg(_ranks(scores, relevant, seen, count_self=True), k),
            "every rank is one too low: you counted the relevant item itself among the items "
            "scored at least as high (>=). Count the items scored strictly higher (>), plus 1.",
        ),
        (_ndcg(ranks, k, log=np.log), "you used the natural log; the discount is log2(1 + rank)."),
        (
            _ndcg(ranks, k, cut=False),
            f"you gave every rank its gain 1 / log2(1 + rank); NDCG@k counts only ranks <= k = {k}, "
            f"the others score 0.",
        ),
        (
            _ndcg(ranks, k, strict=True),
            f"rank k = {k} itself scored 0: NDCG@k keeps the ranks 1 to k, rank <= k.",
        ),
        (float(np.mean(1.0 / ranks)), "you computed the MRR, mean(1 / rank); NDCG@k uses 1 / log2(1 + rank)."),
        (
            float(np.mean(ranks <= k)),
            "you computed R@k (the hit rate); NDCG@k also rewards a higher place: 1 / log2(1 + rank).",
        ),
        (
            _ndcg(_ranks(scores, relevant, seen, ascending=True), k),
            "you ranked the lowest scores first; a higher score means a better recommendation.",
        ),
    ]


def _check_ndcg_at_k(function):
    check_cases(
        function,
        _ndcg_cases(),
        expected=_reference_ndcg,
        convert=_as_one_number,
        same=close_to(1e-6, equal_nan=True),
        mistakes=_ndcg_mistakes,
        render=_render_number,
    )
    return (
        "your NDCG@k matches course_lib.rank_metrics.ranking_scores (which also counts ties "
        "fairly): rank 1 scores 1, rank 3 scores 0.5, rank k + 1 scores 0."
    )


ndcg_at_k = register(
    Exercise(
        "08.ndcg_at_k",
        title="NDCG@k of each user's one held-out item, ranked among the items the user has not seen.",
        checker=_check_ndcg_at_k,
        hint=(
            """
            First the rank of each user's relevant item: 1 plus the number of candidate items
            (not seen) that score strictly higher. Then the gain 1 / log2(1 + rank) if the rank
            is at most k, else 0, and the mean over the users.
            """,
            """
            target = scores[np.arange(len(relevant)), relevant][:, None]; rank = 1 +
            ((scores > target) & ~seen).sum(axis=1); gain = np.where(rank <= k, 1 / np.log2(1 +
            rank), 0.0); return gain.mean().
            """,
        ),
        solution_code="""
            def ndcg_at_k(scores, relevant, seen, k):
                target = scores[np.arange(len(relevant)), relevant][:, None]
                rank = 1 + np.sum((scores > target) & ~seen, axis=1)
                return np.mean(np.where(rank <= k, 1.0 / np.log2(1.0 + rank), 0.0))
        """,
        answer_name="ndcg_at_k",
        references=_references("rank_metrics.ranking_scores"),
    )
)


# --- 08.coverage_at_k ------------------------------------------------------------------------


def _top_k(scores, seen, k, *, exclude_seen=True, lowest=False):
    masked = np.where(seen, np.nan, scores) if exclude_seen else scores.astype(float)
    order = np.argsort(masked if lowest else -masked, axis=1)  # NaN (seen) sorts last
    return order[:, :k]


def _reference_coverage(scores, seen, k):
    return len(np.unique(_top_k(scores, seen, k))) / scores.shape[1]


def _coverage_cases():
    rng = np.random.default_rng(82)
    hand_scores = np.array(
        [
            [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.05, 0.01],
            [0.9, 0.1, 0.8, 0.7, 0.2, 0.3, 0.05, 0.01],
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
        ]
    )
    hand_seen = np.zeros_like(hand_scores, dtype=bool)
    hand_seen[0, 0] = hand_seen[1, 0] = hand_seen[2, 7] = True

    def random_case(n_users, n_items, k, seen_share, popular):
        # a shared taste (popularity) plus a personal part, so that lists overlap
        scores = popular * rng.normal(size=n_items) + rng.normal(size=(n_users, n_items))
        return scores, rng.random((n_users, n_items)) < seen_share, k

    return [
        (
            "scores (3, 8) [[0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.05, 0.01], ...], seen items 0, 0 and 7, k 2",
            (hand_scores, hand_seen, 2),
        ),
        ("random scores (10, 40) with a shared taste, 20% of the items seen, k 3", random_case(10, 40, 3, 0.2, 2.0)),
        ("random scores (30, 25) with a shared taste, 30% of the items seen, k 5", random_case(30, 25, 5, 0.3, 1.5)),
    ]


def _coverage_mistakes(scores, seen, k):
    n_users, n_items = scores.shape
    top = _top_k(scores, seen, k)
    distinct = len(np.unique(top))
    return [
        (
            len(np.unique(_top_k(scores, seen, k, exclude_seen=False))) / n_items,
            "you took the top k among all items; the items a user has seen are never recommended: "
            "leave them out before taking the top k.",
        ),
        (
            distinct / (n_users * k),
            f"you divided by the {n_users} x {k} recommendation slots; coverage is a share of the "
            f"catalogue: divide by the number of items, {n_items}.",
        ),
        (float(distinct), f"you returned the number of distinct items; divide it by the number of items, {n_items}."),
        (
            n_users * k / n_items,
            "you counted every recommendation slot, with repeats; an item recommended to several "
            "users counts once (np.unique).",
        ),
        (
            len(np.unique(_top_k(scores, seen, k, lowest=True))) / n_items,
            "you took the k lowest scores; the top k are the highest.",
        ),
        (
            len(np.unique(_top_k(scores, seen, k - 1))) / n_items,
            "you kept k - 1 items per user; keep k.",
        ),
        (
            len(np.unique(_top_k(scores, seen, k + 1))) / n_items,
            "you kept k + 1 items per user; keep k.",
        ),
    ]


def _check_coverage_at_k(function):
    check_cases(
        function,
        _coverage_cases(),
        expected=_reference_coverage,
        convert=_as_one_number,
        same=close_to(1e-9),
        mistakes=_coverage_mistakes,
        render=_render_number,
    )
    return "your coverage matches course_lib.recommenders.coverage_at_k."


coverage_at_k = register(
    Exercise(
        "08.coverage_at_k",
        title="Catalogue coverage@k: the share of all items in at least one user's top k unseen items.",
        checker=_check_coverage_at_k,
        hint=(
            """
            Each user's list: the k highest-scored items among those the user has not seen.
            Then the set of items that appear in any list, as a share of all the items.
            """,
            """
            Put -np.inf where seen is True, take np.argsort(-scores, axis=1)[:, :k], then
            len(np.unique(...)) / scores.shape[1].
            """,
        ),
        solution_code="""
            def coverage_at_k(scores, seen, k):
                top = np.argsort(-np.where(seen, -np.inf, scores), axis=1)[:, :k]
                return len(np.unique(top)) / scores.shape[1]
        """,
        answer_name="coverage_at_k",
        references=_references("recommenders.coverage_at_k", "recommenders.top_k_items"),
    )
)


# --- 08.item_cosine --------------------------------------------------------------------------


def _dense(matrix):
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def _unit_columns(x):
    return x / np.maximum(np.linalg.norm(x, axis=0, keepdims=True), 1e-12)


def _reference_item_cosine(interactions):
    x = _dense(interactions).astype(float)
    cosines = _unit_columns(x).T @ _unit_columns(x)
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _item_cosine_cases():
    from scipy import sparse

    rng = np.random.default_rng(83)
    hand = np.array(
        [
            [1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [0, 1, 1, 0, 1],
            [1, 0, 0, 0, 1],
        ],
        dtype=np.float32,
    )
    random = (rng.random((9, 6)) < 0.45).astype(np.float32)
    random[:, 4] = 0.0  # an item nobody met
    random[0, 4] = 0.0
    return [
        (
            "interactions (4 users, 5 items) [[1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [0, 1, 1, 0, 1], "
            "[1, 0, 0, 0, 1]], item 3 met by nobody",
            (sparse.csr_array(hand),),
        ),
        ("random interactions (9 users, 6 items), item 4 met by nobody", (sparse.csr_array(random),)),
    ]


def _item_cosine_mistakes(interactions):
    x = _dense(interactions).astype(float)
    counts = x.T @ x
    users = np.diag(counts).copy()
    off_diagonal = 1.0 - np.eye(len(counts))
    with np.errstate(all="ignore"):
        unguarded = counts / np.sqrt(np.outer(users, users))
        np.fill_diagonal(unguarded, 0.0)
        conditional = counts / users[:, None] * off_diagonal
        jaccard = counts / (users[:, None] + users[None, :] - counts) * off_diagonal
        by_counts = counts / np.outer(users, users) * off_diagonal
    rows = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    def zero_for_nan(value):  # the mistake, whether or not the empty item's NaN was cleaned up
        return lambda got: np.shape(got) == value.shape and np.allclose(np.nan_to_num(got), value, atol=1e-5)

    return [
        (
            counts * off_diagonal,
            "you returned the number of users each pair of items shares (interactions.T @ "
            "interactions); the cosine divides it by the two items' lengths, sqrt(users of i) * "
            "sqrt(users of j), so a popular item is not similar to everything.",
        ),
        (
            _reference_item_cosine(interactions) + np.diag((users > 0).astype(float)),
            "every item has cosine 1 with itself on the diagonal; an item is not its own "
            "neighbour: set the diagonal to 0 (np.fill_diagonal).",
        ),
        (
            unguarded,
            "an item nobody met has length 0, and 0 / 0 gave NaN; divide by np.maximum(length, "
            "1e-12) so that its similarities are 0.",
        ),
        (
            zero_for_nan(np.nan_to_num(by_counts)),
            "you divided by the product of the two items' numbers of users; the cosine divides by "
            "the product of their lengths, the square roots of those numbers.",
        ),
        (
            zero_for_nan(np.nan_to_num(conditional)),
            "you divided by the first item's number of users only: that is the share of item i's "
            "users who also met j, not symmetric. The cosine divides by both lengths.",
        ),
        (
            zero_for_nan(np.nan_to_num(jaccard)),
            "you computed the Jaccard index (shared users / users of either item); the cosine "
            "divides the shared users by sqrt(users of i) * sqrt(users of j).",
        ),
        (
            (rows.T @ rows) * off_diagonal,
            "you normalised each user's row; the items are the columns: normalise each column (axis 0).",
        ),
        (
            (1.0 - _reference_item_cosine(interactions)) * off_diagonal,
            "you returned 1 - cosine, a distance; return the similarity itself.",
        ),
    ]


def _as_item_matrix(got, expected, description):
    """`convert` for 08.item_cosine: a dense array of the items' shape (sparse answers welcome)."""
    if hasattr(got, "toarray") and hasattr(got, "nnz"):
        got = got.toarray()
    got = as_learner_array(got, f"an array of shape {expected.shape}")
    if got.shape != expected.shape:
        square = got.ndim == 2 and got.shape[0] == got.shape[1]
        raise Incorrect(
            f"on {description}: expected shape {expected.shape}, one row and one column per item; "
            f"got {got.shape}."
            + (
                " That is one per user: the items are the columns of `interactions`, so compare "
                "columns (interactions.T @ interactions)."
                if square
                else ""
            )
        )
    return got


def _check_item_cosine(function):
    check_cases(
        function,
        _item_cosine_cases(),
        expected=_reference_item_cosine,
        convert=_as_item_matrix,
        same=close_to(1e-5, equal_nan=True),
        mistakes=_item_cosine_mistakes,
        render=describe_with_shape,
    )
    return (
        "your item-item cosine matches course_lib.recommenders.item_cosine_similarity (which also "
        "keeps each item's k nearest neighbours only)."
    )


item_cosine = register(
    Exercise(
        "08.item_cosine",
        title="Item-item cosine similarity of the columns of a sparse user x item matrix, diagonal 0.",
        checker=_check_item_cosine,
        hint=(
            """
            An item is its column of users. The dot product of two columns counts the users
            who met both items; the cosine divides that count by the two columns' lengths.
            An item is not its own neighbour, and an item nobody met has length 0.
            """,
            """
            counts = (interactions.T @ interactions).toarray() (sparse times sparse, then
            dense: items x items); lengths = np.sqrt(np.diag(counts)); divide counts by
            np.maximum(np.outer(lengths, lengths), 1e-12); then np.fill_diagonal(..., 0.0).
            """,
        ),
        solution_code="""
            def item_cosine(interactions):
                counts = (interactions.T @ interactions).toarray()
                lengths = np.sqrt(np.diag(counts))
                cosines = counts / np.maximum(np.outer(lengths, lengths), 1e-12)
                np.fill_diagonal(cosines, 0.0)
                return cosines
        """,
        answer_name="item_cosine",
        references=_references("recommenders.item_cosine_similarity"),
    )
)


# --- 08.in_batch_softmax ---------------------------------------------------------------------


def _batch_loss(
    queries,
    candidates,
    log_q,
    temperature,
    *,
    normalize=True,
    correction="all",
    scale="divide",
    axis=1,
    reduce=np.mean,
    target="diagonal",
    sign=1.0,
):
    """The batch loss, with one switch per usual slip."""
    if normalize:
        queries, candidates = _unit_columns(queries.T).T, _unit_columns(candidates.T).T
    similarities = queries @ candidates.T
    if scale == "divide":
        logits = similarities / temperature
    elif scale == "multiply":
        logits = similarities * temperature
    else:  # the correction divided by the temperature too
        logits = similarities / temperature
    own = np.eye(len(queries), dtype=bool)
    shift = {"all": np.ones_like(own), "positives": own, "negatives": ~own, "none": np.zeros_like(own)}[correction]
    shifted_log_q = log_q[None, :] / (temperature if scale == "both" else 1.0)
    logits = logits + sign * np.where(shift, -shifted_log_q, 0.0)
    log_softmax = logits - logits.max(axis=axis, keepdims=True)
    log_softmax = log_softmax - np.log(np.exp(log_softmax).sum(axis=axis, keepdims=True))
    picked = log_softmax[:, 0] if target == "first" else np.diag(log_softmax)
    return float(reduce(-picked))


def _reference_batch_loss(queries, candidates, log_q, temperature):
    return _batch_loss(queries, candidates, log_q, temperature)


def _batch_cases():
    rng = np.random.default_rng(84)

    def random_case(batch, dim, temperature):
        lengths = rng.uniform(0.3, 3.0, size=(batch, 1))  # lengths differ: cosine and dot disagree
        shares = rng.dirichlet(np.full(batch, 0.7))
        return (
            rng.normal(size=(batch, dim)) * lengths,
            rng.normal(size=(batch, dim)) * lengths[::-1],
            np.log(shares),
            temperature,
        )

    return [
        (
            "queries [[1, 0], [0, 2], [1, 1]], candidates [[3, 0], [0, 1], [-1, 1]], "
            "log_q log([0.5, 0.3, 0.2]), temperature 0.5",
            (
                np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]),
                np.array([[3.0, 0.0], [0.0, 1.0], [-1.0, 1.0]]),
                np.log(np.array([0.5, 0.3, 0.2])),
                0.5,
            ),
        ),
        (
            "random queries and candidates (6, 4) of mixed lengths, random log_q, temperature 0.1",
            random_case(6, 4, 0.1),
        ),
        (
            "random queries and candidates (5, 3) of mixed lengths, random log_q, temperature 0.2",
            random_case(5, 3, 0.2),
        ),
    ]


def _batch_mistakes(queries, candidates, log_q, temperature):
    def variant(**options):
        return _batch_loss(queries, candidates, log_q, temperature, **options)

    return [
        (
            variant(normalize=False),
            "you used the dot products; the towers meet in a cosine: L2-normalise the rows of "
            "both queries and candidates first.",
        ),
        (variant(scale="multiply"), "you multiplied by the temperature; divide: logits = cos / temperature."),
        (
            variant(sign=-1.0),
            "you added log q; the correction subtracts it, lowering the logits of the candidates "
            "that are in many batches (the popular ones).",
        ),
        (
            variant(correction="none"),
            "your loss has no logQ correction (subtracting a value per row changes nothing in a "
            "softmax over that row): subtract log_q[j] from column j, the candidate's own column.",
        ),
        (
            variant(correction="positives"),
            "you corrected only the positives (the diagonal); subtract log_q[j] from every logit of "
            "column j: candidate j is sampled, positive or negative.",
        ),
        (
            variant(correction="negatives"),
            "you corrected only the negatives; subtract log_q[j] from every logit of column j, the "
            "positive on the diagonal included.",
        ),
        (
            variant(axis=0),
            "you took the softmax over each column (each candidate choosing among the queries); "
            "each query chooses among the candidates: softmax along each row, axis 1.",
        ),
        (variant(reduce=np.sum), "you summed the losses of the rows; return their mean."),
        (
            variant(scale="both"),
            "you divided the corrected logits (cos - log q) by the temperature; only the cosines "
            "are scaled: cos / temperature - log q.",
        ),
        (
            variant(target="first"),
            "you took column 0 as every row's right answer; row i's positive is candidate i, the diagonal.",
        ),
        (
            -variant(),
            "your loss is negative: you returned the mean log-probability; the loss is its negative.",
        ),
    ]


def _check_in_batch_softmax(function):
    check_cases(
        function,
        _batch_cases(),
        expected=_reference_batch_loss,
        convert=_as_one_number,
        same=close_to(2e-5, rtol=2e-6),
        mistakes=_batch_mistakes,
        render=_render_number,
    )
    return (
        "your loss matches course_lib.in_batch_softmax.in_batch_softmax_loss (averaged over "
        "the rows): every other positive of the batch is a negative, corrected by its log q."
    )


in_batch_softmax = register(
    Exercise(
        "08.in_batch_softmax",
        title="The in-batch softmax loss over cosines / temperature, with the logQ correction; the mean over rows.",
        checker=_check_in_batch_softmax,
        hint=(
            """
            Row i of the batch is a (query, positive candidate) pair; the other rows'
            candidates are its negatives. Score every query against every candidate by cosine
            divided by the temperature, subtract log q of each candidate (its column), and take
            the cross-entropy of each row's softmax at its own candidate: the diagonal.
            """,
            """
            Normalise both (x / np.linalg.norm(x, axis=1, keepdims=True)); logits = q @ c.T /
            temperature - log_q[None, :]; subtract each row's max; log_softmax = logits -
            np.log(np.exp(logits).sum(axis=1, keepdims=True)); return -np.mean(np.diag(log_softmax)).
            """,
        ),
        solution_code="""
            def in_batch_softmax(queries, candidates, log_q, temperature):
                q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
                c = candidates / np.linalg.norm(candidates, axis=1, keepdims=True)
                logits = q @ c.T / temperature - log_q[None, :]
                logits = logits - logits.max(axis=1, keepdims=True)
                log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
                return -np.mean(np.diag(log_softmax))
        """,
        answer_name="in_batch_softmax",
        references=_references("in_batch_softmax.in_batch_softmax_loss", "in_batch_softmax.InBatchSoftmaxLoss"),
    )
)


# --- 08.dot_or_cosine (question) -------------------------------------------------------------

dot_or_cosine = register(
    Question(
        "08.dot_or_cosine",
        title="How the dot product ranks a user's items differently from the cosine.",
        prompt="""
            **Question.** A two-tower model scores user u and item i by the dot product
            `u . v_i = ||u|| ||v_i|| cos(u, v_i)`. Compared with ranking each user's items by
            the cosine, ranking them by the dot product:
        """,
        choices={
            "a": "gives the same order: dividing by the lengths changes no ranking",
            "b": "moves items with long vectors up every user's list, whatever the user",
            "c": "changes each user's order by the user's own length ||u||",
            "d": "gives the same order, only on a different scale, like a temperature",
        },
        answer="b",
        answer_name="dot_or_cosine_answer",
        explanations={
            "a": "Dividing by ||u|| changes no order (one number for all of a user's items), but "
            "each item has its own length ||v_i||: a long item vector multiplies its cosine "
            "for every user.",
            "c": "||u|| is the same for every item of one user: it scales the whole list and "
            "leaves its order as it is. The item lengths differ from item to item.",
            "d": "A temperature divides every score by one number; ||v_i|| is a different number "
            "for each item, so the order changes.",
        },
        hint=(
            "Write the score as ||u|| ||v_i|| cos(u, v_i). Which factor is the same for all of "
            "one user's items, and which differs from item to item?",
            "||u|| is shared by a user's whole list; ||v_i|| is not. An item whose vector is "
            "three times longer gets three times its cosine, for every user.",
        ),
        why="||u|| is one number per user and changes no order, but ||v_i|| multiplies item "
        "i's cosine for every user: items trained to have long vectors (often the popular ones) "
        "rise in everyone's list. The cosine removes that lever.",
    )
)
