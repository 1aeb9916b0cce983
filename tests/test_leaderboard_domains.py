"""course_lib.leaderboard_domains and plot_domain: the leaderboard by domain, on synthetic rows of every domain."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.leaderboard import COURSE_NOTEBOOKS, load_leaderboard  # noqa: E402
from course_lib.leaderboard_domains import (  # noqa: E402
    DOMAIN_METRICS,
    DOMAINS,
    domain_of,
    domain_panels,
    domain_report,
    domain_rows,
    domain_summary,
    domain_table,
)
from course_lib.plotting import plot_domain  # noqa: E402
from course_lib.plotting.leaderboard import LEARNED_COLOUR, NO_TRAINING_COLOUR  # noqa: E402
from course_lib.results import PROTOCOL_METRICS, PROTOCOLS, save_results  # noqa: E402


def _row(method, protocol, dataset, baseline, value, **extra):
    metrics = {metric: value for metric in PROTOCOL_METRICS[protocol]}
    return {
        "method": method,
        "dataset": dataset,
        "protocol": protocol,
        "baseline": baseline,
        **metrics,
        "train_seconds": 0.0 if baseline else 12.0,
        **extra,
    }


@pytest.fixture
def results_dir(tmp_path):
    """Rows of every domain as the notebooks save them; text and recommendation made up."""
    save_results(
        "01_similarity_basics",
        [_row("raw pixels (cosine)", "test leave-one-out", "fashion_mnist", True, 0.33)],
        results_dir=tmp_path,
    )
    save_results(
        "03_cnn_metric_learning",
        [_row("CNN triplet", "test leave-one-out", "fashion_mnist", False, 0.72)],
        results_dir=tmp_path,
    )
    save_results(
        "04_rnn_sequence_similarity",
        [
            _row("DTW", "test leave-one-out", "japanese_vowels", True, 0.65, EER=0.2),
            _row("GRU triplet", "test leave-one-out", "japanese_vowels", False, 0.93, EER=0.05),
        ],
        results_dir=tmp_path,
    )
    save_results(
        "07_text_semantic_search",
        [
            _row("BM25", "test, one answer per query", "wordnet_definitions", True, 0.41),
            _row("learned encoder", "test, one answer per query", "wordnet_definitions", False, 0.38),
            _row("TF-IDF", "test leave-one-out", "wordnet_categories", True, 0.2),
            _row("learned encoder", "test leave-one-out", "wordnet_categories", False, 0.45),
        ],
        results_dir=tmp_path,
    )
    save_results(
        "08_recommendation_two_towers",
        [
            _row("popularity", "leave-last-out", "shop", True, 0.10),
            _row("item-kNN", "leave-last-out", "shop", True, 0.18, **{"coverage@10": 0.3}),
            _row("two towers", "leave-last-out", "shop", False, 0.24, **{"coverage@10": 0.6}),
        ],
        results_dir=tmp_path,
    )
    return tmp_path


def test_every_course_notebook_but_setup_is_in_exactly_one_domain():
    notebooks = [stem for domain in DOMAINS.values() for stem in domain.notebooks]
    assert sorted(notebooks) == sorted(COURSE_NOTEBOOKS) and len(notebooks) == len(set(notebooks))
    assert list(DOMAINS) == ["images", "speech", "text", "recommendation"]
    assert set(DOMAIN_METRICS) == set(PROTOCOLS)
    for protocol, metrics in DOMAIN_METRICS.items():
        assert set(metrics) <= set(PROTOCOL_METRICS[protocol])  # every shown metric is one a row must hold
    assert domain_of("09_capstone_similarity_search") == "images" and domain_of("00_setup") is None


def test_each_domain_shows_its_own_metrics_with_no_training_beside_learned(results_dir):
    rows, _ = load_leaderboard(results_dir=results_dir)
    text = domain_table(rows, "text")
    assert text.index("wordnet_definitions, test, one answer per query (sorted by MRR)") < text.index(
        "wordnet_categories, test leave-one-out (sorted by MAP@R)"
    )
    header = text.splitlines()[1].split()
    assert header == ["method", "kind", "MRR", "R@10", "train", "s", "from"]
    assert "BM25             no training" in text and "learned encoder  learned" in text
    recommendation = domain_table(rows, "recommendation")
    assert recommendation.splitlines()[1].split()[:5] == ["method", "kind", "NDCG@10", "R@10", "coverage@10"]
    assert [line.split()[0] for line in recommendation.splitlines()[3:]] == ["two", "item-kNN", "popularity"]
    assert " - " in recommendation  # popularity has no coverage@10
    speech = domain_table(rows, "speech")
    assert speech.splitlines()[1].split()[:5] == ["method", "kind", "MAP@R", "R@1", "EER"]
    images = domain_table(rows, "images")
    assert "EER" not in images and "japanese_vowels" not in images and "CNN triplet" in images


def test_summary_says_where_the_learned_model_won_and_where_not(results_dir):
    rows, _ = load_leaderboard(results_dir=results_dir)
    text = domain_summary(rows, "text")
    assert text[0].startswith("wordnet_definitions, test, one answer per query: the learned learned encoder (07)")
    assert "does not beat it (short by 0.030)" in text[0] and "against 0.410 for BM25 (07)" in text[0]
    assert "wins by 0.250" in text[1]
    (recommendation,) = domain_summary(rows, "recommendation")
    assert "an NDCG@10 of 0.240 against 0.180 for item-kNN (08)" in recommendation and "wins by 0.060" in recommendation
    assert "a MAP@R of 0.720" in domain_summary(rows, "images")[0]
    speech = [
        {**_row("DTW", "test->train", "v", True, 0.65), "notebook": "04_rnn_sequence_similarity"},
        {**_row("GRU autoencoder", "test->train", "v", False, 0.62), "notebook": "04_rnn_sequence_similarity"},
        {**_row("GRU triplet", "test->train", "v", False, 0.94), "notebook": "04_rnn_sequence_similarity"},
    ]
    (sentence,) = domain_summary(speech, "speech")
    assert sentence.endswith("wins by 0.290; 1 of the 2 learned methods does not beat it: GRU autoencoder (04).")


def test_summary_of_a_side_with_no_rows():
    only_learned = [{**_row("CNN", "test->train", "d", False, 0.5), "notebook": "03_cnn_metric_learning"}]
    assert "no method without training was measured" in domain_summary(only_learned, "images")[0]
    only_floor = [{**_row("DTW", "test->train", "d", True, 0.5), "notebook": "04_rnn_sequence_similarity"}]
    assert "only methods without training" in domain_summary(only_floor, "speech")[0]
    assert domain_summary([], "text") == [] and domain_table([], "text") == "(no results)"


def test_a_domain_whose_notebook_has_not_run_names_the_notebook(results_dir):
    (results_dir / "08_recommendation_two_towers.json").unlink()
    rows, missing = load_leaderboard(results_dir=results_dir)
    report = domain_report(rows, missing, "recommendation")
    assert report.startswith("Recommendation\n==============\nWhat it taught: ")
    assert "No saved results from 1 notebook: 08_recommendation_two_towers" in report
    assert "python -m course_lib run notebooks/08_recommendation_two_towers.ipynb" in report
    assert "(no results)" not in report
    images = domain_report(rows, missing, "images")
    assert "02_autoencoder_similarity" in images and "06_cosine_similarity_heads" in images
    assert "04_rnn" not in images and "wins by 0.390" in images


def test_bad_arguments_get_clear_errors(results_dir):
    rows, missing = load_leaderboard(results_dir=results_dir)
    with pytest.raises(ValueError, match="`domain` must be one of 'images', 'speech'"):
        domain_table(rows, "video")
    with pytest.raises(TypeError, match="`domain` must be a str"):
        domain_rows(rows, 3)
    with pytest.raises(ValueError, match="'notebook' key"):
        domain_table([{"method": "x"}], "images")
    with pytest.raises(TypeError, match="single dict"):
        domain_panels(rows[0], "images")
    with pytest.raises(TypeError, match="list of notebook stems"):
        domain_report(rows, "07_text_semantic_search", "text")


def test_plot_domain_draws_one_panel_per_table_with_the_gap_visible(results_dir):
    rows, _ = load_leaderboard(results_dir=results_dir)
    axes = plot_domain(rows, "text")
    assert [ax.get_title(loc="left") for ax in axes] == [
        "Text: wordnet_definitions, test, one answer per query",
        "Text: wordnet_categories, test leave-one-out",
    ]
    first = axes[0]
    assert "MRR" in first.get_xlabel() and len(first.patches) == 2
    colours = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in first.patches]
    hatches = [bar.get_hatch() for bar in first.patches]
    assert colours == [NO_TRAINING_COLOUR.lower(), LEARNED_COLOUR.lower()] and hatches == ["//", None]
    assert first.lines[0].get_xdata()[0] == pytest.approx(0.41)  # the best without training, as a line
    plt.close(first.figure)
    axes = plot_domain(rows, "recommendation")
    assert "NDCG@10" in axes[0].get_xlabel() and len(axes[0].patches) == 3
    plt.close(axes[0].figure)
    with pytest.raises(ValueError, match="No saved rows for domain 'images'"):
        plot_domain([], "images")
