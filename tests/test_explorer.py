"""course_lib.explorer.NeighbourExplorer, headless (ipywidgets needs no browser)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_lib import top_k  # noqa: E402
from course_lib.explorer import NeighbourExplorer  # noqa: E402


@pytest.fixture
def explorer():
    rng = np.random.default_rng(0)
    queries, index = rng.random((6, 8, 8)), rng.random((30, 8, 8))
    models = {
        "pixels": (queries.reshape(6, -1), index.reshape(30, -1)),
        "random 3-D": (rng.normal(size=(6, 3)), rng.normal(size=(30, 3))),
    }
    return NeighbourExplorer(queries, index, models, query_labels=rng.integers(0, 3, 6),
                             index_labels=rng.integers(0, 3, 30), class_names=["a", "b", "c"], k=4)


def test_neighbours_are_top_k_of_each_model(explorer):
    found = explorer.neighbours(2)
    assert list(found) == ["pixels", "random 3-D"]
    for name, (scores, indices) in found.items():
        queries, index = explorer.models[name]
        expected_scores, expected_indices = top_k(queries[2:3], index, 4)
        np.testing.assert_array_equal(indices, expected_indices[0])
        np.testing.assert_allclose(scores, expected_scores[0])


def test_update_draws_moves_the_slider_and_returns_neighbours(explorer):
    found = explorer.update(3)
    assert explorer.slider.value == 3 and explorer.slider.max == 5
    assert isinstance(explorer.last_figure, Figure) and len(explorer.last_figure.axes) == 2
    assert all(len(ax.patches) == 4 for ax in explorer.last_figure.axes)  # one frame per neighbour
    np.testing.assert_array_equal(found["pixels"][1], explorer.neighbours(3)["pixels"][1])


def test_moving_the_slider_updates_the_figure(explorer):
    explorer.update(0)
    first = explorer.last_figure
    explorer.slider.value = 4  # what a reader's drag does
    assert explorer.last_figure is not first
    assert explorer.widget.children == (explorer.slider, explorer.output)


def test_errors_name_the_problem(explorer):
    images = np.zeros((3, 4, 4))
    with pytest.raises(ValueError, match="non-empty dict"):
        NeighbourExplorer(images, images, {})
    with pytest.raises(ValueError, match="has 2 query embeddings but there are 3"):
        NeighbourExplorer(images, images, {"m": (np.zeros((2, 5)), np.zeros((3, 5)))})
    with pytest.raises(ValueError, match="widths 5 and 4"):
        NeighbourExplorer(images, images, {"m": (np.ones((3, 5)), np.ones((3, 4)))})
    with pytest.raises(ValueError, match="a pair"):
        NeighbourExplorer(images, images, {"m": np.ones((3, 5))})
    with pytest.raises(ValueError, match=r"`k` must be <= 3"):
        NeighbourExplorer(images, images, {"m": (np.ones((3, 5)), np.ones((3, 5)))}, k=4)
    with pytest.raises(ValueError, match=r"must be in \[0, 5\]"):
        explorer.update(6)
    with pytest.raises(TypeError, match="must be an int"):
        explorer.neighbours(1.5)
