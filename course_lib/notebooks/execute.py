"""Headless execution of one notebook in this process: `execute_notebook`.

The runner that starts a process per notebook and measures it, `run_notebooks`, is in
`course_lib.notebooks.runner`; it calls `execute_notebook` in each child process.
"""

import math
import time
from pathlib import Path

from course_lib._validation import check_real
from course_lib.peak_memory import peak_resident_mib

__all__ = ["execute_notebook"]

# The current environment's own kernel, whatever kernelspec the notebook names.
_EXECUTION_KERNEL = "python3"


def check_timeout(timeout):
    """Raises unless `timeout` is a positive, finite number of seconds (per cell)."""
    check_real(timeout, "timeout", example=600)
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(
            f"Expected `timeout` to be a positive, finite number of seconds per cell; received "
            f"{timeout!r}. Pass the longest a cell may run, e.g. `timeout=600` (a cell that takes "
            "longer is interrupted and the notebook reported as timed out)."
        )


# What a cell that runs past its timeout reports, once nbclient has interrupted the kernel;
# the extra key tells it apart from an exception the cell itself raised.
_TIMEOUT_REPLY = {"ename": "CellTimeoutError", "evalue": "", "traceback": [], "course_lib_timeout": True}


class _Observer:
    """nbclient's hooks for one run: progress, the cell it is on, the kernel's peak memory.

    `NotebookClient.execute` calls `on_notebook_start` once the kernel runs,
    `on_cell_start` before every cell (code or not), `on_cell_executed` after
    every code cell, even one that raises or times out, while the kernel still
    runs, and `on_cell_error` after a cell that raised. The kernel's peak
    (`course_lib.peak_memory`) is read at the first and the third.
    """

    def __init__(self, nb, on_cell, timeout):
        self.code_cells = [
            index for index, cell in enumerate(nb.cells) if cell.cell_type == "code" and cell.source.strip()
        ]
        self.on_cell, self.timeout = on_cell, timeout
        self.client = self.pid = self.cell = None  # `client` is set once it exists
        self.peaks = []  # MiB, each time the kernel's peak could be read

    def hooks(self):
        return {
            "on_notebook_start": self.notebook_start,
            "on_cell_start": self.cell_start,
            "on_cell_executed": self.cell_executed,
            "on_cell_error": self.cell_error,
        }

    def sample(self):
        peak = peak_resident_mib(self.pid) if self.pid is not None else None
        if peak is not None:
            self.peaks.append(peak)

    def notebook_start(self, notebook):
        provisioner = getattr(self.client.km, "provisioner", None)  # jupyter_client's process
        self.pid = getattr(provisioner, "pid", None)
        self.sample()

    def cell_start(self, cell, cell_index):
        self.cell = cell_index
        if self.on_cell is not None and cell_index in self.code_cells:
            self.on_cell(self.code_cells.index(cell_index) + 1, len(self.code_cells))

    def cell_executed(self, cell, cell_index, execute_reply):
        self.sample()

    def cell_error(self, cell, cell_index, execute_reply):
        from nbclient.exceptions import CellTimeoutError

        if execute_reply["content"].get("course_lib_timeout"):  # even in a `raises-exception` cell
            raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", self.timeout, cell)


def execute_notebook(path, *, out_dir, cwd=None, timeout=600.0, html=True, on_cell=None):
    """Runs a notebook headless in this process and writes the executed copy.

    It is `nbclient.NotebookClient.execute` with its hooks: execution stops
    at the first cell that raises (as `jupyter nbconvert --execute` does,
    except in cells tagged `raises-exception`), or that runs past `timeout`
    (the kernel is interrupted, so that cell shows a `KeyboardInterrupt`); the
    copy is written with the outputs up to there, the widgets' state, and each
    cell's timings in `metadata.execution`.

    Args:
        path: the `.ipynb` to run.
        out_dir: folder for `<stem>.ipynb` and, with `html=True`, `<stem>.html`.
        cwd: the kernel's working folder. Defaults to the notebook's folder.
        timeout: seconds allowed per cell (a positive, finite number).
        html: also export HTML with nbconvert's `HTMLExporter`.
        on_cell: optional callable `(number, total)` called before each code
            cell, `number` counting code cells from 1.

    Returns:
        A dict with `status` (`"ok"`, `"failed"` or `"timeout"`), `seconds` (kernel
        start to kernel shut down), `error` (`"Name: message"` or None), `cell`
        (number of the failing cell, counting every cell from 1),
        `kernel_peak_mib` (float or None), `executed` / `html` (paths as str,
        `html` None when not written), `stderr_outputs` (int) and
        `longest_cell` / `longest_cell_seconds` (the slowest cell's number and
        seconds, None without timings).

    Raises:
        TypeError: if `timeout` is not a number.
        ValueError: if `timeout` is not positive and finite.

    Example:

    >>> import nbformat, tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     nbformat.write(nb, Path(folder) / "01_demo.ipynb")
    ...     result = execute_notebook(Path(folder) / "01_demo.ipynb", out_dir=folder, html=False)
    ...     executed = nbformat.read(result["executed"], as_version=4)
    >>> result["status"], executed.cells[0].outputs[0]["text"].strip()
    ('ok', '42')
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    check_timeout(timeout)
    path, out_dir = Path(path), Path(out_dir)
    cwd = Path(cwd) if cwd is not None else path.parent
    nb = nbformat.read(path, as_version=4)
    observer = _Observer(nb, on_cell, timeout)
    client = NotebookClient(
        nb,
        kernel_name=_EXECUTION_KERNEL,
        resources={"metadata": {"path": str(cwd)}},
        # `timeout` is a whole number of seconds; `timeout_func` takes any, per cell.
        timeout=math.ceil(timeout),
        timeout_func=lambda cell: timeout,
        interrupt_on_timeout=True,
        error_on_timeout=_TIMEOUT_REPLY,
        record_timing=True,
        **observer.hooks(),
    )
    observer.client = client  # its kernel manager gives the kernel's pid
    status, error = "ok", None
    started = time.perf_counter()
    try:
        client.execute(cwd=str(cwd))  # also works inside a running event loop
    except CellTimeoutError as exception:
        status, error = "timeout", f"CellTimeoutError: {str(exception).strip().splitlines()[0]}"
    except CellExecutionError as exception:
        status, error = "failed", f"{exception.ename}: {exception.evalue}"
    except DeadKernelError:
        status, error = "failed", "DeadKernelError: the kernel died (out of memory?)"
    if status != "ok":
        client.set_widgets_metadata()  # `execute` saves the widgets' state only when all cells ran
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f"{path.stem}.ipynb"
    nbformat.write(nb, executed)
    html_path = None
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        html_path = out_dir / f"{path.stem}.html"
        html_path.write_text(body, encoding="utf-8")
    longest, longest_seconds = _longest_cell(nb)
    return {
        "status": status,
        "seconds": seconds,
        "error": error,
        "cell": observer.cell + 1 if status != "ok" and observer.cell is not None else None,
        "kernel_peak_mib": max(observer.peaks, default=None),
        "executed": str(executed),
        "html": str(html_path) if html_path else None,
        "stderr_outputs": _count_stderr_outputs(nb),
        "longest_cell": longest,
        "longest_cell_seconds": longest_seconds,
    }


def _count_stderr_outputs(nb):
    """How many stderr streams the executed cells show (each is a red box in Jupyter)."""
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )


def _longest_cell(nb):
    """(number counting every cell from 1, seconds) of the slowest cell, from nbclient's timings."""
    from datetime import datetime

    longest = (None, None)
    for number, cell in enumerate(nb.cells, start=1):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if not (start and end):
            continue
        seconds = (
            datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
        ).total_seconds()
        if longest[1] is None or seconds > longest[1]:
            longest = (number, seconds)
    return longest
