"""Running notebooks under a smaller machine's limits: fewer CPUs, a memory ceiling.

A Binder session has 1 CPU and 2 GiB of memory, and its kernel is killed above
that. `python -m course_lib run --binder` reproduces both on Linux:

- CPUs: the runner and its kernel are pinned to the first `n` CPUs this
  process may use (`first_cpus`, then `os.sched_setaffinity` in the child);
  TensorFlow sizes its thread pools from that set.
- Memory: a memory cgroup with the limit and no swap holds the runner and its
  kernel, as Binder's container does (the kernel is killed when they exceed
  it). That needs write access to the cgroup file system (root, or a
  delegated cgroup); where there is none, `MemoryLimit.method` is None and the
  runner falls back to comparing the kernel's peak resident memory with the
  limit after each notebook, which catches the same notebooks but kills none.
"""

import os
from pathlib import Path

__all__ = ["BINDER_LIMITS", "MemoryLimit", "check_budgets", "first_cpus", "run_limits", "total_over_budget"]

#: A Binder session's limits: 1 CPU and 2 GiB of memory (`memory`, MiB); each notebook under
#: 4 minutes (`notebook`, seconds), each cell under 90 seconds (`cell`), the course under 20
#: minutes (`total`).
BINDER_LIMITS = {"cpus": 1, "memory": 2048.0, "notebook": 240.0, "cell": 90.0, "total": 1200.0}


def run_limits(*, binder=False, cpus=None, memory=None, notebook=None, cell=None, total=None):
    """The limits of a run (`python -m course_lib run`): the values given, else Binder's with `binder`.

    Args:
        binder: start from `BINDER_LIMITS`; a value given explicitly wins.
        cpus: CPUs per notebook, or None for all.
        memory: MiB of memory per notebook (runner and kernel), or None.
        notebook: seconds a notebook may take, or None.
        cell: seconds its slowest cell may take, or None.
        total: seconds all the notebooks together may take, or None.

    Returns:
        A dict with the keys `cpus`, `memory`, `notebook`, `cell` and `total`.

    Example:

    >>> run_limits(binder=True, notebook=300.0)
    {'cpus': 1, 'memory': 2048.0, 'notebook': 300.0, 'cell': 90.0, 'total': 1200.0}
    """
    preset = BINDER_LIMITS if binder else {}
    chosen = {"cpus": cpus, "memory": memory, "notebook": notebook, "cell": cell, "total": total}
    return {key: value if value is not None else preset.get(key) for key, value in chosen.items()}


def check_budgets(runs, limits):
    """Marks the runs that wrote to stderr or went over a time budget as failed, in place.

    A successful run becomes `"stderr"` when a cell output went to stderr (a red box in
    Jupyter), or `"slow"` when the notebook or its slowest cell took longer than
    `limits["notebook"]` or `limits["cell"]` seconds; `error` says which and by how much.

    Args:
        runs: `NotebookRun` objects from `run_notebooks`.
        limits: a dict from `run_limits`.
    """
    for run in runs:
        if run.status != "ok":
            continue
        if run.stderr_outputs:
            run.status, run.error = (
                "stderr",
                f"{run.stderr_outputs} cell output(s) on stderr (red boxes in Jupyter); see {run.executed}",
            )
        elif limits["notebook"] is not None and run.seconds > limits["notebook"]:
            run.status, run.error = (
                "slow",
                f"{run.seconds:.0f} s, over the {limits['notebook']:.0f} s budget per notebook",
            )
        elif (
            limits["cell"] is not None
            and run.longest_cell_seconds is not None
            and run.longest_cell_seconds > limits["cell"]
        ):
            run.status, run.error = (
                "slow",
                f"cell {run.longest_cell} took {run.longest_cell_seconds:.0f} s, over the "
                f"{limits['cell']:.0f} s budget per cell",
            )


def total_over_budget(runs, limits):
    """The sentence saying that all the runs together took longer than `limits["total"]`, or None."""
    total = sum(run.seconds for run in runs)
    if limits["total"] is None or total <= limits["total"]:
        return None
    return f"The notebooks took {total:.0f} s in all, over the {limits['total']:.0f} s budget."


def first_cpus(count):
    """The first `count` CPUs this process may use, to pin a child process to.

    Args:
        count: positive int, at most the number of CPUs this process may use.

    Returns:
        A sorted list of `count` CPU numbers, for `os.sched_setaffinity`.

    Raises:
        ValueError: if `count` is not a positive int, exceeds the CPUs
            available, or the platform cannot pin processes (not Linux).
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"Expected a positive int number of CPUs; received {count!r}.")
    if not hasattr(os, "sched_getaffinity"):
        raise ValueError("Pinning to CPUs needs Linux (os.sched_setaffinity); leave out the CPU count here.")
    allowed = sorted(os.sched_getaffinity(0))
    if count > len(allowed):
        raise ValueError(f"Expected at most {len(allowed)} CPUs (the ones this process may use); received {count}.")
    return allowed[:count]


def _own_cgroup(controller):
    """(version, folder) of this process's cgroup for `controller`, or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            for mount in mounts:
                fields = mount.split()
                if fields[2] == "cgroup" and controller in fields[3].split(","):
                    return 1, Path(fields[1]) / path.lstrip("/")
    for line in lines:
        if line.startswith("0::"):
            for mount in mounts:
                fields = mount.split()
                if fields[2] == "cgroup2":
                    folder = Path(fields[1]) / line[3:].lstrip("/")
                    if controller in (folder / "cgroup.controllers").read_text().split():
                        return 2, folder
    return None


class MemoryLimit:
    """A memory cgroup for the processes started inside it, removed on exit.

    Use as a context manager; pass `join` as `preexec_fn` of `subprocess.Popen`
    so that the child (and everything it starts) lives in the cgroup.

    Args:
        limit_mib: positive number, the ceiling in MiB.

    Attributes:
        method: `"cgroup v1"` or `"cgroup v2"` once entered, or None when no
            cgroup could be made (the caller then checks peaks itself).

    Raises:
        ValueError: if `limit_mib` is not a positive number.
    """

    def __init__(self, limit_mib):
        if isinstance(limit_mib, bool) or not isinstance(limit_mib, (int, float)) or limit_mib <= 0:
            raise ValueError(f"Expected a positive memory limit in MiB; received {limit_mib!r}.")
        self.limit_mib = limit_mib
        self.method = None
        self._folder = None
        self._procs = None

    def __enter__(self):
        found = _own_cgroup("memory")
        if found is None:
            return self
        version, parent = found
        folder = parent / f"course-limit-{os.getpid()}"
        limit = str(int(self.limit_mib * 2**20))
        try:
            folder.mkdir()
            if version == 1:
                (folder / "memory.limit_in_bytes").write_text(limit)
                if (folder / "memory.memsw.limit_in_bytes").exists():  # no swap either
                    (folder / "memory.memsw.limit_in_bytes").write_text(limit)
                (folder / "memory.swappiness").write_text("0")
            else:
                (folder / "memory.max").write_text(limit)
                if (folder / "memory.swap.max").exists():
                    (folder / "memory.swap.max").write_text("0")
        except OSError:
            if folder.is_dir():
                folder.rmdir()
            return self
        self.method, self._folder, self._procs = f"cgroup v{version}", folder, folder / "cgroup.procs"
        return self

    def join(self):
        """Moves the calling process into the cgroup (no-op without one); for `preexec_fn`."""
        if self._procs is not None:
            with open(self._procs, "w", encoding="ascii") as handle:
                handle.write(str(os.getpid()))

    def oom_kills(self):
        """How many processes the cgroup's limit has killed so far (0 without a cgroup)."""
        if self._folder is None:
            return 0
        name = "memory.oom_control" if self.method == "cgroup v1" else "memory.events"
        try:
            for line in (self._folder / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def __exit__(self, *exc_info):
        if self._folder is not None:
            try:
                self._folder.rmdir()  # empty once its processes have exited
            except OSError:
                pass
        return False
