"""course_lib.explorer.NeighbourExplorer, headless (ipywidgets needs no browser)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_lib import top_k  # noqa: E402
from course_lib.explorer import NeighbourExplorer  # noqa: E402

QUERY_LABELS = np.array([0, 1, 0, 2, 1, 0])  # class 0: queries 0, 2, 5; class 1: 1, 4; class 2: 3


@pytest.fixture
def explorer():
    rng = np.random.default_rng(0)
    queries, index = rng.random((6, 8, 8)), rng.random((30, 8, 8))
    models = {
        "pixels": (queries.reshape(6, -1), index.reshape(30, -1)),
        "random 3-D": (rng.normal(size=(6, 3)), rng.normal(size=(30, 3))),
    }
    return NeighbourExplorer(
        queries,
        index,
        models,
        query_labels=QUERY_LABELS,
        index_labels=rng.integers(0, 3, 30),
        class_names=["a", "b", "c"],
        k=4,
    )


@pytest.fixture
def unlabelled():
    images = np.random.default_rng(1).random((4, 5, 5))
    return NeighbourExplorer(images, images, {"pixels": (images.reshape(4, -1), images.reshape(4, -1))}, k=2)


def test_neighbours_are_top_k_of_each_model(explorer):
    found = explorer.neighbours(2)
    assert list(found) == ["pixels", "random 3-D"]
    for name, (scores, indices) in found.items():
        queries, index = explorer.models[name]
        expected_scores, expected_indices = top_k(queries[2:3], index, 4)
        np.testing.assert_array_equal(indices, expected_indices[0])
        np.testing.assert_allclose(scores, expected_scores[0])


def test_update_draws_moves_the_controls_and_returns_neighbours(explorer):
    found = explorer.update(3)
    assert explorer.slider.value == 3 and explorer.slider.max == 5 and explorer.query_index == 3
    assert explorer.class_menu.value == 2
    assert isinstance(explorer.last_figure, Figure) and len(explorer.last_figure.axes) == 2
    assert all(len(ax.patches) == 4 for ax in explorer.last_figure.axes)  # one frame per neighbour
    np.testing.assert_array_equal(found["pixels"][1], explorer.neighbours(3)["pixels"][1])


def test_layout_wide_slider_class_controls_status_and_figure(explorer):
    slider, controls, status, output = explorer.widget.children
    assert slider is explorer.slider and slider.description == "query" and slider.layout.width == "100%"
    assert controls.children == (explorer.class_menu, explorer.previous_button, explorer.next_button)
    assert status is explorer.status and output is explorer.output
    assert explorer.class_menu.options == (("a", 0), ("b", 1), ("c", 2))


def test_status_line_names_the_query_and_counts_same_class_neighbours(explorer):
    found = explorer.update(4)
    counts = {name: int(np.sum(explorer.index_labels[indices] == 1)) for name, (_, indices) in found.items()}
    assert explorer.status.value == (
        f"query 4 · b 2 of 2 · same class among the 4 nearest: "
        f"pixels {counts['pixels']}, random 3-D {counts['random 3-D']}"
    )
    assert explorer.status.value == explorer.status_text(4)


def test_moving_the_slider_updates_figure_status_and_class_menu(explorer):
    explorer.update(0)
    first_figure, first_status = explorer.last_figure, explorer.status.value
    explorer.slider.value = 4  # what a reader's drag does
    assert explorer.last_figure is not first_figure and explorer.query_index == 4
    assert explorer.status.value != first_status and explorer.status.value.startswith("query 4 · b 2 of 2")
    assert explorer.class_menu.value == 1  # the menu follows the query; the slider stays where it was put
    assert explorer.slider.value == 4


@pytest.mark.parametrize(
    "start, direction, expected",
    [
        (0, +1, [2, 5, 0, 2]),  # class 0 forward, wrapping from the last (5) to the first (0)
        (0, -1, [5, 2, 0, 5]),  # backward, wrapping from the first to the last
        (1, +1, [4, 1]),  # class 1 has two queries
        (3, +1, [3, 3]),  # class 2 has one: stepping stays put
    ],
)
def test_step_walks_one_class_in_query_order_and_wraps_around(explorer, start, direction, expected):
    explorer.update(start)
    assert [explorer.step(direction) for _ in expected] == expected
    assert explorer.slider.value == expected[-1] and explorer.class_menu.value == QUERY_LABELS[start]


def test_buttons_step_and_update_the_status(explorer):
    explorer.update(2)
    explorer.next_button.click()  # what a reader's click does
    assert explorer.query_index == 5 and explorer.status.value.startswith("query 5 · a 3 of 3")
    explorer.previous_button.click()
    explorer.previous_button.click()
    assert explorer.query_index == 0 and explorer.status.value.startswith("query 0 · a 1 of 3")


def test_picking_a_class_jumps_to_its_first_query(explorer):
    explorer.update(5)
    explorer.class_menu.value = 1  # what a reader's choice in the menu does
    assert explorer.query_index == 1 and explorer.slider.value == 1
    assert explorer.status.value.startswith("query 1 · b 1 of 2")
    assert explorer.show_class("c") == 3 and explorer.class_menu.value == 2  # by name
    explorer.update(4)
    assert explorer.show_class(1) == 4  # already of that class: stays


def test_without_labels_steps_by_one_and_has_no_class_menu(unlabelled):
    unlabelled.update(2)
    assert unlabelled.class_menu is None and unlabelled.status.value == "query 2 of 4"
    assert [unlabelled.step(+1) for _ in range(3)] == [3, 0, 1]
    assert unlabelled.step(-1) == 0
    with pytest.raises(ValueError, match="show_class needs `query_labels`"):
        unlabelled.show_class(0)


def test_errors_name_the_problem(explorer):
    images = np.zeros((3, 4, 4))
    pair = (np.ones((3, 5)), np.ones((3, 5)))
    with pytest.raises(ValueError, match="non-empty dict"):
        NeighbourExplorer(images, images, {})
    with pytest.raises(ValueError, match="has 2 query embeddings but there are 3"):
        NeighbourExplorer(images, images, {"m": (np.zeros((2, 5)), np.zeros((3, 5)))})
    with pytest.raises(ValueError, match="widths 5 and 4"):
        NeighbourExplorer(images, images, {"m": (np.ones((3, 5)), np.ones((3, 4)))})
    with pytest.raises(ValueError, match="a pair"):
        NeighbourExplorer(images, images, {"m": np.ones((3, 5))})
    with pytest.raises(ValueError, match=r"`k` must be <= 3"):
        NeighbourExplorer(images, images, {"m": pair}, k=4)
    with pytest.raises(ValueError, match="`query_images` is empty"):
        NeighbourExplorer(images[:0], images, {"m": (np.ones((0, 5)), np.ones((3, 5)))})
    with pytest.raises(ValueError, match=r"`index_labels` holds labels 0..2, but `class_names` has 2 entries"):
        NeighbourExplorer(
            images, images, {"m": pair}, query_labels=[0, 1, 1], index_labels=[0, 1, 2], class_names=["a", "b"]
        )
    with pytest.raises(TypeError, match="`class_names` must hold str; received int"):
        NeighbourExplorer(images, images, {"m": pair}, query_labels=[0, 1, 1], class_names=[0, 1])
    with pytest.raises(TypeError, match="`class_names` must be a sequence of str"):
        NeighbourExplorer(images, images, {"m": pair}, class_names="ab")
    with pytest.raises(ValueError, match=r"must be in \[0, 5\]"):
        explorer.update(6)
    with pytest.raises(TypeError, match="must be an int"):
        explorer.neighbours(1.5)
    with pytest.raises(ValueError, match=r"`direction` must be -1 \(previous\) or \+1 \(next\); received 2"):
        explorer.step(2)
    with pytest.raises(TypeError, match="`direction` must be the int -1"):
        explorer.step(1.0)
    with pytest.raises(ValueError, match=r"one of \[0, 1, 2\] or a name in \['a', 'b', 'c'\]; received 'zebra'"):
        explorer.show_class("zebra")
    with pytest.raises(ValueError, match="received 7"):
        explorer.show_class(7)
