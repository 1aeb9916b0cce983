"""Tests for course_lib.results: the results-file contract between notebooks and the capstone."""

import json

import numpy as np
import pytest

from course_lib.results import FORMAT, PROTOCOLS, load_results, results_table, save_results


def _row(**changes):
    row = {
        "method": "cosine on pixels",
        "dataset": "fashion_mnist",
        "protocol": "test leave-one-out",
        "baseline": True,
        "R@1": 0.7,
        "R@5": 0.9,
        "R@10": 0.95,
        "MAP@R": 0.4,
        "train_seconds": 0.0,
    }
    row.update(changes)
    return row


def test_round_trip_adds_the_notebook_and_keeps_order(tmp_path):
    first = [_row(), _row(method="siamese", baseline=False, train_seconds=12.5, EER=0.1, notes="margin=0.5")]
    second = [_row(protocol="test->train")]
    # Written out of course order: load_results sorts by file name.
    save_results("02_siamese", first, results_dir=tmp_path)
    save_results("01_basics", second, results_dir=tmp_path)
    rows = load_results(results_dir=tmp_path)
    assert [(row["notebook"], row["method"]) for row in rows] == [
        ("01_basics", "cosine on pixels"),
        ("02_siamese", "cosine on pixels"),
        ("02_siamese", "siamese"),
    ]
    assert rows[2] == {**first[1], "notebook": "02_siamese"}


def test_file_format_is_sorted_pretty_json_with_header(tmp_path):
    path = save_results("01_basics", [_row()], results_dir=tmp_path)
    assert path == tmp_path / "01_basics.json"
    text = path.read_text()
    payload = json.loads(text)
    assert payload["format"] == FORMAT == "deep-similarity-results/2"
    assert payload["notebook"] == "01_basics"
    assert payload["created"].endswith("Z") and payload["created"][4] == "-"
    assert payload["course_lib_version"]
    # Pretty-printed with sorted keys: re-dumping the same way gives the same text.
    assert text == json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert list(payload["rows"][0]) == sorted(payload["rows"][0])
    assert [p.name for p in tmp_path.iterdir()] == ["01_basics.json"]  # no temp file left


def test_saving_again_replaces_the_file(tmp_path):
    save_results("01_basics", [_row(), _row(method="other")], results_dir=tmp_path)
    save_results("01_basics", [_row(method="only")], results_dir=tmp_path)
    assert [row["method"] for row in load_results(results_dir=tmp_path)] == ["only"]


def test_default_folder_is_the_build_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    path = save_results("01_basics", [_row()])
    assert path == tmp_path / "results" / "01_basics.json"
    assert len(load_results()) == 1


def test_numpy_scalars_become_python_floats(tmp_path):
    row = _row(
        **{
            "R@1": np.float32(0.5),
            "R@5": np.float64(0.75),
            "R@10": np.array(1.0),
            "MAP@R": np.int64(0),
            "train_seconds": np.float32(3.5),
        },
        baseline=np.bool_(False),
    )
    save_results("01_basics", [row], results_dir=tmp_path)
    (loaded,) = load_results(results_dir=tmp_path)
    assert loaded["R@1"] == 0.5 and type(loaded["R@1"]) is float
    assert loaded["R@10"] == 1.0 and loaded["MAP@R"] == 0.0 and loaded["train_seconds"] == 3.5
    assert loaded["baseline"] is False


def test_missing_folder_gives_no_rows(tmp_path):
    assert load_results(results_dir=tmp_path / "nothing") == []


def test_unknown_protocol_lists_the_valid_ones(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"rows\[1\]\['protocol'\]` must be one of "
        r"'test leave-one-out', 'test->train', "
        r"'held-out classes leave-one-out', 'test, one answer per query', "
        r"'leave-last-out'; received 'test'",
    ):
        save_results("01_basics", [_row(), _row(protocol="test")], results_dir=tmp_path)
    assert PROTOCOLS == (
        "test leave-one-out",
        "test->train",
        "held-out classes leave-one-out",
        "test, one answer per query",
        "leave-last-out",
    )


@pytest.mark.parametrize("key, value", [("R@1", 1.5), ("MAP@R", -0.1), ("EER", 2.0), ("R@5", float("nan"))])
def test_metric_out_of_range(tmp_path, key, value):
    with pytest.raises(
        ValueError,
        match=rf"rows\[0\]: '{key}' must be a fraction in \[0, 1\]; "
        rf"received {value!r}",
    ):
        save_results("01_basics", [_row(**{key: value})], results_dir=tmp_path)


def test_percentage_hint_and_negative_seconds(tmp_path):
    with pytest.raises(ValueError, match="divide it by 100"):
        save_results("01_basics", [_row(**{"R@1": 71.0})], results_dir=tmp_path)
    with pytest.raises(ValueError, match=r"'train_seconds' must be a finite number >= 0"):
        save_results("01_basics", [_row(train_seconds=-1)], results_dir=tmp_path)


def test_missing_and_unknown_keys(tmp_path):
    row = _row()
    del row["MAP@R"]
    with pytest.raises(
        ValueError,
        match=r"rows\[0\] is missing the metric\(s\) 'MAP@R' that protocol 'test leave-one-out' requires",
    ):
        save_results("01_basics", [row], results_dir=tmp_path)
    del row["method"]
    with pytest.raises(ValueError, match=r"rows\[0\] is missing required key\(s\) 'method'"):
        save_results("01_basics", [row], results_dir=tmp_path)
    with pytest.raises(
        ValueError,
        match=r"unknown key\(s\) 'R@20'.*Allowed keys: method, "
        r"dataset.*the metrics R@1, .*coverage@10.*and 'notes'",
    ):
        save_results("01_basics", [_row(**{"R@20": 0.99})], results_dir=tmp_path)


def test_wrong_types(tmp_path):
    with pytest.raises(TypeError, match=r"'R@1' must be a number; received str '0.5'"):
        save_results("01_basics", [_row(**{"R@1": "0.5"})], results_dir=tmp_path)
    with pytest.raises(TypeError, match=r"'baseline' must be True .* or False; received int 1"):
        save_results("01_basics", [_row(baseline=1)], results_dir=tmp_path)
    with pytest.raises(TypeError, match=r"'R@1' must be a number; received bool"):
        save_results("01_basics", [_row(**{"R@1": True})], results_dir=tmp_path)
    with pytest.raises(ValueError, match=r"'method' must be a non-empty str"):
        save_results("01_basics", [_row(method=" ")], results_dir=tmp_path)
    with pytest.raises(TypeError, match="received a single dict. Wrap it"):
        save_results("01_basics", _row(), results_dir=tmp_path)
    with pytest.raises(ValueError, match="`rows` is empty"):
        save_results("01_basics", [], results_dir=tmp_path)


def test_duplicate_rows_are_rejected(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"rows\[0\] and rows\[1\] both report method "
        r"'cosine on pixels'",
    ):
        save_results("01_basics", [_row(), _row(notes="again")], results_dir=tmp_path)


@pytest.mark.parametrize(
    "name, match",
    [
        ("", "non-empty file stem"),
        ("results/01_basics", "bare file stem"),
        ("..", "bare file stem"),
        ("01_basics.ipynb", "without an extension; received '01_basics.ipynb'. Use '01_basics'"),
    ],
)
def test_bad_notebook_names(tmp_path, name, match):
    with pytest.raises(ValueError, match=match):
        save_results(name, [_row()], results_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_notebook_name_must_be_a_str(tmp_path):
    with pytest.raises(TypeError, match="file stem as a str"):
        save_results(tmp_path / "01_basics", [_row()], results_dir=tmp_path)


@pytest.mark.parametrize(
    "content, match",
    [
        ("{not json", "cannot be read as JSON"),
        ('{"format": "other/2", "rows": []}', 'expected a results file with "format"'),
        ("[1, 2]", "received 'list'"),
        (
            json.dumps({"format": FORMAT, "notebook": "02_bad", "rows": [{"method": "x"}]}),
            r"rows\[0\] is missing required key",
        ),
    ],
)
def test_malformed_file_names_the_file(tmp_path, content, match):
    save_results("01_basics", [_row()], results_dir=tmp_path)
    (tmp_path / "02_bad.json").write_text(content)
    with pytest.raises(ValueError, match=match) as info:
        load_results(results_dir=tmp_path)
    assert "02_bad.json" in str(info.value)


def test_results_table_aligns_three_decimals():
    rows = [
        _row(**{"R@1": 0.71234}),
        _row(method="siamese (contrastive)", baseline=False, train_seconds=41.26, EER=0.125),
    ]
    lines = results_table(rows).splitlines()
    assert lines[0].split() == ["method", "dataset", "protocol", "R@1", "R@5", "R@10", "MAP@R", "EER", "train", "s"]
    assert set(lines[1]) == {"-", " "}
    assert "0.712" in lines[2] and "0.71234" not in lines[2]
    assert lines[2].split()[-2:] == ["-", "0.0"]  # no EER for the baseline
    assert lines[3].split()[-2:] == ["0.125", "41.3"]
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule have the same width
    assert lines[2].index("0.712") == lines[3].index("0.700")  # metric columns line up


def test_results_table_without_eer_and_from_loaded_rows(tmp_path):
    save_results("01_basics", [_row()], results_dir=tmp_path)
    table = results_table(load_results(results_dir=tmp_path))
    assert "EER" not in table and "cosine on pixels" in table and "0.950" in table
    assert results_table([]) == "(no results)"
    with pytest.raises(ValueError, match=r"rows\[0\]: 'R@1' must be a fraction"):
        results_table([_row(**{"R@1": 2})])


def _ranking_row(protocol, **metrics):
    return {
        "method": "BM25",
        "dataset": "wordnet",
        "protocol": protocol,
        "baseline": True,
        "train_seconds": 0.0,
        **metrics,
    }


def test_each_protocol_requires_its_own_metrics(tmp_path):
    text = _ranking_row("test, one answer per query", MRR=0.4, **{"R@1": 0.3, "R@10": 0.6})
    recommendation = _ranking_row("leave-last-out", MRR=0.1, **{"R@10": 0.2, "NDCG@10": 0.12, "coverage@10": 0.3})
    save_results("07_text", [text], results_dir=tmp_path)
    save_results("08_recommendation", [recommendation], results_dir=tmp_path)
    rows = load_results(results_dir=tmp_path)
    assert rows[1]["coverage@10"] == 0.3 and "MAP@R" not in rows[0]
    with pytest.raises(ValueError, match=r"missing the metric\(s\) 'NDCG@10' that protocol 'leave-last-out'"):
        save_results(
            "08_recommendation", [_ranking_row("leave-last-out", MRR=0.1, **{"R@10": 0.2})], results_dir=tmp_path
        )
    with pytest.raises(ValueError, match=r"'MRR' must be a fraction in \[0, 1\]"):
        save_results("07_text", [{**text, "MRR": 1.2}], results_dir=tmp_path)


def test_table_shows_the_metrics_any_row_holds():
    text = _ranking_row("test, one answer per query", MRR=0.4, **{"R@1": 0.3, "R@10": 0.6})
    lines = results_table([text, _row()]).splitlines()
    assert lines[0].split()[3:] == ["R@1", "R@5", "R@10", "MAP@R", "MRR", "train", "s"]
    assert lines[2].split()[-6:] == ["0.300", "-", "0.600", "-", "0.400", "0.0"]


def test_files_of_the_first_format_are_still_read(tmp_path):
    path = save_results("01_basics", [_row()], results_dir=tmp_path)
    payload = json.loads(path.read_text())
    payload["format"] = "deep-similarity-results/1"
    path.write_text(json.dumps(payload))
    assert load_results(results_dir=tmp_path)[0]["method"] == _row()["method"]
