"""Headless execution of notebooks, each in its own process, with wall time and peak memory."""

import contextlib
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_lib.notebooks.limits import MemoryLimit, first_cpus
from course_lib.paths import build_dir
from course_lib.peak_memory import peak_resident_mib

__all__ = ["NotebookRun", "execute_notebook", "run_notebooks"]

_LIBRARY_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds course_lib/
# The current environment's own kernel, whatever kernelspec the notebook names.
_EXECUTION_KERNEL = "python3"


def _check_timeout(timeout):
    """Raises unless `timeout` is a positive, finite number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(
            f"Expected `timeout` to be a number of seconds per cell (int or float); received "
            f"{type(timeout).__name__} {timeout!r}. Pass e.g. `timeout=600`."
        )
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

    _check_timeout(timeout)
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


@dataclasses.dataclass
class NotebookRun:
    """What `run_notebooks` measured for one notebook.

    Attributes:
        notebook: the source path.
        status: `"ok"`, `"failed"`, `"timeout"` or `"crashed"` (the runner died).
        seconds: wall seconds from kernel start to its shutdown.
        peak_mib: max of `process_peak_mib` and `kernel_peak_mib` (None if neither).
        process_peak_mib: the child's `ru_maxrss` (covers the reaped kernel).
        kernel_peak_mib: the kernel's peak RSS read before it shut down.
        error: `"Name: message"` of the failure, or None.
        cell: number of the failing cell, counting every cell from 1, or None.
        executed: path of the executed `.ipynb`, or None.
        html: path of the HTML export, or None.
        stderr_outputs: number of stderr outputs in the executed cells, or None.
        longest_cell: number of the slowest cell (counting every cell from 1), or None.
        longest_cell_seconds: its execution time in seconds, or None.
        memory_limit: how a memory limit was applied (`"cgroup v1"`, `"cgroup v2"`,
            `"peak check"`), or None without a limit.
    """

    notebook: Path
    status: str
    seconds: float
    peak_mib: float | None = None
    process_peak_mib: float | None = None
    kernel_peak_mib: float | None = None
    error: str | None = None
    cell: int | None = None
    executed: Path | None = None
    html: Path | None = None
    stderr_outputs: int | None = None
    longest_cell: int | None = None
    longest_cell_seconds: float | None = None
    memory_limit: str | None = None


class _Progress:
    """One progress line on a terminal (rewritten with \\r); one line per notebook otherwise."""

    def __init__(self, stream, label):
        self.stream, self.label, self.started = stream, label, time.perf_counter()
        self.live = stream is not None and getattr(stream, "isatty", lambda: False)()
        self.width = 0

    def _write(self, text, end=""):
        padding = " " * max(0, self.width - len(text))
        self.stream.write(f"\r{text}{padding}{end}")
        self.stream.flush()
        self.width = len(text)

    def update(self, number, total):
        if self.live:
            filled = round(20 * (number - 1) / max(total, 1))
            elapsed = time.perf_counter() - self.started
            self._write(f"{self.label}  cell {number}/{total} [{'#' * filled}{'.' * (20 - filled)}] {elapsed:.0f} s")

    def finish(self, run):
        if self.stream is not None:
            text = f"{self.label}  {run.status}  {run.seconds:.1f} s"
            if self.live:
                self._write(text, end="\n")
            else:
                self.stream.write(text + "\n")
                self.stream.flush()


def _kernel_environment(extra):
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join([str(_LIBRARY_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(extra or {})
    return env


def _wait_with_usage(process):
    """Waits for `process`; returns its peak RSS in MiB from wait4, or None."""
    if not hasattr(os, "wait4"):
        process.wait()
        return None
    _, wait_status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    return usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)


_CHILD_COMMAND = "import sys; from course_lib.notebooks.execute import _child_main; sys.exit(_child_main(sys.argv[1:]))"


def _run_in_child(path, *, out_dir, cwd, timeout, html, env, progress, cpus=None, memory_limit_mib=None):
    command = [
        sys.executable,
        "-c",
        _CHILD_COMMAND,
        str(path),
        str(out_dir),
        str(cwd),
        repr(float(timeout)),
        "html" if html else "no-html",
    ]
    started = time.perf_counter()
    result = None
    with contextlib.ExitStack() as stack:
        cage = stack.enter_context(MemoryLimit(memory_limit_mib)) if memory_limit_mib is not None else None

        def confine():  # in the child, before it runs: CPUs and cgroup are inherited by the kernel
            if cpus is not None:
                os.sched_setaffinity(0, cpus)
            if cage is not None:
                cage.join()

        log = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace"))
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=_kernel_environment(env),
            preexec_fn=confine if cpus or cage else None,
        )
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("event") == "cell":
                progress.update(message["number"], message["total"])
            elif message.get("event") == "done":
                result = message["result"]
        process.stdout.close()
        process_peak = _wait_with_usage(process)
        if result is None:
            log.seek(0)
            tail = " | ".join(log.read().strip().splitlines()[-5:])
            result = {
                "status": "crashed",
                "seconds": time.perf_counter() - started,
                "cell": None,
                "error": f"the runner exited with code {process.returncode}: {tail}",
            }
        killed = cage.oom_kills() if cage is not None else 0
    peaks = [peak for peak in (process_peak, result.get("kernel_peak_mib")) if peak is not None]
    run = NotebookRun(
        notebook=Path(path),
        status=result["status"],
        seconds=result["seconds"],
        peak_mib=max(peaks) if peaks else None,
        process_peak_mib=process_peak,
        kernel_peak_mib=result.get("kernel_peak_mib"),
        error=result["error"],
        cell=result["cell"],
        executed=Path(result["executed"]) if result.get("executed") else None,
        html=Path(result["html"]) if result.get("html") else None,
        stderr_outputs=result.get("stderr_outputs"),
        longest_cell=result.get("longest_cell"),
        longest_cell_seconds=result.get("longest_cell_seconds"),
        memory_limit=None if cage is None else (cage.method or "peak check"),
    )
    if killed:
        run.status = "failed"
        run.error = (
            f"the {memory_limit_mib:.0f} MiB memory limit ({cage.method}) killed "
            f"{killed} process(es): {run.error or 'the kernel'}"
        )
    elif cage is not None and run.peak_mib is not None and run.peak_mib > memory_limit_mib and run.status == "ok":
        run.status = "failed"
        run.error = (
            f"peak memory {run.peak_mib:.0f} MiB is over the {memory_limit_mib:.0f} MiB "
            f"limit: a session with that much memory would lose its kernel"
        )
    progress.finish(run)
    return run


def _child_main(argv):
    """Entry point of the child process: `path out_dir cwd timeout html|no-html`."""
    path, out_dir, cwd, timeout, html = argv
    # Keep a private copy of stdout for our messages; the kernel inherits fd 1 -> stderr.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def send(message):
        channel.write(json.dumps(message) + "\n")

    result = execute_notebook(
        path,
        out_dir=out_dir,
        cwd=cwd,
        timeout=float(timeout),
        html=html == "html",
        on_cell=lambda number, total: send({"event": "cell", "number": number, "total": total}),
    )
    send({"event": "done", "result": result})
    channel.close()
    return 0


def run_notebooks(
    paths,
    *,
    out_dir=None,
    cwd=None,
    timeout=600.0,
    html=True,
    env=None,
    progress=None,
    cpus=None,
    memory_limit_mib=None,
):
    """Executes notebooks one by one, each in its own child process.

    Each child runs `execute_notebook`, so one notebook's memory does not
    count against the next, and the peak is measured per notebook (see the
    module docstring for how).

    Args:
        paths: notebook paths, run in this order.
        out_dir: folder for the executed `.ipynb` and `.html` files. Defaults to
            `<build dir>/executed`.
        cwd: the kernels' working folder. Defaults to each notebook's folder.
        timeout: seconds allowed per cell (a positive, finite number).
        html: also export HTML.
        env: extra environment variables for the kernels (dict of str).
        progress: a text stream (e.g. `sys.stderr`) for progress, or None. On a
            terminal one line per notebook shows `cell i/n`, rewritten with `\\r`;
            elsewhere one line is printed when each notebook ends.
        cpus: optional positive int: run each notebook on only the first `cpus`
            CPUs this process may use (Linux).
        memory_limit_mib: optional positive number: each notebook's runner and
            kernel share this much memory (a cgroup where one can be made,
            otherwise a check of the peak afterwards; see
            `course_lib.notebooks.limits`). Going over it fails the notebook.

    Returns:
        A list of `NotebookRun`, one per notebook, in order.

    Raises:
        TypeError: if `timeout` is not a number.
        ValueError: if `timeout` is not positive and finite, a notebook does
            not exist, or an executed copy would overwrite its source.

    Example (not a doctest: it starts a kernel per notebook; tests/test_cli.py
    runs it on two small notebooks):

        runs = run_notebooks(find_notebooks(), progress=sys.stderr)
        [(run.notebook.name, run.status, round(run.peak_mib)) for run in runs]
        # [('01_similarity_basics.ipynb', 'ok', 1407)]
    """
    _check_timeout(timeout)
    paths = [Path(path) for path in paths]
    out_dir = Path(out_dir) if out_dir is not None else build_dir() / "executed"
    for path in paths:
        if not path.is_file():
            raise ValueError(f"Expected an existing .ipynb file; {path} does not exist.")
        if (out_dir / f"{path.stem}.ipynb").resolve() == path.resolve():
            raise ValueError(f"Running {path} into {out_dir} would overwrite it; pass another --out folder.")
    allowed = first_cpus(cpus) if cpus is not None else None
    if memory_limit_mib is not None:
        MemoryLimit(memory_limit_mib)  # checks the value before anything runs
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for number, path in enumerate(paths, start=1):
        label = f"[{number}/{len(paths)}] {path.stem}"
        runs.append(
            _run_in_child(
                path.resolve(),
                out_dir=out_dir.resolve(),
                cwd=Path(cwd or path.parent).resolve(),
                timeout=timeout,
                html=html,
                env=env,
                progress=_Progress(progress, label),
                cpus=allowed,
                memory_limit_mib=memory_limit_mib,
            )
        )
    return runs
