"""The notebook runner's failure paths, through `run_notebooks` and its `NotebookRun` fields.

Each notebook here is tiny and starts a plain Python kernel; the slow cells
sleep, so the tests check statuses and messages, never timings.
"""

import io
import math

import nbformat
import pytest
from nbformat import v4

from course_lib.notebooks import execute_notebook, run_notebooks

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _notebook(path, *sources, tags=None):
    """A markdown cell, then a code cell per source; `tags` maps a cell number (from 1) to its tags."""
    cells = [v4.new_markdown_cell("# A test notebook")]
    cells += [v4.new_code_cell(source) for source in sources]
    for number, cell_tags in (tags or {}).items():
        cells[number - 1].metadata["tags"] = cell_tags
    nbformat.write(v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)
    return path


def _run_one(path, tmp_path, **options):
    (run,) = run_notebooks([path], out_dir=tmp_path / "out", html=False, **options)
    return run


def _outputs_of(run, cell_number):
    executed = nbformat.read(run.executed, as_version=4)
    return executed.cells[cell_number - 1].get("outputs", [])


def test_a_cell_past_the_timeout_is_reported_as_timeout(tmp_path):
    path = _notebook(
        tmp_path / "sleeps.ipynb", "import time\nprint('started')", "time.sleep(60)", "print('never reached')"
    )
    run = _run_one(path, tmp_path, timeout=3)
    assert run.status == "timeout"
    assert run.error.startswith("CellTimeoutError"), run.error
    assert run.cell == 3  # the markdown cell counts: 1 markdown, 2 import, 3 sleep
    assert run.executed.is_file()
    assert _outputs_of(run, 2)[0]["text"] == "started\n"
    assert _outputs_of(run, 4) == []  # the cell after the timeout did not run


def test_a_kernel_that_dies_is_reported_as_failed_with_the_cell(tmp_path):
    path = _notebook(tmp_path / "dies.ipynb", "print('alive')", "import os\nos._exit(1)", "print('never reached')")
    run = _run_one(path, tmp_path, timeout=60)
    assert run.status == "failed"
    assert run.error.startswith("DeadKernelError"), run.error
    assert run.cell == 3
    assert _outputs_of(run, 2)[0]["text"] == "alive\n"
    assert _outputs_of(run, 4) == []


def test_a_runner_that_dies_is_reported_as_crashed(tmp_path):
    # The kernel's parent is the runner (the child process of run_notebooks): kill it.
    path = _notebook(tmp_path / "kills_runner.ipynb", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
    run = _run_one(path, tmp_path, timeout=60)
    assert run.status == "crashed"
    assert run.error.startswith("the runner exited with code -9"), run.error
    assert (run.cell, run.executed) == (None, None)


def test_an_exception_is_reported_with_its_name_message_and_cell(tmp_path):
    path = _notebook(tmp_path / "raises.ipynb", "x = 1", "1 / 0", "print('never reached')")
    run = _run_one(path, tmp_path, timeout=60)
    assert (run.status, run.error, run.cell) == ("failed", "ZeroDivisionError: division by zero", 3)


def test_a_failing_notebook_does_not_stop_the_next(tmp_path):
    failing = _notebook(tmp_path / "a_fails.ipynb", "raise RuntimeError('first')")
    passing = _notebook(tmp_path / "b_passes.ipynb", "print('second')")
    first, second = run_notebooks([failing, passing], out_dir=tmp_path / "out", timeout=60, html=False)
    assert (first.status, first.error) == ("failed", "RuntimeError: first")
    assert (second.status, second.error, second.cell) == ("ok", None, None)
    assert second.executed.is_file()


def test_a_fractional_timeout_stops_even_a_cell_that_may_raise(tmp_path):
    path = _notebook(
        tmp_path / "tagged.ipynb",
        "x = 1",
        "import time\ntime.sleep(60)",
        "print('never reached')",
        tags={3: ["raises-exception"]},
    )
    run = _run_one(path, tmp_path, timeout=1.5)
    assert (run.status, run.cell) == ("timeout", 3)
    assert "after 1.5 seconds" in run.error, run.error
    # The kernel was interrupted, so the cell shows where it stopped; the next did not run.
    assert [output.get("ename") for output in _outputs_of(run, 3)] == ["KeyboardInterrupt"]
    assert _outputs_of(run, 4) == []


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_run_reports_each_cell_and_saves_widgets_timings_and_the_kernel_peak(tmp_path):
    path = _notebook(tmp_path / "widgets.ipynb", "import ipywidgets\nipywidgets.IntSlider(value=3)", "print('done')")
    terminal = _Terminal()
    run = _run_one(path, tmp_path, timeout=60, progress=terminal)
    assert (run.status, run.error, run.stderr_outputs) == ("ok", None, 0)
    assert "cell 1/2" in terminal.getvalue() and "cell 2/2" in terminal.getvalue()  # the child's events
    executed = nbformat.read(run.executed, as_version=4)
    states = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(state["model_name"] == "IntSliderModel" and state["state"]["value"] == 3 for state in states.values())
    for cell in executed.cells[1:]:
        assert {"iopub.execute_input", "shell.execute_reply"} <= set(cell.metadata["execution"])
    assert run.longest_cell in (2, 3) and run.longest_cell_seconds >= 0
    assert run.kernel_peak_mib > 1 and run.peak_mib >= run.kernel_peak_mib


def test_execute_notebook_calls_on_cell_per_code_cell_and_keeps_widgets_of_a_failed_run(tmp_path):
    path = _notebook(
        tmp_path / "fails.ipynb", "import ipywidgets\nipywidgets.Checkbox(value=True)", "", "raise KeyError('k')"
    )
    calls = []
    result = execute_notebook(
        path, out_dir=tmp_path / "out", html=False, timeout=60, on_cell=lambda *numbers: calls.append(numbers)
    )
    assert calls == [(1, 2), (2, 2)]  # the empty cell is not counted
    assert (result["status"], result["error"], result["cell"]) == ("failed", "KeyError: 'k'", 4)
    executed = nbformat.read(result["executed"], as_version=4)
    assert executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]


@pytest.mark.parametrize("timeout", [0, -5, math.nan, math.inf, -math.inf])
def test_a_timeout_that_is_not_positive_and_finite_is_a_value_error(tmp_path, timeout):
    path = _notebook(tmp_path / "never_run.ipynb", "print('never run')")
    with pytest.raises(ValueError, match=r"positive, finite number of seconds per cell; received .*timeout=600"):
        run_notebooks([path], out_dir=tmp_path / "out", timeout=timeout, html=False)
    assert not (tmp_path / "out").exists()  # checked before anything runs


@pytest.mark.parametrize("timeout", ["60", None, True])
def test_a_timeout_that_is_not_a_number_is_a_type_error(tmp_path, timeout):
    path = _notebook(tmp_path / "never_run.ipynb", "print('never run')")
    with pytest.raises(TypeError, match=r"`timeout` must be a number, e.g. 600; received"):
        run_notebooks([path], out_dir=tmp_path / "out", timeout=timeout, html=False)
