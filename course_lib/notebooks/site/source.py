"""The MkDocs source of the course site: executed notebooks, docs/ pages, mkdocs.yml."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from course_lib.notebooks.files import find_notebooks
from course_lib.notebooks.site.run_info import RUN_INFO_NAME, format_run_info
from course_lib.notebooks.site.slides import notebook_slides, slides_html, slides_index
from course_lib.paths import project_root

__all__ = [
    "OPTIONAL_PAGES",
    "MATHJAX_URL",
    "SITE_ASSETS",
    "find_run_folder",
    "static_widget_views",
    "mkdocs_config",
    "assemble_site_source",
    "build_site",
]

# Pages written by hand in docs/, in the order the navigation lists them (each only if present).
OPTIONAL_PAGES = (
    ("Cheat sheet", "cheatsheet.md"),
    ("Glossary", "glossary.md"),
    ("For instructors", "instructors.md"),
    ("For contributors", "contributing.md"),
)
# The MathJax the notebook pages load (nbconvert's and mkdocs-jupyter's default), used for the
# Markdown pages too: one script, one look, one browser cache.
MATHJAX_URL = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"
# The site's own MathJax configuration and styles (print included), copied into the source folder.
SITE_ASSETS = "course-assets"
_ASSETS_SOURCE = Path(__file__).resolve().parent / "assets"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def find_run_folder(candidates, course=None):
    """The first folder in `candidates` that holds every course notebook executed.

    Args:
        candidates: folders to try, in order.
        course: the course notebooks' paths (default: `find_notebooks()`).

    Returns:
        A `Path`, or None when no folder is complete.
    """
    course = find_notebooks() if course is None else list(course)
    for folder in map(Path, candidates):
        if course and all((folder / path.name).is_file() for path in course):
            return folder
    return None


def _widget_children(state, model_id, seen):
    """Model ids reachable from `model_id` (itself first), depth first, in child order."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    found = [model_id]
    for child in state[model_id].get("state", {}).get("children", []) or []:
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _widget_children(state, child[len("IPY_MODEL_") :], seen)
    return found


def static_widget_views(nb, *, note=None):
    """Replaces every widget view in `nb` (in place) by what its first state showed.

    A widget view output (`application/vnd.jupyter.widget-view+json`) needs a
    kernel. The run saved each widget's state in the notebook's metadata;
    this puts, in the view's place, the outputs its `Output` widgets held
    (e.g. the explorer's figure as a PNG), the values of its `Label` widgets,
    and `note` in italics. The saved widget state is then removed.

    Args:
        nb: an executed `nbformat.NotebookNode`.
        note: the line shown under each replaced view. Defaults to a sentence
            saying the view is interactive in Jupyter.

    Returns:
        The number of views replaced.

    Raises:
        ValueError: if a view's widget state was not saved or holds no image
            or text to show (the message names the cell).
    """
    note = note or (
        "This is the first state of an interactive widget: run the notebook in "
        "Jupyter (JupyterLab, Colab or Binder) to move its slider and buttons."
    )
    state = (nb.get("metadata", {}).get("widgets", {}).get(_WIDGET_STATE, {}) or {}).get("state", {})
    replaced = 0
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            view = (
                output.get("data", {}).get(_WIDGET_VIEW)
                if output.get("output_type") in ("display_data", "execute_result")
                else None
            )
            if view is None:
                outputs.append(output)
                continue
            shown, labels = [], []
            for model_id in _widget_children(state, view.get("model_id"), set()):
                model = state[model_id]
                if model.get("model_name") == "OutputModel":
                    shown += [nbformat.from_dict(item) for item in model["state"].get("outputs", [])]
                elif model.get("model_name") in ("LabelModel", "HTMLModel") and model["state"].get("value"):
                    labels.append(str(model["state"]["value"]))
            if not shown and not labels:
                raise ValueError(
                    f"Cell {number} shows a widget whose saved state has nothing to show (model "
                    f"{view.get('model_id')}); expected the run to store the widget state "
                    f"(nbclient's store_widget_state). Run the notebook again with `python -m "
                    f"course_lib run`."
                )
            text = "\n".join([*(f"`{label}`" for label in labels), f"*{note}*"])
            outputs += shown + [nbformat.v4.new_output("display_data", data={"text/markdown": text})]
            replaced += 1
        cell.outputs = outputs
    nb.get("metadata", {}).pop("widgets", None)
    return replaced


def _notebook_title(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def mkdocs_config(*, docs_dir, site_dir, notebooks, pages=(), site_name="Deep Similarity"):
    """The MkDocs configuration (a dict, written as YAML) of the course site.

    Args:
        docs_dir: the source folder (absolute path, str or Path).
        site_dir: where the HTML goes.
        notebooks: list of `(title, "notebooks/NN_name.ipynb")` in course order.
        pages: list of `(title, "page.md")` shown after the notebooks.
        site_name: the site's title.

    Returns:
        A dict: material theme with `font: false` (nothing fetched), the
        `search` and `offline` plugins (the site works from `file://`),
        mkdocs-jupyter on `*.ipynb` only with its cache off, formulas in the
        Markdown pages typeset by MathJax (`pymdownx.arithmatex`, with the
        configuration and the print styles of `SITE_ASSETS`), and a `nav` of
        Home, the notebooks, then `pages`.

    Example:

    >>> config = mkdocs_config(docs_dir="/src", site_dir="/site",
    ...                        notebooks=[("Setup", "notebooks/00_setup.ipynb")],
    ...                        pages=[("Glossary", "glossary.md")])
    >>> config["nav"]
    [{'Home': 'index.md'}, {'Notebooks': [{'Setup': 'notebooks/00_setup.ipynb'}]}, {'Glossary': 'glossary.md'}]
    """
    for name, items in (("notebooks", notebooks), ("pages", pages)):
        bad = [item for item in items if not (isinstance(item, (tuple, list)) and len(item) == 2)]
        if bad:
            raise TypeError(f"`{name}` must be a list of (title, path) pairs; received {bad[0]!r}.")
    return {
        "site_name": site_name,
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "use_directory_urls": False,  # pages open from disk as page.html
        "theme": {
            "name": "material",
            "font": False,
            "features": ["navigation.sections", "navigation.top", "search.highlight"],
        },
        "plugins": [
            "search",
            "offline",
            {
                "mkdocs-jupyter": {
                    "include": ["*.ipynb"],
                    "execute": False,
                    "include_source": True,
                    "cache": False,
                    "ignore_h1_titles": True,
                }
            },
        ],
        "markdown_extensions": [
            "admonition",
            "tables",
            "toc",
            "md_in_html",
            {"pymdownx.highlight": {}},
            "pymdownx.superfences",
            {"pymdownx.arithmatex": {"generic": True}},
        ],
        "extra_javascript": [f"{SITE_ASSETS}/mathjax-config.js", MATHJAX_URL],
        "extra_css": [f"{SITE_ASSETS}/course.css"],
        "validation": {"links": {"anchors": "warn"}},
        "nav": [
            {"Home": "index.md"},
            {"Notebooks": [{title: path} for title, path in notebooks]},
            *({title: path} for title, path in pages),
        ],
    }


def assemble_site_source(run_folder, source_dir, *, site_dir, docs_dir=None, course=None):
    """Writes the MkDocs source folder: `docs/`, the executed notebooks, their slides and `mkdocs.yml`.

    Each notebook's deck (`course_lib.notebooks.site.slides`) goes to
    `slides/<notebook>.html`, and `slides.md` lists them (in the navigation
    before the instructor guide).

    Args:
        run_folder: folder with every course notebook executed (and, from
            `python -m course_lib run`, its `run-info.json`).
        source_dir: the folder to (re)create.
        site_dir: where `mkdocs build` will write the HTML.
        docs_dir: the hand-written pages (default: `<project>/docs`); its
            `index.md` is the landing page.
        course: the course notebooks (default: `find_notebooks()`).

    Returns:
        The path of the written `mkdocs.yml`.

    Raises:
        ValueError: if a notebook is missing from `run_folder`, its code differs
            from the course notebook (a stale run: run it again), it holds an
            error output, or `docs_dir` has no `index.md`.
    """
    import yaml

    run_folder, source_dir = Path(run_folder), Path(source_dir)
    docs_dir = Path(docs_dir) if docs_dir is not None else project_root() / "docs"
    course = find_notebooks() if course is None else [Path(path) for path in course]
    if not (docs_dir / "index.md").is_file():
        raise ValueError(f"Expected the landing page {docs_dir / 'index.md'}; it does not exist.")
    missing = [path.name for path in course if not (run_folder / path.name).is_file()]
    if missing:
        raise ValueError(
            f"{run_folder} lacks the executed {', '.join(missing)}; run "
            f"`python -m course_lib run --out {run_folder}` first."
        )
    info_path = run_folder / RUN_INFO_NAME
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else None
    if source_dir.exists():
        shutil.rmtree(source_dir)
    shutil.copytree(docs_dir, source_dir)
    shutil.copytree(_ASSETS_SOURCE, source_dir / SITE_ASSETS, dirs_exist_ok=True)
    (source_dir / "notebooks").mkdir(exist_ok=True)
    notebooks, decks = [], []
    for path in course:
        executed = nbformat.read(run_folder / path.name, as_version=4)
        _check_same_code(nbformat.read(path, as_version=4), executed, run_folder / path.name)
        static_widget_views(executed)
        _link_pages(executed, [other.stem for other in course])
        nbformat.write(executed, source_dir / "notebooks" / path.name)
        notebooks.append((_notebook_title(executed, path.stem), f"notebooks/{path.name}"))
        decks.append(_write_deck(executed, notebooks[-1][0], source_dir / "slides" / f"{path.stem}.html"))
    index = source_dir / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").rstrip() + "\n\n## This build\n\n" + format_run_info(info) + "\n",
        encoding="utf-8",
    )
    pages = [(title, name) for title, name in OPTIONAL_PAGES if (source_dir / name).is_file()]
    if decks:
        (source_dir / "slides.md").write_text(slides_index(decks), encoding="utf-8")
        guide = [index for index, (_, name) in enumerate(pages) if name == "instructors.md"]
        pages.insert(guide[0] if guide else len(pages), ("Slides", "slides.md"))  # before the guide
    config = mkdocs_config(
        docs_dir=source_dir.resolve(), site_dir=Path(site_dir).resolve(), notebooks=notebooks, pages=pages
    )
    config_path = source_dir.parent / f"{source_dir.name}.mkdocs.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return config_path


def _write_deck(executed, title, path):
    """Writes the slides of one executed notebook; returns `(title, file name, number of slides)`."""
    slides = notebook_slides(executed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        slides_html(
            slides,
            title=title,
            mathjax_config=f"../{SITE_ASSETS}/mathjax-config.js",
            mathjax_url=MATHJAX_URL,
            notebook_page=f"../notebooks/{path.stem}.html",
        ),
        encoding="utf-8",
    )
    return title, path.name, len(slides)


def _link_pages(nb, stems):
    """Points Markdown links between course notebooks (`02_x.ipynb#a`) at their pages
    (`02_x.html#a`): mkdocs-jupyter leaves them on the raw .ipynb files."""
    pattern = re.compile(r"\]\((" + "|".join(map(re.escape, stems)) + r")\.ipynb(#[^)\s]*)?\)")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = pattern.sub(lambda match: f"]({match[1]}.html{match[2] or ''})", cell.source)


def _check_same_code(shipped, executed, where):
    def code(nb):
        return [cell.source for cell in nb.cells if cell.cell_type == "code"]

    if code(shipped) != code(executed):
        raise ValueError(
            f"{where} was run from other code than the course notebook (an older "
            f"version?); run it again with `python -m course_lib run --out "
            f"{Path(where).parent}`."
        )
    for number, cell in enumerate(executed.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ValueError(
                    f"{where} cell {number} ends in {output.get('ename')}: "
                    f"{output.get('evalue')}; the site shows only clean runs."
                )


def build_site(config_path):
    """Runs `mkdocs build` on `config_path`, then mends the notebooks' tables of contents.

    mkdocs-jupyter slugs a heading with inline code (``## 4. The `course_lib` version``)
    without the code in the sidebar (`#4-the-version`) but with it on the heading
    (`id="4-the-course_lib-version"`); `_mend_toc_links` points the sidebar at the heading.

    Returns:
        MkDocs' log (str).

    Raises:
        RuntimeError: with MkDocs' log, if it fails.
    """
    import yaml

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--clean", "-q", "-f", str(config_path)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"mkdocs build failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    site_dir = Path(yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))["site_dir"])
    for page in sorted((site_dir / "notebooks").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        mended = _mend_toc_links(text)
        if mended != text:
            page.write_text(mended, encoding="utf-8")
    return result.stdout + result.stderr


_TOC_LINK = re.compile(r'<a href="#([^"]+)" class="md-nav__link">')
_SECTION_ID = re.compile(r'<h[2-6] id="([^"]+)"')


def _mend_toc_links(text):
    """Points each sidebar link of a notebook page at the id of its heading (h2-h6, in order).

    Example:

    >>> page = ('<a href="#4-the-version" class="md-nav__link">4</a>'
    ...         '<h1 id="title">T</h1><h2 id="4-the-course_lib-version">4</h2>')
    >>> _mend_toc_links(page)[:49]
    '<a href="#4-the-course_lib-version" class="md-nav'
    """
    toc = list(dict.fromkeys(_TOC_LINK.findall(text)))
    ids = _SECTION_ID.findall(text)
    if len(toc) != len(ids):
        return text  # not a one-to-one table of contents: leave it to check_site to report
    renames = {old: new for old, new in zip(toc, ids) if old != new and old not in ids}
    return _TOC_LINK.sub(lambda match: f'<a href="#{renames.get(match[1], match[1])}" class="md-nav__link">', text)
