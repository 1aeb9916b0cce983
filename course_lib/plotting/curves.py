"""`plot_training_curves`: training and validation metrics per epoch."""

import numpy as np
from matplotlib.ticker import MaxNLocator

from course_lib._validation import as_array
from course_lib.plotting._common import new_axes

__all__ = ["plot_training_curves"]


def plot_training_curves(history, *, metrics=None, ax=None):
    """Plots training metrics per epoch, each with its validation twin dashed.

    Args:
        history: the `keras.callbacks.History` that `model.fit` returns, or its
            `.history` dict mapping metric names to per-epoch lists.
        metrics: optional str or list of str, e.g. `["loss"]`. Each is drawn
            with its `val_` twin when the history has one. Defaults to `None`:
            every key that does not start with `val_` (plus validation keys
            without a training twin). Metrics share one y-axis, so plot
            losses and accuracies on separate axes if their scales differ.
        ax: matplotlib axes. Defaults to `None` (a new figure).

    Returns:
        The matplotlib axes, with epochs (1-based) on the x-axis and a legend.

    Raises:
        TypeError: if `history` is neither a `History` nor a dict.
        ValueError: if the history is empty or a requested metric is missing
            (the message lists the available keys).

    Example:

    >>> import matplotlib.pyplot as plt
    >>> ax = plot_training_curves({"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6]})
    >>> [line.get_label() for line in ax.get_lines()]
    ['loss', 'val_loss']
    >>> plt.close(ax.figure)
    """
    records = getattr(history, "history", history)
    if not isinstance(records, dict):
        raise TypeError(
            f"`history` must be the keras.callbacks.History that model.fit returns, or "
            f"its .history dict; received {type(history).__name__}."
        )
    if not records:
        raise ValueError("`history` is empty: no metric was recorded. Did model.fit run for at least one epoch?")
    available = list(records)
    if metrics is None:
        metrics = [key for key in available if not key.startswith("val_")]
        metrics += [key for key in available if key.startswith("val_") and key[4:] not in records]
    else:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [name for name in metrics if name not in records]
    if missing:
        raise ValueError(
            f"Metric(s) {', '.join(map(repr, missing))} not in the history; available "
            f"keys: {', '.join(map(repr, available))}. Pass one of those to `metrics`."
        )

    # A requested `val_x` whose `x` is requested too is drawn as x's dashed twin.
    metrics = [name for name in metrics if not (name.startswith("val_") and name[4:] in metrics)]
    if ax is None:
        ax = new_axes((7.0, 4.5))
    n_epochs = max(len(values) for values in records.values())
    marker = "o" if n_epochs <= 30 else None
    for index, name in enumerate(metrics):
        colour = f"C{index % 10}"
        twin = f"val_{name}"
        for key, style in [(name, "-"), (twin, "--")]:
            if key not in records:
                continue
            values = as_array(records[key], f"history[{key!r}]", allow_nonfinite=True)
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, style, color=colour, marker=marker, markersize=3, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metrics[0] if len(metrics) == 1 else "value")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    return ax
