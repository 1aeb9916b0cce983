"""Tests for course_lib.class_leaderboard: several learners' results files in one table per domain."""

import csv
import zipfile

import pytest

from course_lib import class_leaderboard as board
from course_lib.cli import main
from course_lib.results import save_results

RAW = {
    "method": "raw pixels (cosine)",
    "dataset": "fashion_mnist",
    "protocol": "test leave-one-out",
    "baseline": True,
    "R@1": 0.746,
    "R@5": 0.9,
    "R@10": 0.94,
    "MAP@R": 0.326,
    "train_seconds": 0.0,
}
TRIPLET = {
    **RAW,
    "method": "CNN triplet (semi-hard)",
    "baseline": False,
    "MAP@R": 0.726,
    "R@1": 0.859,
    "train_seconds": 30.0,
}
TEXT = {
    "method": "BM25 (words)",
    "dataset": "wordnet",
    "protocol": "test, one answer per query",
    "baseline": True,
    "MRR": 0.2,
    "R@1": 0.1,
    "R@10": 0.3,
    "train_seconds": 0.0,
}
SHOP = {
    "method": "two-tower, cosine",
    "dataset": "movielens",
    "protocol": "leave-last-out",
    "baseline": False,
    "R@10": 0.11,
    "NDCG@10": 0.058,
    "MRR": 0.05,
    "coverage@10": 0.2,
    "train_seconds": 12.0,
}


def _class(tmp_path, triplet_map_r=(0.726, 0.731, 0.722)):
    """Three learners: two folders (one nested in a copy of build/), one zip file."""
    folder = tmp_path / "class"
    learners = [folder / "ada", folder / "ben" / "build" / "results", tmp_path / "cy"]
    for results, value in zip(learners, triplet_map_r):
        save_results("01_similarity_basics", [RAW], results_dir=results)
        save_results(
            "03_cnn_metric_learning",
            [{**RAW, "method": "raw pixels"}, {**TRIPLET, "MAP@R": value}],
            results_dir=results,
        )
    save_results("07_text_semantic_search", [TEXT], results_dir=folder / "ada")
    save_results("08_recommendation_two_towers", [SHOP], results_dir=folder / "ada")
    with zipfile.ZipFile(folder / "cy.zip", "w") as archive:
        for path in sorted((tmp_path / "cy").glob("*.json")):
            archive.write(path, f"deep-similarity/build/results/{path.name}")
    return folder


def test_load_class_results_reads_folders_nested_folders_and_zip_files(tmp_path):
    rows, learners = board.load_class_results(_class(tmp_path))
    assert learners == {
        "ada": [
            "01_similarity_basics",
            "03_cnn_metric_learning",
            "07_text_semantic_search",
            "08_recommendation_two_towers",
        ],
        "ben": ["01_similarity_basics", "03_cnn_metric_learning"],
        "cy": ["01_similarity_basics", "03_cnn_metric_learning"],
    }
    # each learner's raw-pixel rows, saved by 01 and 03 under two names, are one row
    raw = [row for row in rows if row["method"] == "raw pixels (cosine)"]
    assert [(row["learner"], row["notebook"], row["also_in"]) for row in raw] == [
        (name, "01_similarity_basics", ["03_cnn_metric_learning"]) for name in ("ada", "ben", "cy")
    ]


def test_differences_in_the_last_digits_agree_and_larger_ones_are_named(tmp_path):
    rows, _ = board.load_class_results(_class(tmp_path, triplet_map_r=(0.726, 0.731, 0.80)))
    groups = {group["method"]: group for group in board.class_groups(rows)}
    triplet = groups["CNN triplet (semi-hard)"]
    assert triplet["metric"] == "MAP@R" and triplet["median"] == pytest.approx(0.731)
    assert (triplet["min"], triplet["max"]) == (0.726, 0.80)
    assert triplet["differs"] == [("cy", 0.80)]  # 0.726 is 0.005 from the median: agrees
    assert groups["raw pixels (cosine)"]["differs"] == [] and groups["raw pixels (cosine)"]["baseline"]
    strict = {group["method"]: group for group in board.class_groups(rows, tolerance=0.001)}
    assert [name for name, _ in strict["CNN triplet (semi-hard)"]["differs"]] == ["cy", "ada"]


def test_each_protocol_is_measured_by_its_own_first_metric_in_its_domain(tmp_path):
    rows, _ = board.load_class_results(_class(tmp_path))
    groups = board.class_groups(rows)
    assert [(group["domain"], group["protocol"], group["metric"]) for group in groups] == [
        ("images", "test leave-one-out", "MAP@R"),
        ("images", "test leave-one-out", "MAP@R"),
        ("text", "test, one answer per query", "MRR"),
        ("recommendation", "leave-last-out", "NDCG@10"),
    ]
    assert [group["method"] for group in groups[:2]] == ["CNN triplet (semi-hard)", "raw pixels (cosine)"]  # best first
    table = board.class_table([groups[-1]])
    assert "leave-last-out" in table and "NDCG@10" in table and "R@10 0.110, coverage@10 0.200" in table


def test_report_shows_the_protocol_of_every_row_and_what_each_learner_sent(tmp_path):
    text = board.class_report(_class(tmp_path, triplet_map_r=(0.726, 0.731, 0.80)))
    assert "Class leaderboard: 3 learner(s)" in text
    for title in ("Images (Fashion-MNIST)", "Speech (spoken vowels)", "Text", "Recommendation"):
        assert f"\n{title}\n" in text
    triplet = next(line for line in text.splitlines() if "CNN triplet (semi-hard)" in line)
    assert triplet.startswith("test leave-one-out") and triplet.split()[-2:] == ["cy", "0.800"]
    assert "  ben: 01, 03 (none from 02, 04, 05, 06, 07, 08, 09)" in text
    only_text = board.class_report(_class(tmp_path / "again"), domains=["text"])
    assert "\nText\n" in only_text and "Images" not in only_text


def test_rows_of_a_notebook_outside_the_domains_get_their_own_table(tmp_path):
    save_results("10_my_extension", [RAW], results_dir=tmp_path / "class" / "ada")
    text = board.class_report(tmp_path / "class")
    assert "\nOther notebooks\n" in text


def test_clear_errors_for_a_badly_laid_out_class_folder(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        board.load_class_results(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no learner"):
        board.load_class_results(tmp_path / "empty")
    save_results("01_similarity_basics", [RAW], results_dir=tmp_path / "loose")
    with pytest.raises(ValueError, match="put each learner's files in a sub-folder"):
        board.load_class_results(tmp_path / "loose")
    twice = tmp_path / "twice"
    for part in ("a", "b"):
        save_results("01_similarity_basics", [RAW], results_dir=twice / "ada" / part)
    with pytest.raises(ValueError, match="more than one results file named 01_similarity_basics.json"):
        board.load_class_results(twice)
    broken = tmp_path / "broken" / "ada"
    broken.mkdir(parents=True)
    (broken / "01_similarity_basics.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read as JSON"):
        board.load_class_results(tmp_path / "broken")
    with pytest.raises(ValueError, match="`tolerance` must be a number in \\[0, 1\\)"):
        board.class_groups([], tolerance=-0.1)
    with pytest.raises(ValueError, match="unknown domain\\(s\\) 'audio'"):
        board.class_report(tmp_path / "broken", domains=["audio"])


def test_the_command_prints_the_report_and_writes_every_row_to_csv(tmp_path, capsys):
    folder = _class(tmp_path)
    assert main(["class-leaderboard", str(folder), "--tolerance", "0.01", "--csv", str(tmp_path / "class.csv")]) == 0
    printed = capsys.readouterr().out
    assert "beyond 0.01 of the median" in printed and "written to" in printed
    with open(tmp_path / "class.csv", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == 3 * 2 + 2  # raw pixels and the triplet for each learner, ada's text and recommendation
    assert {line["learner"] for line in lines} == {"ada", "ben", "cy"}
    assert main(["class-leaderboard", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err
