"""Exercises of notebook 05, attention similarity.

- `masked_attention`: scaled dot-product attention with a padding mask, in NumPy.
- `attention_pooling`: pool a padded sequence with one learned query vector.
- `forward_fraction`: read cross-attention maps of a padded batch: how often does the
  most attended frame move forward (or stay) from one real query frame to the next?
- `softmax_axis`: a question: over which axis the softmax of attention normalises.
"""

import numpy as np

from course_lib import attention
from course_lib.exercises.answers import Array, Pair, WrongShape
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question

__all__ = [
    "attention_pooling",
    "forward_fraction",
    "masked_attention",
    "reference_attention",
    "reference_forward_fraction",
    "reference_pooling",
    "softmax_axis",
]


def _softmax(scores, axis):
    scores = scores - scores.max(axis=axis, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=axis, keepdims=True)


def reference_attention(query, key, value, mask, *, scale=True, axis=-1, mask_mode="scores"):
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
    key = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])
    return [
        Case(
            "query (1, 1, 2) = [[[1, 1]]], key = value = [[[1, 0], [0, 1], [5, 5]]], mask [[1, 1, 0]]",
            np.ones((1, 1, 2)),
            key,
            key.copy(),
            np.array([[True, True, False]]),
        ),
        Case(
            "random query (2, 3, 4), key (2, 5, 4), value (2, 5, 3), lengths [5, 2]",
            rng.normal(size=(2, 3, 4)) * 2,
            rng.normal(size=(2, 5, 4)) * 2,
            rng.normal(size=(2, 5, 3)),
            np.array([[True] * 5, [True, True, False, False, False]]),
        ),
    ]


def _attention_mistakes(query, key, value, mask):
    def variant(**options):
        return reference_attention(query, key, value, mask, **options)

    weights = variant()[1]
    unmasked = variant(mask_mode="none")
    padded = ~np.broadcast_to(mask[:, None, :], weights.shape)
    return [
        Mistake(
            unmasked,
            f"padded keys got weight up to {unmasked[1][padded].max(initial=0):.3f}; you did not "
            f"use the mask. Set masked scores to -1e9 before the softmax.",
        ),
        Mistake(
            variant(mask_mode="zero"),
            "you set the masked scores to 0, but a score of 0 still gets weight after exp(): "
            "exp(0) = 1. Set masked scores to -1e9 before the softmax.",
        ),
        Mistake(
            variant(mask_mode="after"),
            "you zeroed the padded weights after the softmax, so each query's weights no longer "
            "sum to 1. Mask the scores before the softmax, not the weights after it.",
        ),
        Mistake(
            variant(axis=-2),
            "you took the softmax over the queries (axis -2); the weights a(i, j) sum to 1 over "
            "the keys i, the last axis.",
        ),
        Mistake(variant(scale=False), f"you forgot to divide the scores by sqrt(d) = sqrt({query.shape[-1]})."),
        Mistake(
            lambda got: np.allclose(got[1], weights, atol=1e-5),
            "the weights are right but the output is not; it is weights @ value.",
        ),
    ]


masked_attention = FunctionExercise(
    "05.masked_attention",
    title="Scaled dot-product attention with a padding mask; return (output, weights).",
    answer_name="masked_attention",
    cases=_attention_cases,
    reference=reference_attention,
    answer=Pair(
        ("output", "weights"),
        (
            Array("the output", per="batch, queries, value size"),
            Array("the weights", per="batch, queries, keys"),
        ),
    ),
    mistakes=_attention_mistakes,
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
    solution="""
        def masked_attention(query, key, value, mask):
            scores = query @ key.swapaxes(-1, -2) / np.sqrt(query.shape[-1])
            scores = np.where(mask[:, None, :], scores, -1e9)
            weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = weights / weights.sum(axis=-1, keepdims=True)
            return weights @ value, weights
    """,
    success="your attention matches course_lib.attention.scaled_dot_product_attention; padding gets 0.",
    references=(attention.scaled_dot_product_attention,),
)


# --- 05.attention_pooling ------------------------------------------------------------------


def _pooling_cases():
    rng = np.random.default_rng(8)
    lengths = np.array([6, 2, 4])
    mask = np.arange(6)[None, :] < lengths[:, None]
    x = rng.normal(size=(3, 6, 4)) * mask[..., None]
    return [
        Case(
            "x [[[1, 0], [0, 1], [0, 0]]], mask [[1, 1, 0]], query [2, 0]",
            np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]),
            np.array([[True, True, False]]),
            np.array([2.0, 0.0]),
        ),
        Case("random x (3, 6, 4) with lengths [6, 2, 4], query (4,)", x, mask, rng.normal(size=4) * 2),
    ]


def _pooling_and_weights(x, mask, query, *, scale=True, use_mask=True, axis=1):
    scores = x @ query / (np.sqrt(x.shape[-1]) if scale else 1.0)
    if use_mask:
        scores = np.where(mask, scores, -1e9)
    weights = _softmax(scores, axis)
    return (weights[..., None] * x).sum(axis=1), weights


def reference_pooling(x, mask, query, *, scale=True, use_mask=True, axis=1):
    """Attention pooling with one query; the options give the usual slips."""
    return _pooling_and_weights(x, mask, query, scale=scale, use_mask=use_mask, axis=axis)[0]


def _pooling_mistakes(x, mask, query):
    return [
        Mistake(
            reference_pooling(x, mask, query, use_mask=False),
            "the padded steps took part: mask the scores (-1e9) before the softmax.",
        ),
        Mistake(reference_pooling(x, mask, query, scale=False), "you forgot to divide the scores by sqrt(d)."),
        Mistake(
            reference_pooling(x, mask, query, axis=0),
            "you took the softmax over the batch (axis 0); it runs over the time steps of each sequence, axis 1.",
        ),
        Mistake(
            (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True),
            "you returned the masked mean; weight the steps by the softmax of their scores x_t . w / sqrt(d).",
        ),
    ]


attention_pooling = FunctionExercise(
    "05.attention_pooling",
    title="Attention pooling: softmax over real steps of x_t . w / sqrt(d), then the weighted sum.",
    answer_name="attention_pooling",
    cases=_pooling_cases,
    reference=reference_pooling,
    answer=Array(
        "the pooled vectors",
        per="one vector per sequence",
        show_shape=True,
        shapes=[
            WrongShape(
                lambda shape, expected, x, mask, query: shape == mask.shape,
                "you returned the weights, shape {shape}; return the pooled vectors, sum over t of "
                "a_t x_t, shape {expected}.",
            ),
            WrongShape(
                lambda shape, expected, x, mask, query: shape == (len(x), len(x), x.shape[-1]),
                "you returned shape {shape}: weights @ x pairs the weights of every sequence with "
                "the steps of every other. Weight each sequence's own steps: "
                "(weights[..., None] * x).sum(axis=1), shape {expected}.",
            ),
        ],
    ),
    mistakes=_pooling_mistakes,
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
    solution="""
        def attention_pooling(x, mask, query):
            scores = x @ query / np.sqrt(x.shape[-1])
            scores = np.where(mask, scores, -1e9)
            weights = np.exp(scores - scores.max(axis=1, keepdims=True))
            weights = weights / weights.sum(axis=1, keepdims=True)
            return (weights[..., None] * x).sum(axis=1)
    """,
    success="your pooling matches course_lib.attention.AttentionPooling.",
    # scaled_dot_product_attention is no reference here: pooling is attention with one
    # query, and a learner who reuses the function of exercise 1 that way has seen it.
    references=(attention.AttentionPooling,),
)


# --- 05.forward_fraction -------------------------------------------------------------------


def reference_forward_fraction(
    weights, query_lengths, *, axis=-1, strict=False, steps="real", divide_by="steps", backwards=False
):
    """For each pair, the fraction of steps j -> j + 1 between real query frames at which the
    most attended key frame does not move back; the options give the usual slips."""
    peaks = np.argmax(weights, axis=axis)
    moves = np.diff(peaks, axis=1)
    kept = moves < 0 if backwards else (moves > 0 if strict else moves >= 0)
    target = np.arange(1, peaks.shape[1])[None, :]  # step j -> j + 1 is counted at j + 1
    lengths = np.asarray(query_lengths)[:, None]
    valid = {
        "real": target < lengths,  # both frames real
        "all": np.ones_like(target < lengths),  # padded frames too
        "into padding": target - 1 < lengths,
    }[steps]  # from the last real frame on
    counted = np.sum(kept & valid, axis=1)
    total = {"steps": valid.sum(axis=1), "frames": lengths[:, 0], "count": 1}[divide_by]
    return counted / total


def _alignment_cases():
    rng = np.random.default_rng(10)

    def attention_maps(query_lengths, key_lengths, steps, sharpness):
        """Cross-attention of each padded utterance A with a warped copy B of it, B masked."""
        n = len(query_lengths)
        walks = np.cumsum(rng.normal(size=(n, steps, 3)), axis=1)
        queries = np.zeros((n, steps, 3))
        keys = np.zeros((n, steps, 3))
        for i, (query_length, key_length) in enumerate(zip(query_lengths, key_lengths)):
            queries[i, :query_length] = walks[i, :query_length]
            warp = np.sort(rng.uniform(0, query_length - 1, size=key_length))
            keys[i, :key_length] = walks[i, np.round(warp).astype(int)] + rng.normal(scale=0.3, size=(key_length, 3))
        key_mask = np.arange(steps)[None, :] < np.asarray(key_lengths)[:, None]
        return reference_attention(queries * sharpness, keys, keys, key_mask)[1]

    tiny = np.array(
        [
            [
                [0.7, 0.1, 0.1, 0.1],
                [0.2, 0.6, 0.1, 0.1],
                [0.1, 0.7, 0.1, 0.1],
                [0.6, 0.2, 0.1, 0.1],
                [0.25, 0.25, 0.25, 0.25],
            ]
        ]
    )
    return [
        Case(
            "weights (1, 5, 4) = [[[.7, .1, .1, .1], [.2, .6, .1, .1], [.1, .7, .1, .1], "
            "[.6, .2, .1, .1], [.25, .25, .25, .25]]], query_lengths [4]",
            tiny,
            np.array([4]),
        ),
        Case(
            "cross-attention weights (4, 12, 12) of 4 pairs, query_lengths [9, 5, 12, 3]",
            attention_maps([9, 5, 12, 3], [10, 12, 7, 6], 12, 2.0),
            np.array([9, 5, 12, 3]),
        ),
        Case(
            "cross-attention weights (3, 16, 16) of 3 pairs, query_lengths [16, 7, 11]",
            attention_maps([16, 7, 11], [12, 14, 16], 16, 1.0),
            np.array([16, 7, 11]),
        ),
    ]


def _alignment_mistakes(weights, query_lengths):
    def variant(**options):
        return reference_forward_fraction(weights, query_lengths, **options)

    return [
        Mistake(
            variant(steps="all"),
            "you counted the steps between padded query frames too; only the real frames of A "
            "count, j + 1 < query_lengths[b].",
        ),
        Mistake(
            variant(steps="into padding"),
            "you counted the step from A's last real frame into its padding; a step j -> j + 1 "
            "counts only when frame j + 1 is real too.",
        ),
        Mistake(
            variant(strict=True),
            "you counted only the steps that move strictly forward; a step that stays on the same "
            "key frame does not move back either (DTW allows it: one frame of B matched to several "
            "frames of A).",
        ),
        Mistake(
            variant(backwards=True),
            "you returned the fraction of steps that move BACK; return the fraction that do not.",
        ),
        Mistake(
            variant(divide_by="frames"),
            "you divided by the number of real frames; a sequence of L frames has L - 1 steps.",
        ),
        Mistake(
            variant(divide_by="count"),
            "you returned the number of such steps; divide by each pair's number of steps, query_lengths - 1.",
        ),
        Mistake(
            variant(axis=-2),
            "you took the argmax over the queries (axis 1), for each key frame; each query frame j "
            "of A is a row, and where it looks is the argmax over the keys, the last axis.",
        ),
    ]


forward_fraction = FunctionExercise(
    "05.forward_fraction",
    title="For each cross-attention map of a batch, the fraction of steps between real query "
    "frames whose most attended key frame does not move back.",
    answer_name="forward_fraction",
    cases=_alignment_cases,
    reference=reference_forward_fraction,
    answer=Array(
        "the fractions",
        per="one fraction per pair",
        decimals=4,
        shapes=[
            WrongShape(
                lambda shape, expected, *_: len(shape) == 2 and shape[0] == expected[0],
                "you returned shape {shape}, one value per step; return one fraction per pair, shape {expected}.",
            ),
            WrongShape(
                lambda shape, *_: shape == (),
                "expected one fraction per pair, shape {expected}; got shape (), a single number.",
            ),
        ],
    ),
    mistakes=_alignment_mistakes,
    hint=(
        """
        Each row j of a map belongs to frame j of A; where it looks most is the peak of
        that row. Follow the peaks from row to row over A's REAL frames only, and count
        the steps at which the peak does not go back to an earlier frame of B.
        """,
        """
        peaks = weights.argmax(axis=-1), shape (batch, n_queries); forward =
        np.diff(peaks, axis=1) >= 0; a step j -> j + 1 is real when j + 1 <
        query_lengths[b], i.e. np.arange(1, n_queries) < query_lengths[:, None]; return
        (forward & real).sum(axis=1) / (query_lengths - 1).
        """,
    ),
    solution="""
        def forward_fraction(weights, query_lengths):
            peaks = weights.argmax(axis=-1)
            forward = np.diff(peaks, axis=1) >= 0
            real_steps = np.arange(1, weights.shape[1])[None, :] < query_lengths[:, None]
            return (forward & real_steps).sum(axis=1) / (query_lengths - 1)
    """,
    success="you can measure how monotone a soft alignment is: DTW's path never moves back, attention is free to.",
)


# --- 05.softmax_axis (question) --------------------------------------------------------------

softmax_axis = Question(
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
