"""A class leaderboard: the results files of several learners, gathered into one table per domain.

Each learner's notebooks save their rows in `build/results/*.json`
(`course_lib.results.save_results`). An instructor collects those folders, one
per learner, in a folder of the class:

```
class_results/
    alice/                   # her build/results/ folder, or any folder that holds it
        01_similarity_basics.json  03_cnn_metric_learning.json  ...
    bob.zip                  # or a zip file (e.g. of Colab's deep-similarity/build/results/)
```

and `python -m course_lib class-leaderboard class_results` prints, domain by
domain (`course_lib.leaderboard_domains.DOMAINS`), one row per method, dataset
and protocol: the protocol it was measured under, how many learners saved it,
the median of the table's first metric (`DOMAIN_METRICS`: MAP@R, MRR or
NDCG@10) with its smallest and largest value, the medians of the other metrics,
and the learners whose value differs from the median by more than a tolerance.

Everyone runs the same seeds and 2 CPU threads per operation, yet trained
figures can differ in the last digits on another processor, with other package
versions or on a GPU. How far round-off can move them: with the sums split
among 1 or 2 cores (before the threads were fixed), the same notebooks gave
first metrics (MAP@R, MRR, NDCG@10) up to 0.007 apart, and R@1 up to 0.011
apart (0.04 on the small held-out-class test of notebook 03). A
learner within `DEFAULT_TOLERANCE` (0.02) of the class median on the first
metric counts as agreeing; one outside it changed the code or a setting (a
margin, an epoch count), or ran on other hardware, which is what the table is
there to show. Methods that learn nothing (raw pixels, DTW, TF-IDF,
popularity) give the same figures everywhere.
"""

import csv
import statistics
import tempfile
import zipfile
from pathlib import Path

from course_lib.leaderboard import COURSE_NOTEBOOKS, deduplicate
from course_lib.leaderboard_domains import DOMAIN_METRICS, DOMAINS, domain_of
from course_lib.results import METRIC_KEYS, PROTOCOLS, load_results
from course_lib.tables import format_table

__all__ = [
    "DEFAULT_TOLERANCE",
    "load_class_results",
    "class_groups",
    "class_table",
    "class_report",
    "write_class_csv",
]

#: How far (on the table's first metric) a learner may be from the class median and still agree.
DEFAULT_TOLERANCE = 0.02
_OTHER_DOMAIN = "other"


def _check_tolerance(tolerance):
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 1:
        raise ValueError(
            f"`tolerance` must be a number in [0, 1), a difference of metric values such as "
            f"{DEFAULT_TOLERANCE}; received {tolerance!r}."
        )
    return float(tolerance)


def _learner_rows(name, files):
    """The rows of one learner's results files (copied into a scratch folder), de-duplicated."""
    names = [path.name for path in files]
    repeated = sorted({stem for stem in names if names.count(stem) > 1})
    if repeated:
        raise ValueError(
            f"learner {name!r} has more than one results file named {', '.join(repeated)}; keep one "
            f"build/results/ folder per learner."
        )
    with tempfile.TemporaryDirectory() as scratch:
        for path in files:
            (Path(scratch) / path.name).write_bytes(path.read_bytes())
        rows = load_results(results_dir=scratch)
    return [{**row, "learner": name} for row in deduplicate(rows)]


def load_class_results(folder):
    """Reads every learner's results files from `folder`: one sub-folder or zip file per learner.

    A learner's sub-folder may hold the results files directly or anywhere below
    it (a whole `build/` folder, say); a zip file likewise. The learner is named
    after the sub-folder or the zip file. Each file is checked as
    `course_lib.results.load_results` checks it, and each learner's rows are
    de-duplicated as the capstone's leaderboard does (`deduplicate`).

    Args:
        folder: path of the class folder.

    Returns:
        A tuple `(rows, learners)`: the row dicts, each with the extra keys
        `"learner"`, `"notebook"` and `"also_in"`, and a dict
        `{learner: [notebook stems saved]}` in name order.

    Raises:
        ValueError: if `folder` does not exist, holds no learner, or a file is
            invalid (the message names the learner and the file).

    Example:

    >>> import tempfile
    >>> from course_lib.results import save_results
    >>> row = {"method": "raw pixels (cosine)", "dataset": "fashion_mnist",
    ...        "protocol": "test leave-one-out", "baseline": True, "R@1": 0.76,
    ...        "R@5": 0.9, "R@10": 0.94, "MAP@R": 0.37, "train_seconds": 0.0}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for learner in ("ada", "ben"):
    ...         _ = save_results("01_similarity_basics", [row], results_dir=f"{folder}/{learner}")
    ...     rows, learners = load_class_results(folder)
    >>> [(row["learner"], row["MAP@R"]) for row in rows], learners
    ([('ada', 0.37), ('ben', 0.37)], {'ada': ['01_similarity_basics'], 'ben': ['01_similarity_basics']})
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder; expected a folder with one sub-folder or zip file per learner.")
    loose = sorted(path.name for path in folder.glob("*.json"))
    if loose:
        raise ValueError(
            f"{folder} holds results files directly ({', '.join(loose[:3])}{', ...' if len(loose) > 3 else ''}); "
            f"put each learner's files in a sub-folder named after the learner, e.g. {folder / 'alice'}/."
        )
    rows, learners = [], {}
    for entry in sorted(folder.iterdir(), key=lambda path: path.name.lower()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            name, files = entry.name, sorted(entry.rglob("*.json"))
            learner_rows = _learner_rows(name, files) if files else []
        elif entry.suffix == ".zip":
            name = entry.stem
            with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(entry) as archive:
                members = [info for info in archive.infolist() if info.filename.endswith(".json")]
                files = []
                for number, info in enumerate(members):
                    target = Path(scratch) / str(number)
                    target.mkdir()
                    files.append(target / Path(info.filename).name)
                    files[-1].write_bytes(archive.read(info))
                learner_rows = _learner_rows(name, files) if files else []
        else:
            continue
        if name in learners:
            raise ValueError(f"two entries of {folder} are both named {name!r} (a folder and a zip file?).")
        rows += learner_rows
        learners[name] = sorted({row["notebook"] for row in learner_rows})
    if not learners:
        raise ValueError(
            f"{folder} holds no learner: expected one sub-folder (or .zip file) per learner, each with "
            f"the learner's build/results/*.json."
        )
    return rows, learners


def _domain_key(row):
    return domain_of(row["notebook"]) or _OTHER_DOMAIN


def class_groups(rows, *, tolerance=DEFAULT_TOLERANCE):
    """Groups the class's rows by method, dataset and protocol, with the class's figures for each.

    Args:
        rows: row dicts with a `"learner"` key, as `load_class_results` returns them.
        tolerance: the largest difference from the class median, on the first
            metric of the protocol (`DOMAIN_METRICS`), that still counts as the
            same result. Keyword-only. Defaults to `DEFAULT_TOLERANCE`.

    Returns:
        A list of dicts, in domain, protocol and dataset order and best median
        first: `method`, `dataset`, `protocol`, `baseline`, `notebook`,
        `domain`, `metric` (the first metric), `values` (`{learner: value}`),
        `median`, `min`, `max`, `medians` (`{metric: median}` of every metric
        the rows hold) and `differs` (`[(learner, value), ...]` beyond the
        tolerance, largest difference first).

    Example:

    >>> base = {"method": "CNN triplet", "dataset": "d", "protocol": "test leave-one-out",
    ...         "baseline": False, "R@1": 0.8, "R@5": 0.9, "R@10": 0.95, "train_seconds": 9.0,
    ...         "notebook": "03_cnn_metric_learning"}
    >>> rows = [{**base, "learner": name, "MAP@R": value}
    ...         for name, value in (("ada", 0.52), ("ben", 0.525), ("cy", 0.61))]
    >>> group = class_groups(rows)[0]
    >>> group["median"], group["differs"]
    (0.525, [('cy', 0.61)])
    """
    tolerance = _check_tolerance(tolerance)
    grouped = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or "learner" not in row or "notebook" not in row:
            raise ValueError(
                f"rows[{index}] must be a row dict with 'learner' and 'notebook' keys, as "
                f"load_class_results() returns them."
            )
        grouped.setdefault((row["method"], row["dataset"], row["protocol"]), []).append(row)
    domain_order = [*DOMAINS, _OTHER_DOMAIN]
    groups = []
    for (method, dataset, protocol), members in grouped.items():
        metric = DOMAIN_METRICS[protocol][0]
        values = {row["learner"]: row[metric] for row in members}
        median = statistics.median(values.values())
        medians = {
            key: statistics.median(row[key] for row in members if key in row)
            for key in METRIC_KEYS
            if any(key in row for row in members)
        }
        differs = sorted(
            ((learner, value) for learner, value in values.items() if abs(value - median) > tolerance + 1e-12),
            key=lambda item: -abs(item[1] - median),
        )
        groups.append(
            {
                "method": method,
                "dataset": dataset,
                "protocol": protocol,
                "baseline": all(row["baseline"] for row in members),
                "notebook": min(row["notebook"] for row in members),
                "domain": _domain_key(members[0]),
                "metric": metric,
                "values": values,
                "median": median,
                "min": min(values.values()),
                "max": max(values.values()),
                "medians": medians,
                "differs": differs,
            }
        )

    def order(group):
        domain = group["domain"]
        shown_first = DOMAINS[domain].protocols if domain in DOMAINS else ()
        protocols = list(shown_first) + [protocol for protocol in PROTOCOLS if protocol not in shown_first]
        return (domain_order.index(domain), protocols.index(group["protocol"]), group["dataset"], -group["median"])

    return sorted(groups, key=order)


def class_table(groups, *, tolerance=DEFAULT_TOLERANCE):
    """The groups of one domain (or any list of groups) as one aligned table.

    Columns: protocol, dataset, method, kind ("learned" or "no training"), the
    number of learners, the first metric's name, its class median, smallest and
    largest value, the medians of the protocol's other metrics (and EER or
    coverage@10 where saved), and the learners beyond the tolerance with their
    values (`-` when every learner agrees).

    Example:

    >>> base = {"method": "popularity", "dataset": "shop", "protocol": "leave-last-out",
    ...         "baseline": True, "R@10": 0.2, "NDCG@10": 0.1, "MRR": 0.08, "train_seconds": 0.0,
    ...         "notebook": "08_recommendation_two_towers"}
    >>> table = class_table(class_groups([{**base, "learner": "ada"}, {**base, "learner": "ben"}]))
    >>> print(table.splitlines()[0][:75])
    protocol        dataset  method      kind         learners  metric   median
    >>> print(table.splitlines()[2])
    leave-last-out  shop     popularity  no training         2  NDCG@10   0.100  0.100  0.100  R@10 0.200  -
    """
    tolerance = _check_tolerance(tolerance)
    if not groups:
        return "(no results)"
    header = [
        "protocol",
        "dataset",
        "method",
        "kind",
        "learners",
        "metric",
        "median",
        "min",
        "max",
        "others",
        f"beyond {tolerance:g} of the median",
    ]
    body = []
    for group in groups:
        others = [key for key in DOMAIN_METRICS[group["protocol"]][1:] if key in group["medians"]]
        others += [key for key in ("EER", "coverage@10") if key in group["medians"]]
        body.append(
            [
                group["protocol"],
                group["dataset"],
                group["method"],
                "no training" if group["baseline"] else "learned",
                str(len(group["values"])),
                group["metric"],
                f"{group['median']:.3f}",
                f"{group['min']:.3f}",
                f"{group['max']:.3f}",
                ", ".join(f"{key} {group['medians'][key]:.3f}" for key in others) or "-",
                ", ".join(f"{learner} {value:.3f}" for learner, value in group["differs"]) or "-",
            ]
        )
    return format_table(header, body, numeric=(4, 6, 7, 8))


def class_report(folder, *, tolerance=DEFAULT_TOLERANCE, domains=None):
    """The whole class leaderboard as text: one table per domain, then each learner's notebooks.

    Args:
        folder: the class folder (see `load_class_results`).
        tolerance: see `class_groups`. Keyword-only.
        domains: names of `DOMAINS` to show. Keyword-only. Defaults to all
            (and an "other" table for notebooks of no domain).

    Returns:
        A `str` to print.

    Raises:
        ValueError: as `load_class_results`, or for an unknown domain.
    """
    if domains is not None:
        unknown = [name for name in domains if name not in DOMAINS]
        if unknown:
            raise ValueError(f"unknown domain(s) {', '.join(map(repr, unknown))}; choose from {', '.join(DOMAINS)}.")
    rows, learners = load_class_results(folder)
    groups = class_groups(rows, tolerance=tolerance)
    lines = [
        f"Class leaderboard: {len(learners)} learner(s) from {folder}.",
        f"For each method, dataset and protocol: the class median of the table's first metric, its range, "
        f"and the learners more than {tolerance:g} from the median.",
        "Trained figures can differ in the last digits between processors, package versions and GPUs; a "
        "larger gap is a changed setting.",
    ]
    for name in (*DOMAINS, _OTHER_DOMAIN):
        if domains is not None and name not in domains:
            continue
        chosen = [group for group in groups if group["domain"] == name]
        if not chosen and name == _OTHER_DOMAIN:
            continue
        title = DOMAINS[name].title if name in DOMAINS else "Other notebooks"
        lines += ["", title, "=" * len(title), class_table(chosen, tolerance=tolerance)]
    lines += ["", "Learners and the notebooks whose results they sent:"]
    for learner, stems in learners.items():
        missing = [stem[:2] for stem in COURSE_NOTEBOOKS if stem not in stems]
        saved = ", ".join(stem[:2] for stem in stems) or "none"
        lines.append(f"  {learner}: {saved}" + (f" (none from {', '.join(missing)})" if missing else ""))
    return "\n".join(lines)


def write_class_csv(rows, path):
    """Writes every learner's rows to a CSV file (one line per learner and row) for a spreadsheet.

    Args:
        rows: as `load_class_results` returns them.
        path: the file to write.

    Returns:
        The `pathlib.Path` written.
    """
    path = Path(path)
    metrics = [key for key in METRIC_KEYS if any(key in row for row in rows)]
    columns = ["learner", "notebook", "method", "dataset", "protocol", "baseline", *metrics, "train_seconds"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in columns})
    return path
