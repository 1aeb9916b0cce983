"""Exercises of notebook 08, recommendation with two towers against the classic recommenders.

- `ndcg_at_k`: NDCG@k of each user's one held-out item among the items they have not seen;
  no case holds an unseen item scored exactly like a held-out one, where conventions for
  ties differ (`course_lib.rank_metrics` counts a tie's expectation).
- `coverage_at_k`: the share of the catalogue that appears in at least one user's top k;
  no case ties at the k-th place, where the top k would be a matter of tie order.
- `item_cosine`: item-item cosine similarity from a sparse user x item matrix; the cases
  hold an item nobody met and two items met by the same users.
- `in_batch_softmax`: the in-batch softmax loss over scaled cosines, with the logQ correction
  (its reference and the slips it shares with notebook 07's: `course_lib.exercises.in_batch`).
- `dot_or_cosine`: a question: how a dot product and a cosine rank items differently.
"""

import numpy as np

from course_lib.exercises.answers import Array, Number, WrongShape
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.in_batch import batch_loss, mean_loss, shared_mistakes
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question
from course_lib.exercises.values import FLOAT32
from course_lib.rank_metrics import ranking_scores
from course_lib.recommenders import coverage_at_k as library_coverage_at_k
from course_lib.recommenders import top_k_items

__all__ = [
    "coverage_at_k",
    "dot_or_cosine",
    "in_batch_softmax",
    "item_cosine",
    "ndcg_at_k",
    "reference_coverage",
    "reference_in_batch_softmax",
    "reference_item_cosine",
    "reference_ndcg",
]


def _references(*names):
    """The course's own versions, imported on use (the Keras ones import Keras)."""

    def load():
        from course_lib import in_batch_softmax, rank_metrics, recommenders

        modules = {"rank_metrics": rank_metrics, "recommenders": recommenders, "in_batch_softmax": in_batch_softmax}
        return tuple(getattr(modules[module], name) for module, name in (name.split(".") for name in names))

    return load


def _one_per_user(what):
    """A `WrongShape` for an answer with one number per user where one number for all is asked."""
    return WrongShape(
        lambda shape, expected, scores, *_: shape == (len(scores),),
        f"you returned one number per user, shape {{shape}}; return {what}, one number.",
    )


# --- 08.ndcg_at_k ---------------------------------------------------------------------------


def reference_ndcg(scores, relevant, seen, k):
    """NDCG@k of the held-out items among the unseen ones: course_lib.rank_metrics's."""
    return ranking_scores(scores, relevant, exclude=seen, ks=k)[f"NDCG@{k}"]


def _ranks(scores, relevant, counted, *, higher=np.greater):
    """1 + the number of `counted` items that `higher` puts above each user's relevant item."""
    target = scores[np.arange(len(relevant)), relevant][:, None]
    return 1 + np.sum(higher(scores, target) & counted, axis=1)


def _ndcg(ranks, k, *, log=np.log2, shift=1, kept="<=", ideal=1.0, over="users"):
    """The mean gain of `ranks`, with one switch per usual slip."""
    kept = {"<=": ranks <= k, "<": ranks < k, "all": np.ones(ranks.shape, dtype=bool)}[kept]
    with np.errstate(divide="ignore", invalid="ignore"):
        gains = np.where(kept, 1.0 / log(ranks + shift), 0.0) / ideal
        return float(np.mean(gains[kept]) if over == "hits" else np.mean(gains))


def _ndcg_cases():
    rng = np.random.default_rng(81)
    hand_scores = np.array(
        [
            [0.9, 0.8, 0.1, 0.3, 0.2, 0.05],  # relevant item 1 ranks 1st once item 0 (seen) is left out
            [0.2, 0.7, 0.6, 0.8, 0.1, 0.5],  # relevant item 2 ranks 3rd: exactly k
            [0.6, 0.5, 0.4, 0.3, 0.2, 0.1],  # relevant item 5 ranks 5th, outside the top 3
            [-0.25, -0.2, -0.4, -0.1, -0.6, -0.3],  # every score below 0: relevant item 5 ranks 2nd
        ]
    )
    hand_seen = np.zeros(hand_scores.shape, dtype=bool)
    hand_seen[[0, 1, 2, 3, 3], [0, 4, 4, 1, 3]] = True

    def random_case(n_users, n_items, k, seen_share):
        scores = rng.normal(size=(n_users, n_items))
        relevant = rng.integers(0, n_items, size=n_users)
        seen = rng.random((n_users, n_items)) < seen_share
        seen[np.arange(n_users), relevant] = False
        return scores, relevant, seen, k

    return [
        Case(
            "scores (4, 6) [[0.9, 0.8, 0.1, 0.3, 0.2, 0.05], ...], the last user's all below 0, relevant "
            "[1, 2, 5, 5], seen items 0, 4, 4 and (1, 3), k 3",
            hand_scores,
            np.array([1, 2, 5, 5]),
            hand_seen,
            3,
        ),
        Case("random scores (20, 30), 30% of the items seen, k 5", *random_case(20, 30, 5, 0.3)),
        Case("random scores (12, 50), half of the items seen, k 10", *random_case(12, 50, 10, 0.5)),
    ]


def _ndcg_mistakes(scores, relevant, seen, k):
    ranks = _ranks(scores, relevant, ~seen)
    ideal_of_k = float(np.sum(1.0 / np.log2(2.0 + np.arange(k))))
    return [
        Mistake(
            _ndcg(_ranks(scores, relevant, np.ones_like(seen)), k),
            "you ranked the relevant item against every item, seen ones included; the items a "
            "user met in training are not candidates: count only the unseen items scored higher.",
        ),
        Mistake(
            _ndcg(_ranks(np.where(seen, 0.0, scores), relevant, np.ones_like(seen)), k),
            "you gave the seen items a score of 0, but scores can be negative: a seen item then "
            "still ranks above a held-out item scored below 0. Leave the seen items out of the "
            "count, (scores > target) & ~seen.",
        ),
        Mistake(
            _ndcg(_ranks(scores, relevant, seen), k),
            "you counted the SEEN items scored higher; the candidates are the items the user has "
            "not seen: (scores > target) & ~seen.",
        ),
        Mistake(
            _ndcg(ranks, k, shift=0),
            "rank 1 gave log2(1) = 0 and a division by zero: your rank starts at 0, or you took "
            "log2(rank). The gain of rank r is 1 / log2(1 + r), with r = 1 for the best place.",
        ),
        Mistake(
            _ndcg(_ranks(scores, relevant, ~seen, higher=np.greater_equal), k),
            "every rank is one too low: you counted the relevant item itself among the items "
            "scored at least as high (>=). Count the items scored strictly higher (>), plus 1.",
        ),
        Mistake(_ndcg(ranks, k, log=np.log), "you used the natural log; the discount is log2(1 + rank)."),
        Mistake(
            _ndcg(ranks, k, kept="all"),
            f"you gave every rank its gain 1 / log2(1 + rank); NDCG@k counts only ranks <= k = {k}, "
            f"the others score 0.",
        ),
        Mistake(
            _ndcg(ranks, k, kept="<"),
            f"rank k = {k} itself scored 0: NDCG@k keeps the ranks 1 to k, rank <= k.",
        ),
        Mistake(
            _ndcg(ranks, k, ideal=ideal_of_k),
            "you divided by the ideal DCG of k relevant items; each user has ONE relevant item, "
            "whose best place (rank 1) scores 1 / log2(2) = 1: the ideal DCG is 1.",
        ),
        Mistake(
            _ndcg(ranks, k, over="hits"),
            "you averaged over the users whose item made the top k only; a user whose item ranks "
            "below k scores 0 and still counts in the mean.",
        ),
        Mistake(float(np.mean(1.0 / ranks)), "you computed the MRR, mean(1 / rank); NDCG@k uses 1 / log2(1 + rank)."),
        Mistake(
            float(np.mean(ranks <= k)),
            "you computed R@k (the hit rate); NDCG@k also rewards a higher place: 1 / log2(1 + rank).",
        ),
        Mistake(
            _ndcg(_ranks(scores, relevant, ~seen, higher=np.less), k),
            "you ranked the lowest scores first; a higher score means a better recommendation.",
        ),
    ]


ndcg_at_k = FunctionExercise(
    "08.ndcg_at_k",
    title="NDCG@k of each user's one held-out item, ranked among the items the user has not seen.",
    answer_name="ndcg_at_k",
    cases=_ndcg_cases,
    reference=reference_ndcg,
    answer=Number(
        "one number, the mean NDCG@k over the users", shapes=[_one_per_user("the mean of the users' NDCG@k")]
    ),
    mistakes=_ndcg_mistakes,
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
    solution="""
        def ndcg_at_k(scores, relevant, seen, k):
            target = scores[np.arange(len(relevant)), relevant][:, None]
            rank = 1 + np.sum((scores > target) & ~seen, axis=1)
            return np.mean(np.where(rank <= k, 1.0 / np.log2(1.0 + rank), 0.0))
    """,
    success=(
        "your NDCG@k matches course_lib.rank_metrics.ranking_scores (which also counts ties "
        "fairly): rank 1 scores 1, rank 3 scores 0.5, rank k + 1 scores 0."
    ),
    references=_references("rank_metrics.ranking_scores", "rank_metrics.relevant_ranks"),
)


# --- 08.coverage_at_k ------------------------------------------------------------------------


def reference_coverage(scores, seen, k):
    """Catalogue coverage@k of the unseen items: course_lib.recommenders's."""
    return library_coverage_at_k(scores, k=k, exclude=seen)


def _coverage_cases():
    rng = np.random.default_rng(82)
    hand_scores = np.array(
        [
            [0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.05, 0.01],
            [0.9, 0.1, 0.8, 0.7, 0.2, 0.3, 0.05, 0.01],
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
            [-0.5, -0.4, -0.3, -0.9, -0.2, -0.8, -0.7, -0.1],  # every score below 0
        ]
    )
    hand_seen = np.zeros(hand_scores.shape, dtype=bool)
    hand_seen[[0, 1, 2, 3], [0, 0, 7, 7]] = True  # each user's best item

    def random_case(n_users, n_items, k, seen_share, popular):
        # a shared taste (popularity) plus a personal part, so that lists overlap
        scores = popular * rng.normal(size=n_items) + rng.normal(size=(n_users, n_items))
        return scores, rng.random((n_users, n_items)) < seen_share, k

    return [
        Case(
            "scores (4, 8) [[0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.05, 0.01], ...], the last user's all "
            "below 0, seen items 0, 0, 7 and 7, k 2",
            hand_scores,
            hand_seen,
            2,
        ),
        Case(
            "random scores (10, 40) with a shared taste, 20% of the items seen, k 3",
            *random_case(10, 40, 3, 0.2, 2.0),
        ),
        Case(
            "random scores (30, 25) with a shared taste, 30% of the items seen, k 5",
            *random_case(30, 25, 5, 0.3, 1.5),
        ),
    ]


def _coverage_mistakes(scores, seen, k):
    n_users, n_items = scores.shape
    distinct = len(np.unique(top_k_items(scores, k, exclude=seen)))

    def share(lists):
        return len(np.unique(lists)) / n_items

    first_then_filtered = top_k_items(scores, k)
    return [
        Mistake(
            share(top_k_items(scores, k)),
            "you took the top k among all items; the items a user has seen are never recommended: "
            "leave them out before taking the top k.",
        ),
        Mistake(
            share(first_then_filtered[~np.take_along_axis(seen, first_then_filtered, axis=1)]),
            "you took the top k among all items, then dropped the seen ones, which leaves some "
            "users fewer than k items; leave the seen items out BEFORE taking the top k.",
        ),
        Mistake(
            share(top_k_items(np.where(seen, 0.0, scores), k)),
            "you gave the seen items a score of 0, but scores can be negative: a seen item then "
            "still beats a user's negative scores. Give them -np.inf.",
        ),
        Mistake(
            distinct / (n_users * k),
            f"you divided by the {n_users} x {k} recommendation slots; coverage is a share of the "
            f"catalogue: divide by the number of items, {n_items}.",
        ),
        Mistake(
            float(distinct), f"you returned the number of distinct items; divide it by the number of items, {n_items}."
        ),
        Mistake(
            n_users * k / n_items,
            "you counted every recommendation slot, with repeats; an item recommended to several "
            "users counts once (np.unique).",
        ),
        Mistake(
            share(top_k_items(-scores, k, exclude=seen)), "you took the k lowest scores; the top k are the highest."
        ),
        Mistake(share(top_k_items(scores, k - 1, exclude=seen)), "you kept k - 1 items per user; keep k."),
        Mistake(share(top_k_items(scores, k + 1, exclude=seen)), "you kept k + 1 items per user; keep k."),
    ]


coverage_at_k = FunctionExercise(
    "08.coverage_at_k",
    title="Catalogue coverage@k: the share of all items in at least one user's top k unseen items.",
    answer_name="coverage_at_k",
    cases=_coverage_cases,
    reference=reference_coverage,
    answer=Number(
        "one number, the share of the items covered",
        shapes=[_one_per_user("the coverage of all the users' lists together")],
    ),
    mistakes=_coverage_mistakes,
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
    solution="""
        def coverage_at_k(scores, seen, k):
            top = np.argsort(-np.where(seen, -np.inf, scores), axis=1)[:, :k]
            return len(np.unique(top)) / scores.shape[1]
    """,
    success="your coverage matches course_lib.recommenders.coverage_at_k.",
    references=_references("recommenders.coverage_at_k", "recommenders.top_k_items"),
)


# --- 08.item_cosine --------------------------------------------------------------------------


def _dense(matrix):
    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=np.float64)


def reference_item_cosine(interactions):
    """The cosines between the columns, in float64; 0 on the diagonal and for an empty column."""
    x = _dense(interactions)
    unit = x / np.maximum(np.linalg.norm(x, axis=0, keepdims=True), 1e-12)
    cosines = unit.T @ unit
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
    random[0, [0, 1, 2, 3, 5]] = 1.0  # a user who met every other item (no user met nothing)
    twins = (rng.random((7, 5)) < 0.5).astype(np.float32)
    twins[:, 0] = 1.0  # an item every user met
    twins[:, 3] = twins[:, 1] = [1, 0, 1, 1, 0, 0, 1]  # two items met by the same users
    return [
        Case(
            "interactions (4 users, 5 items) [[1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [0, 1, 1, 0, 1], "
            "[1, 0, 0, 0, 1]], item 3 met by nobody",
            sparse.csr_array(hand),
        ),
        Case("random interactions (9 users, 6 items), item 4 met by nobody", sparse.csr_array(random)),
        Case(
            "random interactions (7 users, 5 items), item 0 met by every user, items 1 and 3 by the same users",
            sparse.csr_array(twins),
        ),
    ]


def _nan_or_zero(value):
    """A test of the learner's answer: `value`, whether the 0 / 0 of an item nobody met was
    left as NaN or cleaned up to 0."""
    return lambda got: FLOAT32.close(np.nan_to_num(got, nan=0.0), value)


def _item_cosine_mistakes(interactions):
    x = _dense(interactions)
    counts = x.T @ x
    users = np.diag(counts).copy()
    off_diagonal = 1.0 - np.eye(len(counts))
    with np.errstate(all="ignore"):
        unguarded = counts / np.sqrt(np.outer(users, users))
        np.fill_diagonal(unguarded, 0.0)
        conditional = np.nan_to_num(counts / users[:, None]) * off_diagonal
        jaccard = np.nan_to_num(counts / (users[:, None] + users[None, :] - counts)) * off_diagonal
        by_counts = np.nan_to_num(counts / np.outer(users, users)) * off_diagonal
    rows = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    cosines = reference_item_cosine(interactions)
    return [
        Mistake(
            counts * off_diagonal,
            "you returned the number of users each pair of items shares (interactions.T @ "
            "interactions); the cosine divides it by the two items' lengths, sqrt(users of i) * "
            "sqrt(users of j), so a popular item is not similar to everything.",
        ),
        Mistake(
            cosines + np.diag((users > 0).astype(float)),
            "every item has cosine 1 with itself on the diagonal; an item is not its own "
            "neighbour: set the diagonal to 0 (np.fill_diagonal).",
        ),
        Mistake(
            unguarded,
            "an item nobody met has length 0, and 0 / 0 gave NaN; divide by np.maximum(length, "
            "1e-12) so that its similarities are 0.",
        ),
        Mistake(
            _nan_or_zero(by_counts),
            "you divided by the product of the two items' numbers of users; the cosine divides by "
            "the product of their lengths, the square roots of those numbers.",
        ),
        Mistake(
            _nan_or_zero(conditional),
            "you divided by the first item's number of users only: that is the share of item i's "
            "users who also met j, not symmetric. The cosine divides by both lengths.",
        ),
        Mistake(
            _nan_or_zero(jaccard),
            "you computed the Jaccard index (shared users / users of either item); the cosine "
            "divides the shared users by sqrt(users of i) * sqrt(users of j).",
        ),
        Mistake(
            (rows.T @ rows) * off_diagonal,
            "you normalised each user's row; the items are the columns: normalise each column (axis 0).",
        ),
        Mistake(
            (1.0 - cosines) * off_diagonal,
            "you returned 1 - cosine, a distance; return the similarity itself.",
        ),
    ]


item_cosine = FunctionExercise(
    "08.item_cosine",
    title="Item-item cosine similarity of the columns of a sparse user x item matrix, diagonal 0.",
    answer_name="item_cosine",
    cases=_item_cosine_cases,
    reference=reference_item_cosine,
    answer=Array(
        "the item-item cosines",
        per="one row and one column per item",
        show_shape=True,
        shapes=[
            WrongShape(
                lambda shape, expected, interactions: shape == (interactions.shape[0],) * 2,
                "expected shape {expected}, one row and one column per item; got {shape}, one per "
                "user: the items are the columns of `interactions`, so compare columns "
                "(interactions.T @ interactions).",
            )
        ],
    ),
    mistakes=_item_cosine_mistakes,
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
    solution="""
        def item_cosine(interactions):
            counts = (interactions.T @ interactions).toarray()
            lengths = np.sqrt(np.diag(counts))
            cosines = counts / np.maximum(np.outer(lengths, lengths), 1e-12)
            np.fill_diagonal(cosines, 0.0)
            return cosines
    """,
    success=(
        "your item-item cosine matches course_lib.recommenders.item_cosine_similarity (which also "
        "keeps each item's k nearest neighbours only)."
    ),
    references=_references("recommenders.item_cosine_similarity"),
)


# --- 08.in_batch_softmax ---------------------------------------------------------------------


def reference_in_batch_softmax(queries, candidates, log_q, temperature):
    """The mean in-batch softmax loss with the logQ correction, in float64."""
    return batch_loss(queries, candidates, temperature, log_q)


def _batch_case(description, queries, candidates, log_q, temperature):
    """A case whose magnitude is its largest logit: cosines / temperature, and log q."""
    magnitude = 1.0 / temperature + float(np.max(np.abs(log_q)))
    return Case(description, queries, candidates, log_q, temperature, magnitude=magnitude)


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
        _batch_case(
            "queries [[1, 0], [0, 2], [1, 1]], candidates [[3, 0], [0, 1], [-1, 1]], "
            "log_q log([0.5, 0.3, 0.2]), temperature 0.5",
            np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]),
            np.array([[3.0, 0.0], [0.0, 1.0], [-1.0, 1.0]]),
            np.log(np.array([0.5, 0.3, 0.2])),
            0.5,
        ),
        _batch_case(
            "random queries and candidates (6, 4) of mixed lengths, random log_q, temperature 0.1",
            *random_case(6, 4, 0.1),
        ),
        _batch_case(
            "random queries and candidates (5, 3) of mixed lengths, random log_q, temperature 0.2",
            *random_case(5, 3, 0.2),
        ),
    ]


def _batch_mistakes(queries, candidates, log_q, temperature):
    def variant(**options):
        return batch_loss(queries, candidates, temperature, log_q, **options)

    return [
        *shared_mistakes(variant, document="candidate"),
        Mistake(
            variant(correction_sign=-1.0),
            "you added log q; the correction subtracts it, lowering the logits of the candidates "
            "that are in many batches (the popular ones).",
        ),
        Mistake(
            variant(correction="none"),
            "your loss has no logQ correction (subtracting a value per row changes nothing in a "
            "softmax over that row): subtract log_q[j] from column j, the candidate's own column.",
        ),
        Mistake(
            variant(correction="positives"),
            "you corrected only the positives (the diagonal); subtract log_q[j] from every logit of "
            "column j: candidate j is sampled, positive or negative.",
        ),
        Mistake(
            variant(correction="negatives"),
            "you corrected only the negatives; subtract log_q[j] from every logit of column j, the "
            "positive on the diagonal included.",
        ),
        Mistake(
            variant(correction_scaled=True),
            "you divided the corrected logits (cos - log q) by the temperature; only the cosines "
            "are scaled: cos / temperature - log q.",
        ),
    ]


in_batch_softmax = FunctionExercise(
    "08.in_batch_softmax",
    title="The in-batch softmax loss over cosines / temperature, with the logQ correction; the mean over rows.",
    answer_name="in_batch_softmax",
    cases=_batch_cases,
    reference=reference_in_batch_softmax,
    answer=mean_loss("row"),
    mistakes=_batch_mistakes,
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
    solution="""
        def in_batch_softmax(queries, candidates, log_q, temperature):
            q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
            c = candidates / np.linalg.norm(candidates, axis=1, keepdims=True)
            logits = q @ c.T / temperature - log_q[None, :]
            logits = logits - logits.max(axis=1, keepdims=True)
            log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            return -np.mean(np.diag(log_softmax))
    """,
    success=(
        "your loss matches course_lib.in_batch_softmax.in_batch_softmax_loss (averaged over "
        "the rows): every other positive of the batch is a negative, corrected by its log q."
    ),
    references=_references("in_batch_softmax.in_batch_softmax_loss", "in_batch_softmax.InBatchSoftmaxLoss"),
)


# --- 08.dot_or_cosine (question) -------------------------------------------------------------

dot_or_cosine = Question(
    "08.dot_or_cosine",
    title="How the dot product ranks a user's items differently from the cosine.",
    prompt="""
        **Question.** The dot-product model scores user u and movie i by
        `f(u) . g(i) = ||f(u)|| ||g(i)|| cos(f(u), g(i))`. Compared with ranking each
        user's movies by the cosine, ranking them by the dot product:
    """,
    choices={
        "a": "gives the same order: dividing by the lengths changes no ranking",
        "b": "moves items with long vectors up every user's list, whatever the user",
        "c": "changes each user's order by the user's own length ||f(u)||",
        "d": "gives the same order, only on a different scale, like a temperature",
    },
    answer="b",
    answer_name="dot_or_cosine_answer",
    explanations={
        "a": "Dividing by ||f(u)|| changes no order (one number for all of a user's items), but "
        "each item has its own length ||g(i)||: a long item vector multiplies its cosine "
        "for every user.",
        "c": "||f(u)|| is the same for every item of one user: it scales the whole list and "
        "leaves its order as it is. The item lengths differ from item to item.",
        "d": "A temperature divides every score by one number; ||g(i)|| is a different number "
        "for each item, so the order changes.",
    },
    hint=(
        "Write the score as ||f(u)|| ||g(i)|| cos(f(u), g(i)). Which factor is the same for "
        "all of one user's items, and which differs from item to item?",
        "||f(u)|| is shared by a user's whole list; ||g(i)|| is not. An item whose vector is "
        "three times longer gets three times its cosine, for every user.",
    ),
    why="||f(u)|| is one number per user and changes no order, but ||g(i)|| multiplies item "
    "i's cosine for every user: items trained to have long vectors (often the popular ones) "
    "rise in everyone's list. The cosine removes that lever.",
)
