"""An interactive neighbour explorer: one query, its nearest neighbours under several models.

`NeighbourExplorer` holds, for each model, the embeddings of a query set and
of an index (e.g. raw pixels, PCA and a trained encoder, of the test and the
training images). Its widget is a slider that picks the query and an output
area that shows, one row per model, the query and its `k` cosine neighbours
(`course_lib.plotting.plot_neighbours`: green frame = same label).

It works without a browser: `update(i)` computes and draws query `i` and
returns the neighbours, so a notebook run headless (nbval, CI) executes the
same code a reader's click does. The figures are `matplotlib.figure.Figure`
objects made without pyplot, so no global figure state is touched.
"""

import numpy as np

from course_lib._validation import as_labels, as_matrix, check_positive_int
from course_lib.similarity import top_k

__all__ = ["NeighbourExplorer"]


class NeighbourExplorer:
    """A slider over queries and, for each model, the query's nearest neighbours.

    Args:
        query_images: `(n_queries, h, w)` images (or with a channel axis), shown
            in the first column.
        index_images: `(n_index, h, w)` images of the index.
        models: dict `{name: (query_embeddings, index_embeddings)}`, arrays of
            shapes `(n_queries, dim)` and `(n_index, dim)`; `dim` may differ
            between models. Searched by cosine similarity (`top_k`).
        query_labels: optional int array `(n_queries,)`.
        index_labels: optional int array `(n_index,)`; with `query_labels`
            the neighbours get green (same label) or red frames.
        class_names: optional sequence of str indexed by label.
        k: int, neighbours per model. Defaults to 6.

    Attributes:
        slider: the `ipywidgets.IntSlider` that picks the query.
        output: the `ipywidgets.Output` the figure is drawn into.
        widget: the `ipywidgets.VBox` to display: slider above output.

    Raises:
        ValueError: if `models` is empty, or an array's length or width does
            not match the images (the message names the model).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> images = rng.random((5, 4, 4))
    >>> explorer = NeighbourExplorer(images, images, {"pixels": (images.reshape(5, -1),
    ...                              images.reshape(5, -1))}, k=2)
    >>> neighbours = explorer.neighbours(3)
    >>> int(neighbours["pixels"][1][0])  # the nearest image to image 3 is itself
    3
    """

    def __init__(self, query_images, index_images, models, *, query_labels=None,
                 index_labels=None, class_names=None, k=6):
        import ipywidgets

        self.query_images = np.asarray(query_images)
        self.index_images = np.asarray(index_images)
        n_queries, n_index = len(self.query_images), len(self.index_images)
        if not isinstance(models, dict) or not models:
            raise ValueError(
                "`models` must be a non-empty dict {name: (query_embeddings, index_embeddings)}; "
                f"received {type(models).__name__} {models!r:.60}."
            )
        self.models = {}
        for name, pair in models.items():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"models[{name!r}] must be a pair (query_embeddings, index_embeddings); "
                    f"received {type(pair).__name__}."
                )
            queries = as_matrix(pair[0], f"models[{name!r}][0] (query embeddings)")
            index = as_matrix(pair[1], f"models[{name!r}][1] (index embeddings)")
            for what, array, expected in (("query", queries, n_queries), ("index", index, n_index)):
                if len(array) != expected:
                    raise ValueError(
                        f"models[{name!r}] has {len(array)} {what} embeddings but there are "
                        f"{expected} {what} images; embed the same images, in the same order."
                    )
            if queries.shape[1] != index.shape[1]:
                raise ValueError(
                    f"models[{name!r}]: query and index embeddings have widths {queries.shape[1]} "
                    f"and {index.shape[1]}; both must come from the same model."
                )
            self.models[name] = (queries, index)
        self.query_labels = None if query_labels is None else as_labels(
            query_labels, "query_labels", n_samples=n_queries)
        self.index_labels = None if index_labels is None else as_labels(
            index_labels, "index_labels", n_samples=n_index)
        self.class_names = class_names
        self.k = check_positive_int(k, "k", maximum=n_index,
                                    maximum_reason=f" (the index holds {n_index} images)")
        self.slider = ipywidgets.IntSlider(value=0, min=0, max=n_queries - 1, step=1,
                                           description="query", continuous_update=False)
        self.output = ipywidgets.Output()
        self.widget = ipywidgets.VBox([self.slider, self.output])
        self.last_figure = None
        self.slider.observe(self._on_change, names="value")

    def _check_query(self, query_index):
        if isinstance(query_index, bool) or not isinstance(query_index, (int, np.integer)):
            raise TypeError(f"`query_index` must be an int; received {query_index!r}.")
        if not 0 <= query_index < len(self.query_images):
            raise ValueError(
                f"`query_index` must be in [0, {len(self.query_images) - 1}]; received {query_index}."
            )
        return int(query_index)

    def neighbours(self, query_index):
        """`{name: (scores (k,), indices (k,))}`: each model's cosine neighbours of one query."""
        query_index = self._check_query(query_index)
        found = {}
        for name, (queries, index) in self.models.items():
            scores, indices = top_k(queries[query_index : query_index + 1], index, self.k)
            found[name] = (scores[0], indices[0])
        return found

    def figure(self, query_index, neighbours=None):
        """A `matplotlib.figure.Figure`: one row per model, the query then its neighbours."""
        from matplotlib.figure import Figure

        from course_lib.plotting import plot_neighbours

        query_index = self._check_query(query_index)
        neighbours = self.neighbours(query_index) if neighbours is None else neighbours
        figure = Figure(figsize=(1.0 * (self.k + 1) + 0.5, 1.6 * len(neighbours)), layout="constrained")
        axes = figure.subplots(len(neighbours), 1, squeeze=False)[:, 0]
        for ax, (name, (scores, indices)) in zip(axes, neighbours.items()):
            labels = {}
            if self.query_labels is not None and self.index_labels is not None:
                labels = {"query_labels": self.query_labels[[query_index]],
                          "neighbour_labels": self.index_labels[indices][None, :]}
            plot_neighbours(self.query_images[[query_index]], self.index_images[indices][None],
                            class_names=self.class_names, scores=scores[None, :], ax=ax, **labels)
            ax.set_title(name, loc="left", fontsize=9)
        return figure

    def update(self, query_index=None):
        """Shows query `query_index` (default: the slider's) in the output area.

        Also moves the slider there, without drawing twice. Works with or
        without a browser attached.

        Returns:
            The neighbours, as `neighbours(query_index)` returns them.
        """
        from IPython.display import display

        query_index = self.slider.value if query_index is None else self._check_query(query_index)
        if self.slider.value != query_index:
            self.slider.unobserve(self._on_change, names="value")
            self.slider.value = query_index
            self.slider.observe(self._on_change, names="value")
        found = self.neighbours(query_index)
        figure = self.figure(query_index, found)
        with self.output:
            self.output.clear_output(wait=True)
            display(figure)
        self.last_figure = figure
        return found

    def _on_change(self, change):
        self.update(change["new"])
