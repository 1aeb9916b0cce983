"""The run time each notebook's header states agrees with the recorded measurements."""

import json
from pathlib import Path

import nbformat
import pytest

from course_lib.notebooks import find_notebooks, read_run_times, record_run_times, update_header
from course_lib.notebooks.run_times import header_seconds, run_time_line
from course_lib.notebooks.runner import NotebookRun

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
RECORDS = read_run_times(NOTEBOOKS_DIR)


def test_every_notebook_has_a_recorded_run_time():
    stems = [path.stem for path in find_notebooks(NOTEBOOKS_DIR)]
    assert sorted(RECORDS) == sorted(stems), "run `python -m course_lib run --record`"
    for stem, record in RECORDS.items():
        assert record["seconds"] > 0 and record["cpu_count"] >= 1, (stem, record)


@pytest.mark.parametrize("path", find_notebooks(NOTEBOOKS_DIR), ids=lambda path: path.stem)
def test_header_run_time_agrees_with_the_recording_within_50_percent(path):
    header = nbformat.read(path, as_version=4).cells[0].source
    stated = header_seconds(header)
    assert stated is not None, f"{path.name}: no '**Run time:** about N seconds' line"
    measured = RECORDS[path.stem]["seconds"]
    assert 0.5 * measured <= stated <= 1.5 * measured, (path.name, stated, measured)
    assert f"{RECORDS[path.stem]['cpu_count']} CPU cores" in header


def test_header_seconds_reads_seconds_and_minutes():
    assert header_seconds("**Run time:** about 40 seconds on 2 CPU cores") == 40
    assert header_seconds("**Run time:** about 2.5 minutes on 1 CPU cores") == 150
    assert header_seconds("**Run time:** a while") is None


def test_record_and_update_header_round_trip(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 01 demo\n\n**Run time:** about 3 hours, typed by hand.\n\nMore."),
        ]
    )
    path = tmp_path / "01_demo.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "run_times.json").write_text(json.dumps({"00_other": {"seconds": 1.0}}))
    run = NotebookRun(
        notebook=path,
        status="ok",
        seconds=83.2,
        peak_mib=900.4,
        process_peak_mib=None,
        kernel_peak_mib=None,
        error=None,
        cell=None,
        executed=None,
        html=None,
    )
    failed = NotebookRun(
        notebook=tmp_path / "02_failed.ipynb",
        status="failed",
        seconds=1.0,
        peak_mib=None,
        process_peak_mib=None,
        kernel_peak_mib=None,
        error="boom",
        cell=3,
        executed=None,
        html=None,
    )
    record_run_times([run, failed], tmp_path)
    records = read_run_times(tmp_path)
    assert sorted(records) == ["00_other", "01_demo"]  # the failed run is not recorded
    assert records["01_demo"]["seconds"] == 83.2 and records["01_demo"]["peak_mib"] == 900
    assert update_header(path, records["01_demo"]) is True
    assert update_header(path, records["01_demo"]) is False
    header = nbformat.read(path, as_version=4).cells[0].source
    assert header_seconds(header) == 85 and header.endswith("More.")
    assert run_time_line(records["01_demo"]) in header


def test_update_header_without_a_run_time_line_says_what_to_add(tmp_path):
    path = tmp_path / "01_demo.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 demo")]), path)
    with pytest.raises(ValueError, match="Run time"):
        update_header(path, {"seconds": 10.0, "cpu_count": 2, "date": "2026-12-01"})


# --- study time ---------------------------------------------------------------------------

from course_lib.notebooks.run_times import (  # noqa: E402
    MINUTES_PER_CODE_EXERCISE,
    MINUTES_PER_QUESTION,
    WORDS_PER_MINUTE,
    StudyTime,
    study_minutes_stated,
    study_time,
    study_time_line,
    study_time_table,
    update_study_time,
)


@pytest.mark.parametrize("path", find_notebooks(NOTEBOOKS_DIR), ids=lambda path: path.stem)
def test_header_study_time_follows_the_rule(path):
    header = nbformat.read(path, as_version=4).cells[0].source
    estimate = study_time(path)
    assert study_time_line(estimate) in header, "run `python -m course_lib headers`"
    assert study_minutes_stated(header) == estimate.minutes
    by_hand = (
        estimate.words / WORDS_PER_MINUTE
        + estimate.code_exercises * MINUTES_PER_CODE_EXERCISE
        + estimate.questions * MINUTES_PER_QUESTION
    )
    assert estimate.minutes - 5 < by_hand <= estimate.minutes and estimate.minutes % 5 == 0


def test_study_time_counts_words_and_exercises_and_rounds_up():
    assert StudyTime(words=0, code_exercises=0, questions=0).minutes == 5
    assert StudyTime(words=2000, code_exercises=0, questions=0).minutes == 10  # exactly 10
    assert StudyTime(words=2001, code_exercises=0, questions=0).minutes == 15
    assert StudyTime(words=200, code_exercises=1, questions=1).minutes == 15  # 1 + 10 + 3


def test_update_study_time_adds_the_line_once_and_ignores_the_time_lines(tmp_path):
    path = tmp_path / "01_demo.ipynb"
    cells = [
        nbformat.v4.new_markdown_cell("# Demo words\n\n**Run time:** about 5 seconds.\n\nEnd."),
        nbformat.v4.new_code_cell("x = 1"),
    ]
    cells[1].metadata["exercise"] = "01.cosine_matrix"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert study_time(path).words == 7 and study_time(path).code_exercises == 1  # "x = 1" is 3
    assert update_study_time(path) is True
    assert update_study_time(path) is False
    header = nbformat.read(path, as_version=4).cells[0].source
    assert header.count("**Study time:**") == 1 and header.endswith("End.")
    assert study_time(path).words == 7  # the added line is not counted


def test_the_instructor_guide_table_is_generated_from_the_same_rule():
    guide = NOTEBOOKS_DIR.parent / "docs" / "instructors.md"
    table = study_time_table(find_notebooks(NOTEBOOKS_DIR), RECORDS)
    assert table in guide.read_text(encoding="utf-8"), "run `python -m course_lib headers`"
    for path in find_notebooks(NOTEBOOKS_DIR):
        assert f"| {path.stem} |" in table and f"{study_time(path).minutes} min |" in table


def test_headers_command_rewrites_then_checks_a_notebook(tmp_path, capsys):
    from course_lib.cli import main

    path = tmp_path / "01_demo.ipynb"
    header = "# Demo\n\n**Run time:** about 5 seconds.\n\n**Study time:** about 90 minutes, typed by hand."
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(header)]), path)
    assert main(["headers", "--check", str(path)]) == 1
    assert main(["headers", str(path)]) == 0
    assert main(["headers", "--check", str(path)]) == 0
    assert "0 to rewrite" in capsys.readouterr().out
    stated = study_minutes_stated(nbformat.read(path, as_version=4).cells[0].source)
    assert stated == study_time(path).minutes == 5
