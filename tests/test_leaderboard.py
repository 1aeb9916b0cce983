"""course_lib.leaderboard: loading, de-duplication, missing notebooks, table and plot."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.leaderboard import (  # noqa: E402
    COURSE_NOTEBOOKS,
    canonical_method,
    deduplicate,
    leaderboard_table,
    load_leaderboard,
    missing_message,
    select_rows,
)
from course_lib.plotting import plot_leaderboard  # noqa: E402
from course_lib.results import save_results  # noqa: E402


def _row(method, map_at_r=0.3, protocol="test leave-one-out", dataset="fashion_mnist", baseline=True):
    return {
        "method": method,
        "dataset": dataset,
        "protocol": protocol,
        "baseline": baseline,
        "R@1": 0.75,
        "R@5": 0.9,
        "R@10": 0.95,
        "MAP@R": map_at_r,
        "train_seconds": 0.0,
    }


@pytest.fixture
def results_dir(tmp_path):
    save_results(
        "01_similarity_basics",
        [
            _row("raw pixels (cosine)"),
            _row("raw pixels (euclidean)"),
            _row("raw pixels (cosine)", protocol="test->train"),
        ],
        results_dir=tmp_path,
    )
    save_results("02_autoencoder_similarity", [_row("raw pixels"), _row("PCA (32)", 0.33)], results_dir=tmp_path)
    save_results(
        "03_cnn_metric_learning",
        [_row("raw pixels (cosine)"), _row("CNN triplet", 0.75, baseline=False)],
        results_dir=tmp_path,
    )
    save_results("99_someone_elses", [_row("other")], results_dir=tmp_path)
    return tmp_path


def test_load_leaderboard_deduplicates_and_names_the_source(results_dir):
    rows, missing = load_leaderboard(results_dir=results_dir)
    keys = [(row["method"], row["protocol"]) for row in rows]
    assert len(keys) == len(set(keys)) == 5
    raw = next(
        row for row in rows if row["method"] == "raw pixels (cosine)" and row["protocol"] == "test leave-one-out"
    )
    assert raw["notebook"] == "01_similarity_basics"
    assert raw["also_in"] == ["02_autoencoder_similarity", "03_cnn_metric_learning"]
    assert "other" not in {row["method"] for row in rows}  # only the course notebooks
    saved = {"01_similarity_basics", "02_autoencoder_similarity", "03_cnn_metric_learning"}
    assert missing == [stem for stem in COURSE_NOTEBOOKS if stem not in saved]
    assert missing[:3] == ["04_rnn_sequence_similarity", "05_attention_similarity", "06_cosine_similarity_heads"]


def test_fresh_clone_has_no_rows_and_every_notebook_missing(tmp_path):
    rows, missing = load_leaderboard(results_dir=tmp_path / "does-not-exist")
    assert rows == [] and missing == list(COURSE_NOTEBOOKS)
    message = missing_message(missing)
    assert f"{len(COURSE_NOTEBOOKS)} notebooks" in message and "notebooks/06_cosine_similarity_heads.ipynb" in message
    assert "notebooks/07_text_semantic_search.ipynb" in message and "08_recommendation_two_towers (" in message
    assert leaderboard_table(rows) == "(no results)"


def test_load_leaderboard_with_an_explicit_notebook_list(results_dir):
    rows, missing = load_leaderboard(results_dir=results_dir, notebooks=["99_someone_elses", "08_none"])
    assert [row["method"] for row in rows] == ["other"] and missing == ["08_none"]


def test_canonical_method_and_deduplicate_errors():
    assert canonical_method("  raw   pixels ") == "raw pixels (cosine)"
    with pytest.raises(TypeError, match="must be a str"):
        canonical_method(3)
    with pytest.raises(ValueError, match="no 'notebook' key"):
        deduplicate([_row("x")])
    with pytest.raises(TypeError, match="single dict"):
        deduplicate({"method": "x"})


def test_table_is_sorted_best_first_with_sources(results_dir):
    rows, _ = load_leaderboard(results_dir=results_dir)
    table = leaderboard_table(rows, protocol="test leave-one-out")
    lines = table.splitlines()
    assert lines[0].split()[-3:] == ["from", "also", "in"]
    assert [line.split()[0] for line in lines[2:]] == ["CNN", "PCA", "raw", "raw"]
    assert "01    02, 03" in table
    assert leaderboard_table(rows, dataset="mnist") == "(no results)"
    with pytest.raises(ValueError, match="`sort_by` must be one of"):
        leaderboard_table(rows, sort_by="accuracy")


def test_select_rows_keeps_one_dataset_and_protocol_best_first():
    rows = [
        {"dataset": dataset, "protocol": "test->train", "MAP@R": value}
        for dataset, value in (("a", 0.1), ("b", 0.9), ("a", 0.5))
    ]
    assert [row["MAP@R"] for row in select_rows(rows, "a", "test->train", "MAP@R")] == [0.5, 0.1]


def test_rows_without_map_at_r_sort_by_their_protocols_first_metric():
    rows = [
        {"dataset": "text", "protocol": "test, one answer per query", "MRR": value, "R@1": 0.0, "R@10": 0.0}
        for value in (0.2, 0.6, 0.4)
    ]
    assert [row["MRR"] for row in select_rows(rows, "text", None, "MAP@R")] == [0.6, 0.4, 0.2]


def test_plot_leaderboard_lives_in_plotting_only():
    import course_lib.leaderboard

    assert not hasattr(course_lib.leaderboard, "plot_leaderboard")  # no lazy re-export: one home


def test_plot_leaderboard_draws_one_bar_per_method(results_dir):
    rows, _ = load_leaderboard(results_dir=results_dir)
    fig, ax = plt.subplots()
    returned = plot_leaderboard(rows, dataset="fashion_mnist", protocol="test leave-one-out", ax=ax)
    assert returned is ax and len(ax.patches) == 4
    assert [label.get_text() for label in ax.get_yticklabels()][0] == "CNN triplet"
    assert sum(bar.get_hatch() == "//" for bar in ax.patches) == 3  # baselines
    assert len(ax.lines) == 1 and ax.lines[0].get_xdata()[0] == pytest.approx(0.33)  # the best baseline
    plt.close(fig)
    with pytest.raises(ValueError, match="No row for dataset 'mnist'"):
        plot_leaderboard(rows, dataset="mnist", protocol="test->train")
    with pytest.raises(ValueError, match="`protocol` must be one of"):
        plot_leaderboard(rows, dataset="fashion_mnist", protocol="train")
