"""`plot_embedding_2d`: embeddings reduced to 2-D (PCA or t-SNE), coloured by label."""

import numpy as np
from matplotlib.lines import Line2D

from course_lib._validation import (
    as_labels,
    as_matrix,
    check_choice,
    check_positive_int,
    check_seed,
)
from course_lib.plotting._common import class_colours, label_text, new_axes

__all__ = ["plot_embedding_2d"]


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
            f"`embeddings` needs at least 2 rows and 2 columns for a 2-D plot; received shape {embeddings.shape}."
        )
    classes = np.unique(labels)
    names = [label_text(c, class_names, "labels") for c in classes]

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
        axis_names = [f"PC {i + 1} ({ratio:.0%} of variance)" for i, ratio in enumerate(pca.explained_variance_ratio_)]
        how = ", PCA"
    else:
        from sklearn.manifold import TSNE

        perplexity = min(30.0, max(1.0, (len(embeddings) - 1) / 3))
        points = TSNE(
            n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed
        ).fit_transform(embeddings)
        axis_names, how = ["t-SNE 1", "t-SNE 2"], ", t-SNE"

    colours = class_colours(len(classes))
    colour_of = {c: colours[i] for i, c in enumerate(classes)}
    order = rng.permutation(len(points))
    if ax is None:
        ax = new_axes((7.5, 6.0))
    size = 6 if len(points) > 1000 else 16
    ax.scatter(
        points[order, 0],
        points[order, 1],
        s=size,
        alpha=0.8,
        linewidths=0,
        c=[colour_of[label] for label in labels[order]],
    )
    if len(classes) <= 20:
        handles = [
            Line2D([], [], marker="o", linestyle="", color=colour_of[c], label=name) for c, name in zip(classes, names)
        ]
        ax.legend(
            handles=handles,
            title="class",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize="small",
            frameon=False,
        )
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(f"{n_dims}-D embeddings{how} ({len(points)} of {n_samples} points)")
    return ax
