"""An interactive neighbour explorer: one query, its nearest neighbours under several models.

`NeighbourExplorer` holds, for each model, the embeddings of a query set and
of an index (e.g. raw pixels, PCA and a trained encoder, of the test and the
training images). Its widget has a full-width slider that picks the query, a
class menu with "previous" and "next" buttons that step through the queries
of one class, a status line that names the query and counts how many of its
neighbours share its class, and an output area that shows, one row per
model, the query and its `k` cosine neighbours
(`course_lib.plotting.plot_neighbours`: solid blue frame = same label, dashed
vermillion = another label).

It works without a browser: `update(i)` computes and draws query `i` and
returns the neighbours, so a notebook run headless (nbval, CI) executes the
same code a reader's click does. The figures are `matplotlib.figure.Figure`
objects made without pyplot, so no global figure state is touched. Only
widgets found in both ipywidgets 7 and 8 are used.
"""

import numpy as np

from course_lib._validation import as_labels, as_matrix, check_positive_int

__all__ = ["NeighbourExplorer"]


def _check_class_names(class_names, labels):
    """`class_names` as a list of str with a name for every label in `labels` (or None)."""
    if class_names is None:
        return None
    if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
        raise TypeError(
            "`class_names` must be a sequence of str indexed by label, e.g. "
            f"['T-shirt/top', 'Trouser', ...]; received {type(class_names).__name__} {class_names!r:.60}."
        )
    names = list(class_names)
    not_str = [name for name in names if not isinstance(name, str)]
    if not_str:
        raise TypeError(
            f"`class_names` must hold str; received {type(not_str[0]).__name__} {not_str[0]!r:.40}. "
            "Pass e.g. [str(name) for name in class_names]."
        )
    for name, array in labels.items():
        if array is not None and len(array) and not 0 <= array.min() <= array.max() < len(names):
            raise ValueError(
                f"`{name}` holds labels {array.min()}..{array.max()}, but `class_names` has "
                f"{len(names)} entries (valid labels 0..{len(names) - 1}). Pass one name per class."
            )
    return names


class NeighbourExplorer:
    """A slider over queries and, for each model, the query's nearest neighbours.

    The widget, top to bottom: the `query` slider (full width); a `class` menu
    and "previous" / "next" buttons; a status line; the figure. With
    `query_labels`, the menu always shows the class of the query on screen.
    Picking another class jumps to the first query of that class; "previous"
    and "next" step to the neighbouring query of the same class in query
    order, and wrap around (after the last query of a class comes its first).
    Without `query_labels` there is no menu and the buttons step by one query,
    also wrapping around. The status line reads, for example,
    `query 46 · Shirt 5 of 200 · same class among the 6 nearest: pixels 0, CNN 4`
    (the counts need `index_labels` as well). The widget is empty until the
    first `update(i)`, which draws query `i`.

    Args:
        query_images: `(n_queries, h, w)` images (or with a channel axis), shown
            in the first column.
        index_images: `(n_index, h, w)` images of the index.
        models: dict `{name: (query_embeddings, index_embeddings)}`, arrays of
            shapes `(n_queries, dim)` and `(n_index, dim)`; `dim` may differ
            between models. Searched by cosine similarity (`top_k`).
        query_labels: optional int array `(n_queries,)`; enables the class menu.
        index_labels: optional int array `(n_index,)`; with `query_labels`
            the neighbours get solid blue (same label) or dashed vermillion
            frames, and the status line counts them.
        class_names: optional sequence of str indexed by label, with a name for
            every label. Defaults to "class 0", "class 1", ...
        k: int, neighbours per model. Defaults to 6.

    Attributes:
        slider: the `ipywidgets.IntSlider` (description "query") that picks the query.
        class_menu: the `ipywidgets.Dropdown` of classes, or None without `query_labels`.
        previous_button, next_button: the `ipywidgets.Button`s that step within a class.
        status: the `ipywidgets.Label` with the status line of the query shown.
        output: the `ipywidgets.Output` the figure is drawn into.
        widget: the `ipywidgets.VBox` to display, holding all of the above.
        query_index: int, the query shown (or about to be shown) by the widget.
        last_figure: the `matplotlib.figure.Figure` drawn last, or None.

    Raises:
        ValueError: if `models` is empty, an array's length or width does not
            match the images (the message names the model), or `class_names`
            lacks a name for some label.
        TypeError: if `class_names` is not a sequence of str.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> images = rng.random((5, 4, 4))
    >>> explorer = NeighbourExplorer(images, images, {"pixels": (images.reshape(5, -1),
    ...                              images.reshape(5, -1))}, query_labels=[0, 1, 0, 1, 1],
    ...                              index_labels=[0, 1, 0, 1, 1], class_names=["cat", "dog"], k=2)
    >>> neighbours = explorer.update(3)
    >>> int(neighbours["pixels"][1][0])  # the nearest image to image 3 is itself
    3
    >>> explorer.status.value
    'query 3 · dog 2 of 3 · same class among the 2 nearest: pixels 1'
    >>> explorer.step(+1), explorer.step(+1)  # the next dogs: 4, then back to the first, 1
    (4, 1)
    >>> explorer.show_class("cat")  # the first cat
    0
    """

    def __init__(
        self, query_images, index_images, models, *, query_labels=None, index_labels=None, class_names=None, k=6
    ):
        self.query_images = np.asarray(query_images)
        self.index_images = np.asarray(index_images)
        n_queries, n_index = len(self.query_images), len(self.index_images)
        if n_queries == 0:
            raise ValueError("`query_images` is empty; pass at least one query image.")
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
        self.query_labels = (
            None if query_labels is None else as_labels(query_labels, "query_labels", n_samples=n_queries)
        )
        self.index_labels = None if index_labels is None else as_labels(index_labels, "index_labels", n_samples=n_index)
        self.class_names = _check_class_names(
            class_names, {"query_labels": self.query_labels, "index_labels": self.index_labels}
        )
        self.k = check_positive_int(k, "k", maximum=n_index, maximum_reason=f" (the index holds {n_index} images)")
        self.query_index = 0
        self.last_figure = None
        self._build_widgets(n_queries)

    def _build_widgets(self, n_queries):
        import ipywidgets

        full_width = ipywidgets.Layout(width="100%")
        self.slider = ipywidgets.IntSlider(
            value=0, min=0, max=n_queries - 1, step=1, description="query", continuous_update=False, layout=full_width
        )
        self.class_menu = None
        controls = []
        if self.query_labels is not None:
            options = [(self._class_name(label), int(label)) for label in np.unique(self.query_labels)]
            self.class_menu = ipywidgets.Dropdown(options=options, value=int(self.query_labels[0]), description="class")
            controls.append(self.class_menu)
        within = "of the same class" if self.query_labels is not None else ""
        self.previous_button = ipywidgets.Button(
            description="◀ previous", tooltip=f"the previous query {within} (wraps around)"
        )
        self.next_button = ipywidgets.Button(description="next ▶", tooltip=f"the next query {within} (wraps around)")
        self.status = ipywidgets.Label(value="", layout=ipywidgets.Layout(width="100%"))
        self.output = ipywidgets.Output()
        self.widget = ipywidgets.VBox(
            [
                self.slider,
                ipywidgets.HBox([*controls, self.previous_button, self.next_button]),
                self.status,
                self.output,
            ]
        )
        self._syncing = False  # True while update() sets the controls, so their observers stay quiet
        self.slider.observe(self._on_slider, names="value")
        if self.class_menu is not None:
            self.class_menu.observe(self._on_class, names="value")
        self.previous_button.on_click(lambda _: self.step(-1))
        self.next_button.on_click(lambda _: self.step(+1))

    def _class_name(self, label):
        return f"class {label}" if self.class_names is None else self.class_names[label]

    def _check_query(self, query_index):
        if isinstance(query_index, (bool, np.bool_)) or not isinstance(query_index, (int, np.integer)):
            raise TypeError(f"`query_index` must be an int; received {query_index!r}.")
        if not 0 <= query_index < len(self.query_images):
            raise ValueError(f"`query_index` must be in [0, {len(self.query_images) - 1}]; received {query_index}.")
        return int(query_index)

    def _class_members(self, query_index):
        """Indices of the queries stepped through from `query_index`, in order."""
        if self.query_labels is None:
            return np.arange(len(self.query_images))
        return np.flatnonzero(self.query_labels == self.query_labels[query_index])

    def neighbours(self, query_index):
        """`{name: (scores (k,), indices (k,))}`: each model's cosine neighbours of one query."""
        from course_lib.search.exact import top_k

        query_index = self._check_query(query_index)
        found = {}
        for name, (queries, index) in self.models.items():
            scores, indices = top_k(queries[query_index : query_index + 1], index, self.k)
            found[name] = (scores[0], indices[0])
        return found

    def status_text(self, query_index, neighbours=None):
        """The status line for one query, as the widget shows it.

        `query 46 · Shirt 5 of 200 · same class among the 6 nearest: raw pixels 0, ...`:
        the query's class and its rank among the queries of that class (with
        `query_labels`), then per model how many of the `k` neighbours share
        the class (with `index_labels` too). Without labels: `query 46 of 2000`.
        """
        query_index = self._check_query(query_index)
        if self.query_labels is None:
            return f"query {query_index} of {len(self.query_images)}"
        label = self.query_labels[query_index]
        members = self._class_members(query_index)
        rank = int(np.searchsorted(members, query_index)) + 1
        text = f"query {query_index} · {self._class_name(label)} {rank} of {len(members)}"
        if self.index_labels is None:
            return text
        neighbours = self.neighbours(query_index) if neighbours is None else neighbours
        counts = ", ".join(
            f"{name} {int(np.sum(self.index_labels[indices] == label))}" for name, (_, indices) in neighbours.items()
        )
        return f"{text} · same class among the {self.k} nearest: {counts}"

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
                labels = {
                    "query_labels": self.query_labels[[query_index]],
                    "neighbour_labels": self.index_labels[indices][None, :],
                }
            plot_neighbours(
                self.query_images[[query_index]],
                self.index_images[indices][None],
                class_names=self.class_names,
                scores=scores[None, :],
                ax=ax,
                **labels,
            )
            ax.set_title(name, loc="left", fontsize=9)
        return figure

    def update(self, query_index=None):
        """Shows query `query_index` (default: the slider's): controls, status line and figure.

        Moves the slider (and the class menu) there without drawing twice.
        Works with or without a browser attached; outside IPython (a plain
        script, a doctest) the figure is built and kept in `last_figure` but
        not displayed, as there is nothing to display it in.

        Returns:
            The neighbours, as `neighbours(query_index)` returns them.
        """
        from IPython import get_ipython
        from IPython.display import display

        query_index = self.slider.value if query_index is None else self._check_query(query_index)
        self.query_index = query_index
        self._syncing = True
        try:
            self.slider.value = query_index
            if self.class_menu is not None:
                self.class_menu.value = int(self.query_labels[query_index])
        finally:
            self._syncing = False
        found = self.neighbours(query_index)
        self.status.value = self.status_text(query_index, found)
        figure = self.figure(query_index, found)
        if get_ipython() is not None:
            with self.output:
                self.output.clear_output(wait=True)
                display(figure)
        self.last_figure = figure
        return found

    def step(self, direction):
        """Shows the previous (`-1`) or next (`+1`) query of the shown query's class.

        Steps in query order and wraps around: after the class's last query
        comes its first, before its first its last. Without `query_labels`
        every query counts as one class, so it steps by one.

        Returns:
            int, the index of the query now shown.
        """
        if isinstance(direction, (bool, np.bool_)) or not isinstance(direction, (int, np.integer)):
            raise TypeError(f"`direction` must be the int -1 (previous) or +1 (next); received {direction!r}.")
        if direction not in (-1, 1):
            raise ValueError(f"`direction` must be -1 (previous) or +1 (next); received {direction}.")
        members = self._class_members(self.query_index)
        position = int(np.searchsorted(members, self.query_index))
        self.update(int(members[(position + direction) % len(members)]))
        return self.query_index

    def show_class(self, label):
        """Shows the first query of class `label` (an int label or its name in `class_names`).

        If the query shown is already of that class, it stays.

        Returns:
            int, the index of the query now shown.
        """
        if self.query_labels is None:
            raise ValueError("show_class needs `query_labels`; pass them to NeighbourExplorer(...).")
        present = [int(value) for value in np.unique(self.query_labels)]
        names = [self._class_name(value) for value in present]
        if isinstance(label, str) and label in names:
            label = present[names.index(label)]
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or label not in present:
            raise ValueError(
                f"`label` must be a query class, one of {present} or a name in {names}; received {label!r}."
            )
        if self.query_labels[self.query_index] != label:
            self.update(int(np.flatnonzero(self.query_labels == label)[0]))
        return self.query_index

    def _on_slider(self, change):
        if not self._syncing:
            self.update(change["new"])

    def _on_class(self, change):
        if not self._syncing and change["new"] is not None:
            self.show_class(change["new"])
