"""The in-batch softmax loss in NumPy, with one switch per usual slip: the reference and the
usual mistakes that notebook 07's `in_batch_loss` and notebook 08's `in_batch_softmax` share.

Both exercises ask for one loss. Row `i` of a batch pairs query `i` with its document
(07) or candidate (08); every query scores every document of the batch by cosine divided
by the temperature (08 then subtracts `log q` of each candidate's column, the logQ
correction), and the loss is the mean over the rows of minus the log of each row's
softmax at its own document, the diagonal:

    logit_ij = cos(q_i, d_j) / temperature - log q_j
    loss     = mean_i ( log sum_j exp(logit_ij) - logit_ii )

`batch_loss` computes it in float64, and its keyword options give the loss each usual
slip gives; `shared_mistakes` lists the slips the two exercises have in common, and
`mean_loss` is their answer format.
"""

import numpy as np

from course_lib.exercises.answers import Number, WrongShape
from course_lib.exercises.diagnosis import Mistake

__all__ = ["batch_loss", "mean_loss", "shared_mistakes", "unit_rows"]


def unit_rows(x):
    """Each row of `x` divided by its Euclidean length (a zero row stays zero), in float64."""
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _log_probabilities(logits, *, positive_in_denominator, target):
    """Each row's log-softmax at its right column (the diagonal, or column 0)."""
    included = np.ones(logits.shape, dtype=bool)
    if not positive_in_denominator:
        included = ~np.eye(len(logits), dtype=bool)
    top = np.max(np.where(included, logits, -np.inf), axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.where(included, np.exp(logits - top), 0.0), axis=1)) + top[:, 0]
    picked = logits[:, 0] if target == "first" else np.diagonal(logits)
    return picked - log_sum


def batch_loss(
    queries,
    documents,
    temperature,
    log_q=None,
    *,
    normalize="both",
    scale="divide",
    correction="columns",
    correction_sign=1.0,
    correction_scaled=False,
    axis=1,
    positive_in_denominator=True,
    target="diagonal",
    symmetric=False,
    output="loss",
    reduce="mean",
):
    """The mean in-batch softmax loss, in float64; the options give the usual slips.

    Args:
        queries, documents: arrays `(batch, dim)`, row `i` of each forming pair `i`.
        temperature: the number the cosines are divided by.
        log_q: optional array `(batch,)`, `log q` of each document (candidate), subtracted
            from its column. Defaults to None: no correction.
        normalize: `"both"` (right), `"none"`, `"queries"` or `"documents"`: which rows
            are brought to length 1.
        scale: `"divide"` (right), `"multiply"` (by the temperature) or `"none"`.
        correction: where `log q` is subtracted: `"columns"` (right: every logit of
            column j), `"positives"`, `"negatives"` or `"none"`.
        correction_sign: 1 subtracts `log q` (right), -1 adds it.
        correction_scaled: divide `log q` by the temperature too.
        axis: 1 (right: each query chooses among the documents) or 0.
        positive_in_denominator: whether the right document is in the softmax's sum.
        target: `"diagonal"` (right) or `"first"` (column 0 for every row).
        symmetric: average with the loss of each document choosing its query.
        output: `"loss"` (right), `"probability"` or `"log_probability"`, of each row.
        reduce: `"mean"` (right) or `"sum"` over the rows.

    Returns:
        A float.

    Example:

    >>> queries = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> documents = np.array([[2.0, 0.0], [0.0, 0.5]])
    >>> round(batch_loss(queries, documents, 1.0), 4)   # course_lib.in_batch_softmax_loss's example
    0.3133
    >>> round(batch_loss(queries, documents, 1.0, np.log([0.01, 1.0])), 4)
    1.8178
    """
    queries = np.asarray(queries, dtype=np.float64)
    documents = np.asarray(documents, dtype=np.float64)
    if normalize in ("both", "queries"):
        queries = unit_rows(queries)
    if normalize in ("both", "documents"):
        documents = unit_rows(documents)
    similarities = queries @ documents.T
    logits = {"divide": similarities / temperature, "multiply": similarities * temperature, "none": similarities}[scale]
    if log_q is not None:
        own = np.eye(len(logits), dtype=bool)
        corrected = {"columns": np.ones_like(own), "positives": own, "negatives": ~own, "none": ~np.ones_like(own)}
        shift = np.asarray(log_q, dtype=np.float64)[None, :] / (temperature if correction_scaled else 1.0)
        logits = logits - correction_sign * np.where(corrected[correction], shift, 0.0)
    options = dict(positive_in_denominator=positive_in_denominator, target=target)
    log_p = _log_probabilities(logits if axis == 1 else logits.T, **options)
    if symmetric:
        log_p = (log_p + _log_probabilities(logits.T, **options)) / 2
    values = {"loss": -log_p, "probability": np.exp(log_p), "log_probability": log_p}[output]
    return float(np.sum(values) if reduce == "sum" else np.mean(values))


def mean_loss(row):
    """The answer format of both exercises: one number, with advice for one number per `row`
    (`"query"`, `"row"`) of the batch."""
    return Number(
        "one number, the mean loss",
        shapes=[
            WrongShape(
                lambda shape, expected, queries, *_: shape == (len(queries),),
                f"you returned one number per {row}, shape {{shape}}; return the mean of their losses, one number.",
            )
        ],
    )


def shared_mistakes(variant, *, document):
    """The usual slips of both in-batch exercises, as `Mistake`s.

    Args:
        variant: `variant(**options)` returns `batch_loss` of the case with those options.
        document: what the exercise calls the rows paired with the queries,
            `"document"` or `"candidate"`.
    """
    return [
        Mistake(
            variant(normalize="none"),
            f"you used dot products of the raw vectors; the loss compares cosines: divide each row "
            f"of the queries and of the {document}s by its length first.",
        ),
        Mistake(
            variant(normalize="queries"),
            f"you normalised the queries but not the {document}s; a cosine needs both sides of "
            f"length 1 (a long {document} vector would win by its length alone).",
        ),
        Mistake(
            variant(normalize="documents"),
            f"you normalised the {document}s but not the queries; a cosine needs both sides of length 1.",
        ),
        Mistake(
            variant(scale="multiply"),
            "you multiplied the cosines by the temperature; divide by it (s = 1 / temperature, "
            "so a small temperature makes the softmax sharp).",
        ),
        Mistake(
            variant(scale="none"),
            "you left out the temperature: cosines lie in [-1, 1], so the softmax can barely "
            "prefer anything. Divide them by `temperature`.",
        ),
        Mistake(
            variant(axis=0),
            f"you took the softmax over each column (the queries competing for one {document}); "
            f"each QUERY chooses among the {document}s: a softmax along each row, axis 1.",
        ),
        Mistake(
            variant(target="first"),
            f"you took column 0 as every row's right answer; row i's right answer is {document} i, the diagonal.",
        ),
        Mistake(variant(reduce="sum"), "you summed the losses of the rows; return their mean."),
        Mistake(
            variant(output="log_probability"),
            f"your loss is negative: you returned the mean log-probability of the right {document}; "
            f"the loss is its negative.",
        ),
    ]
