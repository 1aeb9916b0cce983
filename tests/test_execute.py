"""The notebook runner's failure paths, through `run_notebooks` and its `NotebookRun` fields.

Each notebook here is tiny and starts a plain Python kernel; the slow cells
sleep, so the tests check statuses and messages, never timings.
"""

import nbformat
from nbformat import v4

from course_lib.notebooks import run_notebooks

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _notebook(path, *sources):
    cells = [v4.new_markdown_cell("# A test notebook")]
    cells += [v4.new_code_cell(source) for source in sources]
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
