"""`plot_similarity_matrix`: a heat-map of pairwise similarities, optionally sorted by class."""

import numpy as np

from course_lib._validation import as_array, as_labels
from course_lib.plotting._common import label_text, new_axes

__all__ = ["plot_similarity_matrix"]


def _tick_labels(tick_labels, n_rows, n_columns):
    """Returns `(row_labels, column_labels)` from one sequence or a pair of them."""
    if tick_labels is None:
        return None, None
    is_pair = (
        isinstance(tick_labels, tuple)
        and len(tick_labels) == 2
        and all(not isinstance(part, str) and hasattr(part, "__len__") for part in tick_labels)
    )
    rows, columns = tick_labels if is_pair else (tick_labels, tick_labels)
    rows, columns = [str(t) for t in rows], [str(t) for t in columns]
    if len(rows) != n_rows or len(columns) != n_columns:
        raise ValueError(
            f"`tick_labels` must have one entry per row ({n_rows}) and per column "
            f"({n_columns}); received {len(rows)} and {len(columns)}. For a non-square "
            f"matrix pass a pair (row_tick_labels, column_tick_labels)."
        )
    return rows, columns


def plot_similarity_matrix(
    matrix,
    *,
    labels=None,
    tick_labels=None,
    class_names=None,
    ax=None,
    vmin=-1.0,
    vmax=1.0,
    cmap="RdBu_r",
    colorbar=True,
):
    """Draws a similarity (or distance) matrix as a heat map.

    With `labels` (square matrices only), rows and columns are reordered so
    that each class forms a block (a stable sort by label), black lines mark
    the class boundaries, and the ticks name the classes. A good embedding then
    shows bright diagonal blocks: items are most similar to their own class.

    Args:
        matrix: array `(n, m)`, e.g. `cosine_similarity(a, b)`.
        labels: optional int array `(n,)`; needs `n == m`.
        tick_labels: optional per-row names: a sequence of `n` str (also used for
            the columns of a square matrix) or a pair
            `(row_tick_labels, column_tick_labels)`. Reordered with `labels`.
            Defaults to class ticks with `labels`, index ticks otherwise.
        class_names: optional sequence of str indexed by label, for the class
            ticks drawn with `labels`.
        ax: matplotlib axes. Defaults to `None` (a new figure).
        vmin: float or `None` (autoscale). Colour of the lowest value. Defaults
            to `-1.0`, the cosine similarity minimum.
        vmax: float or `None`. Defaults to `1.0`.
        cmap: matplotlib colormap name or object. Defaults to `"RdBu_r"`
            (blue = dissimilar, red = similar).
        colorbar: bool. Add a colour bar next to `ax` in its figure. Defaults to
            `True`.

    Returns:
        The matplotlib axes; `ax.images[0].get_array()` is the drawn (reordered)
        matrix.

    Raises:
        ValueError: if `matrix` is not 2-D, `labels` is given for a non-square
            matrix or has the wrong length, tick labels have the wrong length,
            or `vmin >= vmax`.

    Example:

    >>> import matplotlib.pyplot as plt
    >>> ax = plot_similarity_matrix([[1.0, 0.2, 0.9], [0.2, 1.0, 0.1], [0.9, 0.1, 1.0]],
    ...                             labels=[0, 1, 0])
    >>> ax.images[0].get_array()[0].tolist()  # row 0 now: items 0, 2, 1
    [1.0, 0.9, 0.2]
    >>> plt.close(ax.figure)
    """
    matrix = as_array(matrix, "matrix")
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(
            f"`matrix` must be a non-empty 2-D array (n, m); received shape "
            f"{matrix.shape}. For one row use matrix[None, :]."
        )
    n_rows, n_columns = matrix.shape
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise ValueError(f"`vmin` must be below `vmax`; received vmin={vmin}, vmax={vmax}.")
    row_names, column_names = _tick_labels(tick_labels, n_rows, n_columns)

    if labels is not None:
        if n_rows != n_columns:
            raise ValueError(
                f"`labels` sorts rows and columns together, so `matrix` must be square; "
                f"received shape {matrix.shape}. Drop `labels`, or pass the square "
                f"matrix of the items against themselves."
            )
        labels = as_labels(labels, "labels")
        if len(labels) != n_rows:
            raise ValueError(f"`labels` must have one label per row of `matrix` ({n_rows}); received {len(labels)}.")
        order = np.argsort(labels, kind="stable")
        matrix = matrix[np.ix_(order, order)]
        labels = labels[order]
        if row_names is not None:
            row_names = [row_names[i] for i in order]
            column_names = [column_names[i] for i in order]

    if ax is None:
        ax = new_axes((6.5, 5.5))
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    if labels is not None:
        classes, starts = np.unique(labels, return_index=True)
        for boundary in starts[1:] - 0.5:
            ax.axhline(boundary, color="black", linewidth=1.0)
            ax.axvline(boundary, color="black", linewidth=1.0)
        if row_names is None:
            ends = np.append(starts[1:], n_rows)
            centres = (starts + ends - 1) / 2
            names = [label_text(c, class_names, "labels") for c in classes]
            ax.set_xticks(centres, names, rotation=45, ha="right", rotation_mode="anchor")
            ax.set_yticks(centres, names)
            ax.tick_params(length=0)
    if row_names is not None:
        ax.set_xticks(np.arange(n_columns), column_names, rotation=90)
        ax.set_yticks(np.arange(n_rows), row_names)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax
