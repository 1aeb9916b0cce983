"""Measured run times of the course notebooks, and the headers that state them.

`python -m course_lib run --record` runs the notebooks, writes each one's wall
time and peak memory to `notebooks/run_times.json`, and rewrites the
`**Run time:**` line in the first cell of each notebook from that file, so the
time a learner reads is the time last measured, not one typed by hand. A test
(`tests/test_run_times.py`) fails when a header and the file disagree.

Next to it, the `**Study time:**` line estimates the time a learner needs to read
the notebook and do its exercises, computed from the notebook itself by one rule
(`study_minutes`): every word of the markdown and code cells at
`WORDS_PER_MINUTE`, plus `MINUTES_PER_CODE_EXERCISE` for each coding exercise and
`MINUTES_PER_QUESTION` for each question (exercise cells carry
`{"exercise": "<id>"}` in their metadata; a `course_lib.exercises.core.Question`
is a question), rounded up to 5 minutes. `python -m course_lib headers` rewrites
both lines without running anything; `run --record` rewrites them after a run.
"""

import datetime
import json
import math
import os
import platform
import re
from pathlib import Path

__all__ = [
    "RUN_TIME_PATTERN",
    "STUDY_TIME_PATTERN",
    "WORDS_PER_MINUTE",
    "MINUTES_PER_CODE_EXERCISE",
    "MINUTES_PER_QUESTION",
    "StudyTime",
    "study_time",
    "study_time_line",
    "study_minutes_stated",
    "update_study_time",
    "study_time_table",
    "sync_study_time_table",
    "read_run_times",
    "record_run_times",
    "record_runs",
    "stale_time_lines",
    "study_time_table_is_current",
    "run_time_line",
    "header_seconds",
    "update_header",
]

#: The run-time line of a notebook's first cell, up to the end of its paragraph.
RUN_TIME_PATTERN = re.compile(r"\*\*Run time:\*\*.*?(?=\n\n|\Z)", re.DOTALL)
#: The study-time paragraph of a notebook's first cell.
STUDY_TIME_PATTERN = re.compile(r"\*\*Study time:\*\*.*?(?=\n\n|\Z)", re.DOTALL)
_STUDY_ABOUT = re.compile(r"\*\*Study time:\*\* about (\d+) minutes")
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


def record_runs(runs):
    """`run --record`: stores the runs' times and rewrites each successful notebook's header lines.

    Args:
        runs: `NotebookRun` objects of notebooks from one folder (shipped, not solved).

    Returns:
        A tuple `(path, changed)`: the `run_times.json` written and the stems of the
        notebooks whose header changed.

    Raises:
        ValueError: if the runs come from more than one folder.
    """
    folders = {run.notebook.resolve().parent for run in runs}
    if len(folders) != 1:
        raise ValueError(f"--record takes notebooks from one folder; received {len(folders)} folders.")
    folder = folders.pop()
    path = record_run_times(runs, folder)
    records = read_run_times(folder)
    changed = [
        run.notebook.stem
        for run in runs
        if run.status == "ok" and update_header(run.notebook, records[run.notebook.stem])
    ]
    return path, changed


def stale_time_lines(paths, records):
    """`headers --check`: the notebooks whose run-time or study-time line is not the one the rule writes.

    Args:
        paths: notebook files.
        records: `read_run_times(...)`, by notebook stem (a notebook without a record is
            checked for its study time only).

    Returns:
        The list of paths to rewrite (with `python -m course_lib headers`).
    """
    import nbformat

    stale = []
    for path in paths:
        header = nbformat.read(path, as_version=4).cells[0].source
        record = records.get(Path(path).stem)
        wanted = [study_time_line(study_time(path))] + ([run_time_line(record)] if record else [])
        found = [
            match.group(0)
            for pattern in (STUDY_TIME_PATTERN, RUN_TIME_PATTERN)
            for match in [pattern.search(header)]
            if match
        ]
        if not all(line in found for line in wanted):
            stale.append(path)
    return stale


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
        f"numbers the cells print are the same on every run, on one CPU core or many (each "
        f"operation runs on 2 threads); with other package versions, another processor, or on a "
        f"GPU, trained figures can differ in the last digits."
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
    """Rewrites the run-time line of one notebook from its record, and its study-time line.

    Returns:
        True if the file changed.

    Raises:
        ValueError: if the first cell has no `**Run time:**` line to rewrite.
    """
    import nbformat

    from course_lib.notebooks.files import write_if_changed

    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    if not RUN_TIME_PATTERN.search(first.source):
        raise ValueError(
            f"{path}: expected a '**Run time:**' line in the first cell to rewrite; found none. "
            f"Add one (any text) after the prerequisites."
        )
    first.source = RUN_TIME_PATTERN.sub(lambda _: run_time_line(record), first.source, count=1)
    _write_study_time(nb, path)
    return write_if_changed(nb, path)


# --- study time ---------------------------------------------------------------------------

#: Reading speed for the markdown and code of a notebook.
WORDS_PER_MINUTE = 200
#: Time for one coding exercise: write, check, read a hint, fix.
MINUTES_PER_CODE_EXERCISE = 10
#: Time for one conceptual question: think, answer, read why.
MINUTES_PER_QUESTION = 3
_ROUND_TO = 5


class StudyTime:
    """The parts of a notebook's study-time estimate (see `study_time`).

    Attributes:
        words: words in the markdown and code cells, header time lines left out.
        code_exercises: number of coding exercises.
        questions: number of question exercises.
        minutes: the estimate, rounded up to 5 minutes.
    """

    def __init__(self, words, code_exercises, questions):
        self.words = words
        self.code_exercises = code_exercises
        self.questions = questions
        raw = words / WORDS_PER_MINUTE + code_exercises * MINUTES_PER_CODE_EXERCISE + questions * MINUTES_PER_QUESTION
        self.minutes = max(_ROUND_TO, _ROUND_TO * math.ceil(round(raw, 6) / _ROUND_TO))

    def __repr__(self):
        return (
            f"StudyTime(words={self.words}, code_exercises={self.code_exercises}, "
            f"questions={self.questions}, minutes={self.minutes})"
        )


def _is_question(exercise_id):
    from course_lib.exercises import get_exercise
    from course_lib.exercises.core import Question

    return isinstance(get_exercise(exercise_id), Question)


def _study_time_of(nb):
    words, code, questions = 0, 0, 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type not in ("markdown", "code"):
            continue
        text = cell.source
        if index == 0:  # the time lines describe the notebook; they are not part of it
            text = STUDY_TIME_PATTERN.sub("", RUN_TIME_PATTERN.sub("", text))
        words += len(text.split())
        exercise_id = cell.metadata.get("exercise")
        if exercise_id:
            if _is_question(exercise_id):
                questions += 1
            else:
                code += 1
    return StudyTime(words, code, questions)


def study_time(path):
    """The study-time estimate of one notebook, by the rule in this module's docstring.

    Args:
        path: a notebook file.

    Returns:
        A `StudyTime` with `words`, `code_exercises`, `questions` and `minutes`.

    Raises:
        KeyError: if an exercise cell names an exercise `course_lib.exercises` lacks.
    """
    import nbformat

    return _study_time_of(nbformat.read(path, as_version=4))


def study_time_line(estimate):
    """The header line for a `StudyTime`.

    Example:

    >>> study_time_line(StudyTime(words=5000, code_exercises=4, questions=1))
    '**Study time:** about 70 minutes to read it and do the exercises (200 words a minute, 10 minutes per coding exercise, 3 per question).'
    >>> study_time_line(StudyTime(words=1000, code_exercises=0, questions=0))
    '**Study time:** about 5 minutes to read it (200 words a minute).'
    """
    if estimate.code_exercises + estimate.questions == 0:
        return f"**Study time:** about {estimate.minutes} minutes to read it ({WORDS_PER_MINUTE} words a minute)."
    return (
        f"**Study time:** about {estimate.minutes} minutes to read it and do the exercises "
        f"({WORDS_PER_MINUTE} words a minute, {MINUTES_PER_CODE_EXERCISE} minutes per coding "
        f"exercise, {MINUTES_PER_QUESTION} per question)."
    )


def study_minutes_stated(header):
    """The study time a header states, in minutes, or None if it states none.

    >>> study_minutes_stated("**Study time:** about 45 minutes to read it")
    45
    """
    match = _STUDY_ABOUT.search(header)
    return None if match is None else int(match.group(1))


def _write_study_time(nb, path):
    """Puts the study-time line in the first cell: rewritten in place, or added after the run time."""
    first = nb.cells[0]
    match = RUN_TIME_PATTERN.search(first.source)
    if match is None:
        raise ValueError(
            f"{path}: expected a '**Run time:**' line in the first cell, after which the study "
            f"time goes; found none. Add one (any text) after the prerequisites."
        )
    # The estimate leaves the time lines out, so it is the same before and after the rewrite.
    line = study_time_line(_study_time_of(nb))
    if STUDY_TIME_PATTERN.search(first.source):
        first.source = STUDY_TIME_PATTERN.sub(lambda _: line, first.source, count=1)
    else:
        end = match.end()
        first.source = first.source[:end] + "\n\n" + line + first.source[end:]


def update_study_time(path):
    """Rewrites (or adds) the study-time line of one notebook, without running it.

    Returns:
        True if the file changed.

    Raises:
        ValueError: if the first cell has no `**Run time:**` line to put it after.
    """
    import nbformat

    from course_lib.notebooks.files import write_if_changed

    nb = nbformat.read(path, as_version=4)
    _write_study_time(nb, path)
    return write_if_changed(nb, path)


def study_time_table(paths, records):
    """A Markdown table of run time and study time per notebook, for the instructor guide.

    Args:
        paths: notebook files, in course order.
        records: `read_run_times(...)`, by notebook stem.

    Returns:
        The table as text: notebook, run time, words, coding exercises,
        questions, study minutes; then a total row.
    """
    lines = [
        "| notebook | run time (CPU) | words | coding exercises | questions | study time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    total_seconds, total_minutes = 0.0, 0
    for path in paths:
        path = Path(path)
        estimate = study_time(path)
        record = records.get(path.stem)
        run = _rounded(record["seconds"]) if record else "not measured"
        total_seconds += record["seconds"] if record else 0.0
        total_minutes += estimate.minutes
        lines.append(
            f"| {path.stem} | {run} | {estimate.words:,} | {estimate.code_exercises} | "
            f"{estimate.questions} | {estimate.minutes} min |"
        )
    lines.append(f"| **all** | {_rounded(total_seconds)} | | | | {total_minutes} min |")
    return "\n".join(lines)


def study_time_table_is_current(guide, paths, records):
    """True if the Markdown file `guide` holds the study-time table of `paths` as `study_time_table` writes it."""
    return study_time_table(paths, records) in Path(guide).read_text(encoding="utf-8")


def sync_study_time_table(guide, paths, records):
    """Rewrites the table between the study-time-table markers of a Markdown file.

    Args:
        guide: the Markdown file (the instructor guide, `docs/instructors.md`).
        paths, records: as `study_time_table`.

    Returns:
        True if the file changed; False if it was current or has no markers.
    """
    from course_lib.notebooks.files import sync_generated_block

    return sync_generated_block(guide, "study-time-table", study_time_table(paths, records))
