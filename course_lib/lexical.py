"""Lexical search: BM25 scores, the best score per group, and a hybrid of two scorers.

Lexical methods compare texts by the words (or character n-grams) they share.
TF-IDF cosine is scikit-learn's `TfidfVectorizer` followed by a dot product;
**BM25** (Robertson and Walker, 1994; the Okapi system) is the ranking
function of most search engines. For a query `q` and a document `d`:

Formula:
    `BM25(q, d) = sum_{t in q} idf(t) * f(t, d) (k1 + 1) / (f(t, d) + k1 (1 - b + b |d| / avgdl))`
    `idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))`

with `f(t, d)` the count of term `t` in `d`, `|d|` the document's length in
terms, `N` the number of documents of the corpus the statistics come from,
`n(t)` how many of them hold `t`, and `avgdl` their average length. Two
differences from TF-IDF: a term's weight **saturates** (the tenth "river" in a
document adds far less than the first; `k1` sets how fast), and long
documents are **normalised** by their length relative to the average (`b`
sets how much; `b = 0` not at all). The IDF is Lucene's, which stays positive
even for a term in more than half of the documents.

`BM25` learns `N`, `n(t)`, `avgdl` and the vocabulary from a training corpus
(`fit`), then scores any queries against any documents: statistics of the
documents searched are never needed, so a test set stays unseen.

`bag_ids` turns a bag of terms (a row of a count matrix) into a padded
sequence of ids for an `Embedding(mask_zero=True)`. `best_per_group` turns
scores against items (the names of a synset) into scores against groups (the
synset: its best name). `mix_scores` adds two scorers after putting each
query's scores on a common scale, for a hybrid.
"""

import numpy as np

from course_lib._validation import as_integers, as_matrix, check_real

__all__ = ["BM25", "best_per_group", "bag_ids", "mix_scores", "standardize_rows"]


class BM25:
    """Okapi BM25 with IDF, average length and vocabulary learned from a training corpus.

    Args:
        k1: float >= 0, term-frequency saturation: 0 counts a term once
            however often it occurs; large values approach raw counts.
            Defaults to `1.5`.
        b: float in `[0, 1]`, length normalisation. Defaults to `0.75`.
        vectorizer: an unfitted scikit-learn `CountVectorizer` (or any
            vectorizer with `fit_transform`/`transform` returning counts); it
            decides what a term is. Defaults to `CountVectorizer()`, the same
            words (lower-cased, two or more letters or digits) as
            `TfidfVectorizer()`.

    Attributes (after `fit`):
        idf_: float64 array `(n_terms,)`.
        average_length_: float, `avgdl`.
        n_documents_: int, `N`.

    Raises:
        TypeError, ValueError: for `k1` or `b` out of range.

    Example:

    >>> corpus = ["the river bank", "the bank lends money", "a river of money"]
    >>> bm25 = BM25().fit(corpus)
    >>> scores = bm25.score(["river bank"], corpus)
    >>> scores.shape, int(scores.argmax())
    ((1, 3), 0)
    """

    def __init__(self, *, k1=1.5, b=0.75, vectorizer=None):
        self.k1 = check_real(k1, "k1", example=1.5)
        self.b = check_real(b, "b", example=0.75)
        if not (self.k1 >= 0.0 and np.isfinite(self.k1)):
            raise ValueError(f"`k1` must be a finite number >= 0, e.g. 1.2 to 2.0; received {k1!r}.")
        if not 0.0 <= self.b <= 1.0:
            raise ValueError(f"`b` must be in [0, 1] (0: no length normalisation, 1: full); received {b!r}.")
        if vectorizer is None:
            from sklearn.feature_extraction.text import CountVectorizer

            vectorizer = CountVectorizer()
        self.vectorizer = vectorizer

    def fit(self, corpus):
        """Learns the vocabulary, `idf_`, `average_length_` and `n_documents_` from `corpus`.

        Args:
            corpus: a list of str, the training texts.

        Returns:
            `self`.

        Raises:
            ValueError: if `corpus` is empty or a single str.
        """
        if isinstance(corpus, str) or len(corpus) == 0:
            raise ValueError(
                f"`corpus` must be a non-empty list of texts; received "
                f"{'a single str' if isinstance(corpus, str) else 'an empty list'}. Wrap one text as [text]."
            )
        counts = self.vectorizer.fit_transform(corpus).tocsc()
        self.n_documents_ = counts.shape[0]
        document_frequency = np.diff(counts.indptr)  # documents holding each term
        self.idf_ = np.log1p((self.n_documents_ - document_frequency + 0.5) / (document_frequency + 0.5))
        self.average_length_ = max(float(counts.sum()) / self.n_documents_, 1e-12)
        return self

    def _counts(self, texts, name):
        if not hasattr(self, "idf_"):
            raise ValueError("This BM25 is not fitted yet: call `fit(training_texts)` first.")
        if isinstance(texts, str):
            raise ValueError(f"`{name}` must be a list of texts; received a single str. Wrap it as [text].")
        return self.vectorizer.transform(texts).tocsr().astype(np.float64)

    def document_weights(self, documents):
        """Each document's BM25 weight for each term, a sparse `(n_documents, n_terms)` matrix.

        `weight(t, d) = idf(t) f(t, d) (k1 + 1) / (f(t, d) + k1 (1 - b + b |d| / avgdl))`;
        a query's score is then the sum of the weights of its terms.
        """
        counts = self._counts(documents, "documents")
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = self.k1 * (1.0 - self.b + self.b * lengths / self.average_length_)
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        tf = counts.data
        counts.data = self.idf_[counts.indices] * tf * (self.k1 + 1.0) / (tf + norm[rows])
        return counts

    def score(self, queries, documents):
        """BM25 scores of every query against every document, a dense `(n_queries, n_documents)` array.

        A query term counts once per occurrence in the query; terms outside
        the training vocabulary count for nothing.
        """
        return np.asarray((self._counts(queries, "queries") @ self.document_weights(documents).T).toarray())


def best_per_group(scores, groups, *, n_groups=None):
    """Each query's best score over the items of every group: `(n_queries, n_items)` to `(n_queries, n_groups)`.

    For a reverse dictionary the items are the names and the groups their
    synsets: a synset scores what its best-scored name scores.

    Args:
        scores: array `(n_queries, n_items)`.
        groups: int array `(n_items,)`, each item's group in `0..n_groups - 1`.
        n_groups: int, defaults to `groups.max() + 1`. Every group needs at
            least one item.

    Returns:
        A float array `(n_queries, n_groups)`, float32 for float32 scores, else float64.

    Raises:
        ValueError: on mismatched lengths, or a group with no item.

    Example:

    >>> best_per_group(np.array([[0.1, 0.9, 0.3]]), np.array([0, 0, 1])).tolist()
    [[0.9, 0.3]]
    """
    scores = as_matrix(scores, "scores", dtype=_float_type(scores))
    groups = as_integers(groups, "groups", what="group indices")
    if groups.shape != (scores.shape[1],):
        raise ValueError(
            f"`groups` must give one group per column of `scores`, shape ({scores.shape[1]},); received {groups.shape}."
        )
    n_groups = int(groups.max(initial=-1)) + 1 if n_groups is None else int(n_groups)
    counts = np.bincount(groups, minlength=n_groups) if groups.size else np.zeros(n_groups, int)
    if groups.size and groups.min() < 0 or len(counts) > n_groups or np.any(counts == 0):
        raise ValueError(
            f"every group 0..{n_groups - 1} needs at least one item and no item may lie outside; received "
            f"item counts per group {counts.tolist()[:10]}{'...' if len(counts) > 10 else ''}."
        )
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if np.any(np.diff(groups) < 0):  # bring each group's items together (a copy of the scores)
        scores = scores[:, np.argsort(groups, kind="stable")]
    return np.maximum.reduceat(scores, starts, axis=1)


def bag_ids(counts, *, length):
    """Each row's terms (its non-zero columns) as ids `column + 1`, padded with 0 or cut to `length`.

    A count matrix from scikit-learn (`CountVectorizer(...).transform(texts)`)
    holds a bag of terms per text; an `Embedding(mask_zero=True)` followed by a
    masked mean wants a sequence of ids with 0 as padding. Counts are dropped
    (each term once); a row with more than `length` terms keeps its first
    `length` columns.

    Args:
        counts: a SciPy sparse matrix `(n_texts, n_terms)` (or a dense array).
        length: positive int, the length of every sequence.

    Returns:
        An int32 array `(n_texts, length)` of ids in `1..n_terms`, 0 for padding.

    Example:

    >>> bag_ids(np.array([[0, 2, 1], [0, 0, 0], [1, 1, 1]]), length=2).tolist()
    [[2, 3], [0, 0], [1, 2]]
    """
    from scipy import sparse

    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"`length` must be a positive int, the length of every sequence; received {length!r}.")
    rows = sparse.csr_matrix(counts)
    rows.sort_indices()
    kept = np.minimum(np.diff(rows.indptr), length)
    row = np.repeat(np.arange(rows.shape[0]), kept)
    position = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
    ids = np.zeros((rows.shape[0], length), dtype=np.int32)
    ids[row, position] = rows.indices[np.repeat(rows.indptr[:-1], kept) + position] + 1
    return ids


def standardize_rows(scores):
    """Each row minus its mean, divided by its standard deviation (a constant row becomes zeros; float32 stays float32).

    Scorers live on different scales (a cosine in [-1, 1], BM25 in [0, 30] or
    more); per query, standardised scores keep each scorer's order and put
    them on one scale.
    """
    scores = as_matrix(scores, "scores", dtype=_float_type(scores))
    spread = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)


def _float_type(scores):
    """float32 for float32 scores (half the memory of a large score matrix), float64 otherwise."""
    return np.float32 if np.asarray(scores).dtype == np.float32 else np.float64


def mix_scores(first, second, *, weight):
    """A hybrid score: `weight` times the first scorer plus `1 - weight` times the second, per query standardised.

    Formula:
        `s = w z(first) + (1 - w) z(second)`, with `z` = `standardize_rows`.

    Args:
        first, second: arrays `(n_queries, n_documents)` of two scorers.
        weight: float in `[0, 1]`: 1 is the first scorer alone, 0 the second.

    Returns:
        A float array `(n_queries, n_documents)`, float32 when both inputs are.

    Example:

    >>> lexical, learned = np.array([[3.0, 0.0, 0.0]]), np.array([[0.1, 0.5, 0.4]])
    >>> int(mix_scores(lexical, learned, weight=0.7).argmax()), int(mix_scores(lexical, learned, weight=0.3).argmax())
    (0, 1)
    """
    weight = check_real(weight, "weight", example=0.3)
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"`weight` must be in [0, 1] (1: the first scorer alone); received {weight!r}.")
    first, second = standardize_rows(first), standardize_rows(second)
    if first.shape != second.shape:
        raise ValueError(f"the two scorers' arrays must have one shape; received {first.shape} and {second.shape}.")
    return weight * first + (1.0 - weight) * second
