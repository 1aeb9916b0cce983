"""The shipped course notebooks follow the course's structure.

Running them is nbval's job (`make test-notebooks`); these tests check what a
reader and the solver rely on: order, header, setup, exercises, ending.
"""

import ast
import importlib
import re
import types

import nbformat
import pytest

from course_lib.exercises import all_exercises
from course_lib.notebooks import find_notebooks, notebook_problems

NOTEBOOKS = find_notebooks()
COURSE_LENGTH = 10  # notebooks 00 to 09


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


def _modules_and_objects_reached(value, depth=2):
    """`value` and, for a course_lib module, the objects reachable through its attributes
    (submodules included, `depth` levels down); the exercise modules are left out."""
    reached = [value]
    name = getattr(value, "__name__", "")
    if (
        depth
        and isinstance(value, types.ModuleType)
        and name.startswith("course_lib")
        and not name.startswith("course_lib.exercises")
    ):
        for attribute in vars(value).values():
            reached.extend(_modules_and_objects_reached(attribute, depth - 1))
    return reached


def _course_imports(source):
    """`(name, object)` for every name a cell's `course_lib` imports bind."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course_lib":
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                yield alias.asname or alias.name, value
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "course_lib":
                    bound = alias.name if alias.asname else alias.name.split(".")[0]
                    yield alias.asname or bound, importlib.import_module(bound)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_exercise_answer_is_imported_before_its_exercise(path):
    """An exercise that asks for a function by hand comes before the notebook imports the
    course's version of it (an exercise's `references`), directly or through its module."""
    nb = _read(path)
    exercises = all_exercises()
    imported = []  # (cell index, name, reachable objects)
    for index, cell in enumerate(nb.cells):
        exercise_id = cell.metadata.get("exercise")
        if exercise_id is not None:
            references = {id(reference): reference for reference in exercises[exercise_id].references}
            for where, name, reachable in imported:
                used = [references[id(value)] for value in reachable if id(value) in references]
                assert not used, (
                    f"cell {where} imports `{name}`, which gives {used[0].__name__}, before the "
                    f"exercise {exercise_id} (cell {index}) that asks the learner to write it; import "
                    f"it after the exercise."
                )
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            imported.extend(
                (index, name, _modules_and_objects_reached(value)) for name, value in _course_imports(source)
            )


def test_the_import_order_check_sees_modules_and_aliases():
    from course_lib import heads, similarity

    def reaches(source, reference):
        return any(
            any(value is reference for value in _modules_and_objects_reached(bound))
            for _, bound in _course_imports(source)
        )

    assert reaches("from course_lib import cosine_similarity as cos", similarity.cosine_similarity)
    assert reaches("from course_lib import heads", heads.margin_logits)
    assert reaches("import course_lib", heads.margin_logits)
    assert reaches("import course_lib.heads as h", heads.margin_logits)
    assert not reaches("from course_lib.exercises import nb06 as exercises", heads.margin_logits)
    assert not reaches("from course_lib import l2_normalize", similarity.cosine_similarity)
