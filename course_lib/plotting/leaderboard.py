"""The capstone's leaderboard as bar charts: one metric for every method, best on top, by domain."""

import matplotlib.pyplot as plt
import numpy as np

from course_lib.leaderboard import select_rows
from course_lib.plotting._common import new_axes

__all__ = ["LEARNED_COLOUR", "NO_TRAINING_COLOUR", "plot_domain", "plot_leaderboard"]

# Okabe and Ito's colour-blind-safe palette: blue for learned methods, orange (and hatching,
# a second cue that survives greyscale printing) for the methods that learn nothing.
LEARNED_COLOUR = "#0072B2"
NO_TRAINING_COLOUR = "#E69F00"


def plot_leaderboard(rows, *, dataset, protocol, metric="MAP@R", ax=None):
    """Horizontal bars of one metric for every method on one dataset and protocol, best on top.

    Learned methods are blue; baselines (methods that learn nothing) are
    orange and hatched, and a dotted line marks the best of them, so the gap
    between it and each learned bar is visible at a glance. Each bar is
    labelled with its value and the notebook it came from.

    Args:
        rows: row dicts as `load_leaderboard` returns them.
        dataset: str, the dataset to show, e.g. `"fashion_mnist"`.
        protocol: str, one of `course_lib.results.PROTOCOLS`.
        metric: a metric where higher is better: `"R@1"`, `"R@5"`, `"R@10"`,
            `"MAP@R"`, `"MRR"`, `"NDCG@10"` or `"coverage@10"`. Defaults to `"MAP@R"`.
        ax: matplotlib axes. Defaults to None (a new figure).

    Returns:
        The matplotlib axes.

    Raises:
        ValueError: on an unknown metric or protocol, or when no row matches
            (the message lists the datasets and protocols present).

    Example:

    >>> import matplotlib.pyplot as plt
    >>> row = {"method": "PCA (32)", "dataset": "fashion_mnist", "protocol": "test->train",
    ...        "baseline": True, "R@1": 0.81, "R@5": 0.9, "R@10": 0.95, "MAP@R": 0.33,
    ...        "train_seconds": 0.2, "notebook": "02_autoencoder_similarity"}
    >>> ax = plot_leaderboard([row], dataset="fashion_mnist", protocol="test->train")
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['PCA (32)']
    >>> plt.close(ax.figure)
    """
    chosen = [row for row in select_rows(rows, dataset, protocol, metric) if metric in row]
    if not chosen:
        present = sorted({(row["dataset"], row["protocol"]) for row in rows})
        raise ValueError(
            f"No row for dataset {dataset!r} and protocol {protocol!r} with {metric!r}; the rows hold "
            f"{present or 'nothing'}. Pick one of those, or run the notebook that measures it."
        )
    if ax is None:
        ax = new_axes((7.0, 0.35 * len(chosen) + 1.2))
    values = np.array([row[metric] for row in chosen])
    positions = np.arange(len(chosen))[::-1]
    colours = [NO_TRAINING_COLOUR if row["baseline"] else LEARNED_COLOUR for row in chosen]
    bars = ax.barh(positions, values, color=colours, edgecolor="black", linewidth=0.5)
    for bar, row in zip(bars, chosen):
        if row["baseline"]:
            bar.set_hatch("//")
    floor = [row[metric] for row in chosen if row["baseline"]]
    if floor:
        ax.axvline(max(floor), color="black", linestyle=":", linewidth=1)
    for position, value, row in zip(positions, values, chosen):
        ax.text(value + 0.01, position, f"{value:.3f} ({row['notebook'][:2]})", va="center", fontsize=8)
    ax.set_yticks(positions, [row["method"] for row in chosen])
    ax.set_xlim(0, 1.15)
    ax.set_xlabel(
        f"{metric} ({dataset}, {protocol}); blue = learned, orange hatched = no training, "
        f"dotted = best without training, (NN) = notebook"
    )
    return ax


def plot_domain(rows, domain):
    """One panel per dataset and protocol of a domain, each `plot_leaderboard` of its main metric.

    The metric of each panel is the first of `DOMAIN_METRICS[protocol]`
    (MAP@R for label retrieval, MRR for text search, NDCG@10 for
    recommendation), as in `course_lib.leaderboard_domains.domain_table`.

    Args:
        rows: row dicts as `load_leaderboard` returns them.
        domain: one of `course_lib.leaderboard_domains.DOMAINS`.

    Returns:
        The list of axes, one per panel, of a new figure.

    Raises:
        ValueError: for an unknown domain, or when no notebook of the domain
            has saved rows (the message names them).

    Example:

    >>> import matplotlib.pyplot as plt
    >>> common = {"dataset": "shop", "protocol": "leave-last-out", "R@10": 0.2, "MRR": 0.1,
    ...           "train_seconds": 0.0, "notebook": "08_recommendation_two_towers"}
    >>> rows = [{**common, "method": "popularity", "baseline": True, "NDCG@10": 0.10},
    ...         {**common, "method": "two towers", "baseline": False, "NDCG@10": 0.25}]
    >>> axes = plot_domain(rows, "recommendation")
    >>> len(axes), axes[0].get_title(loc="left")
    (1, 'Recommendation: shop, leave-last-out')
    >>> plt.close(axes[0].figure)
    """
    from course_lib.leaderboard_domains import DOMAINS, domain_panels, domain_rows

    panels = domain_panels(rows, domain)
    if not panels:
        raise ValueError(
            f"No saved rows for domain {domain!r}; run its notebook(s) first: {', '.join(DOMAINS[domain].notebooks)}."
        )
    chosen = domain_rows(rows, domain)
    heights = [sum(row["dataset"] == d and row["protocol"] == p for row in chosen) for d, p, _ in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, 0.32 * sum(heights) + 1.3 * len(panels)),
        height_ratios=heights,
        layout="constrained",
        squeeze=False,
    )
    for ax, (dataset, protocol, metric) in zip(axes[:, 0], panels):
        plot_leaderboard(chosen, dataset=dataset, protocol=protocol, metric=metric, ax=ax)
        ax.set_title(f"{DOMAINS[domain].title.split(' (')[0]}: {dataset}, {protocol}", loc="left", fontsize=10)
    return list(axes[:, 0])
