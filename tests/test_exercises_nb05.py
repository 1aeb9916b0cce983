"""Notebook 05's exercise checkers: the usual wrong answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import numpy as np

from course_lib import attention
from course_lib.attention import scaled_dot_product_attention


def _softmax(scores, axis=-1):
    weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return weights / weights.sum(axis=axis, keepdims=True)


def _attention(query, key, value, mask, *, scale=True, mask_mode="scores", axis=-1):
    scores = query @ key.swapaxes(-1, -2)
    if scale:
        scores = scores / np.sqrt(query.shape[-1])
    if mask_mode == "scores":
        scores = np.where(mask[:, None, :], scores, -1e9)
    elif mask_mode == "zero":
        scores = scores * mask[:, None, :]
    weights = _softmax(scores, axis)
    if mask_mode == "after":
        weights = weights * mask[:, None, :]
    return weights @ value, weights


def _attention_no_mask(query, key, value, mask):
    return _attention(query, key, value, mask, mask_mode="none")


def _attention_zero_scores(query, key, value, mask):
    return _attention(query, key, value, mask, mask_mode="zero")


def _attention_mask_after(query, key, value, mask):
    return _attention(query, key, value, mask, mask_mode="after")


def _attention_unscaled(query, key, value, mask):
    return _attention(query, key, value, mask, scale=False)


def _attention_output_only(query, key, value, mask):
    return _attention(query, key, value, mask)[0]


def _pool(x, mask, query, *, scale=True, use_mask=True, axis=1, return_weights=False):
    scores = x @ query / (np.sqrt(x.shape[-1]) if scale else 1.0)
    if use_mask:
        scores = np.where(mask, scores, -1e9)
    weights = _softmax(scores, axis)
    return weights if return_weights else (weights[..., None] * x).sum(axis=1)


def _pool_no_mask(x, mask, query):
    return _pool(x, mask, query, use_mask=False)


def _pool_unscaled(x, mask, query):
    return _pool(x, mask, query, scale=False)


def _pool_weights(x, mask, query):
    return _pool(x, mask, query, return_weights=True)


def _pool_mean(x, mask, query):
    return (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)


def _forward(
    weights, query_lengths, *, axis=-1, compare=np.greater_equal, real=True, into_padding=False, divide="steps"
):
    """The fraction of forward steps, written as a learner might, with one switch per slip."""
    peaks = weights.argmax(axis=axis)
    fractions = []
    for row, length in zip(peaks, query_lengths):
        end = len(row) if not real else min(len(row), length + 1 if into_padding else length)
        steps = compare(np.diff(row[:end]), 0)
        fractions.append({"steps": steps.mean(), "frames": steps.sum() / length, "count": steps.sum()}[divide])
    return np.array(fractions)


def _forward_vectorised(weights, query_lengths):
    peaks = np.argmax(weights, axis=2)
    steps = np.arange(weights.shape[1] - 1)[None, :] + 1 < query_lengths[:, None]
    return np.sum((peaks[:, 1:] >= peaks[:, :-1]) & steps, axis=1) / np.sum(steps, axis=1)


WRONG_ANSWERS = {
    "05.masked_attention": [
        (_attention_no_mask, "did not use the mask"),
        (_attention_zero_scores, "score of 0 still gets weight"),
        (_attention_mask_after, "not the weights after it"),
        (_attention_unscaled, r"sqrt\(d\)"),
        (_attention_output_only, r"return a pair \(output, weights\)"),
        (lambda q, k, v, m: _attention(q, k, v, m, axis=-2), "over the queries"),
        (
            lambda q, k, v, m: (_attention_no_mask if len(q) == 1 else _attention_unscaled)(q, k, v, m),
            r"^on query \(1, 1, 2\).*: expected\noutput .*\nweights .*\ngot\noutput ",
        ),
        (lambda q, k, v, m: scaled_dot_product_attention(q, k, v, m), "course's own version"),
    ],
    "05.attention_pooling": [
        (_pool_no_mask, "padded steps took part"),
        (_pool_unscaled, r"sqrt\(d\)"),
        (_pool_weights, "returned the weights"),
        (_pool_mean, "masked mean"),
        (lambda x, mask, query: _pool(x, mask, query, axis=0), "over the batch"),
        (lambda x, mask, query: attention.AttentionPooling()(x, mask), "course's own version"),
    ],
    "05.forward_fraction": [
        (lambda w, n: _forward(w, n, real=False), "padded query frames too"),
        (lambda w, n: _forward(w, n, into_padding=True), "into its padding"),
        (lambda w, n: _forward(w, n, compare=np.greater), "strictly forward"),
        (lambda w, n: _forward(w, n, compare=np.less), "move BACK"),
        (lambda w, n: _forward(w, n, divide="frames"), "L - 1 steps"),
        (lambda w, n: _forward(w, n, divide="count"), "number of such steps"),
        (lambda w, n: _forward(w, n, axis=1), r"argmax over the queries \(axis 1\)"),
        (lambda w, n: np.diff(w.argmax(axis=-1), axis=1) >= 0, r"shape \(1, 4\), one value per step"),
        (lambda w, n: _forward(w, n).mean(), r"one fraction per pair, shape \(1,\); got shape \(\)"),
        # strictly forward on the first input, padding counted on the others
        (
            lambda w, n: _forward(w, n, compare=np.greater) if len(w) == 1 else _forward(w, n, real=False),
            r"^on weights \(1, 5, 4\).*: expected\n\[0.6667\]\ngot\n\[0.3333\]",
        ),
    ],
}


def _attention_minus_inf(query, key, value, mask):
    scores = np.einsum("bqd,bkd->bqk", query, key) / np.sqrt(query.shape[-1])
    scores = np.where(mask[:, None, :], scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.einsum("bqk,bkv->bqv", weights, value), weights


def _pool_loop(x, mask, query):
    pooled = []
    for steps, real in zip(x, mask):
        scores = steps[real] @ query / np.sqrt(len(query))
        weights = np.exp(scores - scores.max())
        pooled.append((weights / weights.sum()) @ steps[real])
    return np.array(pooled)


RIGHT_ANSWERS = {
    "05.masked_attention": [_attention_minus_inf, lambda q, k, v, m: _attention(q, k, v, m)],
    "05.attention_pooling": [_pool_loop, lambda x, mask, query: _pool(x, mask, query)],
    "05.forward_fraction": [_forward, _forward_vectorised],
}


def test_the_softmax_axis_question():
    from course_lib.exercises import get_exercise

    question = get_exercise("05.softmax_axis")
    assert question.evaluate("(B)").correct
    assert "average of the values" in question.evaluate("a").message
    assert "unrelated" in question.evaluate("c").message


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _pool_matmul(x, mask, query):
    return _pool(x, mask, query, return_weights=True) @ x


def _attention_keras(query, key, value, mask):
    import keras

    ops = keras.ops
    scores = ops.matmul(
        ops.convert_to_tensor(query, "float32"), ops.swapaxes(ops.convert_to_tensor(key, "float32"), -1, -2)
    )
    scores = ops.where(ops.expand_dims(mask, 1), scores / np.sqrt(query.shape[-1]), -1e9)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, ops.convert_to_tensor(value, "float32")), weights


WRONG_ANSWERS["05.attention_pooling"].append((_pool_matmul, r"weights @ x pairs the weights of every sequence"))
WRONG_ANSWERS["05.masked_attention"].append(
    (lambda q, k, v, m: _attention(q, k, v, m)[::-1], r"you returned \(weights, output\); return \(output, weights\)")
)
RIGHT_ANSWERS["05.masked_attention"].append(_attention_keras)
RIGHT_ANSWERS["05.forward_fraction"].append(
    lambda w, n: _forward_vectorised(w.astype(np.float32), n).astype(np.float32)
)
