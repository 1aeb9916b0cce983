"""Runs notebooks one by one, each in its own child process, with wall time and peak memory.

`run_notebooks` starts a child process per notebook that runs `execute_notebook`
(`course_lib.notebooks.execute`), optionally pinned to fewer CPUs and inside a memory
cgroup (`course_lib.notebooks.limits`), and reports each run as a `NotebookRun`.
"""

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_lib.notebooks.execute import check_timeout, execute_notebook
from course_lib.notebooks.limits import MemoryLimit, first_cpus
from course_lib.paths import build_dir
from course_lib.peak_memory import ru_maxrss_mib

__all__ = ["NotebookRun", "run_notebooks"]

_LIBRARY_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds course_lib/


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
    return ru_maxrss_mib(usage.ru_maxrss)


_CHILD_COMMAND = "import sys; from course_lib.notebooks.runner import _child_main; sys.exit(_child_main(sys.argv[1:]))"


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
            f"limit: a session with that much memory would lose its kernel{_jax_note()}"
        )
    progress.finish(run)
    return run


def _jax_note():
    """Why peaks may be higher here than on Binder: TensorFlow imports JAX when it is installed."""
    import importlib.util

    if importlib.util.find_spec("jax") is None:
        return ""
    return (
        " (this environment has JAX installed, which TensorFlow imports at start-up: about 250 MiB "
        "more per kernel than Binder's environment, which has none; measure in one without JAX, "
        "as `make setup` makes it)"
    )


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
    check_timeout(timeout)
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
