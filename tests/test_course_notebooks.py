"""The shipped course notebooks follow the course's structure.

Running them is nbval's job (`make test-notebooks`); these tests check what a
reader and the solver rely on: order, header, setup, exercises, ending.
"""

import re

import nbformat
import pytest

from course_lib.exercises import all_exercises
from course_lib.notebooks import find_notebooks, notebook_problems

NOTEBOOKS = find_notebooks()
COURSE_LENGTH = 8  # notebooks 00 to 07


def _read(path):
    return nbformat.read(path, as_version=4)


def test_notebooks_exist_and_are_numbered_in_order():
    numbers = [int(path.stem[:2]) for path in NOTEBOOKS]
    assert numbers[:2] == [0, 1], [path.name for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_header_objectives_setup_and_ending(path):
    nb = _read(path)
    number = int(path.stem[:2])
    header = nb.cells[0]
    assert header.cell_type == "markdown"
    assert re.match(rf"# {number:02d} · \S", header.source), header.source.splitlines()[0]
    assert f"**Notebook {number + 1} of {COURSE_LENGTH}**" in header.source
    assert "**Prerequisites:**" in header.source
    assert re.search(r"\*\*Run time:\*\* about \d+(\.\d+)? (seconds|minutes?)", header.source)
    markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "## Learning objectives" in markdown and "By the end you can" in markdown
    assert "## Summary" in markdown and "## Try next" in markdown
    if number < COURSE_LENGTH - 1:
        assert re.search(rf"\*\*Next:\*\* \[{number + 1:02d} · .+\]\({number + 1:02d}_\w+\.ipynb\)", markdown)
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "setup_device(seed=" in first_code.source, "the first code cell is the setup cell"
    assert "!pip" not in "\n".join(cell.source for cell in nb.cells), "no installs inside notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_exercise_cells_are_blank_registered_and_checked(path):
    nb = _read(path)
    exercises = all_exercises()
    prefix = f"{path.stem[:2]}."
    found = []
    for index, cell in enumerate(nb.cells):
        exercise_id = cell.metadata.get("exercise")
        if exercise_id is None:
            continue
        found.append(exercise_id)
        assert exercise_id in exercises, f"unknown exercise id {exercise_id!r}"
        assert exercise_id.startswith(prefix), f"{exercise_id!r} belongs to another notebook"
        assert "____" in cell.source, f"the shipped {exercise_id} cell must hold the blank ____"
        assert exercises[exercise_id].answer_name in cell.source
        check_cell = nb.cells[index + 1]
        name = exercise_id.split(".", 1)[1]
        assert f".{name}.check({exercises[exercise_id].answer_name})" in check_cell.source
        assert f".{name}.hint()" in check_cell.source and f".{name}.solution()" in check_cell.source
    expected = sorted(exercise_id for exercise_id in exercises if exercise_id.startswith(prefix))
    assert sorted(found) == expected, "each of the notebook's exercises appears exactly once"
    if path.stem.startswith("01"):
        assert len(found) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_shipped_notebooks_are_clean(path):
    """No outputs, execution counts or volatile metadata: `python -m course_lib clean` fixes it."""
    assert notebook_problems(path) == []
