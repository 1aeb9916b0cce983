"""Notebook 07's exercise checkers: the usual wrong answers, and right answers written otherwise.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and accepts every answer of `RIGHT_ANSWERS`.
"""

import keras
import numpy as np

from course_lib.exercises import get_exercise
from course_lib.in_batch_softmax import in_batch_softmax_loss

# --- 07.tfidf_weights ---------------------------------------------------------------------------


def _tfidf(counts, *, smooth=True, plus_one=True, normalize=True, log=np.log, df_kind="docs", idf_only=False, n_axis=0):
    counts = np.asarray(counts, dtype=float)
    n = counts.shape[n_axis]
    df = (counts > 0).sum(0) if df_kind == "docs" else counts.sum(0)
    idf = log((1 + n) / (1 + df)) if smooth else log(n / df)
    idf = idf + 1 if plus_one else idf
    weights = counts if idf_only else counts * idf
    if normalize == "columns":
        return weights / np.linalg.norm(weights, axis=0, keepdims=True)
    if normalize == "l1":
        return weights / weights.sum(axis=1, keepdims=True)
    return weights / np.linalg.norm(weights, axis=1, keepdims=True) if normalize else weights


def _tfidf_sklearn_normalize_l1(counts):  # a row sum instead of a length, via scikit-learn's helper
    from sklearn.preprocessing import normalize

    counts = np.asarray(counts, dtype=float)
    idf = np.log((1 + len(counts)) / (1 + (counts > 0).sum(axis=0))) + 1
    return normalize(counts * idf, norm="l1")


def _tfidf_sklearn(counts):
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer().fit_transform(counts).toarray()


def _tfidf_keras_ops(counts):
    counts = keras.ops.convert_to_tensor(np.asarray(counts, dtype=np.float32))
    n_documents = keras.ops.cast(keras.ops.shape(counts)[0], "float32")
    holding = keras.ops.sum(keras.ops.cast(counts > 0, "float32"), axis=0)
    weights = counts * (keras.ops.log((n_documents + 1.0) / (holding + 1.0)) + 1.0)
    return weights / keras.ops.norm(weights, axis=1, keepdims=True)


def _tfidf_sparse(counts):  # a SciPy sparse answer, as TfidfTransformer returns
    from scipy import sparse

    matrix = sparse.csr_array(np.asarray(counts, dtype=np.float64))
    idf = np.log((1 + matrix.shape[0]) / (1 + np.bincount(matrix.indices, minlength=matrix.shape[1]))) + 1
    weights = matrix @ sparse.diags_array(idf)
    lengths = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    return sparse.diags_array(1 / lengths) @ weights


def _tfidf_loops_float32(counts):
    counts = np.asarray(counts, dtype=np.float32)
    n_documents, n_terms = counts.shape
    weights = np.zeros_like(counts)
    for term in range(n_terms):
        holding = sum(1 for document in range(n_documents) if counts[document, term] > 0)
        idf = np.float32(np.log((n_documents + 1) / (holding + 1)) + 1)
        weights[:, term] = counts[:, term] * idf
    for document in range(n_documents):
        weights[document] /= np.sqrt(np.sum(weights[document] ** 2))
    return weights


# --- 07.bm25_weight -----------------------------------------------------------------------------


def _bm25(tf, length, average_length, idf, k1, b, *, plus_one=True, saturate=True, invert=False, use_b=True):
    ratio = average_length / length if invert else length / average_length
    norm = k1 * ((1 - b + b * ratio) if use_b else 1.0)
    if not saturate:
        return idf * tf
    return idf * tf * ((k1 + 1) if plus_one else 1) / (tf + norm)


def _bm25_swapped_b(tf, length, average_length, idf, k1, b):
    return idf * tf * (k1 + 1) / (tf + k1 * (b + (1 - b) * length / average_length))


def _bm25_without_one_minus_b(tf, length, average_length, idf, k1, b):
    return idf * tf * (k1 + 1) / (tf + k1 * b * length / average_length)


def _bm25_no_idf(tf, length, average_length, idf, k1, b):
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average_length))


def _bm25_loop_tensor(tf, length, average_length, idf, k1, b):  # a Keras tensor, float32
    weights = []
    for count, size in zip(tf, length):
        denominator = count + k1 * (1 - b + b * size / average_length)
        weights.append(idf * count * (k1 + 1) / denominator)
    return keras.ops.convert_to_tensor(np.array(weights, dtype=np.float32))


def _bm25_written_as_saturation(tf, length, average_length, idf, k1, b):
    k = k1 * ((1 - b) + b * (np.asarray(length) / average_length))
    return idf * (k1 + 1) * (1 - k / (tf + k))


# --- 07.in_batch_loss ---------------------------------------------------------------------------


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _loss(
    queries,
    documents,
    temperature,
    *,
    normalize=True,
    divide=True,
    axis=1,
    drop_positive=False,
    reduce=np.mean,
    as_probability=False,
):
    q = _unit(queries) if normalize in (True, "queries") else queries
    d = _unit(documents) if normalize in (True, "documents") else documents
    logits = q @ d.T / temperature if divide else q @ d.T * temperature
    exp = np.exp(logits)
    if drop_positive:
        exp = exp * (1 - np.eye(len(q)))
    probability = np.diagonal(np.exp(logits)) / exp.sum(axis=axis)
    return reduce(probability) if as_probability else reduce(-np.log(probability))


def _loss_no_temperature(queries, documents, temperature):
    return _loss(queries, documents, 1.0)


def _loss_symmetric(queries, documents, temperature):  # CLIP's: both directions, averaged
    return (_loss(queries, documents, temperature) + _loss(queries, documents, temperature, axis=0)) / 2


def _loss_labels_zero(queries, documents, temperature):  # every row's label 0, as in some contrastive code
    logits = _unit(queries) @ _unit(documents).T / temperature
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return float(loss(np.zeros(len(queries), dtype=int), logits))


def _loss_negative(queries, documents, temperature):
    logits = _unit(queries) @ _unit(documents).T / temperature
    return np.mean(np.diagonal(logits) - np.log(np.exp(logits).sum(axis=1)))


def _loss_mixed(queries, documents, temperature):  # raw dot products on the first input, summed on the others
    if len(queries) == 2:
        return _loss(queries, documents, temperature, normalize=False)
    return _loss(queries, documents, temperature, reduce=np.sum)


def _loss_keras_float32(queries, documents, temperature):  # keras.ops in float32, as in a model
    q = keras.ops.normalize(keras.ops.convert_to_tensor(queries, dtype="float32"), axis=1)
    d = keras.ops.normalize(keras.ops.convert_to_tensor(documents, dtype="float32"), axis=1)
    logits = keras.ops.matmul(q, keras.ops.transpose(d)) / temperature
    return keras.ops.mean(keras.ops.logsumexp(logits, axis=1) - keras.ops.diagonal(logits))


def _loss_cross_entropy(queries, documents, temperature):
    logits = _unit(queries) @ _unit(documents).T / temperature
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return keras.ops.convert_to_tensor(loss(np.arange(len(queries)), logits.astype(np.float32)))


def _loss_loop(queries, documents, temperature):
    total = 0.0
    for i, query in enumerate(queries):
        scores = [
            query @ document / np.linalg.norm(query) / np.linalg.norm(document) / temperature for document in documents
        ]
        total += np.log(np.sum(np.exp(scores))) - scores[i]
    return total / len(queries)


WRONG_ANSWERS = {
    "07.tfidf_weights": [
        (lambda c: _tfidf(c, normalize=False), "did not normalise"),
        (lambda c: _tfidf(c, normalize="columns"), r"normalised the columns"),
        (lambda c: _tfidf(c, normalize="l1"), r"divided each row by its sum \(L1\)"),
        (_tfidf_sklearn_normalize_l1, r"divided each row by its sum \(L1\)"),
        (lambda c: _tfidf(c, smooth=False), "without smoothing"),
        (lambda c: _tfidf(c, plus_one=False), r"left out the \+ 1"),
        (lambda c: _tfidf(c, log=np.log10), "log10"),
        (lambda c: _tfidf(c, df_kind="occurrences"), "number of DOCUMENTS"),
        (lambda c: _tfidf(c, n_axis=1), r"your n is the number of terms, counts\.shape\[1\]"),
        (lambda c: _tfidf(c, idf_only=True), "normalised counts"),
        (
            lambda c: _tfidf(c)[:, 0],
            r"expected shape \(3, 3\) \(one row per document, one column per term\), got shape \(3,\)",
        ),
        (lambda c: _tfidf(c).T, r"on random counts.*got \(7, 6\), a transpose"),
        (lambda c: _tfidf(c, log=np.log10) if len(c) == 3 else _tfidf(c, plus_one=False), r"^on counts.*expected\n"),
        (lambda c: [[f"{w:.3f}" for w in row] for row in _tfidf(c)], r"holding str \(dtype <U5\), not numbers"),
        (_tfidf_sklearn, "TfidfTransformer`, the course's own version"),
    ],
    "07.bm25_weight": [
        (lambda *a: _bm25(*a, saturate=False), "TF-IDF's weight"),
        (lambda *a: _bm25(*a, plus_one=False), r"factor \(k1 \+ 1\)"),
        (lambda *a: _bm25(*a, invert=True), "divided average_length by length"),
        (lambda *a: _bm25(*a, use_b=False), "left out the length normalisation"),
        (_bm25_swapped_b, "swapped b and 1 - b"),
        (_bm25_without_one_minus_b, "you left out 1 - b"),
        (_bm25_no_idf, "forgot to multiply by the term's idf"),
        (lambda *a: float(np.sum(_bm25(*a))), r"expected shape \(4,\), one weight per document; got one number"),
        (lambda *a: _bm25(*a) > 1.0, r"returned True/False values \(dtype bool\)"),
        (lambda *a: dict(enumerate(_bm25(*a))), r"expected the weights.*your function returned dict"),
    ],
    "07.in_batch_loss": [
        (lambda q, d, t: _loss(q, d, t, normalize=False), "raw vectors"),
        (lambda q, d, t: _loss(q, d, t, normalize="queries"), "normalised the queries but not the documents"),
        (lambda q, d, t: _loss(q, d, t, normalize="documents"), "normalised the documents but not the queries"),
        (lambda q, d, t: _loss(q, d, t, divide=False), "multiplied the cosines by the temperature"),
        (_loss_no_temperature, "left out the temperature"),
        (lambda q, d, t: _loss(q, d, t, axis=0), "over each column"),
        (_loss_symmetric, "averaged both directions"),
        (lambda q, d, t: _loss(q, d, t, drop_positive=True), "left the right document out"),
        (lambda q, d, t: _loss(q, d, t, reduce=np.sum), "summed the losses"),
        (lambda q, d, t: _loss(q, d, t, as_probability=True), "MINUS its log"),
        (_loss_labels_zero, "column 0 as every row's right answer"),
        (_loss_negative, "your loss is negative"),
        (
            lambda q, d, t: _loss(q, d, t, reduce=lambda x: x),
            r"one number per query, shape \(2,\); return the mean of their losses",
        ),
        (lambda q, d, t: str(_loss(q, d, t)), r"str '0\.\d+': a number written as text"),
        (_loss_mixed, r"^on queries \[\[1, 0\], \[0, 2\]\].*: expected\n[\d.]+\ngot\n[\d.]+"),
        (lambda q, d, t: in_batch_softmax_loss(q, d, temperature=t), "course's own"),
    ],
}

RIGHT_ANSWERS = {
    "07.tfidf_weights": [_tfidf_keras_ops, _tfidf_loops_float32, _tfidf_sparse],
    "07.bm25_weight": [_bm25_loop_tensor, _bm25_written_as_saturation],
    "07.in_batch_loss": [_loss_keras_float32, _loss_cross_entropy, _loss_loop],
}


def test_the_unknown_word_question():
    question = get_exercise("07.unknown_word")
    assert question.evaluate(" b ").correct
    assert "spelling" in question.evaluate("a").message
    assert "[UNK]" in question.evaluate("c").message


def test_the_checkers_references_agree_with_the_library():
    """The checkers' own answers are scikit-learn's and course_lib's on the checkers' inputs."""
    from sklearn.feature_extraction.text import TfidfTransformer

    from course_lib.exercises import nb07

    for case in nb07.tfidf_weights.cases():
        (counts,) = case.args
        library = TfidfTransformer().fit_transform(counts).toarray()
        np.testing.assert_allclose(nb07.reference_tfidf(counts), library, atol=1e-12)
    for case in nb07.in_batch_loss.cases():
        queries, documents, temperature = case.args
        library = np.mean(np.asarray(in_batch_softmax_loss(queries, documents, temperature=temperature)))
        assert np.isclose(nb07.reference_in_batch_loss(queries, documents, temperature), library, rtol=1e-5)
