"""Tests for the command line (`python -m course_lib ...`).

`test_run_solved_executes_reports_and_fails` and `test_run_under_limits_fails_on_stderr_memory_
and_slow_cells` are the only tests that start kernels (tiny notebooks, a few seconds each).
"""

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from course_lib import notebooks
from course_lib.cli import main

v4 = nbformat.v4
KERNELSPEC = {"name": "deep-similarity", "display_name": "Python (Deep Similarity)", "language": "python"}


@pytest.fixture
def fake_exercises(monkeypatch):
    """Replaces course_lib.exercises with one exercise, "01.answer"."""

    def get_exercise(exercise_id):
        if exercise_id != "01.answer":
            raise KeyError(f"No exercise with id {exercise_id!r}")
        return types.SimpleNamespace(solution_code="answer = 42\n")

    module = types.ModuleType("course_lib.exercises")
    module.get_exercise = get_exercise
    monkeypatch.setitem(sys.modules, "course_lib.exercises", module)


def _write(path, *sources, exercise=None):
    cells = [v4.new_code_cell(source) for source in sources]
    if exercise:
        cells[0].metadata["exercise"] = exercise
    nbformat.write(v4.new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC)}), path)
    return path


def _table_row(text, stem):
    table = text.split("\n\n")[0]
    (line,) = [line for line in table.splitlines() if line.startswith(stem + " ")]
    return line.split()


def test_run_solved_executes_reports_and_fails(tmp_path, monkeypatch, capsys, fake_exercises):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    # The runner gives the kernel TF_CPP_MIN_LOG_LEVEL=2 when it is unset (importing Keras
    # earlier in this process sets it to 1 where it was unset).
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    prints = _write(
        folder / "01_prints.ipynb",
        "answer = ____",
        "import os\nprint('answer', answer)\nprint(os.getcwd())\n"
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], "
        "os.environ['COURSE_EXERCISE_EXPECT'])",
        exercise="01.answer",
    )
    raises = _write(folder / "02_raises.ipynb", "x = 1", "raise ValueError('boom')", "x = 2")
    out = tmp_path / "out"

    code = main(["run", "--solved", str(prints), str(raises), "--out", str(out)])

    captured = capsys.readouterr()
    assert code == 1
    assert sorted(path.name for path in out.iterdir()) == [
        "01_prints.html",
        "01_prints.ipynb",
        "02_raises.html",
        "02_raises.ipynb",
        "run-info.json",
    ]
    # The solved copy ran, in the original notebooks' folder, with the kernel's environment.
    executed = nbformat.read(out / "01_prints.ipynb", as_version=4)
    printed = "".join(output.get("text", "") for output in executed.cells[1].outputs)
    assert printed.splitlines() == ["answer 42", str(folder.resolve()), "2 correct"]
    assert (tmp_path / "build" / "solved" / "01_prints.ipynb").is_file()
    assert "answer 42" in (out / "01_prints.html").read_text()
    # The table: notebook, status, wall seconds, peak MiB, slowest cell (s, number), stderr.
    header = captured.out.splitlines()[0].split()
    assert header == ["notebook", "status", "wall", "s", "peak", "MiB", "longest", "cell", "s", "cell", "stderr"]
    name, status, seconds, peak, longest, cell, stderr = _table_row(captured.out, "01_prints")
    assert status == "ok" and float(seconds) > 0 and float(peak) > 0
    assert 0 <= float(longest) <= float(seconds) and cell in {"1", "2"} and stderr == "0"
    name, status, seconds, peak, *_ = _table_row(captured.out, "02_raises")
    assert status == "failed" and float(peak) > 0
    assert "02_raises failed at cell 2: ValueError: boom" in captured.out
    failed = nbformat.read(out / "02_raises.ipynb", as_version=4)
    assert failed.cells[1].outputs[0]["ename"] == "ValueError"
    assert failed.cells[2].execution_count is None  # execution stopped at the error
    assert "[1/2] 01_prints  ok" in captured.err and "[2/2] 02_raises  failed" in captured.err


def test_run_under_limits_fails_on_stderr_memory_and_slow_cells(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    quiet = _write(folder / "01_quiet.ipynb", "x = 1")
    noisy = _write(folder / "02_noisy.ipynb", "import sys\nsys.stderr.write('careful\\n')")
    hungry = _write(
        folder / "03_hungry.ipynb", "import numpy as np\nblock = np.ones(700 * 2**20 // 8)\nprint(block.sum())"
    )
    slow = _write(folder / "04_slow.ipynb", "import time\ntime.sleep(1.5)")

    code = main(
        [
            "run",
            "--no-html",
            "--cpus",
            "1",
            "--memory-limit",
            "450",
            "--max-cell-seconds",
            "1",
            *map(str, (quiet, noisy, hungry, slow)),
        ]
    )

    out = capsys.readouterr().out
    assert code == 1
    assert _table_row(out, "01_quiet")[1] == "ok"
    assert _table_row(out, "02_noisy")[1] == "stderr" and _table_row(out, "02_noisy")[-1] == "1"
    assert "02_noisy stderr: 1 cell output(s) on stderr" in out
    # Killed by the cgroup where this machine allows one, otherwise failed on its peak.
    assert _table_row(out, "03_hungry")[1] == "failed"
    assert "03_hungry failed" in out and "450 MiB" in out
    assert _table_row(out, "04_slow")[1] == "slow"
    assert re.search(r"04_slow slow: cell 1 took \d+ s, over the 1 s budget per cell", out)
    assert "Limits: 1 CPU(s), memory 450 MiB" in out


def test_binder_preset_and_explicit_options(monkeypatch):
    from course_lib.notebooks.limits import BINDER_LIMITS, run_limits

    assert run_limits(binder=True, notebook=300.0) == {**BINDER_LIMITS, "notebook": 300.0}
    assert BINDER_LIMITS == {"cpus": 1, "memory": 2048.0, "notebook": 240.0, "cell": 90.0, "total": 1200.0}
    assert run_limits() == dict.fromkeys(["cpus", "memory", "notebook", "cell", "total"])


@pytest.mark.parametrize(
    "options, message",
    [
        (["--cpus", "0"], "Expected a positive int number of CPUs; received 0"),
        (["--cpus", "4096"], "CPUs (the ones this process may use); received 4096"),
        (["--memory-limit", "-5"], "Expected a positive memory limit in MiB; received -5.0"),
    ],
)
def test_run_refuses_bad_limits(tmp_path, capsys, options, message):
    notebook = _write(tmp_path / "01_x.ipynb", "x = 1")
    assert main(["run", *options, str(notebook)]) == 2
    assert message in capsys.readouterr().err


def test_run_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--solved", "--out", "--timeout", "--no-html", "--cpus", "--memory-limit", "--binder", "NOTEBOOK"):
        assert option in help_text


@pytest.mark.parametrize("command", ["doctor", "solve", "clean", "links"])
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert f"usage: python -m course_lib {command}" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train"])
    assert info.value.code == 2
    assert "invalid choice: 'train'" in capsys.readouterr().err


def test_solve_command(tmp_path, capsys, fake_exercises):
    source = _write(tmp_path / "01_ex.ipynb", "answer = ____", "print(answer)", exercise="01.answer")
    assert main(["solve", str(source), "--out", str(tmp_path / "solved")]) == 0
    solved = nbformat.read(tmp_path / "solved" / "01_ex.ipynb", as_version=4)
    assert [cell.source for cell in solved.cells] == ["answer = 42\n", "print(answer)"]
    assert f"wrote {tmp_path / 'solved' / '01_ex.ipynb'}" in capsys.readouterr().out

    bad = _write(tmp_path / "02_bad.ipynb", "answer = ____", exercise="02.unknown")
    assert main(["solve", str(bad), "--out", str(tmp_path / "solved")]) == 2
    assert "unknown exercise id '02.unknown'" in capsys.readouterr().err


def test_clean_command_and_check(tmp_path, capsys):
    path = tmp_path / "01_dirty.ipynb"
    cell = v4.new_code_cell(
        "1 + 1", execution_count=1, outputs=[v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    )
    nbformat.write(v4.new_notebook(cells=[cell], metadata={"kernelspec": dict(KERNELSPEC)}), path)

    assert main(["clean", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "01_dirty.ipynb cell 1: 1 output(s)" in out
    assert "1 notebook(s) checked, 2 problem(s)." in out
    assert nbformat.read(path, as_version=4).cells[0].outputs  # --check writes nothing

    assert main(["clean", str(path)]) == 0
    assert f"cleaned  {path}" in capsys.readouterr().out
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    assert main(["clean", "--check", str(path)]) == 0


def test_notebooks_by_stem_or_prefix(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    for name in ("01_basics", "02_pairs", "03_triplets"):
        _write(tmp_path / "notebooks" / f"{name}.ipynb", "x = 1")
    monkeypatch.setattr(notebooks.files, "project_root", lambda: tmp_path)
    assert main(["clean", "--check", "02"]) == 0
    assert main(["clean", "--check", "03_triplets.ipynb", "01_basics"]) == 0
    assert main(["clean", "--check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1 notebook(s) checked, 0 problem(s).",
        "2 notebook(s) checked, 0 problem(s).",
        "3 notebook(s) checked, 0 problem(s).",
    ]
    assert main(["clean", "0"]) == 2
    assert (
        "NOTEBOOK '0' matches 3 notebooks; expected a path, a stem or a unique prefix. "
        "Course notebooks: 01_basics, 02_pairs, 03_triplets."
    ) in capsys.readouterr().err


def test_doctor_command_dispatches_to_doctor(monkeypatch, capsys):
    import course_lib.cli as cli

    monkeypatch.setattr(cli, "run_doctor", lambda *, file: print("report", file=file) or 1)
    assert main(["doctor"]) == 1
    assert capsys.readouterr().out == "report\n"


def test_python_dash_m_entry_point(tmp_path):
    path = _write(tmp_path / "01_clean.ipynb", "x = 1")
    env = dict(os.environ, PYTHONPATH=str(Path(notebooks.__file__).resolve().parents[1]))
    result = subprocess.run(
        [sys.executable, "-m", "course_lib", "clean", "--check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 notebook(s) checked, 0 problem(s).\n"
