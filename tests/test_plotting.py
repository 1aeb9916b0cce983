"""Tests for course_lib.plotting: axes handling, mosaic layout, colours, errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from course_lib.plotting import (  # noqa: E402
    DIFFERENT_LABEL_COLOR,
    SAME_LABEL_COLOR,
    plot_embedding_2d,
    plot_neighbours,
    plot_similarity_matrix,
    plot_training_curves,
)

RNG = np.random.default_rng(0)
QUERIES = RNG.random((3, 10, 12))
NEIGHBOURS = RNG.random((3, 4, 10, 12))
QUERY_LABELS = np.array([0, 1, 2])
NEIGHBOUR_LABELS = np.array([[0, 0, 1, 0], [1, 2, 2, 2], [2, 2, 2, 2]])  # 8 same, 4 different
HISTORY = {
    "loss": [1.0, 0.6, 0.4],
    "accuracy": [0.5, 0.7, 0.8],
    "val_loss": [1.1, 0.8, 0.7],
    "val_accuracy": [0.4, 0.6, 0.7],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


CALLS = {
    "neighbours": lambda ax: plot_neighbours(
        QUERIES,
        NEIGHBOURS,
        query_labels=QUERY_LABELS,
        neighbour_labels=NEIGHBOUR_LABELS,
        class_names=["a", "b", "c"],
        scores=RNG.random((3, 4)),
        ax=ax,
    ),
    "similarity": lambda ax: plot_similarity_matrix(np.eye(4), labels=[1, 0, 1, 0], ax=ax),
    "embedding": lambda ax: plot_embedding_2d(RNG.normal(size=(40, 5)), np.arange(40) % 4, ax=ax),
    "curves": lambda ax: plot_training_curves(HISTORY, ax=ax),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_returns_the_axes_it_is_given(name):
    _, ax = plt.subplots()
    assert CALLS[name](ax) is ax


@pytest.mark.parametrize("name", sorted(CALLS))
def test_creates_axes_when_none_given(name):
    n_figures = len(plt.get_fignums())
    ax = CALLS[name](None)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(plt.get_fignums()) == n_figures + 1


@pytest.mark.parametrize("name", sorted(CALLS))
def test_leaves_global_matplotlib_state_alone(name):
    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    CALLS[name](None)
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


# ---------------------------------------------------------------- plot_neighbours


def _mosaic_size(h, w, n_queries, k, n_text_lines):
    pad = max(2, round(0.15 * h))
    gap = max(pad, round(0.4 * w))
    text_height = round(0.17 * h * n_text_lines) + pad if n_text_lines else 0
    return pad + n_queries * (h + text_height + pad), pad + (k + 1) * (w + pad) + gap


def test_mosaic_is_one_image_of_the_right_shape():
    ax = plot_neighbours(QUERIES, NEIGHBOURS)
    assert len(ax.images) == 1
    assert ax.images[0].get_array().shape == _mosaic_size(10, 12, 3, 4, 0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["query", "1", "2", "3", "4"]
    assert len(ax.patches) == 0  # no labels, no frames


def test_mosaic_grows_with_text_lines():
    ax = plot_neighbours(
        QUERIES, NEIGHBOURS, query_labels=QUERY_LABELS, neighbour_labels=NEIGHBOUR_LABELS, scores=np.zeros((3, 4))
    )
    assert ax.images[0].get_array().shape == _mosaic_size(10, 12, 3, 4, 2)


def test_mosaic_holds_the_images_in_order():
    queries = np.zeros((2, 4, 4))
    neighbours = np.stack([np.full((3, 4, 4), 0.5), np.ones((3, 4, 4))])
    ax = plot_neighbours(queries, neighbours)
    mosaic = ax.images[0].get_array()
    pad, gap = 2, 2
    top, left = pad, pad + (4 + pad) + gap  # row 0, first neighbour
    np.testing.assert_allclose(mosaic[top : top + 4, left : left + 4], 0.5)
    top = pad + (4 + pad)  # row 1
    np.testing.assert_allclose(mosaic[top : top + 4, left : left + 4], 1.0)
    np.testing.assert_allclose(mosaic[top : top + 4, pad : pad + 4], 0.0)
    assert mosaic.mask[0].all()  # background is masked (drawn transparent)


def test_trailing_channel_axis_is_accepted():
    ax = plot_neighbours(QUERIES[..., None], NEIGHBOURS[..., None])
    assert ax.images[0].get_array().shape == _mosaic_size(10, 12, 3, 4, 0)


def test_rgb_images_give_an_rgba_mosaic():
    ax = plot_neighbours(RNG.random((2, 6, 6, 3)), RNG.random((2, 3, 6, 6, 3)))
    assert ax.images[0].get_array().shape == (*_mosaic_size(6, 6, 2, 3, 0), 4)


def test_frame_colours_follow_labels():
    ax = plot_neighbours(QUERIES, NEIGHBOURS, query_labels=QUERY_LABELS, neighbour_labels=NEIGHBOUR_LABELS)
    colours = [patch.get_edgecolor() for patch in ax.patches]
    assert len(colours) == 12
    assert colours.count(to_rgba(SAME_LABEL_COLOR)) == 8
    assert colours.count(to_rgba(DIFFERENT_LABEL_COLOR)) == 4
    # the third neighbour of query 0 has label 1 != 0
    frames_row0 = sorted(ax.patches[:4], key=lambda patch: patch.get_x())
    assert [p.get_gid() for p in frames_row0] == ["same-label", "same-label", "different-label", "same-label"]
    # a second cue besides colour: solid frames for the same label, dashed for another
    assert [p.get_linestyle() for p in frames_row0] == ["solid", "solid", "dashed", "solid"]


def test_no_frames_without_query_labels():
    ax = plot_neighbours(QUERIES, NEIGHBOURS, neighbour_labels=NEIGHBOUR_LABELS)
    assert len(ax.patches) == 0


def test_captions_use_class_names_and_scores():
    scores = np.full((3, 4), 0.876)
    ax = plot_neighbours(
        QUERIES,
        NEIGHBOURS,
        query_labels=QUERY_LABELS,
        neighbour_labels=NEIGHBOUR_LABELS,
        class_names=["cat", "dog", "owl"],
        scores=scores,
    )
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 3 + 12
    assert "cat" in texts  # query 0's caption
    assert "cat\n0.88" in texts
    assert sum("owl" in text for text in texts) == 1 + 3 + 4


def test_5_queries_8_neighbours_figure_is_a_sensible_size():
    ax = plot_neighbours(
        RNG.random((5, 28, 28)),
        RNG.random((5, 8, 28, 28)),
        query_labels=np.zeros(5, int),
        neighbour_labels=np.zeros((5, 8), int),
        scores=np.zeros((5, 8)),
    )
    width, height = ax.figure.get_size_inches()
    assert 8 < width < 12 and 5 < height < 10


def test_neighbour_rows_must_match_queries():
    with pytest.raises(ValueError, match=r"first axis is 2 but there are 3 queries"):
        plot_neighbours(QUERIES, NEIGHBOURS[:2])


def test_image_shapes_must_match():
    with pytest.raises(ValueError, match=r"same image shape; received \(10, 12\).*\(10, 11\)"):
        plot_neighbours(QUERIES, NEIGHBOURS[..., :11])


def test_flat_images_get_a_reshape_hint():
    with pytest.raises(ValueError, match=r"received shape \(3, 120\)\. If the images are flat"):
        plot_neighbours(QUERIES.reshape(3, -1), NEIGHBOURS)


def test_neighbour_images_need_a_k_axis():
    with pytest.raises(ValueError, match=r"`neighbour_images` must have shape \(n_queries, k, h, w\)"):
        plot_neighbours(QUERIES, NEIGHBOURS[:, 0])


def test_label_and_score_shapes_are_checked():
    with pytest.raises(ValueError, match=r"`neighbour_labels` must have shape \(3, 4\).*\(3, 3\)"):
        plot_neighbours(QUERIES, NEIGHBOURS, neighbour_labels=NEIGHBOUR_LABELS[:, :3])
    with pytest.raises(ValueError, match=r"`query_labels` must have shape \(3,\)"):
        plot_neighbours(QUERIES, NEIGHBOURS, query_labels=[0, 1])
    with pytest.raises(ValueError, match=r"`scores` must have shape \(n_queries, k\) = \(3, 4\)"):
        plot_neighbours(QUERIES, NEIGHBOURS, scores=np.zeros((4, 3)))


def test_label_without_class_name_raises_before_drawing():
    n_figures = len(plt.get_fignums())
    with pytest.raises(ValueError, match=r"holds label 2, but `class_names` has 2 entries"):
        plot_neighbours(QUERIES, NEIGHBOURS, query_labels=QUERY_LABELS, class_names=["a", "b"])
    assert len(plt.get_fignums()) == n_figures


# ---------------------------------------------------------- plot_similarity_matrix


def test_similarity_matrix_is_sorted_by_label_with_boundaries():
    labels = np.array([2, 0, 1, 0, 2])
    matrix = np.arange(25, dtype=float).reshape(5, 5)
    ax = plot_similarity_matrix(matrix, labels=labels, vmin=None, vmax=None)
    order = np.array([1, 3, 2, 0, 4])  # stable sort by label
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix[np.ix_(order, order)])
    boundary_lines = [line for line in ax.get_lines()]
    assert len(boundary_lines) == 4  # 2 class boundaries, horizontal and vertical
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "2"]
    np.testing.assert_allclose(ax.get_yticks(), [0.5, 2.0, 3.5])


def test_similarity_matrix_class_names_and_colorbar():
    ax = plot_similarity_matrix(np.eye(4), labels=[1, 0, 1, 0], class_names=["cat", "dog"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    assert len(ax.figure.axes) == 2  # the axes and its colour bar
    image = ax.images[0]
    assert image.get_clim() == (-1.0, 1.0)
    assert image.get_cmap().name == "RdBu_r"


def test_similarity_matrix_without_colorbar_and_with_tick_labels():
    ax = plot_similarity_matrix(np.zeros((2, 3)), tick_labels=(["r0", "r1"], ["a", "b", "c"]), colorbar=False)
    assert len(ax.figure.axes) == 1
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r0", "r1"]


def test_similarity_matrix_tick_labels_follow_the_sort():
    ax = plot_similarity_matrix(np.eye(3), labels=[1, 0, 1], tick_labels=["x", "y", "z"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "x", "z"]


def test_similarity_matrix_errors():
    with pytest.raises(ValueError, match=r"must be square; received shape \(2, 3\)"):
        plot_similarity_matrix(np.zeros((2, 3)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"one label per row of `matrix` \(3\); received 2"):
        plot_similarity_matrix(np.eye(3), labels=[0, 1])
    with pytest.raises(ValueError, match=r"non-empty 2-D array \(n, m\); received shape \(3,\)"):
        plot_similarity_matrix(np.ones(3))
    with pytest.raises(ValueError, match=r"`vmin` must be below `vmax`; received vmin=1, vmax=0"):
        plot_similarity_matrix(np.eye(2), vmin=1, vmax=0)
    with pytest.raises(ValueError, match=r"one entry per row \(2\) and per column \(3\)"):
        plot_similarity_matrix(np.zeros((2, 3)), tick_labels=["a", "b"])
    with pytest.raises(ValueError, match=r"NaN or infinite"):
        plot_similarity_matrix([[1.0, np.nan], [0.0, 1.0]])


# -------------------------------------------------------------- plot_embedding_2d


def test_embedding_with_more_than_two_dims_is_reduced_with_pca():
    from sklearn.decomposition import PCA

    embeddings = RNG.normal(size=(60, 6)) * [5, 3, 1, 1, 1, 1]
    labels = np.arange(60) % 3
    ax = plot_embedding_2d(embeddings, labels, class_names=["a", "b", "c"])
    offsets = np.asarray(ax.collections[0].get_offsets())
    assert offsets.shape == (60, 2)
    expected = PCA(n_components=2, random_state=0).fit_transform(embeddings)
    # the points are drawn in a shuffled order: compare as sets of rows
    np.testing.assert_allclose(np.sort(offsets, axis=0), np.sort(expected, axis=0), atol=1e-4)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert ax.get_xlabel().startswith("PC 1")


def test_embedding_colours_match_labels():
    embeddings = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    ax = plot_embedding_2d(embeddings, [0, 1, 0, 1])
    offsets = np.asarray(ax.collections[0].get_offsets())
    colours = ax.collections[0].get_facecolors()
    colour_of_x = {x: tuple(colours[i]) for i, (x, _) in enumerate(offsets)}
    assert colour_of_x[0.0] == colour_of_x[2.0] != colour_of_x[1.0] == colour_of_x[3.0]


def test_embedding_tsne_runs_and_labels_axes():
    ax = plot_embedding_2d(RNG.normal(size=(30, 5)), np.arange(30) % 2, method="tsne")
    assert np.asarray(ax.collections[0].get_offsets()).shape == (30, 2)
    assert ax.get_xlabel() == "t-SNE 1"


def test_embedding_subsample_is_deterministic():
    embeddings, labels = RNG.normal(size=(200, 3)), np.arange(200) % 5

    def offsets(seed):
        ax = plot_embedding_2d(embeddings, labels, max_points=50, seed=seed)
        return np.asarray(ax.collections[0].get_offsets())

    first = offsets(1)
    assert first.shape == (50, 2)
    np.testing.assert_array_equal(first, offsets(1))
    assert not np.array_equal(first, offsets(2))


def test_embedding_invalid_method_lists_options():
    with pytest.raises(ValueError, match=r"`method` must be one of 'pca', 'tsne'; received 'umap'"):
        plot_embedding_2d(RNG.normal(size=(10, 3)), np.zeros(10, int), method="umap")


def test_embedding_input_errors():
    with pytest.raises(ValueError, match=r"has 9 labels but the embeddings have 10 rows"):
        plot_embedding_2d(RNG.normal(size=(10, 3)), np.zeros(9, int))
    with pytest.raises(ValueError, match=r"at least 2 rows and 2 columns.*\(10, 1\)"):
        plot_embedding_2d(RNG.normal(size=(10, 1)), np.zeros(10, int))
    with pytest.raises(ValueError, match=r"holds label 2, but `class_names` has 2 entries"):
        plot_embedding_2d(RNG.normal(size=(4, 2)), [0, 1, 2, 3], class_names=["a", "b"])
    with pytest.raises(TypeError, match=r"`seed` must be a non-negative integer"):
        plot_embedding_2d(RNG.normal(size=(4, 2)), [0, 1, 0, 1], seed=0.5)
    with pytest.raises(ValueError, match=r"`max_points` must be >= 1; received 0"):
        plot_embedding_2d(RNG.normal(size=(4, 2)), [0, 1, 0, 1], max_points=0)


# ------------------------------------------------------------ plot_training_curves


def test_training_curves_plot_each_metric_and_its_val_twin():
    ax = plot_training_curves(HISTORY)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["loss", "val_loss", "accuracy", "val_accuracy"]
    np.testing.assert_array_equal(lines["loss"].get_xdata(), [1, 2, 3])  # 1-based epochs
    np.testing.assert_allclose(lines["val_accuracy"].get_ydata(), HISTORY["val_accuracy"])
    assert lines["loss"].get_color() == lines["val_loss"].get_color()
    assert lines["val_loss"].get_linestyle() == "--"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_legend() is not None


def test_training_curves_accept_a_keras_history():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 2), "float32")
    history = model.fit(x, np.zeros((8, 1)), validation_data=(x, np.zeros((8, 1))), epochs=2, verbose=0)
    ax = plot_training_curves(history, metrics="loss")
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
    assert ax.get_ylabel() == "loss"


def test_training_curves_requested_val_metric_joins_its_twin():
    ax = plot_training_curves(HISTORY, metrics=["loss", "val_loss"])
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]


def test_training_curves_missing_metric_lists_available_keys():
    with pytest.raises(
        ValueError,
        match=r"'auc' not in the history; available keys: 'loss', "
        r"'accuracy', 'val_loss', 'val_accuracy'",
    ):
        plot_training_curves(HISTORY, metrics=["loss", "auc"])


def test_training_curves_type_and_empty_errors():
    with pytest.raises(TypeError, match=r"keras.callbacks.History.*received list"):
        plot_training_curves([0.5, 0.4])
    with pytest.raises(ValueError, match=r"`history` is empty"):
        plot_training_curves({})
