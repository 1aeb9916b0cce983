"""Plots for similarity learning: neighbours, similarity matrices, embeddings, training.

Every function draws into the `ax` it is given (or a new figure's axes when
`ax=None`), returns that axes, and leaves global matplotlib state alone: no
`rcParams` edits, no style changes, no `plt.show()`. Call `plt.show()` or
`fig.savefig(...)` yourself; in Jupyter the figure appears at the end of the cell.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from course_lib._validation import (
    as_array,
    as_labels,
    as_matrix,
    check_choice,
    check_positive_int,
    check_seed,
)

__all__ = [
    "plot_neighbours",
    "plot_similarity_matrix",
    "plot_embedding_2d",
    "plot_training_curves",
]

SAME_LABEL_COLOR = "tab:green"
DIFFERENT_LABEL_COLOR = "tab:red"
_TEXT_SIZE = 8


def _new_axes(figsize):
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


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
            f" If the images are flattened, reshape them first, e.g. "
            f"{name}.reshape(*{name}.shape[:-1], 28, 28)."
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
        raise ValueError(
            f"`{name}` must have shape {shape}, one label per image; received shape "
            f"{array.shape}."
        )
    return as_labels(array.reshape(-1), name).reshape(shape)


def _label_text(label, class_names, name):
    if class_names is None:
        return str(label)
    if not 0 <= label < len(class_names):
        raise ValueError(
            f"`{name}` holds label {label}, but `class_names` has {len(class_names)} "
            f"entries (valid labels 0..{len(class_names) - 1}). Pass one name per class."
        )
    return str(class_names[label])


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
    are given, each neighbour gets a frame: green when its label equals its
    query's, red otherwise. Label text (class names when `class_names` is
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
    neighbours, neighbour_channels = _as_images(
        neighbour_images, "neighbour_images", "(n_queries, k", 2
    )
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
            captions.append((0, top, [_label_text(query_labels[row], class_names,
                                                  "query_labels")]))
        for rank in range(k):
            left = column_left(rank + 1)
            put(neighbours[row, rank], top, left)
            lines = []
            if neighbour_labels is not None:
                label = neighbour_labels[row, rank]
                lines.append(_label_text(label, class_names, "neighbour_labels"))
                if query_labels is not None:
                    frames.append((left, top, label == query_labels[row]))
            if scores is not None:
                lines.append(f"{scores[row, rank]:.2f}")
            if lines:
                captions.append((rank + 1, top, lines))

    if ax is None:
        inches_per_pixel = 1.0 / (w + pad)
        ax = _new_axes((width * inches_per_pixel + 0.3, height * inches_per_pixel + 0.5))
    if channels == 1:
        ax.imshow(np.ma.masked_invalid(mosaic), cmap="gray", vmin=0.0, vmax=1.0,
                  interpolation="nearest")
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
            fontsize=_TEXT_SIZE,
            linespacing=1.1,
        )
    ax.set_xticks([column_left(column) + (w - 1) / 2 for column in range(k + 1)])
    ax.set_xticklabels(["query"] + [str(rank) for rank in range(1, k + 1)])
    ax.xaxis.set_ticks_position("top")
    ax.tick_params(axis="x", length=0, labelsize=_TEXT_SIZE + 1)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


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
            raise ValueError(
                f"`labels` must have one label per row of `matrix` ({n_rows}); "
                f"received {len(labels)}."
            )
        order = np.argsort(labels, kind="stable")
        matrix = matrix[np.ix_(order, order)]
        labels = labels[order]
        if row_names is not None:
            row_names = [row_names[i] for i in order]
            column_names = [column_names[i] for i in order]

    if ax is None:
        ax = _new_axes((6.5, 5.5))
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    if labels is not None:
        classes, starts = np.unique(labels, return_index=True)
        for boundary in starts[1:] - 0.5:
            ax.axhline(boundary, color="black", linewidth=1.0)
            ax.axvline(boundary, color="black", linewidth=1.0)
        if row_names is None:
            ends = np.append(starts[1:], n_rows)
            centres = (starts + ends - 1) / 2
            names = [_label_text(c, class_names, "labels") for c in classes]
            ax.set_xticks(centres, names, rotation=45, ha="right", rotation_mode="anchor")
            ax.set_yticks(centres, names)
            ax.tick_params(length=0)
    if row_names is not None:
        ax.set_xticks(np.arange(n_columns), column_names, rotation=90)
        ax.set_yticks(np.arange(n_rows), row_names)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _class_colours(n_classes):
    if n_classes <= 10:
        return [colormaps["tab10"](i) for i in range(n_classes)]
    if n_classes <= 20:
        return [colormaps["tab20"](i) for i in range(n_classes)]
    return [colormaps["turbo"](x) for x in np.linspace(0.05, 0.95, n_classes)]


def plot_embedding_2d(
    embeddings,
    labels,
    *,
    class_names=None,
    method="pca",
    seed=0,
    ax=None,
    max_points=3000,
):
    """Scatters embeddings in 2-D, one colour per class.

    At most `max_points` rows are kept, drawn without replacement with `seed`
    (the same points every run). Embeddings with more than two dimensions are
    then reduced to 2-D with scikit-learn's `PCA` (fast, linear, keeps global
    distances) or `TSNE` (slow, keeps local neighbourhoods; its axes have no
    meaning). 2-D embeddings are drawn as they are. Points are drawn in a
    shuffled order so that no class hides the others.

    Args:
        embeddings: float array `(n_samples, embedding_dim)`, `embedding_dim >= 2`.
        labels: int array `(n_samples,)`.
        class_names: optional sequence of str indexed by label, for the legend.
        method: `"pca"` or `"tsne"`. Defaults to `"pca"`.
        seed: non-negative int for the subsample, the drawing order and t-SNE.
            Defaults to `0`.
        ax: matplotlib axes. Defaults to `None` (a new figure).
        max_points: positive int. Defaults to `3000`.

    Returns:
        The matplotlib axes; `ax.collections[0]` holds the points (its
        `get_offsets()` has shape `(min(n_samples, max_points), 2)`). The legend
        lists up to 20 classes.

    Raises:
        ValueError: if `method` is not `"pca"` or `"tsne"`, `embeddings` has
            fewer than 2 rows or columns, or the lengths do not match.
        TypeError: if `labels` is not integer or `seed` is not an int.

    Example:

    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> ax = plot_embedding_2d(rng.normal(size=(50, 8)), np.arange(50) % 3,
    ...                        class_names=["cat", "dog", "owl"])
    >>> ax.collections[0].get_offsets().shape
    (50, 2)
    >>> plt.close(ax.figure)
    """
    embeddings = as_matrix(embeddings, "embeddings")
    n_samples, n_dims = embeddings.shape
    labels = as_labels(labels, "labels", n_samples=n_samples)
    method = check_choice(method, "method", ("pca", "tsne"))
    seed = check_seed(seed)
    max_points = check_positive_int(max_points, "max_points")
    if n_samples < 2 or n_dims < 2:
        raise ValueError(
            f"`embeddings` needs at least 2 rows and 2 columns for a 2-D plot; "
            f"received shape {embeddings.shape}."
        )
    classes = np.unique(labels)
    names = [_label_text(c, class_names, "labels") for c in classes]

    rng = np.random.default_rng(seed)
    if n_samples > max_points:
        keep = np.sort(rng.choice(n_samples, size=max_points, replace=False))
        embeddings, labels = embeddings[keep], labels[keep]

    if n_dims == 2:
        points, axis_names, how = embeddings, ["dimension 1", "dimension 2"], ""
    elif method == "pca":
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=seed)
        points = pca.fit_transform(embeddings)
        axis_names = [f"PC {i + 1} ({ratio:.0%} of variance)"
                      for i, ratio in enumerate(pca.explained_variance_ratio_)]
        how = ", PCA"
    else:
        from sklearn.manifold import TSNE

        perplexity = min(30.0, max(1.0, (len(embeddings) - 1) / 3))
        points = TSNE(n_components=2, perplexity=perplexity, init="pca",
                      learning_rate="auto", random_state=seed).fit_transform(embeddings)
        axis_names, how = ["t-SNE 1", "t-SNE 2"], ", t-SNE"

    colours = _class_colours(len(classes))
    colour_of = {c: colours[i] for i, c in enumerate(classes)}
    order = rng.permutation(len(points))
    if ax is None:
        ax = _new_axes((7.5, 6.0))
    size = 6 if len(points) > 1000 else 16
    ax.scatter(points[order, 0], points[order, 1], s=size, alpha=0.8, linewidths=0,
               c=[colour_of[label] for label in labels[order]])
    if len(classes) <= 20:
        handles = [Line2D([], [], marker="o", linestyle="", color=colour_of[c], label=name)
                   for c, name in zip(classes, names)]
        ax.legend(handles=handles, title="class", loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(f"{n_dims}-D embeddings{how} ({len(points)} of {n_samples} points)")
    return ax


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
        raise ValueError(
            "`history` is empty: no metric was recorded. Did model.fit run for at "
            "least one epoch?"
        )
    available = list(records)
    if metrics is None:
        metrics = [key for key in available if not key.startswith("val_")]
        metrics += [key for key in available
                    if key.startswith("val_") and key[4:] not in records]
    else:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [name for name in metrics if name not in records]
    if missing:
        raise ValueError(
            f"Metric(s) {', '.join(map(repr, missing))} not in the history; available "
            f"keys: {', '.join(map(repr, available))}. Pass one of those to `metrics`."
        )

    # A requested `val_x` whose `x` is requested too is drawn as x's dashed twin.
    metrics = [name for name in metrics
               if not (name.startswith("val_") and name[4:] in metrics)]
    if ax is None:
        ax = _new_axes((7.0, 4.5))
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
            ax.plot(epochs, values, style, color=colour, marker=marker, markersize=3,
                    label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metrics[0] if len(metrics) == 1 else "value")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    return ax
