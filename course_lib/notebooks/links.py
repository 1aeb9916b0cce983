"""Open-in-Colab and Binder links, and the Colab start-up lines, from one place.

The repository's address is written once, as `Repository` under
`[project.urls]` in `pyproject.toml`. Everything a learner clicks or runs to
open the course elsewhere is derived from it:

- each notebook's header line `[Open in Colab](...) · [Open on Binder](...)`,
  placed under the `**Notebook N of M**` line, whose N and M follow from the
  file names (`NN_name.ipynb` is notebook NN + 1 of the last NN + 1);
- the `open` column of the course table in `README.md`, and the Binder link
  of its "Other ways to run it" section;
- the first lines of each notebook's setup cell, which on Google Colab (and
  only there) clone the course and put it on `sys.path` before anything is
  imported from `course_lib`.

`python -m course_lib links` rewrites all of them from `pyproject.toml`;
`--check` only reports what differs (the tests run it), so a fork changes one
line and runs one command.
"""

import re
from pathlib import Path

from course_lib.paths import project_root

__all__ = [
    "repository_url",
    "colab_url",
    "binder_url",
    "colab_bootstrap",
    "sync_links",
]

_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")
_BRANCH = "main"
_CLONE_FOLDER = "deep-similarity"
_LINK_LINE = re.compile(r"^\[Open in Colab\]\(.*\) · \[Open on Binder\]\(.*\)$", re.MULTILINE)
_NOTEBOOK_LINE = re.compile(r"^\*\*Notebook \d+ of \d+\*\*.*$", re.MULTILINE)
_NOTEBOOK_NUMBER = re.compile(r"^\*\*Notebook \d+ of \d+\*\*", re.MULTILINE)
_BOOTSTRAP_FIRST = 'import sys\nif "google.colab" in sys.modules:'


def repository_url(root=None):
    """Returns the repository's GitHub address from `pyproject.toml`.

    Args:
        root: the folder that holds `pyproject.toml`. Defaults to the
            repository root.

    Returns:
        The `Repository` value of `[project.urls]`, without a trailing `/` or `.git`.

    Raises:
        ValueError: if `pyproject.toml` has no such entry, or it is not a
            `https://github.com/<owner>/<name>` address (Colab and Binder open
            notebooks from GitHub by owner and name).
    """
    path = Path(root or project_root()) / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    section = re.search(r"^\[project\.urls\]\s*$(?P<body>.*?)(?=^\[|\Z)", text, flags=re.MULTILINE | re.DOTALL)
    match = section and re.search(r'^Repository\s*=\s*"(?P<url>[^"]+)"', section["body"], flags=re.MULTILINE)
    if not match:
        raise ValueError(
            f'Expected a line Repository = "https://github.com/<owner>/<name>" '
            f"under [project.urls] in {path}; found none. Add it: every Colab and "
            f"Binder link is made from it."
        )
    url = match["url"]
    parts = _GITHUB.match(url)
    if not parts:
        raise ValueError(
            f"Expected [project.urls] Repository to be https://github.com/<owner>/"
            f"<name>; received {url!r}. Colab and Binder open notebooks from GitHub."
        )
    return f"https://github.com/{parts['owner']}/{parts['name']}"


def _owner_and_name(url):
    parts = _GITHUB.match(url)
    if not parts:
        raise ValueError(f"Expected https://github.com/<owner>/<name>; received {url!r}.")
    return parts["owner"], parts["name"]


def colab_url(notebook, repository):
    """The address that opens `notebook` (a file name in `notebooks/`) in Google Colab.

    Example:

    >>> colab_url("01_similarity_basics.ipynb", "https://github.com/ann/course")
    'https://colab.research.google.com/github/ann/course/blob/main/notebooks/01_similarity_basics.ipynb'
    """
    owner, name = _owner_and_name(repository)
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{_BRANCH}/notebooks/{Path(notebook).name}"


def binder_url(notebook, repository):
    """The address that builds the repository on mybinder.org and opens `notebook` in JupyterLab.

    Example:

    >>> binder_url("00_setup.ipynb", "https://github.com/ann/course")
    'https://mybinder.org/v2/gh/ann/course/HEAD?urlpath=lab/tree/notebooks/00_setup.ipynb'
    """
    owner, name = _owner_and_name(repository)
    return f"https://mybinder.org/v2/gh/{owner}/{name}/HEAD?urlpath=lab/tree/notebooks/{Path(notebook).name}"


def colab_bootstrap(repository):
    """The lines that open every setup cell: on Colab, fetch the course; elsewhere, nothing.

    Colab already has TensorFlow, Keras, NumPy, scikit-learn, matplotlib and
    ipywidgets, so nothing is installed: the course (library and data) is
    cloned once per session into `deep-similarity/` beside the notebook and put
    first on `sys.path`, which works in the running kernel without a restart
    (an editable `pip install` would need one).

    Returns:
        The lines as one string, ending with a blank line.
    """
    _owner_and_name(repository)
    return (
        "import sys\n"
        'if "google.colab" in sys.modules:  # on Google Colab only: fetch the course once per session\n'
        "    import os, subprocess\n"
        f'    if not os.path.isdir("{_CLONE_FOLDER}"):\n'
        '        subprocess.run(["git", "clone", "--quiet", "--depth=1",\n'
        f'                        "{repository}", "{_CLONE_FOLDER}"], check=True)\n'
        f'    sys.path.insert(0, os.path.abspath("{_CLONE_FOLDER}"))\n'
        "\n"
    )


def _link_line(notebook, repository):
    return f"[Open in Colab]({colab_url(notebook, repository)}) · [Open on Binder]({binder_url(notebook, repository)})"


def _with_header_links(source, notebook, repository, *, position, count):
    """The header with its links, and its `**Notebook N of M**` line saying `position` of `count`."""
    source = _NOTEBOOK_NUMBER.sub(f"**Notebook {position} of {count}**", source, count=1)
    line = _link_line(notebook, repository)
    if _LINK_LINE.search(source):
        return _LINK_LINE.sub(lambda _: line, source, count=1)
    match = _NOTEBOOK_LINE.search(source)
    if not match:
        raise ValueError(
            f"{notebook}: expected a '**Notebook N of M**' line in the first cell "
            f"to put the Colab and Binder links under; found none."
        )
    return source[: match.end()] + "\n\n" + line + source[match.end() :]


def _with_bootstrap(source, repository):
    if source.startswith(_BOOTSTRAP_FIRST):
        source = source.split("\n\n", 1)[1] if "\n\n" in source else ""
    return colab_bootstrap(repository) + source


def _setup_cell(nb, notebook):
    for cell in nb.cells:
        if cell.cell_type == "code" and "setup_device(" in cell.source:
            return cell
    raise ValueError(f"{notebook}: expected a setup cell that calls setup_device(...); found none.")


def _readme_text(text, notebooks, repository):
    for path in notebooks:
        row = re.compile(rf"^(\| \d\d \| \[`{re.escape(path.name)}`\][^\n]*\| )[^|\n]*\|$", flags=re.MULTILINE)
        if not row.search(text):
            raise ValueError(
                f"README.md: expected a row of the course table for {path.name} ending in an 'open' column; found none."
            )
        link = colab_url(path.name, repository)
        text = row.sub(lambda m, link=link: f"{m[1]}[Colab]({link}) |", text)
    binder = re.compile(r"https://mybinder\.org/v2/gh/[^)\s`]*")
    return binder.sub(binder_url(notebooks[0].name, repository), text)


def sync_links(*, check=False, root=None):
    """Makes every link and setup cell agree with `[project.urls]` (or, with `check`, reports).

    Args:
        check: only list the files that differ; write nothing.
        root: the repository root. Defaults to this clone's.

    Returns:
        The sorted list of paths (relative to `root`) that differed: rewritten,
        or with `check=True` still to rewrite.

    Raises:
        ValueError: if the repository address is missing or not on GitHub, or a
            notebook or README lacks the place where the links go.
    """
    import nbformat

    from course_lib.notebooks.files import NOTEBOOK_PATTERN, write_if_changed

    root = Path(root or project_root())
    repository = repository_url(root)
    notebooks = sorted((root / "notebooks").glob(NOTEBOOK_PATTERN))
    changed = []
    count = int(notebooks[-1].name[:2]) + 1 if notebooks else 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        header = nb.cells[0]
        header.source = _with_header_links(
            header.source, path.name, repository, position=int(path.name[:2]) + 1, count=count
        )
        setup = _setup_cell(nb, path.name)
        setup.source = _with_bootstrap(setup.source, repository)
        if check:
            if nbformat.writes(nb) + "\n" != path.read_text(encoding="utf-8"):
                changed.append(path)
        elif write_if_changed(nb, path):
            changed.append(path)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = _readme_text(text, notebooks, repository)
    if new != text:
        changed.append(readme)
        if not check:
            readme.write_text(new, encoding="utf-8")
    return sorted(str(path.relative_to(root)) for path in changed)
