"""Finding and cleaning the course notebooks: order, outputs, volatile metadata, kernelspec."""

from pathlib import Path

from course_lib.paths import project_root

__all__ = [
    "NOTEBOOK_PATTERN",
    "find_notebooks",
    "resolve_notebooks",
    "strip_outputs",
    "clean_notebook",
    "notebook_problems",
    "write_if_changed",
    "sync_generated_block",
]

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
# The kernel `make setup` and Binder register; JupyterLab opens the notebooks with it, no
# kernel picker. Colab ignores the name and runs its own Python 3.
_KERNEL_NAME = "deep-similarity"
_KERNELSPEC = {"name": _KERNEL_NAME, "display_name": "Python (Deep Similarity)", "language": "python"}
_CELL_VOLATILE = ("execution", "collapsed", "scrolled", "ExecuteTime")
_NOTEBOOK_VOLATILE = ("widgets", "signature", "papermill")


def find_notebooks(folder=None):
    """Returns the course notebooks (`NN_name.ipynb`) in `folder`, in course order.

    Args:
        folder: folder to search. Defaults to `notebooks/` at the repository root.

    Returns:
        A sorted list of `pathlib.Path`; checkpoints and un-numbered notebooks
        are left out.

    Raises:
        ValueError: if `folder` does not exist.

    Example:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("02_b.ipynb", "01_a.ipynb", "scratch.ipynb"):
    ...         _ = (Path(folder) / name).write_text("{}")
    ...     print([path.name for path in find_notebooks(folder)])
    ['01_a.ipynb', '02_b.ipynb']
    """
    folder = Path(folder) if folder is not None else project_root() / "notebooks"
    if not folder.is_dir():
        raise ValueError(
            f"Expected a folder of notebooks; {folder} does not exist. Pass the folder that "
            f"holds the NN_name.ipynb files."
        )
    return sorted(folder.glob(NOTEBOOK_PATTERN))


def resolve_notebooks(names):
    """Turns command-line NOTEBOOK arguments into paths: every course notebook when there are none.

    Args:
        names: strings, each a path to a notebook, a file stem (`01_similarity_basics`,
            with or without `.ipynb`) or a unique prefix (`01`) of a course notebook.

    Returns:
        A list of `pathlib.Path`, in the order given (course order for none).

    Raises:
        ValueError: if there are no course notebooks, or a name matches none or several.
    """
    if not names:
        found = find_notebooks()
        if not found:
            raise ValueError(f"No notebooks matching {NOTEBOOK_PATTERN} in {project_root() / 'notebooks'}.")
        return found
    paths, course = [], None
    for name in names:
        if Path(name).is_file():
            paths.append(Path(name))
            continue
        stem = name[: -len(".ipynb")] if name.endswith(".ipynb") else name
        course = course if course is not None else find_notebooks()
        matches = [path for path in course if path.stem == stem] or [
            path for path in course if path.stem.startswith(stem)
        ]
        if len(matches) != 1:
            known = ", ".join(path.stem for path in course) or "none"
            raise ValueError(
                f"NOTEBOOK {name!r} matches {len(matches)} notebooks; expected a "
                f"path, a stem or a unique prefix. Course notebooks: {known}."
            )
        paths.extend(matches)
    return paths


def strip_outputs(nb):
    """Removes outputs, execution counts and volatile metadata, in place (with `nbstripout`).

    Volatile metadata is what changes on every run or click: per cell
    `execution` (timings), `collapsed`, `scrolled` and `ExecuteTime`; per
    notebook `widgets` (widget state), `signature` and `papermill`.

    Args:
        nb: an `nbformat` v4 notebook (`nbformat.read(path, as_version=4)`).

    Returns:
        The same notebook object, for chaining.

    Example:

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3,
    ...     outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "2"})])
    >>> cell.metadata["scrolled"] = True
    >>> nb = strip_outputs(nbformat.v4.new_notebook(cells=[cell]))
    >>> nb.cells[0].outputs, nb.cells[0].execution_count, dict(nb.cells[0].metadata)
    ([], None, {})
    """
    from nbstripout import strip_output

    # nbstripout already drops the per-cell keys and the notebook's `widgets` and
    # `signature`; `keep_id` keeps the cells' stable ids ("cell-00", ...).
    extra = [f"metadata.{key}" for key in _NOTEBOOK_VOLATILE] + [f"cell.metadata.{key}" for key in _CELL_VOLATILE]
    strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=extra)
    return nb


def write_if_changed(nb, path):
    import nbformat

    text = nbformat.writes(nb)
    text = text if text.endswith("\n") else text + "\n"
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def sync_generated_block(page, name, content):
    """Rewrites the text between the markers `<!-- name ... -->` and `<!-- /name -->` of a Markdown file.

    How the generated tables of `docs/` are kept true: the page holds the markers,
    a command writes what lies between them, and a test compares.

    Args:
        page: the Markdown file.
        name: the block's name, e.g. `"study-time-table"`.
        content: the text the block must hold.

    Returns:
        True if the file changed; False if it was current or has no such markers.
    """
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    start = text.find(f"<!-- {name} ")
    end = text.find(f"<!-- /{name} -->")
    if start < 0 or end < start:
        return False
    opening = text[start : text.index("-->", start) + 3]
    new = text[:start] + opening + "\n\n" + content + "\n\n" + text[end:]
    if new == text:
        return False
    page.write_text(new, encoding="utf-8")
    return True


# The older private name, for scripts that still use it.
_write_if_changed = write_if_changed


def clean_notebook(path):
    """Strips a notebook file in place and sets its kernelspec to the course's kernel.

    What `python -m course_lib clean` does to each notebook. The file is only
    rewritten when something changes.

    Args:
        path: path of the `.ipynb` file.

    Returns:
        True if the file was rewritten, False if it was already clean.

    Example:

    >>> import nbformat, tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", execution_count=1)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "01_demo.ipynb"
    ...     nbformat.write(nb, path)
    ...     print(clean_notebook(path), clean_notebook(path), notebook_problems(path))
    True False []
    """
    import nbformat

    nb = strip_outputs(nbformat.read(path, as_version=4))
    if dict(nb.metadata.get("kernelspec", {})) != _KERNELSPEC:
        nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    return write_if_changed(nb, path)


def notebook_problems(path):
    """Lists what keeps a notebook from being committed as is.

    Reports outputs, execution counts, volatile metadata (see
    `strip_outputs`) and a kernelspec other than the course's
    (`deep-similarity`, "Python (Deep Similarity)"); all of them are
    fixed by `python -m course_lib clean <path>`.

    Args:
        path: path of the `.ipynb` file.

    Returns:
        A list of messages (str), empty when the notebook is clean.

    Example:

    >>> import nbformat, tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", execution_count=1)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "01_demo.ipynb"
    ...     nbformat.write(nb, path)
    ...     for problem in notebook_problems(path):
    ...         print(problem)
    01_demo.ipynb cell 1: execution_count 1 (run `python -m course_lib clean` to strip it)
    01_demo.ipynb: kernelspec None, expected 'deep-similarity' (run `python -m course_lib clean` to set it)
    """
    import nbformat

    path = Path(path)
    fix = "(run `python -m course_lib clean` to strip it)"
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # any unreadable file is a problem to report, not to raise
        return [f"{path.name}: not a readable notebook ({type(error).__name__}: {error})"]
    problems = []
    volatile = sorted(set(nb.metadata) & set(_NOTEBOOK_VOLATILE))
    if volatile:
        problems.append(f"{path.name}: volatile notebook metadata {volatile} {fix}")
    for number, cell in enumerate(nb.cells, start=1):
        where = f"{path.name} cell {number}"
        if cell.get("outputs"):
            problems.append(f"{where}: {len(cell.outputs)} output(s) {fix}")
        if cell.get("execution_count") is not None:
            problems.append(f"{where}: execution_count {cell.execution_count} {fix}")
        volatile = sorted(set(cell.metadata) & set(_CELL_VOLATILE))
        if volatile:
            problems.append(f"{where}: volatile cell metadata {volatile} {fix}")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if dict(nb.metadata.get("kernelspec", {})) != _KERNELSPEC:
        problems.append(
            f"{path.name}: kernelspec {kernel!r}, expected {_KERNEL_NAME!r} "
            f"(run `python -m course_lib clean` to set it)"
        )
    return problems
