"""course_lib.lexical: BM25 against a brute-force reference and bm25s, per-group maxima, hybrids."""

import math

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from course_lib.lexical import BM25, bag_ids, best_per_group, mix_scores, standardize_rows

CORPUS = [
    "the river bank is steep",
    "the bank lends money to the people",
    "a river of money",
    "steep hills and a river river river",
    "people walk along the river in the evening after work",
]
QUERIES = ["river bank", "money people", "steep river river", "unknown words only", "evening walk"]


def _tokens(text):
    return CountVectorizer().build_analyzer()(text)


def brute_force_bm25(queries, documents, corpus, *, k1, b):
    """BM25 term by term, straight from the formula, with statistics from `corpus`."""
    corpus_tokens = [_tokens(text) for text in corpus]
    vocabulary = {token for tokens in corpus_tokens for token in tokens}
    n = len(corpus)
    average = sum(len(tokens) for tokens in corpus_tokens) / n
    scores = np.zeros((len(queries), len(documents)))
    for i, query in enumerate(queries):
        for j, document in enumerate(documents):
            tokens = [token for token in _tokens(document) if token in vocabulary]
            for term in _tokens(query):
                if term not in vocabulary or term not in tokens:
                    continue
                df = sum(term in set(t) for t in corpus_tokens)
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                tf = tokens.count(term)
                scores[i, j] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(tokens) / average))
    return scores


@pytest.mark.parametrize("k1, b", [(1.5, 0.75), (1.2, 0.0), (0.0, 1.0), (3.0, 0.5)])
def test_bm25_matches_the_formula_term_by_term(k1, b):
    bm25 = BM25(k1=k1, b=b).fit(CORPUS)
    documents = [*CORPUS[:3], "river money money and a word never seen"]  # scored, never fitted on
    np.testing.assert_allclose(
        bm25.score(QUERIES, documents), brute_force_bm25(QUERIES, documents, CORPUS, k1=k1, b=b), atol=1e-12
    )


def test_bm25_matches_bm25s_lucene_up_to_the_constant_k1_plus_1():
    bm25s = pytest.importorskip("bm25s")
    retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
    retriever.index([_tokens(text) for text in CORPUS], show_progress=False)
    theirs = np.array([retriever.get_scores(_tokens(query)) for query in QUERIES[:3]])
    ours = BM25(k1=1.5, b=0.75).fit(CORPUS).score(QUERIES[:3], CORPUS)
    # bm25s (like Lucene since version 8) drops the factor (k1 + 1), which ranks alike.
    np.testing.assert_allclose(ours, theirs * 2.5, rtol=1e-5)


def test_bm25_saturates_and_normalises_length():
    bm25 = BM25(k1=1.2, b=0.75).fit(["river"] * 2 + ["bank"] * 8)
    weights = [bm25.score(["river"], [" ".join(["river"] * count)])[0, 0] for count in (1, 2, 10, 100)]
    assert weights[0] < weights[1] < weights[2] < weights[3] < bm25.idf_[bm25.vectorizer.vocabulary_["river"]] * 2.2
    assert weights[1] - weights[0] > weights[3] - weights[2]  # each repeat adds less
    short, long = bm25.score(["river"], ["river bank", "river bank bank bank bank bank"])[0]
    assert short > long
    flat = BM25(k1=1.2, b=0.0).fit(["river"] * 2 + ["bank"] * 8)
    short, long = flat.score(["river"], ["river bank", "river bank bank bank bank bank"])[0]
    assert short == long


def test_bm25_checks_its_input():
    with pytest.raises(ValueError, match="`k1` must be a finite number >= 0"):
        BM25(k1=-1)
    with pytest.raises(ValueError, match=r"`b` must be in \[0, 1\]"):
        BM25(b=1.5)
    with pytest.raises(TypeError, match="`k1`"):
        BM25(k1="high")
    with pytest.raises(ValueError, match="not fitted yet"):
        BM25().score(["a"], ["b"])
    with pytest.raises(ValueError, match="single str"):
        BM25().fit("one text")
    with pytest.raises(ValueError, match=r"`queries` must be a list of texts.*\[text\]"):
        BM25().fit(CORPUS).score("river", CORPUS)


def test_best_per_group_against_a_loop():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(4, 9))
    groups = np.array([2, 0, 0, 1, 2, 2, 3, 1, 0])
    expected = np.array([[scores[q, groups == g].max() for g in range(4)] for q in range(4)])
    np.testing.assert_array_equal(best_per_group(scores, groups), expected)
    np.testing.assert_array_equal(best_per_group(scores.astype(np.float32), groups).shape, (4, 4))
    with pytest.raises(ValueError, match="at least one item"):
        best_per_group(scores, groups, n_groups=5)
    with pytest.raises(ValueError, match=r"one group per column of `scores`, shape \(9,\)"):
        best_per_group(scores, groups[:5])


def test_standardize_and_mix():
    lexical = np.array([[3.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    learned = np.array([[0.1, 0.5, 0.4], [0.2, 0.9, 0.1]])
    z = standardize_rows(lexical)
    np.testing.assert_allclose(z[0].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(z[0].std(), 1.0)
    np.testing.assert_array_equal(z[1], 0.0)  # a constant row: zeros, not NaN
    np.testing.assert_array_equal(mix_scores(lexical, learned, weight=1.0).argsort(), z.argsort())
    np.testing.assert_array_equal(
        mix_scores(lexical, learned, weight=0.0).argsort(), standardize_rows(learned).argsort()
    )
    with pytest.raises(ValueError, match=r"`weight` must be in \[0, 1\]"):
        mix_scores(lexical, learned, weight=1.5)
    with pytest.raises(ValueError, match="one shape"):
        mix_scores(lexical, learned[:, :2], weight=0.5)


def test_bag_ids_against_a_loop():
    counts = CountVectorizer(analyzer="char_wb", ngram_range=(3, 3)).fit_transform([*CORPUS, ""])
    ids = bag_ids(counts, length=12)
    assert ids.shape == (6, 12) and ids.dtype == np.int32
    dense = counts.toarray()
    for row, text_ids in zip(dense, ids):
        expected = (np.flatnonzero(row) + 1)[:12]
        assert text_ids[: len(expected)].tolist() == expected.tolist()
        assert np.all(text_ids[len(expected) :] == 0)
    assert np.all(ids[-1] == 0)  # an empty text: padding only
    with pytest.raises(ValueError, match="`length` must be a positive int"):
        bag_ids(counts, length=0)
