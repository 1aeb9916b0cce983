"""Exercises of notebook 05, attention similarity.

- `masked_attention`: scaled dot-product attention with a padding mask, in NumPy.
- `attention_pooling`: pool a padded sequence with one learned query vector.
- `attended_frames`: read a cross-attention heat-map: which frame does each frame look at?
- `softmax_axis`: a question: over which axis the softmax of attention normalises.
"""

import numpy as np

from course_lib import attention
from course_lib.exercises.core import (
    Exercise,
    Incorrect,
    Question,
    as_learner_array,
    check_cases,
    close_to,
    describe_array,
    describe_with_shape,
    register,
)

__all__ = ["masked_attention", "attention_pooling", "attended_frames", "softmax_axis"]


def _softmax(scores, axis):
    scores = scores - scores.max(axis=axis, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=axis, keepdims=True)


def _reference_attention(query, key, value, mask, *, scale=True, axis=-1, mask_mode="scores"):
    """Attention and its weights; `mask_mode` gives the usual slips: "scores" (-1e9 before
    the softmax, right), "zero" (masked scores set to 0), "after" (weights masked after the
    softmax) or "none"."""
    scores = query @ np.swapaxes(key, -1, -2)
    if scale:
        scores = scores / np.sqrt(query.shape[-1])
    if mask_mode == "scores":
        scores = np.where(mask[:, None, :], scores, -1e9)
    elif mask_mode == "zero":
        scores = np.where(mask[:, None, :], scores, 0.0)
    weights = _softmax(scores, axis)
    if mask_mode == "after":
        weights = weights * mask[:, None, :]
    return weights @ value, weights


# --- 05.masked_attention -------------------------------------------------------------------


def _attention_cases():
    rng = np.random.default_rng(7)
    return [
        ("query (1, 1, 2) = [[[1, 1]]], key = value = [[[1, 0], [0, 1], [5, 5]]], mask [[1, 1, 0]]",
         (np.ones((1, 1, 2)), np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]]),
          np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]]), np.array([[True, True, False]]))),
        ("random query (2, 3, 4), key (2, 5, 4), value (2, 5, 3), lengths [5, 2]",
         (rng.normal(size=(2, 3, 4)) * 2, rng.normal(size=(2, 5, 4)) * 2,
          rng.normal(size=(2, 5, 3)), np.array([[True] * 5, [True, True, False, False, False]]))),
    ]


def _attention_mistakes(query, key, value, mask):
    def variant(**options):
        return _reference_attention(query, key, value, mask, **options)

    weights = variant()[1]
    unmasked = variant(mask_mode="none")
    padded = ~np.broadcast_to(mask[:, None, :], weights.shape)
    return [
        (unmasked,
         f"padded keys got weight up to {unmasked[1][padded].max(initial=0):.3f}; you did not "
         f"use the mask. Set masked scores to -1e9 before the softmax."),
        (variant(mask_mode="zero"),
         "you set the masked scores to 0, but a score of 0 still gets weight after exp(): "
         "exp(0) = 1. Set masked scores to -1e9 before the softmax."),
        (variant(mask_mode="after"),
         "you zeroed the padded weights after the softmax, so each query's weights no longer "
         "sum to 1. Mask the scores before the softmax, not the weights after it."),
        (variant(axis=-2),
         "you took the softmax over the queries (axis -2); the weights a(i, j) sum to 1 over "
         "the keys i, the last axis."),
        (variant(scale=False),
         f"you forgot to divide the scores by sqrt(d) = sqrt({query.shape[-1]})."),
        (lambda got: np.allclose(got[1], weights, atol=1e-5),
         "the weights are right but the output is not; it is weights @ value."),
    ]


def _as_output_and_weights(got, expected, description):
    """`convert` for 05.masked_attention: (output, weights) as arrays of the right shapes."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Incorrect(f"on {description}: return two arrays, (output, weights).")
    output = as_learner_array(got[0], "the output array")
    weights = as_learner_array(got[1], "the weights array")
    expected_output, expected_weights = expected
    if weights.shape != expected_weights.shape:
        raise Incorrect(f"on {description}: weights should have shape {expected_weights.shape} "
                        f"(batch, queries, keys); got {weights.shape}.")
    if output.shape != expected_output.shape:
        raise Incorrect(f"on {description}: output should have shape {expected_output.shape} "
                        f"(batch, queries, value size); got {output.shape}.")
    return output, weights


def _render_attention(pair):
    return f"weights {describe_array(pair[1])}\nand output {describe_array(pair[0])}"


def _check_masked_attention(function):
    check_cases(
        function, _attention_cases(), expected=_reference_attention,
        convert=_as_output_and_weights, mistakes=_attention_mistakes, render=_render_attention,
        same=lambda got, value: all(np.allclose(g, v, atol=1e-5) for g, v in zip(got, value)),
    )
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
         (np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]), np.array([[True, True, False]]),
          np.array([2.0, 0.0]))),
        ("random x (3, 6, 4) with lengths [6, 2, 4], query (4,)",
         (x, mask, rng.normal(size=4) * 2)),
    ]


def _reference_pooling(x, mask, query, *, scale=True, use_mask=True, axis=1):
    return _pooling_and_weights(x, mask, query, scale=scale, use_mask=use_mask, axis=axis)[0]


def _pooling_and_weights(x, mask, query, *, scale=True, use_mask=True, axis=1):
    scores = x @ query / (np.sqrt(x.shape[-1]) if scale else 1.0)
    if use_mask:
        scores = np.where(mask, scores, -1e9)
    weights = _softmax(scores, axis)
    return (weights[..., None] * x).sum(axis=1), weights


def _pooling_mistakes(x, mask, query):
    weights = _pooling_and_weights(x, mask, query)[1]
    return [
        (weights,
         f"you returned the weights, shape {weights.shape}; return the pooled vectors, sum "
         f"over t of a_t x_t, shape ({len(x)}, {x.shape[-1]})."),
        (_reference_pooling(x, mask, query, use_mask=False),
         "the padded steps took part: mask the scores (-1e9) before the softmax."),
        (_reference_pooling(x, mask, query, scale=False),
         "you forgot to divide the scores by sqrt(d)."),
        (_reference_pooling(x, mask, query, axis=0),
         "you took the softmax over the batch (axis 0); it runs over the time steps of each "
         "sequence, axis 1."),
        ((x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True),
         "you returned the masked mean; weight the steps by the softmax of their scores "
         "x_t . w / sqrt(d)."),
    ]


def _check_attention_pooling(function):
    check_cases(
        function, _pooling_cases(), expected=_reference_pooling,
        convert=lambda got, expected, description: as_learner_array(
            got, f"an array of shape {expected.shape}"),
        same=close_to(1e-5), mistakes=_pooling_mistakes, render=describe_with_shape,
    )
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


def _frames_mistakes(weights):
    return [
        (weights.argmax(axis=0),
         "you returned one index per column (key frame); the rows are the query frames: take "
         "the argmax over axis 1."),
        (np.argmax(weights),
         "you took the argmax of the whole heat-map, one number; return one index per row: "
         "np.argmax(weights, axis=1)."),
        (weights.max(axis=1),
         "you returned the largest weights; return where they are, the argmax."),
        (weights.argmin(axis=1),
         "you returned the least attended frames (argmin); a large weight means 'looks here'."),
    ]


def _check_attended_frames(function):
    check_cases(
        function, [(description, (weights,)) for description, weights in _heatmap_cases()],
        expected=lambda weights: weights.argmax(axis=1),
        convert=lambda got, expected, description: as_learner_array(
            got, f"{len(expected)} frame indices"),
        same=close_to(1e-5), mistakes=_frames_mistakes,
        render=lambda value: str(np.asarray(value).tolist()),
    )
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


# --- 05.softmax_axis (question) --------------------------------------------------------------

softmax_axis = register(
    Question(
        "05.softmax_axis",
        title="Over what the softmax of attention normalises.",
        prompt="""
            **Question.** In `weights = softmax(query @ key.T / sqrt(d))`, of shape
            `(batch, queries, keys)`, the softmax makes the weights sum to 1 over:
        """,
        choices={
            "a": "the queries, for each key",
            "b": "the keys, for each query",
            "c": "the batch, for each query and key",
            "d": "every entry of the (queries, keys) matrix at once",
        },
        answer="b",
        answer_name="softmax_axis_answer",
        explanations={
            "a": "Then each key would share one unit of weight among the queries, and a query's "
                 "output, weights @ value, would not be an average of the values: the weights in "
                 "its row could sum to anything.",
            "c": "The sequences of a batch are unrelated; mixing them would let one sequence's "
                 "scores change another's weights.",
            "d": "Then the queries would compete with each other for one unit of weight; each "
                 "query gets its own distribution over the keys.",
        },
        hint=(
            "Each query's output is a weighted average of the values, one value per key. Over "
            "what must the weights of one average sum to 1?",
            "The output is weights @ value: row q of the weights multiplies the values of all the "
            "keys. So the softmax runs along the last axis, the keys.",
        ),
        why="each query spreads one unit of attention over the keys (axis -1), so its output is "
            "a weighted average of the values; padded keys are removed before this softmax.",
    )
)
