"""The course leaderboard: every method's saved results on one page.

Each notebook saves its measurements with `course_lib.results.save_results`;
this module reads them back, says which notebooks have not saved anything yet,
removes the rows that several notebooks repeat (notebooks 01, 02 and 03 all
measure the raw-pixel baseline, under the names `"raw pixels (cosine)"` and
`"raw pixels"`), and shows the rest as a table (the bar chart is
`course_lib.plotting.plot_leaderboard`).

A method is identified by `(method, dataset, protocol)` after its name is
canonicalised with `METHOD_ALIASES` (cosine is the course's default metric, so
`"raw pixels"` is `"raw pixels (cosine)"`). The row of the earliest notebook is
kept; the others are listed in its `"also_in"` entry.
"""

from course_lib._validation import check_choice
from course_lib.results import PROTOCOL_METRICS, PROTOCOLS, load_results, results_table

__all__ = [
    "COURSE_NOTEBOOKS",
    "METHOD_ALIASES",
    "canonical_method",
    "load_leaderboard",
    "deduplicate",
    "missing_message",
    "leaderboard_table",
    "select_rows",
]


#: The notebooks whose results make the leaderboard, and what each measures.
COURSE_NOTEBOOKS = {
    "01_similarity_basics": "raw pixels (cosine, Euclidean)",
    "02_autoencoder_similarity": "PCA and autoencoders",
    "03_cnn_metric_learning": "siamese (contrastive) and triplet CNNs",
    "04_rnn_sequence_similarity": "DTW and RNN encoders on sequences",
    "05_attention_similarity": "attention encoders on sequences",
    "06_cosine_similarity_heads": "cosine heads (softmax, NormFace, CosFace, ArcFace, two-tower)",
    "07_text_semantic_search": "text search on WordNet (TF-IDF, BM25, dual encoders, hybrid)",
    "08_recommendation_two_towers": "recommenders on MovieLens (popularity, item-kNN, ALS, two towers)",
    "09_capstone_similarity_search": "the capstone's encoder, searched exactly and with an index",
}

#: Different names for the same method in different notebooks.
METHOD_ALIASES = {"raw pixels": "raw pixels (cosine)"}

_SORT_KEYS = ("R@1", "R@5", "R@10", "MAP@R", "MRR", "NDCG@10", "coverage@10")


def _check_rows(rows, keys):
    """Raises unless `rows` is a list of dicts that each hold `keys` (and a known protocol)."""
    if isinstance(rows, dict):
        raise TypeError("`rows` must be a list of dicts; received a single dict. Wrap it: [row].")
    if not isinstance(rows, (list, tuple)):
        raise TypeError(
            f"`rows` must be a list of dicts, as load_leaderboard() returns; received {type(rows).__name__}."
        )
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise TypeError(f"rows[{index}] must be a dict; received {type(row).__name__}.")
        missing = [key for key in keys if key not in row]
        if missing:
            raise ValueError(
                f"rows[{index}] has no {', '.join(map(repr, missing))} key; received keys "
                f"{', '.join(map(repr, row)) or 'none'}. Pass rows as load_leaderboard() (or "
                f"load_results()) returns them."
            )
        if "protocol" in keys:
            check_choice(row["protocol"], f"rows[{index}]['protocol']", PROTOCOLS)


def _check_notebook_stems(notebooks, name):
    """`notebooks` as a list of stems: a list, tuple or dict of str, never one str."""
    if isinstance(notebooks, str):
        raise TypeError(
            f"`{name}` must be a list of notebook stems; received the single str {notebooks!r}. "
            f"Wrap it: [{notebooks!r}]."
        )
    if not isinstance(notebooks, (list, tuple, dict)) or not all(isinstance(stem, str) for stem in notebooks):
        raise TypeError(f"`{name}` must be a list of notebook stems (str); received {notebooks!r}.")
    return list(notebooks)


def canonical_method(method):
    """The leaderboard's name for a method: `METHOD_ALIASES` applied, spaces trimmed.

    Example:

    >>> canonical_method("raw pixels")
    'raw pixels (cosine)'
    >>> canonical_method("PCA (32)")
    'PCA (32)'
    """
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a str; received {type(method).__name__} {method!r}.")
    method = " ".join(method.split())
    return METHOD_ALIASES.get(method, method)


def deduplicate(rows):
    """Keeps one row per (canonical method, dataset, protocol): the earliest notebook's.

    Args:
        rows: list of row dicts as `load_results` returns them (with a
            `"notebook"` key), in course order.

    Returns:
        A new list of row dicts in the same order, with `"method"` canonical
        and `"also_in"`: the sorted list of the other notebooks that reported
        the same method, dataset and protocol (empty when none did).

    Raises:
        TypeError: if `rows` is not a list of dicts.
        ValueError: if a row has no `"method"`, `"dataset"`, `"protocol"` or
            `"notebook"`, or an unknown protocol.

    Example:

    >>> base = {"dataset": "d", "protocol": "test->train", "baseline": True, "R@1": 0.8,
    ...         "R@5": 0.9, "R@10": 0.95, "MAP@R": 0.3, "train_seconds": 0.0}
    >>> rows = [{**base, "method": "raw pixels (cosine)", "notebook": "01_a"},
    ...         {**base, "method": "raw pixels", "notebook": "02_b"}]
    >>> [(row["method"], row["notebook"], row["also_in"]) for row in deduplicate(rows)]
    [('raw pixels (cosine)', '01_a', ['02_b'])]
    """
    _check_rows(rows, ("method", "dataset", "protocol", "notebook"))
    kept = {}
    for row in rows:
        method = canonical_method(row["method"])
        key = (method, row["dataset"], row["protocol"])
        if key in kept:
            kept[key]["also_in"].append(row["notebook"])
        else:
            kept[key] = {**row, "method": method, "also_in": []}
    for row in kept.values():
        row["also_in"] = sorted(set(row["also_in"]) - {row["notebook"]})
    return list(kept.values())


def load_leaderboard(*, results_dir=None, notebooks=None):
    """Reads the saved results of the course notebooks and de-duplicates them.

    Args:
        results_dir: folder of the results files. Defaults to
            `<build dir>/results` (see `course_lib.results`).
        notebooks: dict or list of notebook stems to read. Defaults to
            `COURSE_NOTEBOOKS`; rows of other notebooks are ignored.

    Returns:
        A tuple `(rows, missing)`: the de-duplicated rows (see `deduplicate`)
        and the list of notebook stems that have saved no results yet.

    Raises:
        ValueError: if a results file is unreadable (the message names it).
        TypeError: if `notebooks` is not a list (or dict) of stems.

    Example:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     rows, missing = load_leaderboard(results_dir=folder)
    >>> rows, missing[:2]
    ([], ['01_similarity_basics', '02_autoencoder_similarity'])
    """
    wanted = list(COURSE_NOTEBOOKS) if notebooks is None else _check_notebook_stems(notebooks, "notebooks")
    rows = [row for row in load_results(results_dir=results_dir) if row["notebook"] in wanted]
    found = {row["notebook"] for row in rows}
    missing = [stem for stem in wanted if stem not in found]
    return deduplicate(rows), missing


def missing_message(missing):
    """A sentence naming the notebooks to run so that their results appear.

    Args:
        missing: list of notebook stems, as `load_leaderboard` returns them.

    Returns:
        A `str`.

    Raises:
        TypeError: if `missing` is not a list of str (one str included).

    Example:

    >>> print(missing_message(["02_autoencoder_similarity"]))
    No saved results from 1 notebook: 02_autoencoder_similarity (PCA and autoencoders).
    Run it first, e.g. python -m course_lib run notebooks/02_autoencoder_similarity.ipynb, then re-run this cell.
    >>> missing_message([])
    'Every notebook has saved its results.'
    """
    missing = _check_notebook_stems(missing, "missing")
    if not missing:
        return "Every notebook has saved its results."
    names = ", ".join(f"{stem} ({COURSE_NOTEBOOKS[stem]})" if stem in COURSE_NOTEBOOKS else stem for stem in missing)
    paths = " ".join(f"notebooks/{stem}.ipynb" for stem in missing)
    plural = "s" if len(missing) > 1 else ""
    them = "them" if len(missing) > 1 else "it"
    return (
        f"No saved results from {len(missing)} notebook{plural}: {names}.\n"
        f"Run {them} first, e.g. python -m course_lib run {paths}, then re-run this cell."
    )


def _sort_value(row, sort_by):
    """`row[sort_by]`, or for a protocol that does not measure it (leave-last-out has no
    MAP@R) the first metric its protocol requires."""
    value = row.get(sort_by)
    return row[PROTOCOL_METRICS[row["protocol"]][0]] if value is None else value


def select_rows(rows, dataset, protocol, sort_by):
    """The rows of `dataset` and `protocol` (None: all), by dataset and protocol, best `sort_by` first.

    Rows of a protocol without `sort_by` are sorted by the first metric their
    protocol requires (`course_lib.results.PROTOCOL_METRICS`), e.g. R@10 for
    "leave-last-out".

    Raises:
        TypeError: if `rows` is not a list of dicts.
        ValueError: on an unknown `sort_by` or protocol, or a row without
            `"dataset"` or `"protocol"`.

    Example:

    >>> rows = [{"dataset": "d", "protocol": "test->train", "MAP@R": value} for value in (0.1, 0.3)]
    >>> [row["MAP@R"] for row in select_rows(rows, "d", None, "MAP@R")]
    [0.3, 0.1]
    >>> rows = [{"dataset": "m", "protocol": "leave-last-out", "R@10": value} for value in (0.05, 0.1)]
    >>> [row["R@10"] for row in select_rows(rows, "m", None, "MAP@R")]
    [0.1, 0.05]
    """
    check_choice(sort_by, "sort_by", _SORT_KEYS)
    if protocol is not None:
        check_choice(protocol, "protocol", PROTOCOLS)
    _check_rows(rows, ("dataset", "protocol"))
    chosen = [
        row
        for row in rows
        if (dataset is None or row["dataset"] == dataset) and (protocol is None or row["protocol"] == protocol)
    ]
    return sorted(
        chosen, key=lambda row: (row["dataset"], PROTOCOLS.index(row["protocol"]), -_sort_value(row, sort_by))
    )


def leaderboard_table(rows, *, dataset=None, protocol=None, sort_by="MAP@R"):
    """The leaderboard as aligned text, best first, with the notebook each row came from.

    Args:
        rows: row dicts as `load_leaderboard` returns them.
        dataset: keep only this dataset. Defaults to None (all).
        protocol: keep only this protocol (one of `PROTOCOLS`). Defaults to None.
        sort_by: metric to sort by within each dataset and protocol, one of
            `"R@1"`, `"R@5"`, `"R@10"`, `"MAP@R"`, `"MRR"`, `"NDCG@10"`,
            `"coverage@10"`. Defaults to `"MAP@R"`.

    Returns:
        A `str`: the columns of `course_lib.results.results_table` plus
        `from` (the notebook's number) and `also in`. `"(no results)"` when
        nothing is selected.

    Raises:
        TypeError, ValueError: on invalid rows or options, as `select_rows`
            and `course_lib.results.results_table`.

    Example:

    >>> row = {"method": "PCA (32)", "dataset": "fashion_mnist", "protocol": "test->train",
    ...        "baseline": True, "R@1": 0.81, "R@5": 0.9, "R@10": 0.95, "MAP@R": 0.33,
    ...        "train_seconds": 0.2, "notebook": "02_autoencoder_similarity", "also_in": []}
    >>> print(leaderboard_table([row]))
    method    dataset        protocol       R@1    R@5   R@10  MAP@R  train s  from  also in
    --------  -------------  -----------  -----  -----  -----  -----  -------  ----  -------
    PCA (32)  fashion_mnist  test->train  0.810  0.900  0.950  0.330      0.2  02    -
    """
    chosen = select_rows(rows, dataset, protocol, sort_by)
    if not chosen:
        return "(no results)"
    _check_rows(chosen, ("notebook",))
    core = [{key: value for key, value in row.items() if key not in ("notebook", "also_in")} for row in chosen]
    lines = results_table(core).split("\n")
    sources = [row["notebook"][:2] for row in chosen]
    others = [", ".join(stem[:2] for stem in row.get("also_in", [])) or "-" for row in chosen]
    widths = (max(4, *map(len, sources)), max(7, *map(len, others)))
    extra = [("from".ljust(widths[0]), "also in".ljust(widths[1])), ("-" * widths[0], "-" * widths[1])]
    extra += [(source.ljust(widths[0]), other.ljust(widths[1])) for source, other in zip(sources, others)]
    width = max(len(line) for line in lines)
    return "\n".join(f"{line.ljust(width)}  {first}  {second}".rstrip() for line, (first, second) in zip(lines, extra))
