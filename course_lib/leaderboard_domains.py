"""The course leaderboard by domain: images, speech, text and recommendation, each with its own metrics.

A domain is the kind of data a notebook works on, and each kind is measured
the way its field measures it:

- **images** (Fashion-MNIST; notebooks 01, 02, 03, 06 and the capstone) and
  **speech** (spoken vowels; notebooks 04 and 05): label retrieval, MAP@R and
  R@1, and the equal error rate (EER, lower is better) where a notebook also
  measured verification;
- **text** (notebook 07): one right answer per query, MRR and R@10; and
  category retrieval (MAP@R and R@1) where the notebook measured it;
- **recommendation** (notebook 08): each user's last item, NDCG@10 and R@10,
  with coverage@10 where it was measured.

`DOMAIN_METRICS` maps each protocol to the metrics shown; the first one sorts
the table and is drawn (`course_lib.plotting.plot_domain`). A row belongs to
the domain of the notebook that saved it. Each table puts the methods that
learn nothing ("no training": raw pixels, DTW, TF-IDF/BM25, popularity,
item-kNN; `baseline` true in the results file) beside the learned ones, and
`domain_summary` says in one sentence per dataset and protocol whether the
best learned method beat the best one without training, and by how much,
from the rows it is given.
"""

from dataclasses import dataclass

from course_lib._validation import check_choice
from course_lib.leaderboard import missing_message
from course_lib.results import PROTOCOLS
from course_lib.tables import format_table

__all__ = [
    "DOMAINS",
    "DOMAIN_METRICS",
    "Domain",
    "domain_of",
    "domain_rows",
    "domain_panels",
    "domain_table",
    "domain_summary",
    "domain_report",
]


@dataclass(frozen=True)
class Domain:
    """One domain of the leaderboard: its title, its notebooks, what it taught, its protocols in display order."""

    title: str
    notebooks: tuple
    lesson: str
    protocols: tuple


#: The domains in course order, each with the notebooks whose rows it holds.
DOMAINS = {
    "images": Domain(
        "Images (Fashion-MNIST)",
        (
            "01_similarity_basics",
            "02_autoencoder_similarity",
            "03_cnn_metric_learning",
            "06_cosine_similarity_heads",
            "09_capstone_similarity_search",
        ),
        "labels turn pixels into kinds: metric losses (contrastive, triplet) and cosine heads gather whole "
        "classes, which codes learned without labels (PCA, autoencoders) do not.",
        ("test leave-one-out", "test->train", "held-out classes leave-one-out"),
    ),
    "speech": Domain(
        "Speech (spoken vowels)",
        ("04_rnn_sequence_similarity", "05_attention_similarity"),
        "sequences of different lengths: DTW aligns two of them without training; recurrent and attention "
        "encoders turn each into one vector, and a threshold on their similarity verifies a speaker (EER).",
        ("test leave-one-out", "test->train"),
    ),
    "text": Domain(
        "Text",
        ("07_text_semantic_search",),
        "words against meaning: TF-IDF and BM25 match the words a query shares with a text; a learned encoder "
        "also finds the texts that say the same thing in other words.",
        ("test, one answer per query", "test leave-one-out"),
    ),
    "recommendation": Domain(
        "Recommendation",
        ("08_recommendation_two_towers",),
        "a user and an item meet in one similarity (two towers); popularity and item-kNN, which learn no "
        "embedding, are the classic methods every learned model is measured against.",
        ("leave-last-out",),
    ),
}

#: The metrics each protocol's table shows; the first sorts it and is drawn.
DOMAIN_METRICS = {
    "test leave-one-out": ("MAP@R", "R@1"),
    "test->train": ("MAP@R", "R@1"),
    "held-out classes leave-one-out": ("MAP@R", "R@1"),
    "test, one answer per query": ("MRR", "R@10"),
    "leave-last-out": ("NDCG@10", "R@10"),
}
# Shown as well when a row of the table holds them (EER: lower is better).
_OPTIONAL_METRICS = ("EER", "coverage@10")


def _check_domain(domain):
    if not isinstance(domain, str):
        raise TypeError(f"`domain` must be a str, one of {', '.join(map(repr, DOMAINS))}; received {domain!r}.")
    return check_choice(domain, "domain", tuple(DOMAINS))


def _check_rows(rows):
    if isinstance(rows, dict):
        raise TypeError("`rows` must be a list of row dicts; received a single dict. Wrap it: [row].")
    if not isinstance(rows, (list, tuple)):
        raise TypeError(
            f"`rows` must be a list of row dicts as load_leaderboard returns; received {type(rows).__name__}."
        )
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or "notebook" not in row:
            raise ValueError(
                f"rows[{index}] must be a row dict with a 'notebook' key, as load_leaderboard() returns "
                f"them; received {type(row).__name__}."
            )
    return rows


def domain_of(notebook):
    """The domain whose notebooks include `notebook`, or None.

    Example:

    >>> domain_of("04_rnn_sequence_similarity"), domain_of("99_elsewhere")
    ('speech', None)
    """
    return next((name for name, domain in DOMAINS.items() if notebook in domain.notebooks), None)


def domain_rows(rows, domain):
    """The rows saved by the notebooks of `domain`, in the order given.

    Example:

    >>> rows = [{"notebook": "04_rnn_sequence_similarity"}, {"notebook": "01_similarity_basics"}]
    >>> [row["notebook"] for row in domain_rows(rows, "images")]
    ['01_similarity_basics']
    """
    notebooks = DOMAINS[_check_domain(domain)].notebooks
    return [row for row in _check_rows(rows) if row["notebook"] in notebooks]


def domain_panels(rows, domain):
    """The `(dataset, protocol, metric)` of each table of `domain`, its main protocol first; `metric` is drawn.

    Example:

    >>> row = {"notebook": "08_recommendation_two_towers", "dataset": "shop", "protocol": "leave-last-out"}
    >>> domain_panels([row], "recommendation")
    [('shop', 'leave-last-out', 'NDCG@10')]
    """
    chosen = domain_rows(rows, domain)
    shown_first = DOMAINS[domain].protocols
    order = shown_first + tuple(protocol for protocol in PROTOCOLS if protocol not in shown_first)
    keys = sorted({(row["dataset"], row["protocol"]) for row in chosen}, key=lambda key: (order.index(key[1]), key[0]))
    return [(dataset, protocol, DOMAIN_METRICS[protocol][0]) for dataset, protocol in keys]


def _panel_rows(rows, dataset, protocol):
    metric = DOMAIN_METRICS[protocol][0]
    chosen = [row for row in rows if row["dataset"] == dataset and row["protocol"] == protocol]
    return sorted(chosen, key=lambda row: -row[metric])


def domain_table(rows, domain):
    """The domain's results as aligned text: one table per dataset and protocol, best first.

    Each table has the columns method, `kind` ("learned" or "no training"),
    the protocol's metrics (`DOMAIN_METRICS`, then EER and coverage@10 when a
    row holds them), training seconds and the notebook (`from`).

    Args:
        rows: row dicts as `course_lib.leaderboard.load_leaderboard` returns them.
        domain: one of `DOMAINS`: `"images"`, `"speech"`, `"text"`, `"recommendation"`.

    Returns:
        A `str`; `"(no results)"` when no notebook of the domain has saved rows.

    Raises:
        ValueError: for an unknown domain or a row without its `"notebook"`.

    Example:

    >>> row = {"method": "popularity", "dataset": "shop", "protocol": "leave-last-out", "baseline": True,
    ...        "R@10": 0.2, "NDCG@10": 0.1, "MRR": 0.08, "train_seconds": 0.0,
    ...        "notebook": "08_recommendation_two_towers"}
    >>> print(domain_table([row], "recommendation"))
    shop, leave-last-out (sorted by NDCG@10)
    method      kind         NDCG@10   R@10  train s  from
    ----------  -----------  -------  -----  -------  ----
    popularity  no training    0.100  0.200      0.0  08
    """
    blocks = []
    chosen = domain_rows(rows, domain)
    for dataset, protocol, metric in domain_panels(chosen, domain):
        panel = _panel_rows(chosen, dataset, protocol)
        metrics = [*DOMAIN_METRICS[protocol], *(key for key in _OPTIONAL_METRICS if any(key in row for row in panel))]
        header = ["method", "kind", *metrics, "train s", "from"]
        body = [
            [row["method"], "no training" if row["baseline"] else "learned"]
            + [f"{row[key]:.3f}" if key in row else "-" for key in metrics]
            + [f"{row['train_seconds']:.1f}", row["notebook"][:2]]
            for row in panel
        ]
        table = format_table(header, body, numeric=range(2, 3 + len(metrics)))
        blocks.append(f"{dataset}, {protocol} (sorted by {metric})\n{table}")
    return "\n\n".join(blocks) or "(no results)"


def _best(rows, metric, baseline):
    candidates = [row for row in rows if row["baseline"] == baseline]
    return max(candidates, key=lambda row: row[metric]) if candidates else None


def _name(row):
    return f"{row['method']} ({row['notebook'][:2]})"


def domain_summary(rows, domain):
    """One sentence per dataset and protocol: did the best learned method beat the best one without training?

    The sentences are built from the rows, so they say what this course's
    runs measured: the best learned method and the best method without
    training (`baseline` true), their scores on the protocol's first metric
    and the difference, and the learned methods that do not beat the best
    method without training (the first three named).

    Args:
        rows: row dicts as `load_leaderboard` returns them.
        domain: one of `DOMAINS`.

    Returns:
        A list of `str`, empty when the domain has no rows.

    Example:

    >>> common = {"dataset": "shop", "protocol": "leave-last-out", "R@10": 0.2, "MRR": 0.1,
    ...           "train_seconds": 0.0, "notebook": "08_recommendation_two_towers"}
    >>> rows = [{**common, "method": "popularity", "baseline": True, "NDCG@10": 0.10},
    ...         {**common, "method": "two towers", "baseline": False, "NDCG@10": 0.25}]
    >>> import textwrap
    >>> print(textwrap.fill(domain_summary(rows, "recommendation")[0], 100))
    shop, leave-last-out: the learned two towers (08) reaches an NDCG@10 of 0.250 against 0.100 for
    popularity (08), the best without training: the learned model wins by 0.150.
    """
    sentences = []
    chosen = domain_rows(rows, domain)
    for dataset, protocol, metric in domain_panels(chosen, domain):
        panel = _panel_rows(chosen, dataset, protocol)
        learned, floor = _best(panel, metric, False), _best(panel, metric, True)
        where = f"{dataset}, {protocol}"
        if learned is None:
            sentences.append(
                f"{where}: only methods without training, the best {_name(floor)} at {metric} {floor[metric]:.3f}."
            )
        elif floor is None:
            best = f"{_name(learned)} at {metric} {learned[metric]:.3f}"
            sentences.append(f"{where}: no method without training was measured; the best learned is {best}.")
        else:
            gap = learned[metric] - floor[metric]
            verdict = (
                f"the learned model wins by {gap:.3f}"
                if gap > 0
                else f"the learned model does not beat it (short by {-gap:.3f})"
            )
            article = "an" if metric in ("MRR", "NDCG@10") or metric.startswith("R@") else "a"
            behind = [row for row in panel if not row["baseline"] and row[metric] <= floor[metric]]
            n_learned = sum(not row["baseline"] for row in panel)
            if behind and gap > 0:
                names = ", ".join(_name(row) for row in behind[:3]) + (", ..." if len(behind) > 3 else "")
                verb = "does" if len(behind) == 1 else "do"
                verdict += f"; {len(behind)} of the {n_learned} learned methods {verb} not beat it: {names}"
            sentences.append(
                f"{where}: the learned {_name(learned)} reaches {article} {metric} of {learned[metric]:.3f} against "
                f"{floor[metric]:.3f} for {_name(floor)}, the best without training: {verdict}."
            )
    return sentences


def domain_report(rows, missing, domain):
    """The whole text of one domain: title, what it taught, the notebooks still to run, tables and sentences.

    Args:
        rows: row dicts as `load_leaderboard` returns them.
        missing: the list of notebook stems that have saved nothing (the
            second value `load_leaderboard` returns).
        domain: one of `DOMAINS`.

    Returns:
        A `str` to print.

    Example:

    >>> print(domain_report([], ["07_text_semantic_search"], "text"))  # doctest: +ELLIPSIS
    Text
    ====
    What it taught: words against meaning: ...
    No saved results from 1 notebook: 07_text_semantic_search (...).
    Run it first, e.g. python -m course_lib run notebooks/07_text_semantic_search.ipynb, then re-run this cell.
    """
    spec = DOMAINS[_check_domain(domain)]
    if isinstance(missing, str) or not isinstance(missing, (list, tuple)):
        raise TypeError(
            f"`missing` must be a list of notebook stems, as load_leaderboard returns; received {missing!r}."
        )
    lines = [spec.title, "=" * len(spec.title), f"What it taught: {spec.lesson}"]
    not_run = [stem for stem in spec.notebooks if stem in missing]
    if not_run:
        lines.append(missing_message(not_run))
    chosen = domain_rows(rows, domain)
    if chosen:
        lines += ["", domain_table(chosen, domain), "", *domain_summary(chosen, domain)]
    return "\n".join(lines)
