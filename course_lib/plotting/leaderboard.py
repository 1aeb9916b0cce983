"""The capstone's leaderboard as a bar chart: one metric for every method, best on top."""

import numpy as np

from course_lib.leaderboard import select_rows
from course_lib.plotting._common import new_axes

__all__ = ["plot_leaderboard"]


def plot_leaderboard(rows, *, dataset, protocol, metric="MAP@R", ax=None):
    """Horizontal bars of one metric for every method on one dataset and protocol, best on top.

    Baselines (methods that learn nothing) are drawn grey and hatched; each bar
    is labelled with its value and the notebook it came from.

    Args:
        rows: row dicts as `load_leaderboard` returns them.
        dataset: str, the dataset to show, e.g. `"fashion_mnist"`.
        protocol: str, one of `course_lib.results.PROTOCOLS`.
        metric: `"R@1"`, `"R@5"`, `"R@10"` or `"MAP@R"`. Defaults to `"MAP@R"`.
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
    chosen = select_rows(rows, dataset, protocol, metric)
    if not chosen:
        present = sorted({(row["dataset"], row["protocol"]) for row in rows})
        raise ValueError(
            f"No row for dataset {dataset!r} and protocol {protocol!r}; the rows hold "
            f"{present or 'nothing'}. Pick one of those, or run the notebook that measures it."
        )
    if ax is None:
        ax = new_axes((7.0, 0.35 * len(chosen) + 1.2))
    values = np.array([row[metric] for row in chosen])
    positions = np.arange(len(chosen))[::-1]
    colours = ["0.65" if row["baseline"] else "C0" for row in chosen]
    bars = ax.barh(positions, values, color=colours)
    for bar, row in zip(bars, chosen):
        if row["baseline"]:
            bar.set_hatch("//")
    for position, value, row in zip(positions, values, chosen):
        ax.text(value + 0.01, position, f"{value:.3f} ({row['notebook'][:2]})", va="center", fontsize=8)
    ax.set_yticks(positions, [row["method"] for row in chosen])
    ax.set_xlim(0, 1.15)
    ax.set_xlabel(f"{metric} ({dataset}, {protocol}); grey = baseline, (NN) = notebook")
    return ax
