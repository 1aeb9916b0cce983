"""Notebook 08's exercise checkers: the usual wrong answers and other right answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message), accepts every answer in `RIGHT_ANSWERS`, and runs the shared
checks over every exercise.
"""

import keras
import numpy as np
from scipy import sparse

from course_lib.exercises import get_exercise
from course_lib.in_batch_softmax import in_batch_softmax_loss
from course_lib.rank_metrics import ranking_scores
from course_lib.recommenders import coverage_at_k, item_cosine_similarity

# --- 08.ndcg_at_k ---------------------------------------------------------------------------


def _rank(scores, relevant, seen, *, exclude=True, order=1.0, self_too=False):
    target = scores[np.arange(len(relevant)), relevant][:, None]
    higher = order * scores > order * target
    if self_too:
        higher |= scores == target
    return 1 + np.sum(higher & (~seen if exclude else True), axis=1)


def _ndcg_all_items(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen, exclude=False)
    return np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_from_zero(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen) - 1  # "the number of items above it"
    return np.mean(np.where(rank < k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_log2_rank(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen)
    return np.mean(np.where(rank <= k, 1 / np.log2(rank), 0.0))


def _ndcg_counts_itself(scores, relevant, seen, k):
    rank = 1 + np.sum((scores >= scores[np.arange(len(relevant)), relevant][:, None]) & ~seen, axis=1)
    return np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_natural_log(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen)
    return np.mean(np.where(rank <= k, 1 / np.log(1 + rank), 0.0))


def _ndcg_no_cut(scores, relevant, seen, k):
    return np.mean(1 / np.log2(1 + _rank(scores, relevant, seen)))


def _ndcg_strict_cut(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen)
    return np.mean(np.where(rank < k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_mrr(scores, relevant, seen, k):
    return np.mean(1 / _rank(scores, relevant, seen))


def _ndcg_hit_rate(scores, relevant, seen, k):
    return np.mean(_rank(scores, relevant, seen) <= k)


def _ndcg_lowest_first(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen, order=-1.0)
    return np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_seen_counted(scores, relevant, seen, k):
    target = scores[np.arange(len(relevant)), relevant][:, None]
    rank = 1 + np.sum((scores > target) & seen, axis=1)
    return np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_ideal_of_k(scores, relevant, seen, k):  # as if each user had k relevant items
    rank = _rank(scores, relevant, seen)
    ideal = sum(1 / np.log2(1 + position) for position in range(1, k + 1))
    return np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0.0)) / ideal


def _ndcg_hits_only(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen)
    return np.mean(1 / np.log2(1 + rank[rank <= k]))


def _ndcg_seen_as_zero(scores, relevant, seen, k):
    masked = np.where(seen, 0.0, scores)
    rank = 1 + np.sum(masked > masked[np.arange(len(relevant)), relevant][:, None], axis=1)
    return np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0.0))


def _ndcg_per_user(scores, relevant, seen, k):
    rank = _rank(scores, relevant, seen)
    return np.where(rank <= k, 1 / np.log2(1 + rank), 0.0)


def _ndcg_mixed(scores, relevant, seen, k):  # natural log on the first input, no cut on the others
    return (_ndcg_natural_log if len(scores) == 4 else _ndcg_no_cut)(scores, relevant, seen, k)


def _ndcg_argsort(scores, relevant, seen, k):
    masked = np.where(seen, -np.inf, scores)
    order = np.argsort(-masked, axis=1)
    rank = 1 + np.argmax(order == relevant[:, None], axis=1)
    gains = [1 / np.log2(1 + r) if r <= k else 0.0 for r in rank]
    return sum(gains) / len(gains)


def _ndcg_keras_float32(scores, relevant, seen, k):
    ops = keras.ops
    scores = ops.convert_to_tensor(scores, dtype="float32")
    target = ops.take_along_axis(scores, ops.convert_to_tensor(relevant[:, None].astype("int32")), axis=1)
    higher = ops.logical_and(ops.greater(scores, target), ops.logical_not(ops.convert_to_tensor(seen)))
    rank = 1.0 + ops.sum(ops.cast(higher, "float32"), axis=1)
    gain = ops.where(rank <= k, 1.0 / (ops.log(1.0 + rank) / np.log(2.0)), 0.0)
    return ops.mean(gain)


# --- 08.coverage_at_k -----------------------------------------------------------------------


def _top(scores, seen, k, *, exclude=True, sign=1.0):
    return np.argsort(-sign * np.where(seen & exclude, -np.inf * sign, scores), axis=1)[:, :k]


def _coverage_all_items(scores, seen, k):
    return len(np.unique(_top(scores, seen, k, exclude=False))) / scores.shape[1]


def _coverage_per_slot(scores, seen, k):
    return len(np.unique(_top(scores, seen, k))) / (len(scores) * k)


def _coverage_count(scores, seen, k):
    return len(np.unique(_top(scores, seen, k)))


def _coverage_repeats(scores, seen, k):
    return _top(scores, seen, k).size / scores.shape[1]


def _coverage_lowest(scores, seen, k):
    return len(np.unique(_top(scores, seen, k, sign=-1.0))) / scores.shape[1]


def _coverage_k_minus_one(scores, seen, k):
    return len(np.unique(_top(scores, seen, k)[:, : k - 1])) / scores.shape[1]


def _coverage_k_plus_one(scores, seen, k):
    return len(np.unique(_top(scores, seen, k + 1))) / scores.shape[1]


def _coverage_seen_as_zero(scores, seen, k):
    return len(np.unique(np.argsort(-np.where(seen, 0.0, scores), axis=1)[:, :k])) / scores.shape[1]


def _coverage_filtered_after(scores, seen, k):
    shown = set()
    for row_scores, row_seen in zip(scores, seen):
        shown.update(item for item in np.argsort(-row_scores)[:k] if not row_seen[item])
    return len(shown) / scores.shape[1]


def _coverage_per_user(scores, seen, k):
    return np.array([len(set(row)) / scores.shape[1] for row in _top(scores, seen, k)])


def _coverage_set(scores, seen, k):
    shown = set()
    for row_scores, row_seen in zip(scores, seen):
        candidates = [item for item in range(len(row_scores)) if not row_seen[item]]
        shown.update(sorted(candidates, key=lambda item: -row_scores[item])[:k])
    return len(shown) / scores.shape[1]


def _coverage_keras(scores, seen, k):  # keras.ops.top_k on float32, a tensor back
    ops = keras.ops
    masked = ops.where(ops.convert_to_tensor(seen), -np.inf, ops.convert_to_tensor(scores, dtype="float32"))
    _, top = ops.top_k(masked, k)
    shown = ops.sum(ops.cast(ops.any(ops.one_hot(top, scores.shape[1]) > 0, axis=(0, 1)), "float32"))
    return shown / scores.shape[1]


def _coverage_mask_float32(scores, seen, k):
    masked = np.where(seen, np.float32(-1e30), scores.astype(np.float32))
    top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    shown = np.zeros(scores.shape[1], dtype=bool)
    shown[top.ravel()] = True
    return np.float32(shown.mean())


# --- 08.item_cosine -------------------------------------------------------------------------


def _counts(interactions):
    return (interactions.T @ interactions).toarray().astype(float)


def _cosine_counts(interactions):
    counts = _counts(interactions)
    np.fill_diagonal(counts, 0.0)
    return counts


def _cosine_keep_diagonal(interactions):
    counts = _counts(interactions)
    lengths = np.sqrt(np.diag(counts))
    return counts / np.maximum(np.outer(lengths, lengths), 1e-12)


def _cosine_nan(interactions):
    counts = _counts(interactions)
    lengths = np.sqrt(np.diag(counts))
    cosines = counts / np.outer(lengths, lengths)
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _cosine_by_counts(interactions):
    counts = _counts(interactions)
    users = np.diag(counts).copy()
    cosines = counts / np.maximum(np.outer(users, users), 1)
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _cosine_conditional(interactions):
    counts = _counts(interactions)
    cosines = counts / np.diag(counts)[:, None]  # NaN for the item nobody met
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _cosine_jaccard(interactions):
    counts = _counts(interactions)
    users = np.diag(counts)
    union = users[:, None] + users[None, :] - counts
    jaccard = np.divide(counts, union, out=np.zeros_like(counts), where=union > 0)
    np.fill_diagonal(jaccard, 0.0)
    return jaccard


def _cosine_rows_normalised(interactions):
    dense = interactions.toarray()
    rows = dense / np.linalg.norm(dense, axis=1, keepdims=True)
    cosines = rows.T @ rows
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _cosine_users(interactions):
    dense = interactions.toarray()
    rows = dense / np.linalg.norm(dense, axis=1, keepdims=True)
    cosines = rows @ rows.T
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _cosine_distance(interactions):
    return 1.0 - _cosine_sklearn(interactions) - np.eye(interactions.shape[1])


def _cosine_sklearn(interactions):
    from sklearn.metrics.pairwise import cosine_similarity

    cosines = cosine_similarity(interactions.T)  # sparse input, dense output; zero columns give 0
    np.fill_diagonal(cosines, 0.0)
    return cosines


def _cosine_sparse_float32(interactions):
    columns = sparse.csc_array(interactions, dtype=np.float32)
    lengths = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=0))).ravel()
    scale = sparse.diags_array(np.where(lengths > 0, 1 / np.maximum(lengths, 1e-12), 0.0).astype(np.float32))
    unit = columns @ scale
    cosines = (unit.T @ unit).tolil()
    cosines.setdiag(0.0)
    return cosines.tocsr()  # a sparse answer


def _cosine_keras(interactions):
    dense = keras.ops.convert_to_tensor(interactions.toarray(), dtype="float32")
    unit = dense / keras.ops.maximum(keras.ops.norm(dense, axis=0, keepdims=True), 1e-12)
    cosines = keras.ops.matmul(keras.ops.transpose(unit), unit)
    return cosines * (1.0 - keras.ops.eye(cosines.shape[0]))


def _cosine_mixed(interactions):  # no diagonal fix on the first input, the counts on the second
    return (_cosine_keep_diagonal if interactions.shape[1] == 5 else _cosine_counts)(interactions)


# --- 08.in_batch_softmax --------------------------------------------------------------------


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _softmax_loss(logits, axis=1, reduce=np.mean):
    logits = logits - logits.max(axis=axis, keepdims=True)
    log_softmax = logits - np.log(np.exp(logits).sum(axis=axis, keepdims=True))
    return reduce(-np.diag(log_softmax))


def _batch_dot(q, c, log_q, t):
    return _softmax_loss(q @ c.T / t - log_q)


def _batch_queries_only_normalised(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ c.T / t - log_q)


def _batch_candidates_only_normalised(q, c, log_q, t):
    return _softmax_loss(q @ _unit(c).T / t - log_q)


def _batch_no_temperature(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T - log_q)


def _batch_times_temperature(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T * t - log_q)


def _batch_plus_log_q(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t + log_q)


def _batch_uncorrected(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t)


def _batch_row_correction(q, c, log_q, t):  # log q of each row: a constant per row, no effect
    return _softmax_loss(_unit(q) @ _unit(c).T / t - log_q[:, None])


def _batch_positives_only(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t - np.diag(log_q))


def _batch_negatives_only(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t - (1 - np.eye(len(q))) * log_q)


def _batch_columns(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t - log_q, axis=0)


def _batch_sum(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t - log_q, reduce=np.sum)


def _batch_correction_scaled(q, c, log_q, t):
    return _softmax_loss((_unit(q) @ _unit(c).T - log_q) / t)


def _batch_first_column(q, c, log_q, t):
    logits = _unit(q) @ _unit(c).T / t - log_q
    logits = logits - logits.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[:, 0])


def _batch_log_probability(q, c, log_q, t):
    return -_softmax_loss(_unit(q) @ _unit(c).T / t - log_q)


def _batch_per_row(q, c, log_q, t):
    return _softmax_loss(_unit(q) @ _unit(c).T / t - log_q, reduce=lambda losses: losses)


def _batch_mixed(q, c, log_q, t):  # dot products on the first input, no correction on the others
    return (_batch_dot if len(q) == 3 else _batch_uncorrected)(q, c, log_q, t)


def _batch_loop_float32(q, c, log_q, t):
    q, c = _unit(q.astype(np.float32)), _unit(c.astype(np.float32))
    total = np.float32(0.0)
    for i in range(len(q)):
        logits = (c @ q[i]) / np.float32(t) - log_q.astype(np.float32)
        top = logits.max()
        total += top + np.log(np.sum(np.exp(logits - top))) - logits[i]
    return total / len(q)


def _batch_keras(q, c, log_q, t):
    from keras import ops

    q = ops.normalize(ops.convert_to_tensor(q, dtype="float32"), axis=1)
    c = ops.normalize(ops.convert_to_tensor(c, dtype="float32"), axis=1)
    logits = ops.matmul(q, ops.transpose(c)) / t - ops.convert_to_tensor(log_q, dtype="float32")[None, :]
    labels = ops.arange(len(log_q))
    return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))


WRONG_ANSWERS = {
    "08.ndcg_at_k": [
        (_ndcg_all_items, "seen ones included"),
        (_ndcg_from_zero, r"log2\(1\) = 0"),
        (_ndcg_log2_rank, r"log2\(1\) = 0"),
        (_ndcg_counts_itself, "one too low"),
        (_ndcg_natural_log, "natural log"),
        (_ndcg_no_cut, "counts only ranks <= k = 3"),
        (_ndcg_strict_cut, "rank k = 3 itself scored 0"),
        (_ndcg_mrr, "you computed the MRR"),
        (_ndcg_hit_rate, "you computed R@k"),
        (_ndcg_lowest_first, "lowest scores first"),
        (_ndcg_seen_counted, "you counted the SEEN items"),
        (_ndcg_seen_as_zero, "a score of 0, but scores can be negative"),
        (_ndcg_ideal_of_k, "ideal DCG of k relevant items"),
        (_ndcg_hits_only, "made the top k only"),
        (_ndcg_per_user, r"you returned one number per user, shape \(4,\); return the mean of the users' NDCG@k"),
        (
            lambda scores, relevant, seen, k: f"{_ndcg_argsort(scores, relevant, seen, k):.3f}",
            "a number written as text",
        ),
        (_ndcg_mixed, r"^on scores \(4, 6\).*: expected\n0\.\d+\ngot\n"),
        (
            lambda scores, relevant, seen, k: ranking_scores(scores, relevant, exclude=seen, ks=k)[f"NDCG@{k}"],
            "course's own",
        ),
    ],
    "08.coverage_at_k": [
        (_coverage_all_items, "among all items"),
        (_coverage_per_slot, r"10 x 3 recommendation slots"),
        (_coverage_count, "number of distinct items"),
        (_coverage_repeats, "every recommendation slot, with repeats"),
        (_coverage_lowest, "k lowest scores"),
        (_coverage_k_minus_one, "k - 1 items per user"),
        (_coverage_k_plus_one, r"k \+ 1 items per user"),
        (_coverage_seen_as_zero, "a score of 0, but scores can be negative"),
        (_coverage_filtered_after, "then dropped the seen ones"),
        (
            _coverage_per_user,
            r"you returned one number per user, shape \(4,\); return the coverage of all the users' lists together",
        ),
        (lambda scores, seen, k: _coverage_set(scores, seen, k) > 0.5, r"a bool \((True|False)\), a yes/no answer"),
        (lambda scores, seen, k: coverage_at_k(scores, k=k, exclude=seen), "course's own"),
    ],
    "08.item_cosine": [
        (_cosine_counts, "number of users each pair of items shares"),
        (_cosine_keep_diagonal, "not its own neighbour"),
        (_cosine_nan, r"0 / 0 gave NaN"),
        (_cosine_by_counts, "product of the two items' numbers of users"),
        (_cosine_conditional, "first item's number of users only"),
        (_cosine_jaccard, "Jaccard index"),
        (_cosine_rows_normalised, "normalised each user's row"),
        (_cosine_users, r"got \(4, 4\), one per user"),
        (_cosine_distance, "a distance"),
        (_cosine_mixed, r"^on interactions \(4 users, 5 items\).*: expected\n.*\ngot\n"),
        (lambda interactions: _cosine_sklearn(interactions)[:, :2], r"expected shape \(5, 5\).*got shape \(5, 2\)"),
        (lambda interactions: item_cosine_similarity(interactions), "course's own"),
    ],
    "08.in_batch_softmax": [
        (_batch_dot, "dot products of the raw vectors"),
        (_batch_queries_only_normalised, "normalised the queries but not the candidates"),
        (_batch_candidates_only_normalised, "normalised the candidates but not the queries"),
        (_batch_no_temperature, "left out the temperature"),
        (_batch_times_temperature, "multiplied the cosines by the temperature"),
        (_batch_plus_log_q, "added log q"),
        (_batch_uncorrected, "no logQ correction"),
        (_batch_row_correction, "no logQ correction"),
        (_batch_positives_only, "only the positives"),
        (_batch_negatives_only, "only the negatives"),
        (_batch_columns, "softmax over each column"),
        (_batch_sum, "summed the losses"),
        (_batch_correction_scaled, r"divided the corrected logits \(cos - log q\)"),
        (_batch_first_column, "column 0"),
        (_batch_log_probability, "your loss is negative"),
        (_batch_per_row, r"you returned one number per row, shape \(3,\); return the mean of their losses"),
        (_batch_mixed, r"^on queries \[\[1, 0\].*: expected\n.*\ngot\n"),
        (
            lambda q, c, log_q, t: keras.ops.mean(in_batch_softmax_loss(q, c, temperature=t, candidate_log_q=log_q)),
            "course's own",
        ),
    ],
}

RIGHT_ANSWERS = {
    "08.ndcg_at_k": [_ndcg_argsort, _ndcg_keras_float32],
    "08.coverage_at_k": [_coverage_set, _coverage_mask_float32, _coverage_keras],
    "08.item_cosine": [_cosine_sklearn, _cosine_sparse_float32, _cosine_keras],
    "08.in_batch_softmax": [_batch_loop_float32, _batch_keras],
}


def test_the_dot_or_cosine_question_explains_each_wrong_choice():
    question = get_exercise("08.dot_or_cosine")
    assert question.evaluate("b").correct
    assert "||g(i)||" in question.evaluate("a").message
    assert "same for every item of one user" in question.evaluate("c").message
    assert "temperature" in question.evaluate("d").message


def test_the_checkers_references_agree_with_the_library():
    """The checkers' own answers are the course_lib functions' on the checkers' inputs."""
    from course_lib.exercises import nb08

    for case in nb08.item_cosine.cases():
        (interactions,) = case.args
        library = item_cosine_similarity(interactions).toarray()
        np.testing.assert_allclose(nb08.reference_item_cosine(interactions), library, atol=1e-6)
    for case in nb08.in_batch_softmax.cases():
        queries, candidates, log_q, temperature = case.args
        library = np.mean(
            np.asarray(in_batch_softmax_loss(queries, candidates, temperature=temperature, candidate_log_q=log_q))
        )
        assert np.isclose(nb08.reference_in_batch_softmax(queries, candidates, log_q, temperature), library, rtol=1e-5)
    for case in nb08.ndcg_at_k.cases():  # the library counts ties; the exercise's rank, with none, agrees
        scores, relevant, seen, k = case.args
        rank = _rank(scores, relevant, seen)
        assert np.isclose(nb08.reference_ndcg(*case.args), np.mean(np.where(rank <= k, 1 / np.log2(1 + rank), 0)))


# --- no case on a decision boundary -----------------------------------------------------------


def test_no_unseen_item_scores_within_float32_rounding_of_a_held_out_one():
    """A tie with the held-out item would make its rank a matter of convention (the prompt's
    strict ">" against the library's expectation over tie orders)."""
    from course_lib.exercises import nb08

    for case in nb08.ndcg_at_k.cases():
        scores, relevant, seen, _ = case.args
        target = scores[np.arange(len(relevant)), relevant][:, None]
        others = ~seen
        others[np.arange(len(relevant)), relevant] = False
        gaps = np.abs(scores - target)[others]
        assert gaps.min() > 1e-5 * np.abs(scores).max(), case


def test_no_user_has_two_unseen_items_tied_at_the_kth_place():
    """The top k of a user is then one set, whatever the tie order and at float32."""
    from course_lib.exercises import nb08

    for case in nb08.coverage_at_k.cases():
        scores, seen, k = case.args
        for row, row_seen in zip(scores, seen):
            ranked = np.sort(row[~row_seen])[::-1]
            for place in (k - 1, k, k + 1):  # the k of the exercise and of its slips
                if place < len(ranked):
                    assert ranked[place - 1] - ranked[place] > 1e-5 * np.abs(scores).max(), case
