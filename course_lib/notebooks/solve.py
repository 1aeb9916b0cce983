"""Solved copies of notebooks: each exercise cell replaced by its registered solution."""

import copy
from pathlib import Path

from course_lib.notebooks.files import strip_outputs, write_if_changed
from course_lib.paths import build_dir

__all__ = ["solve_notebook", "solve_notebooks", "solved_run"]


def _get_exercise(exercise_id):
    try:
        from course_lib.exercises import get_exercise
    except ImportError as error:
        raise ImportError(
            f"Solving needs course_lib.exercises.get_exercise, which could not be imported: {error}"
        ) from error
    return get_exercise(exercise_id)


def solve_notebook(nb):
    """Returns a copy of `nb` with each exercise cell holding its solution.

    An exercise cell is a code cell whose metadata has `"exercise": "<id>"`;
    its source becomes `course_lib.exercises.get_exercise(id).solution_code`.
    Every other cell is left as it is; outputs are cleared (`strip_outputs`).

    Args:
        nb: an `nbformat` v4 notebook. It is not modified.

    Returns:
        The solved copy.

    Raises:
        ValueError: if an exercise id is not a str or is unknown.
        TypeError: if an exercise's `solution_code` is not a str.

    Example:

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("answer = ____")
    >>> cell.metadata["exercise"] = "01.cosine_matrix"
    >>> solved = solve_notebook(nbformat.v4.new_notebook(cells=[cell]))
    >>> solved.cells[0].source.startswith("def cosine_matrix"), cell.source
    (True, 'answer = ____')
    """
    solved = strip_outputs(copy.deepcopy(nb))
    for number, cell in enumerate(solved.cells, start=1):
        if cell.cell_type != "code" or "exercise" not in cell.metadata:
            continue
        exercise_id = cell.metadata["exercise"]
        if not isinstance(exercise_id, str):
            raise ValueError(
                f"cell {number}: metadata 'exercise' must be an exercise id str such as "
                f"'01.cosine_matrix'; received {exercise_id!r}."
            )
        try:
            exercise = _get_exercise(exercise_id)
        except LookupError as error:
            reason = error.args[0] if error.args else error
            raise ValueError(
                f"cell {number}: unknown exercise id {exercise_id!r} ({reason}). Fix the cell's "
                f"metadata 'exercise' or register the exercise in course_lib.exercises."
            ) from None
        solution = getattr(exercise, "solution_code", None)
        if not isinstance(solution, str):
            raise TypeError(
                f"cell {number}: exercise {exercise_id!r} must have a str `solution_code`; "
                f"received {type(solution).__name__}."
            )
        cell.source = solution
    return solved


def solve_notebooks(paths, *, out_dir=None):
    """Writes a solved copy of each notebook (see `solve_notebook`).

    Args:
        paths: notebook paths.
        out_dir: folder for the copies, which keep their file names. Defaults to
            `<build dir>/solved`.

    Returns:
        The list of written paths, in the order of `paths`.

    Raises:
        ValueError: if a copy would overwrite its source, or as `solve_notebook`
            (the message then starts with the notebook's path).

    Example:

    >>> import nbformat, tempfile
    >>> cell = nbformat.v4.new_code_cell("answer = ____")
    >>> cell.metadata["exercise"] = "01.recall_at_k"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     source = Path(folder) / "01_demo.ipynb"
    ...     nbformat.write(nbformat.v4.new_notebook(cells=[cell]), source)
    ...     (path,) = solve_notebooks([source], out_dir=Path(folder) / "solved")
    ...     print(path.relative_to(folder), nbformat.read(path, as_version=4).cells[0].source[:15])
    solved/01_demo.ipynb def recall_at_k
    """
    import nbformat

    out_dir = Path(out_dir) if out_dir is not None else build_dir() / "solved"
    written = []
    for path in map(Path, paths):
        target = out_dir / path.name
        if target.resolve() == path.resolve():
            raise ValueError(
                f"Solving {path} into {out_dir} would overwrite the shipped notebook; pass another output folder."
            )
        try:
            solved = solve_notebook(nbformat.read(path, as_version=4))
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        write_if_changed(solved, target)
        written.append(target)
    return written


def solved_run(paths):
    """What `python -m course_lib run --solved` runs, and how.

    The notebooks' solved copies (written to `<build dir>/solved/`) run in the
    originals' folder, so that relative paths work, with
    `COURSE_EXERCISE_EXPECT=correct` (every `check()` then raises on a wrong
    solution).

    Args:
        paths: notebook files, all from one folder.

    Returns:
        A tuple `(solved_paths, cwd, env, out_dir)`: the copies to run, the
        kernels' folder, the extra environment and the default output folder
        (`<build dir>/executed-solved`).

    Raises:
        ValueError: if the notebooks come from more than one folder.
    """
    folders = {Path(path).parent.resolve() for path in paths}
    if len(folders) > 1:
        raise ValueError(
            f"--solved runs notebooks from one folder at a time; received notebooks from {len(folders)} folders."
        )
    solved = solve_notebooks(paths, out_dir=build_dir() / "solved")
    return solved, folders.pop(), {"COURSE_EXERCISE_EXPECT": "correct"}, build_dir() / "executed-solved"
