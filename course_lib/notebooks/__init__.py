"""Finds, cleans, solves and executes the course notebooks.

The functions behind `python -m course_lib clean | solve | run` (see
`course_lib.cli`), usable from tests too:

- `find_notebooks` / `resolve_notebooks`: the course notebooks (`NN_name.ipynb`), in
  course order, or those a command line names (paths, stems, prefixes).
- `strip_outputs` / `clean_notebook` / `notebook_problems`: notebook hygiene.
  Notebooks are committed without outputs, execution counts or volatile
  metadata, with the course's `deep-similarity` kernelspec.
- `solve_notebook` / `solve_notebooks`: copies with every exercise cell (a code
  cell whose metadata has `"exercise": "<id>"`) replaced by the solution from
  `course_lib.exercises.get_exercise(id).solution_code`.
- `execute_notebook` (`execute.py`): runs one notebook headless, in this process.
- `run_notebooks` (`runner.py`): runs each notebook in its own child process and
  measures its wall time and peak memory, under optional limits (`limits.py`).
- `record_run_times` / `read_run_times` / `update_header` / `record_runs`: the
  measured times in `notebooks/run_times.json`, and the `**Run time:**` line of each
  header (`run_times.py`, which also checks and writes the study-time lines).
- `limits.py`: a run's limits (Binder's preset, CPUs, a memory cgroup) and its time
  budgets.

Peak memory (`NotebookRun.peak_mib`) is the larger of two measurements:

1. the child process's `ru_maxrss` from `os.wait4` (POSIX). Linux reports the
   peak of the child and of the descendants it has waited for, i.e. the
   kernel, which the child shuts down and reaps. It is a maximum over
   processes, not a sum;
2. the kernel's own peak resident set size, read after each code cell while
   the kernel runs (`course_lib.peak_memory.peak_resident_mib`): `VmHWM` from
   `/proc/<pid>/status` on Linux, `peak_wset` from psutil on Windows, otherwise
   the largest RSS that psutil saw after each cell.

The kernel is the current environment's `python3` kernel, started in the
notebook's folder with `TF_CPP_MIN_LOG_LEVEL=2` (unless already set) and this
`course_lib` on `PYTHONPATH`.
"""

from course_lib.notebooks.execute import execute_notebook
from course_lib.notebooks.files import (
    NOTEBOOK_PATTERN,
    clean_notebook,
    find_notebooks,
    notebook_problems,
    resolve_notebooks,
    strip_outputs,
)
from course_lib.notebooks.run_times import read_run_times, record_run_times, record_runs, update_header
from course_lib.notebooks.runner import NotebookRun, run_notebooks
from course_lib.notebooks.solve import solve_notebook, solve_notebooks

__all__ = [
    "NOTEBOOK_PATTERN",
    "NotebookRun",
    "find_notebooks",
    "resolve_notebooks",
    "strip_outputs",
    "clean_notebook",
    "notebook_problems",
    "read_run_times",
    "record_run_times",
    "record_runs",
    "update_header",
    "solve_notebook",
    "solve_notebooks",
    "execute_notebook",
    "run_notebooks",
]
