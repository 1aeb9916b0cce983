"""Exercises of notebook 07, text similarity.

- `tfidf_weights`: TF-IDF weights of a small count matrix, as scikit-learn computes them.
- `bm25_weight`: the BM25 weight of a term in a document: saturation and length.
- `in_batch_loss`: the in-batch softmax (InfoNCE) loss of a batch of pairs, in NumPy.
- `unknown_word`: a question: what a word-level encoder does with a word it never saw.
"""

import numpy as np

from course_lib import in_batch_softmax, lexical
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

__all__ = ["tfidf_weights", "bm25_weight", "in_batch_loss", "unknown_word"]


def _as_shape(what):
    """`convert` that checks the answer has the expected shape."""

    def convert(got, expected, description):
        got = as_learner_array(got, what)
        if got.shape != np.shape(expected):
            raise Incorrect(f"on {description}: expected shape {np.shape(expected)}, got {got.shape}.")
        return got

    return convert


def _unit_rows(x):
    lengths = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(lengths > 0, lengths, 1.0)


# --- 07.tfidf_weights ---------------------------------------------------------------------------


def reference_tfidf(counts, *, smooth=True, plus_one=True, normalize="rows", log=np.log, document_frequency="docs"):
    """scikit-learn's default TF-IDF of a count matrix; the options give the usual slips."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    df = (counts > 0).sum(axis=0) if document_frequency == "docs" else counts.sum(axis=0)
    idf = log((1 + n) / (1 + df)) if smooth else log(n / np.maximum(df, 1))
    if plus_one:
        idf = idf + 1
    weights = counts * idf
    if normalize == "rows":
        return _unit_rows(weights)
    if normalize == "columns":
        return _unit_rows(weights.T).T
    return weights


def _tfidf_cases():
    rng = np.random.default_rng(70)
    random_counts = rng.integers(0, 4, size=(6, 7)) * (rng.random((6, 7)) < 0.5)
    random_counts[:, 3] = 0
    random_counts[:, 3][[0, 2, 4]] = [1, 5, 2]  # a term in half of the documents
    random_counts[:, 5] = rng.integers(1, 3, size=6)  # a term in every document
    random_counts[5, 1] = 1  # every document also holds a term that some others lack
    return [
        (
            "counts [[2, 1, 0], [0, 1, 1], [0, 1, 3]] (3 documents, 3 terms)",
            (np.array([[2, 1, 0], [0, 1, 1], [0, 1, 3]]),),
        ),
        ("random counts (6, 7) with a term in every document", (random_counts,)),
    ]


def _tfidf_mistakes(counts):
    return [
        (
            reference_tfidf(counts, normalize=None),
            "you did not normalise: scikit-learn divides each document's row by its Euclidean "
            "length, so that a dot product of two rows is their cosine.",
        ),
        (
            reference_tfidf(counts, normalize="columns"),
            "you normalised the columns (terms); normalise each document's row, axis=1.",
        ),
        (
            reference_tfidf(counts, smooth=False),
            "you used ln(n / df) without smoothing; scikit-learn's default adds one to both, "
            "ln((1 + n) / (1 + df)), as if one more document held every term.",
        ),
        (
            reference_tfidf(counts, plus_one=False),
            "you left out the + 1 after the logarithm: without it a term found in every document "
            "gets weight 0 and vanishes; scikit-learn keeps it with idf 1.",
        ),
        (
            reference_tfidf(counts, log=np.log10),
            "you took log10; the idf uses the natural logarithm, np.log.",
        ),
        (
            reference_tfidf(counts, document_frequency="occurrences"),
            "you counted the term's occurrences for df; df is the number of DOCUMENTS that hold "
            "the term, (counts > 0).sum(axis=0).",
        ),
        (
            _unit_rows(np.asarray(counts, dtype=np.float64)),
            "you returned the normalised counts: multiply each column by its term's idf first.",
        ),
    ]


def _check_tfidf(function):
    check_cases(
        function,
        _tfidf_cases(),
        expected=reference_tfidf,
        convert=_as_shape("an array of TF-IDF weights (n_documents, n_terms)"),
        same=close_to(1e-6),
        mistakes=_tfidf_mistakes,
        render=describe_with_shape,
    )
    return "your weights are scikit-learn's TfidfVectorizer defaults: smoothed idf, + 1, rows of length 1."


def _tfidf_references():
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

    return (TfidfTransformer, TfidfVectorizer)


tfidf_weights = register(
    Exercise(
        "07.tfidf_weights",
        title="TF-IDF weights of a count matrix (n_documents, n_terms), as TfidfVectorizer's defaults.",
        checker=_check_tfidf,
        hint=(
            """
            A term's weight in a document is its count times its idf, and the idf is high
            for a term few documents hold. scikit-learn smooths the idf, adds one to it, and
            finally scales each document's row to length 1.
            """,
            """
            df = (counts > 0).sum(axis=0); idf = np.log((1 + n) / (1 + df)) + 1 with n =
            counts.shape[0]; weights = counts * idf; divide each row by
            np.linalg.norm(weights, axis=1, keepdims=True).
            """,
        ),
        solution_code="""
            def tfidf_weights(counts):
                counts = np.asarray(counts, dtype=float)
                n = counts.shape[0]
                document_frequency = (counts > 0).sum(axis=0)
                idf = np.log((1 + n) / (1 + document_frequency)) + 1
                weights = counts * idf
                return weights / np.linalg.norm(weights, axis=1, keepdims=True)
        """,
        answer_name="tfidf_weights",
        references=_tfidf_references,
    )
)


# --- 07.bm25_weight -----------------------------------------------------------------------------


def reference_bm25_weight(tf, length, average_length, idf, k1, b, *, k1_plus_1=True, saturate=True, inverted=False):
    """The BM25 weight of a term; the options give the usual slips."""
    tf, length = np.asarray(tf, dtype=np.float64), np.asarray(length, dtype=np.float64)
    ratio = average_length / length if inverted else length / average_length
    norm = k1 * (1 - b + b * ratio)
    if not saturate:
        return idf * tf
    return idf * tf * ((k1 + 1) if k1_plus_1 else 1.0) / (tf + norm)


def _bm25_cases():
    return [
        (
            "tf [1, 2, 10, 0], length [10, 10, 10, 10], average_length 10, idf 2, k1 1.5, b 0.75",
            (np.array([1, 2, 10, 0]), np.array([10, 10, 10, 10]), 10.0, 2.0, 1.5, 0.75),
        ),
        (
            "tf [3, 3, 3], length [5, 20, 80], average_length 20, idf 1.2, k1 1.2, b 0.75",
            (np.array([3, 3, 3]), np.array([5, 20, 80]), 20.0, 1.2, 1.2, 0.75),
        ),
        (
            "tf [1, 4], length [30, 7], average_length 12, idf 0.7, k1 2.0, b 0.3",
            (np.array([1, 4]), np.array([30, 7]), 12.0, 0.7, 2.0, 0.3),
        ),
    ]


def _bm25_mistakes(tf, length, average_length, idf, k1, b):
    def variant(**options):
        return reference_bm25_weight(tf, length, average_length, idf, k1, b, **options)

    tf_f, length_f = np.asarray(tf, dtype=float), np.asarray(length, dtype=float)
    return [
        (
            variant(saturate=False),
            "you returned idf * tf, TF-IDF's weight, which grows without end; BM25's saturates: "
            "tf (k1 + 1) / (tf + k1 (1 - b + b length / average_length)).",
        ),
        (
            variant(k1_plus_1=False),
            "you left out the factor (k1 + 1): the order of documents stays the same, but the "
            "weight of one occurrence in an average document is then idf / (1 + k1) instead of idf.",
        ),
        (
            variant(inverted=True),
            "you divided average_length by length; a LONG document must weigh each occurrence "
            "less, so the denominator grows with length / average_length.",
        ),
        (
            idf * tf_f * (k1 + 1) / (tf_f + k1),
            "you left out the length normalisation: with b > 0 the denominator is "
            "tf + k1 (1 - b + b length / average_length).",
        ),
        (
            idf * tf_f * (k1 + 1) / (tf_f + k1 * (b + (1 - b) * length_f / average_length)),
            "you swapped b and 1 - b: b is the weight of length / average_length.",
        ),
        (
            tf_f * (k1 + 1) / (tf_f + k1 * (1 - b + b * length_f / average_length)),
            "you forgot to multiply by the term's idf.",
        ),
    ]


def _check_bm25(function):
    check_cases(
        function,
        _bm25_cases(),
        expected=reference_bm25_weight,
        convert=_as_shape("an array of weights, one per document"),
        same=close_to(1e-6),
        mistakes=_bm25_mistakes,
        render=describe_with_shape,
    )
    return "your weights saturate with tf (at most idf (k1 + 1)) and fall with the document's length."


bm25_weight = register(
    Exercise(
        "07.bm25_weight",
        title="The BM25 weight of one term in each document, from its counts and the documents' lengths.",
        checker=_check_bm25,
        hint=(
            """
            BM25 takes TF-IDF's tf * idf and makes the tf part saturate: it is tf divided by
            tf plus a constant, so it can never exceed k1 + 1. The constant grows when the
            document is longer than the average.
            """,
            """
            norm = k1 * (1 - b + b * length / average_length); return
            idf * tf * (k1 + 1) / (tf + norm), elementwise over the arrays tf and length.
            """,
        ),
        solution_code="""
            def bm25_weight(tf, length, average_length, idf, k1, b):
                norm = k1 * (1 - b + b * length / average_length)
                return idf * tf * (k1 + 1) / (tf + norm)
        """,
        answer_name="bm25_weight",
        references=(lexical.BM25,),
    )
)


# --- 07.in_batch_loss ---------------------------------------------------------------------------


def reference_in_batch_loss(
    queries,
    documents,
    temperature,
    *,
    normalize=True,
    axis=1,
    scale="divide",
    reduce=np.mean,
    positive_in_denominator=True,
    take_log=True,
):
    """The mean in-batch softmax loss (queries choose documents); the options give the usual slips."""
    q = _unit_rows(np.asarray(queries, dtype=np.float64)) if normalize else np.asarray(queries, dtype=np.float64)
    d = _unit_rows(np.asarray(documents, dtype=np.float64)) if normalize else np.asarray(documents, dtype=np.float64)
    cosines = q @ d.T
    logits = cosines / temperature if scale == "divide" else cosines * temperature
    right = np.diagonal(logits)
    exp = np.exp(logits - logits.max())
    if not positive_in_denominator:
        exp = exp * (1 - np.eye(len(q)))
    denominator = np.log(exp.sum(axis=axis)) + logits.max()
    if not take_log:
        return reduce(np.exp(right - denominator))
    return reduce(denominator - right)


def _loss_cases():
    rng = np.random.default_rng(71)
    queries = rng.normal(size=(5, 4))
    documents = queries + 0.6 * rng.normal(size=(5, 4))
    return [
        (
            "queries [[1, 0], [0, 2]], documents [[3, 1], [1, 1]], temperature 0.5",
            (np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[3.0, 1.0], [1.0, 1.0]]), 0.5),
        ),
        ("random queries (5, 4), documents (5, 4) near them, temperature 0.1", (queries, documents, 0.1)),
        ("random queries (5, 4), documents (5, 4) near them, temperature 1.0", (queries * 3, documents, 1.0)),
    ]


def _loss_mistakes(queries, documents, temperature):
    def variant(**options):
        return reference_in_batch_loss(queries, documents, temperature, **options)

    return [
        (
            variant(normalize=False),
            "you used dot products of the raw vectors; the loss compares cosines, so divide each "
            "row by its length first.",
        ),
        (
            variant(scale="multiply"),
            "you multiplied the cosines by the temperature; divide by it (s = 1 / temperature, "
            "so a small temperature makes the softmax sharp).",
        ),
        (
            variant(axis=0),
            "you took the softmax over each column (the queries competing for a document); each "
            "QUERY chooses among the documents: softmax over axis 1, its row.",
        ),
        (
            variant(positive_in_denominator=False),
            "you left the right document out of the denominator; the softmax runs over every "
            "document of the batch, the right one included.",
        ),
        (
            variant(reduce=np.sum),
            "you summed the losses of the queries; return their mean.",
        ),
        (
            variant(take_log=False),
            "you returned the mean probability of the right document; the loss is the mean of MINUS its log.",
        ),
    ]


def _loss_reference(queries, documents, temperature):
    return reference_in_batch_loss(queries, documents, temperature)


def _check_in_batch_loss(function):
    check_cases(
        function,
        _loss_cases(),
        expected=_loss_reference,
        convert=_as_shape("one number, the mean loss"),
        same=close_to(1e-5),
        mistakes=_loss_mistakes,
    )
    return "your loss is the in-batch softmax (InfoNCE): each query picks its own document among the batch's."


in_batch_loss = register(
    Exercise(
        "07.in_batch_loss",
        title="The mean in-batch softmax loss: each query's cross-entropy over the batch's documents.",
        checker=_check_in_batch_loss,
        hint=(
            """
            Row i of the batch is a query and its right document; every other document of the
            batch is a wrong answer for query i. Score every query against every document by
            cosine, divide by the temperature, and ask each row's softmax to pick its diagonal.
            """,
            """
            Normalise the rows of both arrays; logits = queries @ documents.T / temperature;
            loss_i = log(sum_j exp(logits[i, j])) - logits[i, i] (subtract the row's max before
            exp for safety); return the mean over i.
            """,
        ),
        solution_code="""
            def in_batch_loss(queries, documents, temperature):
                queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
                documents = documents / np.linalg.norm(documents, axis=1, keepdims=True)
                logits = queries @ documents.T / temperature
                largest = logits.max(axis=1, keepdims=True)
                log_sum = np.log(np.exp(logits - largest).sum(axis=1)) + largest[:, 0]
                return np.mean(log_sum - np.diagonal(logits))
        """,
        answer_name="in_batch_loss",
        references=(in_batch_softmax.in_batch_softmax_loss, in_batch_softmax.InBatchSoftmaxLoss),
    )
)


# --- 07.unknown_word (question) -----------------------------------------------------------------

unknown_word = register(
    Question(
        "07.unknown_word",
        title="What a word-level encoder does with a word it never saw in training.",
        prompt="""
            **Question.** A query is one word that never occurs in the training texts (a
            rare name, say). A `TextVectorization` adapted on those texts, followed by an
            `Embedding` and mean pooling, turns it into:
        """,
        choices={
            "a": "a vector learned from the training words spelled like it",
            "b": "the vector of the out-of-vocabulary id, the same for every unseen word",
            "c": "a fresh random vector, different for each unseen word",
            "d": "nothing: TextVectorization raises an error",
        },
        answer="b",
        answer_name="unknown_word_answer",
        explanations={
            "a": "Word ids know nothing of spelling: two words spelled alike are two unrelated "
            "ids. That is what the character n-grams add.",
            "c": "The vocabulary is fixed once adapted: every word outside it gets id 1, the "
            "[UNK] token, and so one and the same embedding.",
            "d": "It does not fail: unseen words are what the out-of-vocabulary id (1, '[UNK]') is for.",
        },
        hint=(
            "Look at the vocabulary: what are its first two entries, and which id does a made-up "
            "word, `words(['zzxq'])`, get?",
            "Id 0 is padding and id 1 is '[UNK]': every word outside the vocabulary maps to 1.",
        ),
        why="every unseen word becomes '[UNK]', so every rare name and every typo look alike to the "
        "words; character n-grams (or lexical search) still see their spelling.",
    )
)
