"""`plot_neighbours`: a query image and its nearest neighbours, one row per query."""

import numpy as np
from matplotlib.patches import Rectangle

from course_lib._validation import as_array, as_labels
from course_lib.plotting._common import (
    DIFFERENT_LABEL_COLOR,
    DIFFERENT_LABEL_LINESTYLE,
    SAME_LABEL_COLOR,
    SAME_LABEL_LINESTYLE,
    TEXT_SIZE,
    label_text,
    new_axes,
)

__all__ = ["plot_neighbours"]


def _as_images(images, name, batch_shape_text, n_batch_dims):
    """Returns `(array, channels)`: images as `(*batch, h, w)` or `(*batch, h, w, 3)`."""
    array = as_array(images, name)
    if array.ndim == n_batch_dims + 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == n_batch_dims + 2:
        channels = 1
    elif array.ndim == n_batch_dims + 3 and array.shape[-1] == 3:
        channels = 3
    else:
        hint = (
            f" If the images are flattened, reshape them first, e.g. {name}.reshape(*{name}.shape[:-1], 28, 28)."
            if array.ndim == n_batch_dims + 1
            else ""
        )
        raise ValueError(
            f"`{name}` must have shape {batch_shape_text}, h, w) or "
            f"{batch_shape_text}, h, w, 1|3); received shape {array.shape}.{hint}"
        )
    if 0 in array.shape:
        raise ValueError(f"`{name}` must not be empty; received shape {array.shape}.")
    return array, channels


def _grid_labels(labels, name, shape):
    array = np.asarray(labels)
    if array.shape != shape:
        raise ValueError(f"`{name}` must have shape {shape}, one label per image; received shape {array.shape}.")
    return as_labels(array.reshape(-1), name).reshape(shape)


def plot_neighbours(
    query_images,
    neighbour_images,
    *,
    query_labels=None,
    neighbour_labels=None,
    class_names=None,
    scores=None,
    ax=None,
):
    """Shows each query image followed by its nearest neighbours, one row per query.

    All tiles are drawn as ONE mosaic image in `ax`: each row holds the query,
    a gap, then its `k` neighbours in rank order; the columns are titled
    `"query", "1", ..., "k"`. When both `query_labels` and `neighbour_labels`
    are given, each neighbour gets a frame: solid blue when its label equals
    its query's, dashed vermillion otherwise (a colour-blind-safe pair, and the
    line style tells them apart without colour). Label text (class names when `class_names` is
    given) and `scores` are written under the tiles. All tiles share one
    intensity scale, so brightness is comparable across tiles.

    Args:
        query_images: array `(n_queries, h, w)` (grayscale), `(n_queries, h, w, 1)`
            or `(n_queries, h, w, 3)` (RGB).
        neighbour_images: array `(n_queries, k, h, w)` (or with a trailing
            channel axis like `query_images`); row `i` holds query `i`'s
            neighbours, nearest first.
        query_labels: optional int array `(n_queries,)`.
        neighbour_labels: optional int array `(n_queries, k)`.
        class_names: optional sequence of str indexed by label.
        scores: optional float array `(n_queries, k)`, e.g. cosine similarities,
            written under each neighbour with two decimals.
        ax: matplotlib axes to draw into. Defaults to `None`: a new figure sized
            for about one inch per tile.

    Returns:
        The matplotlib axes. `ax.images[0]` holds the mosaic, a masked array of
        shape `(n_queries * (h + text_height + pad) + pad,
        (k + 1) * (w + pad) + pad + gap)` for grayscale (plus a trailing axis
        of 4 for RGB), where `pad`, `gap` and `text_height` are a few pixels
        that grow with `h` and `w`. Frames are `Rectangle`s in `ax.patches`.

    Raises:
        ValueError: if a shape does not match (e.g. `neighbour_images` has a
            different number of rows than there are queries), or a label has
            no entry in `class_names`.
        TypeError: if an input is not numeric.

    Example:

    >>> import matplotlib.pyplot as plt
    >>> queries = np.zeros((2, 8, 8))
    >>> neighbours = np.ones((2, 3, 8, 8))
    >>> ax = plot_neighbours(queries, neighbours, query_labels=[0, 1],
    ...                      neighbour_labels=[[0, 0, 1], [1, 0, 1]])
    >>> len(ax.patches)  # one frame per neighbour
    6
    >>> plt.close(ax.figure)
    """
    queries, channels = _as_images(query_images, "query_images", "(n_queries", 1)
    neighbours, neighbour_channels = _as_images(neighbour_images, "neighbour_images", "(n_queries, k", 2)
    n_queries, k = neighbours.shape[:2]
    if n_queries != len(queries):
        raise ValueError(
            f"`neighbour_images` must have one row of neighbours per query: its first "
            f"axis is {n_queries} but there are {len(queries)} queries (query_images "
            f"shape {queries.shape}, neighbour_images shape {neighbours.shape})."
        )
    if neighbours.shape[2:] != queries.shape[1:] or neighbour_channels != channels:
        raise ValueError(
            f"Queries and neighbours must have the same image shape; received "
            f"{queries.shape[1:]} for `query_images` and {neighbours.shape[2:]} for "
            f"`neighbour_images`."
        )
    if query_labels is not None:
        query_labels = _grid_labels(query_labels, "query_labels", (n_queries,))
    if neighbour_labels is not None:
        neighbour_labels = _grid_labels(neighbour_labels, "neighbour_labels", (n_queries, k))
    if scores is not None:
        scores = as_array(scores, "scores")
        if scores.shape != (n_queries, k):
            raise ValueError(
                f"`scores` must have shape (n_queries, k) = {(n_queries, k)}, one score "
                f"per neighbour; received shape {scores.shape}."
            )

    h, w = queries.shape[1:3]
    pad = max(2, round(0.15 * h))
    gap = max(pad, round(0.4 * w))
    n_text_lines = int(neighbour_labels is not None or query_labels is not None)
    n_text_lines += int(scores is not None)
    text_height = round(0.17 * h * n_text_lines) + pad if n_text_lines else 0
    row_height = h + text_height + pad
    height = pad + n_queries * row_height
    width = pad + (k + 1) * (w + pad) + gap

    low = min(queries.min(), neighbours.min())
    high = max(queries.max(), neighbours.max())
    scale = (high - low) or 1.0
    if channels == 1:
        mosaic = np.full((height, width), np.nan, dtype=np.float32)
    else:
        mosaic = np.zeros((height, width, 4), dtype=np.float32)  # alpha 0: background

    def column_left(column):
        return pad + column * (w + pad) + (gap if column > 0 else 0)

    def put(tile, top, left):
        tile = (tile - low) / scale
        if channels == 1:
            mosaic[top : top + h, left : left + w] = tile
        else:
            mosaic[top : top + h, left : left + w, :3] = tile
            mosaic[top : top + h, left : left + w, 3] = 1.0

    # Place every tile and work out every caption and frame before drawing, so
    # that a bad label raises before a figure is created.
    captions, frames = [], []
    for row in range(n_queries):
        top = pad + row * row_height
        put(queries[row], top, column_left(0))
        if query_labels is not None:
            captions.append((0, top, [label_text(query_labels[row], class_names, "query_labels")]))
        for rank in range(k):
            left = column_left(rank + 1)
            put(neighbours[row, rank], top, left)
            lines = []
            if neighbour_labels is not None:
                label = neighbour_labels[row, rank]
                lines.append(label_text(label, class_names, "neighbour_labels"))
                if query_labels is not None:
                    frames.append((left, top, label == query_labels[row]))
            if scores is not None:
                lines.append(f"{scores[row, rank]:.2f}")
            if lines:
                captions.append((rank + 1, top, lines))

    if ax is None:
        inches_per_pixel = 1.0 / (w + pad)
        ax = new_axes((width * inches_per_pixel + 0.3, height * inches_per_pixel + 0.5))
    if channels == 1:
        ax.imshow(np.ma.masked_invalid(mosaic), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(mosaic, interpolation="nearest")
    frame_margin = 0.25 * pad
    for left, top, same in frames:
        ax.add_patch(
            Rectangle(  # hugs the tile, leaving a gap to the next frame
                (left - 0.5 - frame_margin, top - 0.5 - frame_margin),
                w + 2 * frame_margin,
                h + 2 * frame_margin,
                fill=False,
                edgecolor=SAME_LABEL_COLOR if same else DIFFERENT_LABEL_COLOR,
                linestyle=SAME_LABEL_LINESTYLE if same else DIFFERENT_LABEL_LINESTYLE,
                linewidth=2.0,
                gid="same-label" if same else "different-label",
                clip_on=False,
            )
        )
    for column, top, lines in captions:
        ax.text(
            column_left(column) + (w - 1) / 2,
            top + h - 0.5 + 0.7 * pad,
            "\n".join(lines),
            ha="center",
            va="top",
            fontsize=TEXT_SIZE,
            linespacing=1.1,
        )
    ax.set_xticks([column_left(column) + (w - 1) / 2 for column in range(k + 1)])
    ax.set_xticklabels(["query"] + [str(rank) for rank in range(1, k + 1)])
    ax.xaxis.set_ticks_position("top")
    ax.tick_params(axis="x", length=0, labelsize=TEXT_SIZE + 1)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax
