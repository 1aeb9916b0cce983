"""No cell overwrites a name an exercise asks the learner to define.

An exercise cell (metadata `"exercise": "NN.name"`) defines a function or an answer
(`def choose_threshold(...)`, `threshold_data_answer = ____`), and the check cell after it
passes that name to `check()`. When the setup cell, or any later cell, binds the same
name (a `from course_lib... import choose_threshold`, a `def`, an assignment), the
learner's definition is silently replaced: re-running the check then grades the library's
function or fails with a message about code the learner never wrote. These tests read
every notebook's code and name each such cell.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from course_lib.notebooks import find_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = find_notebooks(ROOT / "notebooks")
# IPython syntax that is not Python: magics and shell escapes at the start of a line.
_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)


def bound_names(source):
    """The module-level names a cell's code binds: defs, classes, imports, assignments, loop targets.

    >>> sorted(bound_names("import numpy as np\\nfrom a.b import c, d as e\\ndef f(x):\\n    y = 1\\n"
    ...                    "g, (h, i) = 1, (2, 3)\\nfor j in k: pass\\nwith m as n: pass\\nimport p.q"))
    ['c', 'e', 'f', 'g', 'h', 'i', 'j', 'n', 'np', 'p']
    """
    tree = ast.parse(_MAGIC.sub("", source))
    names = set()

    def targets(node):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    def visit(statements):
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Import):
                names.update((alias.asname or alias.name.split(".")[0]) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.update((alias.asname or alias.name) for alias in node.names)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    targets(target)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets(node.target)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                targets(node.target)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
            # Blocks run at module level too: their bindings count.
            for field in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(node, field, None)
                if isinstance(block, list) and not isinstance(
                    node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                ):
                    visit(block)
        for node in ast.walk(ast.Module(body=list(statements), type_ignores=[])):
            if isinstance(node, ast.NamedExpr):
                targets(node.target)

    visit(tree.body)
    return names


def shadowed_exercise_names(nb):
    """`(cell number, name, exercise id)` for every other cell that binds a name an exercise cell defines.

    The names an exercise asks for are those its cell binds (its function or its answer
    variable). Cells are numbered from 1, as Jupyter shows them.
    """
    cells = [(number, cell) for number, cell in enumerate(nb.cells, start=1) if cell.cell_type == "code"]
    asked = {}
    for _, cell in cells:
        exercise_id = cell.metadata.get("exercise")
        if exercise_id:
            for name in bound_names(cell.source):
                asked[name] = exercise_id
    found = []
    for number, cell in cells:
        if cell.metadata.get("exercise"):
            continue
        for name in sorted(bound_names(cell.source) & set(asked)):
            found.append((number, name, asked[name]))
    return found


def test_shadowing_is_detected():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from course_lib import map_at_r, top_k"),
            nbformat.v4.new_code_cell("def choose_threshold(scores, is_same):\n    return ____"),
            nbformat.v4.new_code_cell("exercises.choose_threshold.check(choose_threshold)"),
            nbformat.v4.new_code_cell("from course_lib.verification import choose_threshold\nt = choose_threshold(s)"),
            nbformat.v4.new_code_cell("answer = ____"),
            nbformat.v4.new_code_cell("%time map_at_r = 3\nif True:\n    answer = 'b'"),
            nbformat.v4.new_code_cell("import course_lib.verification as v\nt = v.choose_threshold(x)"),
        ]
    )
    nb.cells[1].metadata["exercise"] = "09.choose_threshold"
    nb.cells[4].metadata["exercise"] = "09.question"
    assert shadowed_exercise_names(nb) == [(4, "choose_threshold", "09.choose_threshold"), (6, "answer", "09.question")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_cell_shadows_a_name_an_exercise_asks_for(path):
    nb = nbformat.read(path, as_version=4)
    found = shadowed_exercise_names(nb)
    assert not found, f"{path.name}: " + "; ".join(
        f"cell {number} binds {name!r}, which exercise {exercise_id} asks the learner to define: "
        f"call the library's version through its module instead (course_lib.<module>.{name}(...))"
        for number, name, exercise_id in found
    )
