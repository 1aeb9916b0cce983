"""Measured run times of the course notebooks, and the headers that state them.

`python -m course_lib run --record` runs the notebooks, writes each one's wall
time and peak memory to `notebooks/run_times.json`, and rewrites the
`**Run time:**` line in the first cell of each notebook from that file, so the
time a learner reads is the time last measured, not one typed by hand. A test
(`tests/test_run_times.py`) fails when a header and the file disagree.
"""

import datetime
import json
import os
import platform
import re
from pathlib import Path

__all__ = [
    "RUN_TIME_PATTERN",
    "read_run_times",
    "record_run_times",
    "run_time_line",
    "header_seconds",
    "update_header",
]

#: The run-time line of a notebook's first cell, up to the end of its paragraph.
RUN_TIME_PATTERN = re.compile(r"\*\*Run time:\*\*.*?(?=\n\n|\Z)", re.DOTALL)
_ABOUT = re.compile(r"\*\*Run time:\*\* about (\d+(?:\.\d+)?) (seconds|minutes?)")


def _file(notebooks_dir):
    return Path(notebooks_dir) / "run_times.json"


def read_run_times(notebooks_dir):
    """Returns `{notebook stem: record}` from `run_times.json`, or `{}` if there is none.

    Each record holds `seconds`, `peak_mib`, `cpu_count`, `machine` and `date`.
    """
    path = _file(notebooks_dir)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_run_times(runs, notebooks_dir):
    """Stores the successful runs' times in `run_times.json`, keeping the other notebooks'.

    Args:
        runs: `NotebookRun` objects (from `run_notebooks`); failed runs are skipped.
        notebooks_dir: the folder of the notebooks (and of `run_times.json`).

    Returns:
        The path of the file written.
    """
    records = read_run_times(notebooks_dir)
    today = datetime.date.today().isoformat()
    for run in runs:
        if run.status != "ok":
            continue
        records[run.notebook.stem] = {
            "seconds": round(run.seconds, 1),
            "peak_mib": round(run.peak_mib) if run.peak_mib is not None else None,
            "cpu_count": os.cpu_count(),
            "machine": platform.machine(),
            "date": today,
        }
    path = _file(notebooks_dir)
    path.write_text(json.dumps(dict(sorted(records.items())), indent=1) + "\n", encoding="utf-8")
    return path


def _rounded(seconds):
    """A learner-friendly figure: 5-second steps under 2 minutes, then half minutes."""
    if seconds < 120:
        return f"{max(5, 5 * round(seconds / 5))} seconds"
    minutes = round(seconds / 30) / 2
    return f"{minutes:g} minutes"


def run_time_line(record):
    """The header line for one notebook's record (see `record_run_times`).

    Example:

    >>> run_time_line({"seconds": 83.2, "cpu_count": 2, "date": "2026-12-01"})  # doctest: +ELLIPSIS
    '**Run time:** about 85 seconds on 2 CPU cores (measured with `python -m course_lib run`...'
    """
    cores = record.get("cpu_count") or "?"
    return (
        f"**Run time:** about {_rounded(record['seconds'])} on {cores} CPU cores (measured with "
        f"`python -m course_lib run` on {record['date']}). Times vary with the machine; the "
        f"numbers the cells print are the same on every CPU run, and differ slightly on a GPU."
    )


def header_seconds(header):
    """The run time stated by a header, in seconds, or None if it states none.

    >>> header_seconds("**Run time:** about 1.5 minutes on 2 CPU cores")
    90.0
    """
    match = _ABOUT.search(header)
    if match is None:
        return None
    value = float(match.group(1))
    return value * 60 if match.group(2).startswith("minute") else value


def update_header(path, record):
    """Rewrites the run-time line of one notebook from its record.

    Returns:
        True if the file changed.

    Raises:
        ValueError: if the first cell has no `**Run time:**` line to rewrite.
    """
    import nbformat

    from course_lib.notebooks.files import _write_if_changed

    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    if not RUN_TIME_PATTERN.search(first.source):
        raise ValueError(
            f"{path}: expected a '**Run time:**' line in the first cell to rewrite; found none. "
            f"Add one (any text) after the prerequisites."
        )
    first.source = RUN_TIME_PATTERN.sub(lambda _: run_time_line(record), first.source, count=1)
    return _write_if_changed(nb, path)
