"""Exercises of notebook 07, text similarity.

- `tfidf_weights`: TF-IDF weights of a small count matrix, as scikit-learn computes them;
  the cases have more terms than documents, so that n (documents) and the number of
  terms, rows and columns, cannot be mistaken for each other.
- `bm25_weight`: the BM25 weight of a term in a document: saturation and length.
- `in_batch_loss`: the in-batch softmax (InfoNCE) loss of a batch of pairs, in NumPy
  (its reference and the slips it shares with notebook 08's: `course_lib.exercises.in_batch`).
- `unknown_word`: a question: what a word-level encoder does with a word it never saw.
"""

import numpy as np

from course_lib import in_batch_softmax, lexical
from course_lib.exercises.answers import Array, WrongShape, transposed
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.in_batch import batch_loss, mean_loss, shared_mistakes, unit_rows
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question

__all__ = [
    "bm25_weight",
    "in_batch_loss",
    "reference_bm25_weight",
    "reference_tfidf",
    "tfidf_weights",
    "unknown_word",
]


# --- 07.tfidf_weights ---------------------------------------------------------------------------


def reference_tfidf(
    counts, *, smooth=True, plus_one=True, normalize="rows", log=np.log, document_frequency="documents", n="documents"
):
    """scikit-learn's default TF-IDF of a count matrix, in float64; the options give the usual slips."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0] if n == "documents" else counts.shape[1]
    df = (counts > 0).sum(axis=0) if document_frequency == "documents" else counts.sum(axis=0)
    idf = log((1 + n) / (1 + df)) if smooth else log(n / np.maximum(df, 1))
    if plus_one:
        idf = idf + 1
    weights = counts * idf
    if normalize == "rows":
        return unit_rows(weights)
    if normalize == "columns":
        return unit_rows(weights.T).T
    if normalize == "sum":
        return weights / weights.sum(axis=1, keepdims=True)
    return weights


def _tfidf_cases():
    rng = np.random.default_rng(70)
    random_counts = rng.integers(0, 4, size=(6, 7)) * (rng.random((6, 7)) < 0.5)
    random_counts[:, 3] = 0
    random_counts[:, 3][[0, 2, 4]] = [1, 5, 2]  # a term in half of the documents
    random_counts[:, 5] = rng.integers(1, 3, size=6)  # a term in every document
    random_counts[5, 1] = 1  # every document also holds a term that some others lack
    return [
        Case(
            "counts [[2, 1, 0], [0, 1, 1], [0, 1, 3]] (3 documents, 3 terms)",
            np.array([[2, 1, 0], [0, 1, 1], [0, 1, 3]]),
        ),
        Case("random counts (6 documents, 7 terms) with a term in every document", random_counts),
        Case(
            "counts [[1, 0, 2, 0, 1], [0, 3, 1, 1, 0]] (2 documents, 5 terms)",
            np.array([[1, 0, 2, 0, 1], [0, 3, 1, 1, 0]]),
        ),
    ]


def _tfidf_mistakes(counts):
    return [
        Mistake(
            reference_tfidf(counts, normalize=None),
            "you did not normalise: scikit-learn divides each document's row by its Euclidean "
            "length, so that a dot product of two rows is their cosine.",
        ),
        Mistake(
            reference_tfidf(counts, normalize="columns"),
            "you normalised the columns (terms); normalise each document's row, axis=1.",
        ),
        Mistake(
            reference_tfidf(counts, normalize="sum"),
            "you divided each row by its sum (L1); scikit-learn divides by its Euclidean length "
            "(L2), np.linalg.norm(weights, axis=1, keepdims=True), so that rows have length 1.",
        ),
        Mistake(
            reference_tfidf(counts, smooth=False),
            "you used ln(n / df) without smoothing; scikit-learn's default adds one to both, "
            "ln((1 + n) / (1 + df)), as if one more document held every term.",
        ),
        Mistake(
            reference_tfidf(counts, plus_one=False),
            "you left out the + 1 after the logarithm: without it a term found in every document "
            "gets weight 0 and vanishes; scikit-learn keeps it with idf 1.",
        ),
        Mistake(reference_tfidf(counts, log=np.log10), "you took log10; the idf uses the natural logarithm, np.log."),
        Mistake(
            reference_tfidf(counts, document_frequency="occurrences"),
            "you counted the term's occurrences for df; df is the number of DOCUMENTS that hold "
            "the term, (counts > 0).sum(axis=0).",
        ),
        Mistake(
            reference_tfidf(counts, n="terms"),
            "your n is the number of terms, counts.shape[1]; n is the number of documents, counts.shape[0].",
        ),
        Mistake(
            unit_rows(counts),
            "you returned the normalised counts: multiply each column by its term's idf first.",
        ),
    ]


def _tfidf_references():
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

    return (TfidfTransformer, TfidfVectorizer)


tfidf_weights = FunctionExercise(
    "07.tfidf_weights",
    title="TF-IDF weights of a count matrix (n_documents, n_terms), as TfidfVectorizer's defaults.",
    answer_name="tfidf_weights",
    cases=_tfidf_cases,
    reference=reference_tfidf,
    answer=Array(
        "the TF-IDF weights",
        per="one row per document, one column per term",
        show_shape=True,
        shapes=[
            transposed(
                "expected shape {expected}, one row per document and one column per term; got "
                "{shape}, a transpose. Keep the layout of `counts`.",
            )
        ],
    ),
    mistakes=_tfidf_mistakes,
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
    solution="""
        def tfidf_weights(counts):
            counts = np.asarray(counts, dtype=float)
            n = counts.shape[0]
            document_frequency = (counts > 0).sum(axis=0)
            idf = np.log((1 + n) / (1 + document_frequency)) + 1
            weights = counts * idf
            return weights / np.linalg.norm(weights, axis=1, keepdims=True)
    """,
    success="your weights are scikit-learn's TfidfVectorizer defaults: smoothed idf, + 1, rows of length 1.",
    references=_tfidf_references,
)


# --- 07.bm25_weight -----------------------------------------------------------------------------


def reference_bm25_weight(
    tf, length, average_length, idf, k1, b, *, k1_plus_1=True, saturate=True, ratio="length", with_idf=True
):
    """The BM25 weight of a term in each document, in float64; the options give the usual slips."""
    tf, length = np.asarray(tf, dtype=np.float64), np.asarray(length, dtype=np.float64)
    relative = {
        "length": 1 - b + b * length / average_length,
        "inverted": 1 - b + b * average_length / length,
        "none": np.ones_like(length),
        "swapped": b + (1 - b) * length / average_length,
        "without 1 - b": b * length / average_length,
    }[ratio]
    idf = idf if with_idf else 1.0
    if not saturate:
        return idf * tf
    return idf * tf * ((k1 + 1) if k1_plus_1 else 1.0) / (tf + k1 * relative)


def _bm25_cases():
    return [
        Case(
            "tf [1, 2, 10, 0], length [10, 10, 10, 10], average_length 10, idf 2, k1 1.5, b 0.75",
            np.array([1, 2, 10, 0]),
            np.array([10, 10, 10, 10]),
            10.0,
            2.0,
            1.5,
            0.75,
        ),
        Case(
            "tf [3, 3, 3], length [5, 20, 80], average_length 20, idf 1.2, k1 1.2, b 0.75",
            np.array([3, 3, 3]),
            np.array([5, 20, 80]),
            20.0,
            1.2,
            1.2,
            0.75,
        ),
        Case(
            "tf [1, 4], length [30, 7], average_length 12, idf 0.7, k1 2.0, b 0.3",
            np.array([1, 4]),
            np.array([30, 7]),
            12.0,
            0.7,
            2.0,
            0.3,
        ),
    ]


def _bm25_mistakes(tf, length, average_length, idf, k1, b):
    def variant(**options):
        return reference_bm25_weight(tf, length, average_length, idf, k1, b, **options)

    return [
        Mistake(
            variant(saturate=False),
            "you returned idf * tf, TF-IDF's weight, which grows without end; BM25's saturates: "
            "tf (k1 + 1) / (tf + k1 (1 - b + b length / average_length)).",
        ),
        Mistake(
            variant(k1_plus_1=False),
            "you left out the factor (k1 + 1): the order of documents stays the same, but the "
            "weight of one occurrence in an average document is then idf / (1 + k1) instead of idf.",
        ),
        Mistake(
            variant(ratio="inverted"),
            "you divided average_length by length; a LONG document must weigh each occurrence "
            "less, so the denominator grows with length / average_length.",
        ),
        Mistake(
            variant(ratio="none"),
            "you left out the length normalisation: with b > 0 the denominator is "
            "tf + k1 (1 - b + b length / average_length).",
        ),
        Mistake(
            variant(ratio="swapped"),
            "you swapped b and 1 - b: b is the weight of length / average_length.",
        ),
        Mistake(
            variant(ratio="without 1 - b"),
            "you left out 1 - b: the length factor is 1 - b + b length / average_length, which "
            "is 1 for a document of average length.",
        ),
        Mistake(variant(with_idf=False), "you forgot to multiply by the term's idf."),
    ]


bm25_weight = FunctionExercise(
    "07.bm25_weight",
    title="The BM25 weight of one term in each document, from its counts and the documents' lengths.",
    answer_name="bm25_weight",
    cases=_bm25_cases,
    reference=reference_bm25_weight,
    answer=Array(
        "the weights",
        per="one weight per document",
        show_shape=True,
        shapes=[
            WrongShape(
                lambda shape, *_: shape == (),
                "expected shape {expected}, one weight per document; got one number. Return the "
                "weight of each document, elementwise over tf and length (a query's score sums "
                "the weights of its terms later).",
            )
        ],
    ),
    mistakes=_bm25_mistakes,
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
    solution="""
        def bm25_weight(tf, length, average_length, idf, k1, b):
            norm = k1 * (1 - b + b * length / average_length)
            return idf * tf * (k1 + 1) / (tf + norm)
    """,
    success="your weights saturate with tf (at most idf (k1 + 1)) and fall with the document's length.",
    references=(lexical.BM25,),
)


# --- 07.in_batch_loss ---------------------------------------------------------------------------


def reference_in_batch_loss(queries, documents, temperature):
    """The mean in-batch softmax loss, queries choosing documents, in float64."""
    return batch_loss(queries, documents, temperature)


def _loss_cases():
    rng = np.random.default_rng(71)
    queries = rng.normal(size=(5, 4))
    documents = queries + 0.6 * rng.normal(size=(5, 4))
    lengths = rng.uniform(0.3, 3.0, size=(6, 1))  # rows of many lengths: cosine and dot disagree
    return [
        Case(
            "queries [[1, 0], [0, 2]], documents [[3, 1], [1, 1]], temperature 0.5",
            np.array([[1.0, 0.0], [0.0, 2.0]]),
            np.array([[3.0, 1.0], [1.0, 1.0]]),
            0.5,
            magnitude=2.0,
        ),
        Case(
            "random queries (5, 4), documents (5, 4) near them, temperature 0.05",
            queries,
            documents,
            0.05,
            magnitude=20.0,
        ),
        Case(
            "random queries (6, 3) and documents (6, 3) of lengths 0.3 to 3, temperature 1.0",
            rng.normal(size=(6, 3)) * lengths,
            rng.normal(size=(6, 3)) * lengths[::-1],
            1.0,
        ),
    ]


def _loss_mistakes(queries, documents, temperature):
    def variant(**options):
        return batch_loss(queries, documents, temperature, **options)

    return [
        *shared_mistakes(variant, document="document"),
        Mistake(
            variant(positive_in_denominator=False),
            "you left the right document out of the denominator; the softmax runs over every "
            "document of the batch, the right one included.",
        ),
        Mistake(
            variant(symmetric=True),
            "you averaged both directions (queries choosing documents and documents choosing "
            "queries, as CLIP and the notebook's dual encoder do); this exercise asks for the "
            "queries choosing documents only: the softmax along each row.",
        ),
        Mistake(
            variant(output="probability"),
            "you returned the mean probability of the right document; the loss is the mean of MINUS its log.",
        ),
    ]


in_batch_loss = FunctionExercise(
    "07.in_batch_loss",
    title="The mean in-batch softmax loss: each query's cross-entropy over the batch's documents.",
    answer_name="in_batch_loss",
    cases=_loss_cases,
    reference=reference_in_batch_loss,
    answer=mean_loss("query"),
    mistakes=_loss_mistakes,
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
    solution="""
        def in_batch_loss(queries, documents, temperature):
            queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
            documents = documents / np.linalg.norm(documents, axis=1, keepdims=True)
            logits = queries @ documents.T / temperature
            largest = logits.max(axis=1, keepdims=True)
            log_sum = np.log(np.exp(logits - largest).sum(axis=1)) + largest[:, 0]
            return np.mean(log_sum - np.diagonal(logits))
    """,
    success="your loss is the in-batch softmax (InfoNCE): each query picks its own document among the batch's.",
    references=(in_batch_softmax.in_batch_softmax_loss, in_batch_softmax.InBatchSoftmaxLoss),
)


# --- 07.unknown_word (question) -----------------------------------------------------------------

unknown_word = Question(
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
