"""Tests for course_lib.notebooks: finding, cleaning and solving notebooks (no kernel started).

The one test that executes notebooks is in test_cli.py (`run` through the command line).
"""

import io
import os
import sys
import types
from pathlib import Path

import nbformat
import pytest

from course_lib import notebooks
from course_lib.notebooks import (
    clean_notebook,
    find_notebooks,
    notebook_problems,
    run_notebooks,
    solve_notebook,
    solve_notebooks,
    strip_outputs,
)

v4 = nbformat.v4
KERNELSPEC = {"name": "deep-similarity", "display_name": "Python (Deep Similarity)", "language": "python"}


@pytest.fixture
def fake_exercises(monkeypatch):
    """Replaces course_lib.exercises with one exercise, "01.answer"."""
    solutions = {"01.answer": types.SimpleNamespace(solution_code="answer = 42\n")}

    def get_exercise(exercise_id):
        if exercise_id not in solutions:
            raise KeyError(f"No exercise with id {exercise_id!r}")
        return solutions[exercise_id]

    module = types.ModuleType("course_lib.exercises")
    module.get_exercise = get_exercise
    monkeypatch.setitem(sys.modules, "course_lib.exercises", module)
    return solutions


def _dirty_notebook():
    code = v4.new_code_cell("print(1)", execution_count=4, outputs=[v4.new_output("stream", name="stdout", text="1\n")])
    code.metadata.update(
        {"scrolled": True, "ExecuteTime": {"start": "x"}, "tags": ["keep"], "execution": {"iopub.status.busy": "2026"}}
    )
    markdown = v4.new_markdown_cell("# Title")
    markdown.metadata["collapsed"] = False
    return v4.new_notebook(cells=[markdown, code], metadata={"kernelspec": dict(KERNELSPEC), "widgets": {"state": {}}})


def _exercise_notebook(exercise_id="01.answer"):
    exercise = v4.new_code_cell(
        "answer = ____", execution_count=2, outputs=[v4.new_output("stream", name="stdout", text="x")]
    )
    exercise.metadata["exercise"] = exercise_id
    return v4.new_notebook(
        cells=[v4.new_markdown_cell("Fill in `answer`."), exercise, v4.new_code_cell("print(answer)")],
        metadata={"kernelspec": dict(KERNELSPEC)},
    )


def test_find_notebooks_sorts_and_filters(tmp_path):
    for name in ("10_last.ipynb", "02_b.ipynb", "01_a.ipynb", "draft.ipynb", "1_short.ipynb", "03_notes.md"):
        (tmp_path / name).write_text("{}")
    assert [path.name for path in find_notebooks(tmp_path)] == ["01_a.ipynb", "02_b.ipynb", "10_last.ipynb"]
    with pytest.raises(ValueError, match="does not exist"):
        find_notebooks(tmp_path / "missing")


def test_find_notebooks_defaults_to_the_course_folder():
    assert all(path.parent.name == "notebooks" for path in find_notebooks())


def test_strip_outputs_removes_outputs_counts_and_volatile_metadata():
    nb = _dirty_notebook()
    assert strip_outputs(nb) is nb
    markdown, code = nb.cells
    assert code.outputs == [] and code.execution_count is None
    assert dict(code.metadata) == {"tags": ["keep"]}
    assert dict(markdown.metadata) == {}
    assert "widgets" not in nb.metadata and nb.metadata.kernelspec == KERNELSPEC
    assert code.source == "print(1)" and markdown.source == "# Title"


def test_notebook_problems_flags_each_kind(tmp_path):
    path = tmp_path / "01_dirty.ipynb"
    nb = _dirty_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    problems = notebook_problems(path)
    text = "\n".join(problems)
    assert "01_dirty.ipynb: volatile notebook metadata ['widgets']" in text
    assert "01_dirty.ipynb cell 2: 1 output(s)" in text
    assert "01_dirty.ipynb cell 2: execution_count 4" in text
    assert "cell 2: volatile cell metadata ['ExecuteTime', 'execution', 'scrolled']" in text
    assert "cell 1: volatile cell metadata ['collapsed']" in text
    assert "kernelspec 'python3', expected 'deep-similarity'" in text
    assert len(problems) == 6
    assert all("python -m course_lib clean" in problem for problem in problems)


def test_notebook_problems_on_clean_and_unreadable_files(tmp_path):
    clean = tmp_path / "01_clean.ipynb"
    nbformat.write(strip_outputs(_dirty_notebook()), clean)
    assert notebook_problems(clean) == []
    broken = tmp_path / "02_broken.ipynb"
    broken.write_text("{not json")
    (problem,) = notebook_problems(broken)
    assert problem.startswith("02_broken.ipynb: not a readable notebook")


def test_clean_notebook_rewrites_only_when_needed(tmp_path):
    path = tmp_path / "01_dirty.ipynb"
    nb = _dirty_notebook()
    del nb.metadata["kernelspec"]
    nbformat.write(nb, path)
    assert clean_notebook(path) is True
    assert notebook_problems(path) == []
    assert nbformat.read(path, as_version=4).metadata.kernelspec["name"] == "deep-similarity"
    modified = os.stat(path).st_mtime_ns
    assert clean_notebook(path) is False
    assert os.stat(path).st_mtime_ns == modified


def test_solve_notebook_replaces_only_exercise_cells(fake_exercises):
    nb = _exercise_notebook()
    solved = solve_notebook(nb)
    assert [cell.source for cell in solved.cells] == ["Fill in `answer`.", "answer = 42\n", "print(answer)"]
    assert solved.cells[1].metadata["exercise"] == "01.answer"
    assert solved.cells[1].outputs == [] and solved.cells[1].execution_count is None
    assert nb.cells[1].source == "answer = ____" and nb.cells[1].outputs  # the input is untouched


def test_solve_notebook_errors(fake_exercises):
    with pytest.raises(
        ValueError,
        match=r"cell 2: unknown exercise id '01\.nope' \(No exercise "
        r"with id '01\.nope'\)",
    ):
        solve_notebook(_exercise_notebook("01.nope"))
    with pytest.raises(ValueError, match=r"cell 2: metadata 'exercise' must be an exercise id str"):
        solve_notebook(_exercise_notebook(7))
    fake_exercises["01.answer"] = types.SimpleNamespace(solution_code=None)
    with pytest.raises(TypeError, match="must have a str `solution_code`; received NoneType"):
        solve_notebook(_exercise_notebook())


def test_solve_notebooks_writes_copies_and_protects_sources(tmp_path, fake_exercises):
    source = tmp_path / "01_exercise.ipynb"
    nbformat.write(_exercise_notebook(), source)
    (written,) = solve_notebooks([source], out_dir=tmp_path / "solved")
    assert written == tmp_path / "solved" / "01_exercise.ipynb"
    assert nbformat.read(written, as_version=4).cells[1].source == "answer = 42\n"
    assert nbformat.read(source, as_version=4).cells[1].source == "answer = ____"
    with pytest.raises(ValueError, match="would overwrite the shipped notebook"):
        solve_notebooks([source], out_dir=tmp_path)
    nbformat.write(_exercise_notebook("01.nope"), tmp_path / "02_bad.ipynb")
    with pytest.raises(ValueError, match=r"02_bad\.ipynb: cell 2: unknown exercise id"):
        solve_notebooks([tmp_path / "02_bad.ipynb"], out_dir=tmp_path / "solved")


def test_solve_notebooks_defaults_to_the_build_dir(tmp_path, monkeypatch, fake_exercises):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    nbformat.write(_exercise_notebook(), tmp_path / "01_exercise.ipynb")
    (written,) = solve_notebooks([tmp_path / "01_exercise.ipynb"])
    assert written == tmp_path / "build" / "solved" / "01_exercise.ipynb"


def test_run_notebooks_checks_paths_before_starting(tmp_path):
    with pytest.raises(ValueError, match="Expected an existing .ipynb file"):
        run_notebooks([tmp_path / "01_missing.ipynb"], out_dir=tmp_path / "out")
    path = tmp_path / "01_here.ipynb"
    nbformat.write(v4.new_notebook(), path)
    with pytest.raises(ValueError, match="would overwrite it; pass another --out folder"):
        run_notebooks([path], out_dir=tmp_path)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_rewrites_one_line_on_a_terminal():
    run = notebooks.NotebookRun(notebook=None, status="ok", seconds=2.31)
    terminal = _Terminal()
    progress = notebooks.runner._Progress(terminal, "[1/2] 01_basics")
    progress.update(1, 4)
    progress.update(3, 4)
    progress.finish(run)
    text = terminal.getvalue()
    assert "\r[1/2] 01_basics  cell 1/4 [....................]" in text
    assert "\r[1/2] 01_basics  cell 3/4 [##########..........]" in text
    last = text.split("\r")[-1]
    assert last.endswith("\n") and last.rstrip() == "[1/2] 01_basics  ok  2.3 s"
    assert len(last) - 1 >= len(text.split("\r")[-2])  # padded over the longer cell line
    log = io.StringIO()
    progress = notebooks.runner._Progress(log, "[1/2] 01_basics")
    progress.update(1, 4)
    progress.finish(run)
    assert log.getvalue() == "[1/2] 01_basics  ok  2.3 s\n"  # no \r noise in CI logs


def test_a_peak_over_the_memory_limit_names_jax_when_it_is_installed(monkeypatch):
    import importlib.util

    found = {"jax": None}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: found.get(name, "spec"))
    assert notebooks.runner._jax_note() == ""
    found["jax"] = "spec"
    assert "JAX installed, which TensorFlow imports at start-up" in notebooks.runner._jax_note()


def test_budgets_mark_noisy_and_slow_runs_and_the_total():
    from course_lib.notebooks.limits import check_budgets, run_limits, total_over_budget
    from course_lib.notebooks.runner import NotebookRun

    runs = [
        NotebookRun(Path("01_a.ipynb"), "ok", 10.0, longest_cell=2, longest_cell_seconds=5.0, stderr_outputs=0),
        NotebookRun(Path("02_b.ipynb"), "ok", 300.0, longest_cell=1, longest_cell_seconds=1.0, stderr_outputs=0),
        NotebookRun(Path("03_c.ipynb"), "ok", 5.0, longest_cell=4, longest_cell_seconds=95.0, stderr_outputs=0),
        NotebookRun(Path("04_d.ipynb"), "ok", 5.0, stderr_outputs=2),
        NotebookRun(Path("05_e.ipynb"), "failed", 500.0, stderr_outputs=1, error="KeyError: 'k'"),
    ]
    limits = run_limits(binder=True)
    check_budgets(runs, limits)
    assert [run.status for run in runs] == ["ok", "slow", "slow", "stderr", "failed"]
    assert runs[1].error == "300 s, over the 240 s budget per notebook"
    assert runs[2].error == "cell 4 took 95 s, over the 90 s budget per cell"
    assert runs[3].error.startswith("2 cell output(s) on stderr") and runs[4].error == "KeyError: 'k'"
    assert total_over_budget(runs, limits) is None  # 820 s of 1,200
    assert total_over_budget(runs, run_limits(total=100.0)) == "The notebooks took 820 s in all, over the 100 s budget."
