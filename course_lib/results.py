"""Saves and reads the retrieval results that the notebooks measure.

Each notebook that measures something ends by saving one table of rows with
`save_results("<notebook stem>", rows)`; the capstone notebook reads them all
back with `load_results()` and compares the methods side by side.

File format (`deep-similarity-results/2`), one JSON file per notebook at
`<build dir>/results/<notebook>.json` (the build dir is `build/` at the
repository root, or `COURSE_BUILD_DIR`), pretty-printed with sorted keys:

```
{
  "course_lib_version": "0.1.0",
  "created": "2026-11-21T12:00:00Z",          # ISO-8601, UTC
  "format": "deep-similarity-results/2",
  "notebook": "03_cnn_metric_learning",        # the notebook's file stem
  "rows": [
    {
      "method": "siamese (contrastive)",        # str, required
      "dataset": "fashion_mnist",               # str, required
      "protocol": "test leave-one-out",         # one of PROTOCOLS, required
      "baseline": false,                        # bool, required: true = not learned
      "R@1": 0.81, "R@5": 0.95, "R@10": 0.97,   # the protocol's metrics, floats in
      "MAP@R": 0.52,                            #   [0, 1], required (PROTOCOL_METRICS)
      "train_seconds": 41.3,                    # float >= 0, required (0 for baselines)
      "EER": 0.12,                              # other metrics of METRIC_KEYS, optional
      "notes": "margin=0.5"                     # str, optional
    }
  ]
}
```

Which metrics a row must hold depends on how it was measured, its protocol;
any other metric of `METRIC_KEYS` may be added. No other key is allowed in a
row, so a typo fails when the notebook saves, not when the capstone reads.
The protocols, with their required metrics (`PROTOCOL_METRICS`):

- `"test leave-one-out"`: each test item is searched against the rest of the
  test set; R@1, R@5, R@10 and MAP@R, as `course_lib.metrics.evaluate_retrieval`
  returns them with its default `ks=(1, 5, 10)`;
- `"test->train"`: test items are the queries, the training set is the index;
  the same metrics;
- `"held-out classes leave-one-out"`: as the first, restricted to classes never
  seen in training; the same metrics;
- `"test, one answer per query"`: each test query has one right answer among
  the test items (a definition's word, a sentence's definition); MRR, R@1 and
  R@10, as `course_lib.rank_metrics.ranking_scores` returns them;
- `"leave-last-out"`: each user's last interaction is the test item, ranked
  against every item the user has not met in training; R@10 (the hit rate,
  or recall@10), NDCG@10 and MRR.

Files of the earlier format, `deep-similarity-results/1` (the first three
protocols only), are read as they are.
"""

import datetime
import json
import math
import numbers
import os
import tempfile
from pathlib import Path

import numpy as np

from course_lib._validation import check_choice
from course_lib.paths import build_dir
from course_lib.tables import format_table
from course_lib.versions import course_lib_version

__all__ = [
    "FORMAT",
    "METRIC_KEYS",
    "PROTOCOLS",
    "PROTOCOL_METRICS",
    "save_results",
    "load_results",
    "results_table",
]

FORMAT = "deep-similarity-results/2"
_READABLE_FORMATS = ("deep-similarity-results/1", FORMAT)

_LABEL_METRICS = ("R@1", "R@5", "R@10", "MAP@R")
#: Each protocol and the metrics a row measured under it must hold.
PROTOCOL_METRICS = {
    "test leave-one-out": _LABEL_METRICS,
    "test->train": _LABEL_METRICS,
    "held-out classes leave-one-out": _LABEL_METRICS,
    "test, one answer per query": ("MRR", "R@1", "R@10"),
    "leave-last-out": ("R@10", "NDCG@10", "MRR"),
}
PROTOCOLS = tuple(PROTOCOL_METRICS)
#: Every metric a row may hold, in the order tables show them: fractions in [0, 1].
METRIC_KEYS = ("R@1", "R@5", "R@10", "MAP@R", "MRR", "NDCG@10", "EER", "coverage@10")

_ROW_KEYS = ("method", "dataset", "protocol", "baseline", "train_seconds")
_ALLOWED_KEYS = _ROW_KEYS + METRIC_KEYS + ("notes",)


def _results_folder(results_dir):
    return Path(results_dir).expanduser() if results_dir is not None else build_dir() / "results"


def _check_notebook_name(notebook):
    if not isinstance(notebook, str):
        raise TypeError(
            f"`notebook` must be the notebook's file stem as a str, e.g. "
            f"'01_similarity_basics'; received {type(notebook).__name__} {notebook!r}."
        )
    if not notebook.strip() or notebook != notebook.strip():
        raise ValueError(
            f"`notebook` must be a non-empty file stem without surrounding spaces, e.g. "
            f"'01_similarity_basics'; received {notebook!r}."
        )
    _check_text(notebook, "`notebook`")
    separators = {"/", "\\", os.sep, os.altsep} - {None}
    if any(separator in notebook for separator in separators) or notebook.startswith("."):
        raise ValueError(
            f"`notebook` must be a bare file stem such as '01_similarity_basics', without "
            f"folders, path separators or a leading dot; received {notebook!r}. Pass the "
            f"folder as `results_dir=` and the name as Path(path).stem."
        )
    if notebook.endswith((".ipynb", ".json")):
        raise ValueError(
            f"`notebook` must be the stem without an extension; received {notebook!r}. "
            f"Use {notebook.rsplit('.', 1)[0]!r}."
        )


def _check_text(text, what):
    """Raises unless `text` can be written to a file name and to UTF-8 JSON: no control character
    (NUL included) and no lone surrogate (a half of a UTF-16 pair, e.g. from a bad decode)."""
    bad = [character for character in text if ord(character) < 32 or 0xD800 <= ord(character) <= 0xDFFF]
    if bad:
        raise ValueError(
            f"{what} must be printable text; received {text!r}, which holds {bad[0]!r} (a control "
            f"character or a lone surrogate). Remove it, e.g. with str.isprintable() to find it."
        )


def _check_number(value, where, key):
    """Returns `value` as a Python float, checking its type and range."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: {key!r} must be a number; received {type(value).__name__} {value!r}. "
            f"Pass the float returned by course_lib.metrics.evaluate_retrieval (or time.time() "
            f"differences for 'train_seconds')."
        )
    number = float(value)
    if key == "train_seconds":
        if not (math.isfinite(number) and number >= 0.0):
            raise ValueError(
                f"{where}: 'train_seconds' must be a finite number >= 0 (0 for baselines); received {number!r}."
            )
    elif not 0.0 <= number <= 1.0:  # also rejects NaN
        raise ValueError(
            f"{where}: {key!r} must be a fraction in [0, 1]; received {number!r}. "
            f"If it is a percentage, divide it by 100."
        )
    return number


def _check_row(row, index, *, extra_keys=()):
    """Validates one result row and returns a clean copy with Python types."""
    where = f"rows[{index}]"
    if not isinstance(row, dict):
        raise TypeError(
            f"{where} must be a dict with keys {', '.join(_ROW_KEYS)} and the protocol's metrics; "
            f"received {type(row).__name__}."
        )
    unknown = sorted(set(row) - set(_ALLOWED_KEYS) - set(extra_keys), key=str)
    if unknown:
        raise ValueError(
            f"{where} has unknown key(s) {', '.join(map(repr, unknown))}. Allowed keys: "
            f"{', '.join(_ROW_KEYS)} (required), the metrics {', '.join(METRIC_KEYS)} (those of "
            f"the row's protocol required) and 'notes'; put anything else in 'notes'."
        )
    missing = [key for key in _ROW_KEYS if key not in row]
    if missing:
        raise ValueError(
            f"{where} is missing required key(s) {', '.join(map(repr, missing))}; received "
            f"keys {', '.join(map(repr, row))}. A row needs {', '.join(_ROW_KEYS)} and the "
            f"metrics of its protocol."
        )
    clean = {}
    for key in ("method", "dataset") + (("notes",) if "notes" in row else ()):
        if not isinstance(row[key], str):
            raise TypeError(f"{where}: {key!r} must be a str; received {type(row[key]).__name__} {row[key]!r}.")
        if key != "notes" and not row[key].strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty str; received {row[key]!r}.")
        _check_text(row[key].replace("\n", " ").replace("\t", " "), f"{where}: {key!r}")
        clean[key] = row[key]
    clean["protocol"] = check_choice(row["protocol"], f"{where}['protocol']", PROTOCOLS)
    required = PROTOCOL_METRICS[clean["protocol"]]
    missing = [key for key in required if key not in row]
    if missing:
        raise ValueError(
            f"{where} is missing the metric(s) {', '.join(map(repr, missing))} that protocol "
            f"{clean['protocol']!r} requires ({', '.join(required)}); received keys "
            f"{', '.join(map(repr, row))}."
        )
    if not isinstance(row["baseline"], (bool, np.bool_)):
        raise TypeError(
            f"{where}: 'baseline' must be True (a method that learns nothing) or False; "
            f"received {type(row['baseline']).__name__} {row['baseline']!r}."
        )
    clean["baseline"] = bool(row["baseline"])
    for key in ("train_seconds", *(key for key in METRIC_KEYS if key in row)):
        clean[key] = _check_number(row[key], where, key)
    for key in extra_keys:
        if key in row:
            clean[key] = row[key]
    return clean


def _check_rows(rows):
    if isinstance(rows, dict):
        raise TypeError("`rows` must be a list of dicts; received a single dict. Wrap it: [row].")
    if not isinstance(rows, (list, tuple)):
        raise TypeError(f"`rows` must be a list of dicts; received {type(rows).__name__}.")
    if not rows:
        raise ValueError("`rows` is empty; pass at least one result row to save.")
    clean_rows = [_check_row(row, index) for index, row in enumerate(rows)]
    seen = {}
    for index, row in enumerate(clean_rows):
        key = (row["method"], row["dataset"], row["protocol"])
        if key in seen:
            raise ValueError(
                f"rows[{seen[key]}] and rows[{index}] both report method {key[0]!r} on "
                f"dataset {key[1]!r} under protocol {key[2]!r}. Give each variant its own "
                f"method name, e.g. {key[0] + ' (margin=0.5)'!r}."
            )
        seen[key] = index
    return clean_rows


def save_results(notebook, rows, *, results_dir=None):
    """Validates result rows and writes them as the notebook's results file.

    The file is `<results_dir>/<notebook>.json` (see the module docstring for
    the format). It is written atomically: a temporary file in the same folder
    is renamed over the old one, so a reader never sees half a file. Saving
    again replaces the notebook's previous results.

    Args:
        notebook: the notebook's file stem, e.g. `"03_siamese_contrastive"`.
        rows: list of dicts, one per (method, dataset, protocol), with keys
            `method`, `dataset`, `protocol` (one of `PROTOCOLS`), `baseline`,
            `train_seconds`, the metrics the protocol requires
            (`PROTOCOL_METRICS`; for the first three `R@1`, `R@5`, `R@10`,
            `MAP@R`), optionally any other of `METRIC_KEYS` (such as `EER`),
            and `notes`. NumPy scalars are converted to Python floats.
        results_dir: folder to write to. Defaults to `<build dir>/results`.

    Returns:
        The `pathlib.Path` of the written file.

    Raises:
        TypeError: if a value has the wrong type (a metric that is not a
            number, a `baseline` that is not a bool, ...).
        ValueError: for a bad notebook name (a path, an extension, a control
            character or a lone surrogate), an empty `rows`, a missing or
            unknown key, a text that cannot be written (a lone surrogate), an
            unknown protocol, a metric outside [0, 1], a negative
            `train_seconds`, or two rows for the same method, dataset and
            protocol. The message names the row index and the key.

    Example:

    >>> import tempfile
    >>> row = {"method": "cosine on pixels", "dataset": "fashion_mnist",
    ...        "protocol": "test leave-one-out", "baseline": True, "R@1": 0.71,
    ...        "R@5": 0.9, "R@10": 0.94, "MAP@R": 0.35, "train_seconds": 0.0}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_results("01_similarity_basics", [row], results_dir=folder)
    ...     print(path.name)
    01_similarity_basics.json
    """
    _check_notebook_name(notebook)
    clean_rows = _check_rows(rows)
    payload = {
        "format": FORMAT,
        "notebook": notebook,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "course_lib_version": course_lib_version(),
        "rows": clean_rows,
    }
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    folder = _results_folder(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.json"
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, prefix=f".{notebook}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return path


def _read_results_file(path):
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{path}: cannot be read as JSON ({error}). Delete it, or re-run the notebook "
            f"{path.stem}.ipynb to write it again."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") not in _READABLE_FORMATS:
        received = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(
            f'{path}: expected a results file with "format": {FORMAT!r}; received '
            f"{received!r}. Delete it, or re-run {path.stem}.ipynb with this course_lib."
        )
    notebook = payload.get("notebook")
    try:
        _check_notebook_name(notebook)
        rows = _check_rows(payload.get("rows"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None
    return [{**row, "notebook": notebook} for row in rows]


def load_results(*, results_dir=None):
    """Reads every notebook's saved results, in file-name (course) order.

    Args:
        results_dir: folder to read. Defaults to `<build dir>/results`.

    Returns:
        A list of row dicts as documented in the module docstring, each with
        an extra key `"notebook"`: the stem of the notebook that saved it. An
        empty list when the folder does not exist yet.

    Raises:
        ValueError: if a file is not valid JSON, has another format, or holds
            an invalid row; the message names the file.

    Example:

    >>> import tempfile
    >>> row = {"method": "cosine on pixels", "dataset": "fashion_mnist",
    ...        "protocol": "test->train", "baseline": True, "R@1": 0.7,
    ...        "R@5": 0.9, "R@10": 0.95, "MAP@R": 0.4, "train_seconds": 0}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(load_results(results_dir=folder))
    ...     _ = save_results("01_similarity_basics", [row], results_dir=folder)
    ...     rows = load_results(results_dir=folder)
    []
    >>> [(r["notebook"], r["method"], r["R@1"]) for r in rows]
    [('01_similarity_basics', 'cosine on pixels', 0.7)]
    """
    folder = _results_folder(results_dir)
    if not folder.is_dir():
        return []
    rows = []
    for path in sorted(folder.glob("*.json")):
        rows.extend(_read_results_file(path))
    return rows


def results_table(rows):
    """Formats result rows as an aligned plain-text table.

    Columns: method, dataset, protocol, every metric of `METRIC_KEYS` that at
    least one row holds (`-` for the rows without it), and training seconds.
    Metrics show 3 decimals, seconds 1.

    Args:
        rows: list of row dicts, as passed to `save_results` or returned by
            `load_results`.

    Returns:
        The table as a `str` (print it). `"(no results)"` for an empty list.

    Raises:
        TypeError, ValueError: if a row is invalid (as in `save_results`).

    Example:

    >>> row = {"method": "cosine on pixels", "dataset": "digits",
    ...        "protocol": "test leave-one-out", "baseline": True, "R@1": 0.9712,
    ...        "R@5": 0.99, "R@10": 1.0, "MAP@R": 0.75, "train_seconds": 0.0}
    >>> print(results_table([row]))
    method            dataset  protocol              R@1    R@5   R@10  MAP@R  train s
    ----------------  -------  ------------------  -----  -----  -----  -----  -------
    cosine on pixels  digits   test leave-one-out  0.971  0.990  1.000  0.750      0.0
    """
    if isinstance(rows, dict):
        raise TypeError("`rows` must be a list of dicts; received a single dict. Wrap it: [row].")
    rows = [_check_row(row, index, extra_keys=("notebook",)) for index, row in enumerate(rows)]
    if not rows:
        return "(no results)"
    metric_keys = [key for key in METRIC_KEYS if any(key in row for row in rows)]
    header = ["method", "dataset", "protocol", *metric_keys, "train s"]
    body = [
        [row["method"], row["dataset"], row["protocol"]]
        + [f"{row[key]:.3f}" if key in row else "-" for key in metric_keys]
        + [f"{row['train_seconds']:.1f}"]
        for row in rows
    ]
    return format_table(header, body, numeric=range(3, len(header)))
