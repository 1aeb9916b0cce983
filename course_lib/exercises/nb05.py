"""Exercises of notebook 05, attention similarity.

- `masked_attention`: scaled dot-product attention with a padding mask, in NumPy.
- `attention_pooling`: pool a padded sequence with one learned query vector.
- `attended_frames`: read a cross-attention heat-map: which frame does each frame look at?
"""

import numpy as np

from course_lib import attention
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    as_learner_array,
    call_learner,
    describe_array,
    register,
)

__all__ = ["masked_attention", "attention_pooling", "attended_frames"]


def _softmax(scores, axis):
    scores = scores - scores.max(axis=axis, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=axis, keepdims=True)


def _reference_attention(query, key, value, mask, *, scale=True, axis=-1, use_mask=True):
    scores = query @ np.swapaxes(key, -1, -2)
    if scale:
        scores = scores / np.sqrt(query.shape[-1])
    if use_mask:
        scores = np.where(mask[:, None, :], scores, -1e9)
    weights = _softmax(scores, axis)
    return weights @ value, weights


# --- 05.masked_attention -------------------------------------------------------------------


def _attention_cases():
    rng = np.random.default_rng(7)
    return [
        ("query (1, 1, 2) = [[[1, 1]]], key = value = [[[1, 0], [0, 1], [5, 5]]], mask [[1, 1, 0]]",
         np.ones((1, 1, 2)), np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]]),
         np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]]), np.array([[True, True, False]])),
        ("random query (2, 3, 4), key (2, 5, 4), value (2, 5, 3), lengths [5, 2]",
         rng.normal(size=(2, 3, 4)) * 2, rng.normal(size=(2, 5, 4)) * 2, rng.normal(size=(2, 5, 3)),
         np.array([[True] * 5, [True, True, False, False, False]])),
    ]


def _check_masked_attention(function):
    for description, query, key, value, mask in _attention_cases():
        got = call_learner(function, query.copy(), key.copy(), value.copy(), mask.copy(),
                           description=description)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Incorrect(f"on {description}: return two arrays, (output, weights).")
        output = as_learner_array(got[0], "the output array")
        weights = as_learner_array(got[1], "the weights array")
        expected_output, expected_weights = _reference_attention(query, key, value, mask)
        if weights.shape != expected_weights.shape:
            raise Incorrect(f"on {description}: weights should have shape {expected_weights.shape} "
                            f"(batch, queries, keys); got {weights.shape}.")
        if output.shape != expected_output.shape:
            raise Incorrect(f"on {description}: output should have shape {expected_output.shape} "
                            f"(batch, queries, value size); got {output.shape}.")
        if np.allclose(weights, expected_weights, atol=1e-5) and np.allclose(output, expected_output, atol=1e-5):
            continue
        masked_weight = np.abs(weights[~np.broadcast_to(mask[:, None, :], weights.shape)]).max(initial=0)
        if masked_weight > 1e-6:
            if np.allclose(weights, _reference_attention(query, key, value, mask, use_mask=False)[1], atol=1e-5):
                raise Incorrect(f"on {description}: padded keys got weight up to {masked_weight:.3f}; "
                                f"you did not use the mask. Set masked scores to -1e9 before the softmax.")
            if np.allclose(weights, _reference_attention(query, key, value, mask, axis=-2)[1], atol=1e-5):
                raise Incorrect(f"on {description}: you took the softmax over the queries (axis -2); "
                                f"the weights a(i, j) sum to 1 over the keys i, the last axis.")
            raise Incorrect(f"on {description}: padded keys got weight up to {masked_weight:.3f}. A "
                            f"score of 0 still gets weight after exp(); set masked scores to -1e9.")
        if not np.allclose(weights.sum(axis=-1), 1.0, atol=1e-5):
            raise Incorrect(f"on {description}: each query's weights should sum to 1, yours sum to "
                            f"{describe_array(weights.sum(axis=-1))}. Mask the scores before the "
                            f"softmax, not the weights after it.")
        if np.allclose(weights, _reference_attention(query, key, value, mask, scale=False)[1], atol=1e-5):
            raise Incorrect(f"on {description}: you forgot to divide the scores by sqrt(d) = "
                            f"sqrt({query.shape[-1]}).")
        if np.allclose(weights, expected_weights, atol=1e-5):
            raise Incorrect(f"on {description}: the weights are right but the output is not; it is "
                            f"weights @ value.")
        raise Incorrect(f"on {description}: expected weights\n{describe_array(expected_weights)}\n"
                        f"got\n{describe_array(weights)}")
    return "your attention matches course_lib.attention.scaled_dot_product_attention; padding gets 0."


masked_attention = register(
    Exercise(
        "05.masked_attention",
        title="Scaled dot-product attention with a padding mask; return (output, weights).",
        checker=_check_masked_attention,
        hint=(
            """
            Each query scores every key, the scores become weights that sum to 1 over the
            keys, and the output mixes the values with those weights. A padded key must get
            weight 0: remove it BEFORE the softmax, since exp() of any finite score is > 0.
            """,
            """
            scores = query @ key.swapaxes(-1, -2) / np.sqrt(d); put -1e9 where mask[:, None, :]
            is False (np.where); softmax over the last axis (subtract the max first); then
            output = weights @ value.
            """,
        ),
        solution_code="""
            def masked_attention(query, key, value, mask):
                scores = query @ key.swapaxes(-1, -2) / np.sqrt(query.shape[-1])
                scores = np.where(mask[:, None, :], scores, -1e9)
                weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
                weights = weights / weights.sum(axis=-1, keepdims=True)
                return weights @ value, weights
        """,
        answer_name="masked_attention",
        references=(attention.scaled_dot_product_attention,),
    )
)


# --- 05.attention_pooling ------------------------------------------------------------------


def _pooling_cases():
    rng = np.random.default_rng(8)
    lengths = np.array([6, 2, 4])
    mask = np.arange(6)[None, :] < lengths[:, None]
    x = rng.normal(size=(3, 6, 4)) * mask[..., None]
    return [
        ("x [[[1, 0], [0, 1], [0, 0]]], mask [[1, 1, 0]], query [2, 0]",
         np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]), np.array([[True, True, False]]),
         np.array([2.0, 0.0])),
        ("random x (3, 6, 4) with lengths [6, 2, 4], query (4,)", x, mask, rng.normal(size=4) * 2),
    ]


def _reference_pooling(x, mask, query, *, scale=True, use_mask=True, axis=1):
    scores = x @ query / (np.sqrt(x.shape[-1]) if scale else 1.0)
    if use_mask:
        scores = np.where(mask, scores, -1e9)
    weights = _softmax(scores, axis)
    return (weights[..., None] * x).sum(axis=1), weights


def _check_attention_pooling(function):
    for description, x, mask, query in _pooling_cases():
        got = call_learner(function, x.copy(), mask.copy(), query.copy(), description=description)
        got = as_learner_array(got, f"an array of shape ({len(x)}, {x.shape[2]})")
        expected, weights = _reference_pooling(x, mask, query)
        if got.shape == weights.shape and got.shape != expected.shape:
            raise Incorrect(f"on {description}: you returned the weights, shape {got.shape}; return "
                            f"the pooled vectors, sum over t of a_t x_t, shape {expected.shape}.")
        if got.shape != expected.shape:
            raise Incorrect(f"on {description}: expected shape {expected.shape}, got {got.shape}.")
        if np.allclose(got, expected, atol=1e-5):
            continue
        for variant, message in (
            (dict(use_mask=False), "the padded steps took part: mask the scores (-1e9) before "
                                   "the softmax."),
            (dict(scale=False), "you forgot to divide the scores by sqrt(d)."),
            (dict(axis=0), "you took the softmax over the batch (axis 0); it runs over the time "
                           "steps of each sequence, axis 1."),
        ):
            if np.allclose(got, _reference_pooling(x, mask, query, **variant)[0], atol=1e-5):
                raise Incorrect(f"on {description}: {message}")
        if np.allclose(got, (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True), atol=1e-5):
            raise Incorrect(f"on {description}: you returned the masked mean; weight the steps by "
                            f"the softmax of their scores x_t . w / sqrt(d).")
        raise Incorrect(f"on {description}: expected\n{describe_array(expected)}\ngot\n{describe_array(got)}")
    return "your pooling matches course_lib.attention.AttentionPooling."


attention_pooling = register(
    Exercise(
        "05.attention_pooling",
        title="Attention pooling: softmax over real steps of x_t . w / sqrt(d), then the weighted sum.",
        checker=_check_attention_pooling,
        hint=(
            """
            One learned query scores every step of a sequence; a softmax over the real steps
            turns the scores into weights, and the pooled vector is the weighted sum of the
            steps. It is attention with a single query.
            """,
            """
            scores = x @ query / np.sqrt(d) has shape (n, steps); put -1e9 where mask is False;
            softmax over axis 1; then (weights[..., None] * x).sum(axis=1).
            """,
        ),
        solution_code="""
            def attention_pooling(x, mask, query):
                scores = x @ query / np.sqrt(x.shape[-1])
                scores = np.where(mask, scores, -1e9)
                weights = np.exp(scores - scores.max(axis=1, keepdims=True))
                weights = weights / weights.sum(axis=1, keepdims=True)
                return (weights[..., None] * x).sum(axis=1)
        """,
        answer_name="attention_pooling",
        references=(attention.AttentionPooling, attention.scaled_dot_product_attention),
    )
)


# --- 05.attended_frames --------------------------------------------------------------------


def _heatmap_cases():
    rng = np.random.default_rng(9)
    diagonal = _softmax(-np.abs(np.arange(6)[:, None] * 1.4 - np.arange(8)[None, :]) * 2.0, axis=1)
    return [
        ("weights [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]", np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])),
        ("a (6, 8) heat-map with a stretched diagonal", diagonal),
        ("a random (5, 9) heat-map", _softmax(rng.normal(size=(5, 9)) * 3, axis=1)),
    ]


def _check_attended_frames(function):
    for description, weights in _heatmap_cases():
        got = call_learner(function, weights.copy(), description=description)
        got = as_learner_array(got, f"{len(weights)} frame indices")
        expected = weights.argmax(axis=1)
        if got.shape == (weights.shape[1],) and got.shape != expected.shape:
            raise Incorrect(f"on {description}: you returned one index per column (key frame); the "
                            f"rows are the query frames: take the argmax over axis 1.")
        if got.shape != expected.shape:
            raise Incorrect(f"on {description}: expected one index per row, shape {expected.shape}; "
                            f"got {got.shape}.")
        if np.array_equal(got, expected):
            continue
        if np.allclose(got, weights.max(axis=1)):
            raise Incorrect(f"on {description}: you returned the largest weights; return where "
                            f"they are, the argmax.")
        if np.array_equal(got, weights.argmin(axis=1)):
            raise Incorrect(f"on {description}: you returned the least attended frames (argmin); "
                            f"a large weight means 'looks here'.")
        raise Incorrect(f"on {description}: expected {expected.tolist()}, got {got.tolist()}.")
    return "you can read an alignment off an attention heat-map."


attended_frames = register(
    Exercise(
        "05.attended_frames",
        title="For each query frame (row of a heat-map), the key frame (column) it attends to most.",
        checker=_check_attended_frames,
        hint=(
            "Each row of the heat-map belongs to one query frame and sums to 1 over the key "
            "frames: the frame it looks at most is where its row peaks.",
            "Row j holds a(i, j) for every key frame i: take np.argmax along axis 1.",
        ),
        solution_code="""
            def attended_frames(weights):
                return np.argmax(weights, axis=1)
        """,
        answer_name="attended_frames",
    )
)
