"""The course website: executed notebooks and the pages in `docs/`, built with MkDocs.

`python -m course_lib site` (or `make site`) builds a static site into
`build/site/` from notebooks that `python -m course_lib run` already executed
(the same executions the tests check; `make test-binder` leaves them in
`build/binder/`):

- `collect_run_info` / `write_run_info`: the date, machine and package versions
  of a run, written by `run` as `run-info.json` next to the executed notebooks.
- `find_run_folder`: the first folder that holds every course notebook executed.
- `static_widget_views`: replaces each widget view in an executed notebook (a
  widget cannot run on a static page) by what its first state showed: the
  images and text of its `Output` and `Label` widgets, from the widget state
  the run saved, and a line saying it is interactive in Jupyter.
- `assemble_site_source`: the MkDocs source folder: `docs/` copied, the run's
  facts added to the landing page, the executed notebooks under `notebooks/`,
  and `mkdocs.yml` (navigation in course order; `docs/cheatsheet.md`,
  `docs/glossary.md` and `docs/instructors.md` when they exist).
- `build_site`: runs MkDocs (mkdocs-material, mkdocs-jupyter, offline).
- `check_site`: every page present, no broken relative link or anchor, no error
  or stderr output, and a search index that lists every notebook.

Install the tools with `pip install -e '.[site]'`.
"""

import datetime
import html.parser
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import nbformat

from course_lib.notebooks.files import find_notebooks
from course_lib.paths import project_root

__all__ = [
    "RUN_INFO_NAME",
    "collect_run_info",
    "write_run_info",
    "format_run_info",
    "find_run_folder",
    "static_widget_views",
    "mkdocs_config",
    "assemble_site_source",
    "build_site",
    "find_links",
    "check_site",
]

RUN_INFO_NAME = "run-info.json"
# Pages written by hand in docs/, in the order the navigation lists them (each only if present).
OPTIONAL_PAGES = (("Cheat sheet", "cheatsheet.md"), ("Glossary", "glossary.md"),
                  ("For instructors", "instructors.md"))
# The only remote assets the pages keep. nbconvert's MathJax for the formulas (no copy ships
# with the Python packages): without a network the formulas show as TeX source.
ALLOWED_REMOTE = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/",
                  # material's offline plugin: search from file:// (served over HTTP, search
                  # works without it); no copy ships with the Python packages.
                  "https://unpkg.com/iframe-worker/shim")
_PACKAGES = {"TensorFlow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos"),
             "Keras": ("keras",), "NumPy": ("numpy",), "scikit-learn": ("scikit-learn",)}
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _version(names):
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _describe_devices_in_child():
    """`describe_devices()` run in a child process, so TensorFlow is not imported here
    (the notebooks' runners are forked from this process). Empty dict if it fails."""
    code = ("import json; from course_lib.device import describe_devices; "
            "info = describe_devices(); print(json.dumps({key: info[key] for key in "
            "('accelerator', 'gpu_names', 'cpu_cores')}))")
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=300)
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError, OSError):
        return {}


def collect_run_info(*, devices=None, limits=None, now=None):
    """The facts a reader needs to trust a run: when, on what, with which versions.

    Args:
        devices: dict from `course_lib.device.describe_devices()` (its
            `accelerator`, `gpu_names`, `cpu_cores`); None calls it in a child
            process (which imports TensorFlow).
        limits: optional dict with `cpus` (int or None) and `memory` (MiB or
            None) that the run was confined to (`run --binder`).
        now: a timezone-aware `datetime.datetime`; defaults to the current UTC time.

    Returns:
        A JSON-ready dict with `date` (ISO 8601, UTC), `machine` (`cpu`,
        `cpu_cores`, `accelerator`, `gpus`, `platform`), `limits` and
        `versions` (Python, TensorFlow, Keras, NumPy, scikit-learn; None when
        a package is missing).

    Raises:
        TypeError: if `devices` or `limits` is not a dict, or `now` is not a
            timezone-aware datetime.

    Example:

    >>> info = collect_run_info(devices={"accelerator": "CPU", "gpu_names": [], "cpu_cores": 2},
    ...     now=datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.timezone.utc))
    >>> info["date"], info["machine"]["accelerator"], info["machine"]["cpu_cores"]
    ('2026-12-02T04:00:00+00:00', 'CPU', 2)
    """
    if devices is None:
        devices = _describe_devices_in_child()
    for name, value in (("devices", devices), ("limits", limits)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"`{name}` must be a dict (or None); received {type(value).__name__}.")
    now = now if now is not None else datetime.datetime.now(datetime.timezone.utc)
    if not isinstance(now, datetime.datetime) or now.tzinfo is None:
        raise TypeError(f"`now` must be a timezone-aware datetime, e.g. "
                        f"datetime.now(timezone.utc); received {now!r}.")
    versions = {"Python": platform.python_version()}
    versions.update({label: _version(names) for label, names in _PACKAGES.items()})
    return {
        "date": now.astimezone(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpu": _cpu_model(),
            "cpu_cores": devices.get("cpu_cores") or os.cpu_count(),
            "accelerator": devices.get("accelerator", "CPU"),
            "gpus": list(devices.get("gpu_names") or []),
            "platform": f"{platform.system()} {platform.machine()}",
        },
        "limits": {"cpus": (limits or {}).get("cpus"), "memory_mib": (limits or {}).get("memory")},
        "versions": versions,
    }


def write_run_info(out_dir, info, runs):
    """Writes `run-info.json` into `out_dir`: `info` plus each notebook's status and time.

    Args:
        out_dir: the folder of the executed notebooks.
        info: dict from `collect_run_info`.
        runs: the `NotebookRun`s of the run, in order.

    Returns:
        The path written. An existing file's entries for notebooks not in
        `runs` are kept, so running one notebook again leaves the others'.
    """
    path = Path(out_dir) / RUN_INFO_NAME
    notebooks = {}
    if path.is_file():
        try:
            notebooks = json.loads(path.read_text(encoding="utf-8")).get("notebooks", {})
        except ValueError:
            notebooks = {}
    for run in runs:
        notebooks[run.notebook.stem] = {
            "status": run.status, "seconds": round(run.seconds, 1),
            "peak_mib": round(run.peak_mib) if run.peak_mib is not None else None,
            "date": info["date"]}
    data = {**info, "notebooks": dict(sorted(notebooks.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def format_run_info(info):
    """Markdown lines that tell a reader of the site where and when the outputs were made.

    Example:

    >>> info = collect_run_info(devices={"accelerator": "CPU", "gpu_names": [], "cpu_cores": 2},
    ...     now=datetime.datetime(2026, 12, 2, 4, 0, tzinfo=datetime.timezone.utc))
    >>> print(format_run_info(info).splitlines()[0])
    The outputs on this site (tables, plots, timings) come from one run of every notebook:
    """
    if info is None:
        return ("The outputs on this site come from a run whose date, machine and versions "
                f"were not recorded (no `{RUN_INFO_NAME}` in its folder).")
    machine, limits = info["machine"], info.get("limits") or {}
    if machine["accelerator"] == "GPU" and machine["gpus"]:
        device = f"GPU ({', '.join(machine['gpus'])})"
    else:
        device = "CPU only"
    confined = ""
    if limits.get("cpus") or limits.get("memory_mib"):
        confined = (f", confined to {limits.get('cpus') or 'all'} CPU(s) and "
                    f"{limits['memory_mib']:.0f} MiB of memory" if limits.get("memory_mib")
                    else f", confined to {limits['cpus']} CPU(s)")
    versions = ", ".join(f"{name} {version or 'not installed'}"
                         for name, version in info["versions"].items())
    lines = [
        "The outputs on this site (tables, plots, timings) come from one run of every notebook:",
        "",
        f"- **date:** {info['date'].replace('T', ' ').replace('+00:00', ' UTC')}",
        f"- **machine:** {machine['cpu']}, {machine['cpu_cores']} core(s), {device}, "
        f"{machine['platform']}{confined}",
        f"- **versions:** {versions}",
    ]
    timed = {stem: entry for stem, entry in info.get("notebooks", {}).items() if entry.get("seconds")}
    if timed:
        lines.append("- **wall time per notebook:** " + ", ".join(
            f"{stem[:2]} {entry['seconds']:.0f} s" for stem, entry in timed.items()))
    return "\n".join(lines)


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
            found += _widget_children(state, child[len("IPY_MODEL_"):], seen)
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
    note = note or ("This is the first state of an interactive widget: run the notebook in "
                    "Jupyter (JupyterLab, Colab or Binder) to move its slider and buttons.")
    state = (nb.get("metadata", {}).get("widgets", {}).get(_WIDGET_STATE, {}) or {}).get("state", {})
    replaced = 0
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(_WIDGET_VIEW) if output.get("output_type") in (
                "display_data", "execute_result") else None
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
                    f"course_lib run`.")
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
        mkdocs-jupyter on `*.ipynb` only with its cache off, and a `nav` of
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
        "theme": {"name": "material", "font": False,
                  "features": ["navigation.sections", "navigation.top", "search.highlight"]},
        "plugins": [
            "search",
            "offline",
            {"mkdocs-jupyter": {"include": ["*.ipynb"], "execute": False,
                                "include_source": True, "cache": False,
                                "ignore_h1_titles": True}},
        ],
        "markdown_extensions": ["admonition", "tables", "toc", {"pymdownx.highlight": {}},
                                "pymdownx.superfences"],
        "validation": {"links": {"anchors": "warn"}},
        "nav": [{"Home": "index.md"},
                {"Notebooks": [{title: path} for title, path in notebooks]},
                *({title: path} for title, path in pages)],
    }


def assemble_site_source(run_folder, source_dir, *, site_dir, docs_dir=None, course=None):
    """Writes the MkDocs source folder: `docs/`, the executed notebooks and `mkdocs.yml`.

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
        raise ValueError(f"{run_folder} lacks the executed {', '.join(missing)}; run "
                         f"`python -m course_lib run --out {run_folder}` first.")
    info_path = run_folder / RUN_INFO_NAME
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else None
    if source_dir.exists():
        shutil.rmtree(source_dir)
    shutil.copytree(docs_dir, source_dir)
    (source_dir / "notebooks").mkdir(exist_ok=True)
    notebooks = []
    for path in course:
        executed = nbformat.read(run_folder / path.name, as_version=4)
        _check_same_code(nbformat.read(path, as_version=4), executed, run_folder / path.name)
        static_widget_views(executed)
        _link_pages(executed, [other.stem for other in course])
        nbformat.write(executed, source_dir / "notebooks" / path.name)
        notebooks.append((_notebook_title(executed, path.stem), f"notebooks/{path.name}"))
    index = source_dir / "index.md"
    index.write_text(index.read_text(encoding="utf-8").rstrip() + "\n\n## This build\n\n"
                     + format_run_info(info) + "\n", encoding="utf-8")
    pages = [(title, name) for title, name in OPTIONAL_PAGES if (source_dir / name).is_file()]
    config = mkdocs_config(docs_dir=source_dir.resolve(), site_dir=Path(site_dir).resolve(),
                           notebooks=notebooks, pages=pages)
    config_path = source_dir.parent / f"{source_dir.name}.mkdocs.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return config_path


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
        raise ValueError(f"{where} was run from other code than the course notebook (an older "
                         f"version?); run it again with `python -m course_lib run --out "
                         f"{Path(where).parent}`.")
    for number, cell in enumerate(executed.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise ValueError(f"{where} cell {number} ends in {output.get('ename')}: "
                                 f"{output.get('evalue')}; the site shows only clean runs.")


def build_site(config_path):
    """Runs `mkdocs build` on `config_path`; raises RuntimeError with its log if it fails."""
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "-q", "-f",
                             str(config_path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"mkdocs build failed (exit {result.returncode}):\n"
                           f"{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


class _LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids, self.errors, self._skip = [], set(), [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and not (tag == "link" and attrs.get("rel") in (
                    "preconnect", "dns-prefetch")):
                self.links.append((tag, key, attrs[key]))
        classes = (attrs.get("class") or "").split()
        if attrs.get("data-mime-type") in _ERROR_MIME_TYPES or _ERROR_CLASSES & set(classes):
            self.errors.append(f"<{tag} class={attrs.get('class')!r} "
                               f"data-mime-type={attrs.get('data-mime-type')!r}>")

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and "Traceback (most recent call last)" in data:
            self.errors.append("a traceback")


# How nbconvert's templates mark stderr and error outputs.
_ERROR_MIME_TYPES = ("application/vnd.jupyter.stderr",)
_ERROR_CLASSES = {"output_stderr", "output_error", "jp-OutputArea-error"}


def find_links(text):
    """The links, element ids and error outputs of an HTML page.

    Returns:
        `(links, ids, errors)`: a list of `(tag, attribute, value)` for every
        `href` and `src`, the set of `id` values (and `<a name>`), and a list
        of str describing each stderr or error output (an element marked as
        one by nbconvert, or a traceback outside scripts and styles).

    Example:

    >>> find_links('<a href="b.html#x">b</a><h2 id="y">Y</h2><img src="i.png">'
    ...            '<style>.x[data-mime-type="application/vnd.jupyter.stderr"]{}</style>')
    ([('a', 'href', 'b.html#x'), ('img', 'src', 'i.png')], {'y'}, [])
    >>> find_links('<div data-mime-type="application/vnd.jupyter.stderr"><pre>oops</pre></div>')[2]
    ["<div class=None data-mime-type='application/vnd.jupyter.stderr'>"]
    """
    parser = _LinkParser()
    parser.feed(text)
    return parser.links, parser.ids, parser.errors


def check_site(site_dir, *, notebooks=None, pages=("index.md",), search_terms=("MAP@R",)):
    """Checks a built site; returns a list of problems (empty: all good).

    Args:
        site_dir: the built site (`build/site`).
        notebooks: notebook file names expected (default: the course's).
        pages: the Markdown pages expected (`index.md`, `glossary.md`, ...).
        search_terms: strings the search index must contain.

    Returns:
        A list of str, one per problem: a missing page, a relative `href`/`src`
        whose target file or `#anchor` does not exist, a page showing an error
        or stderr output, a remote asset other than `ALLOWED_REMOTE`, a
        notebook missing from the search index, a search term not found.
    """
    site_dir = Path(site_dir)
    notebooks = [path.name for path in find_notebooks()] if notebooks is None else list(notebooks)
    expected = [f"notebooks/{Path(name).stem}.html" for name in notebooks] + [
        str(Path(page).with_suffix(".html")) for page in pages]
    problems = [f"missing page {page}" for page in expected if not (site_dir / page).is_file()]
    # 404.html is served from the site's root by a web server: its links are absolute.
    html_files = sorted(path for path in site_dir.rglob("*.html") if path.name != "404.html")
    parsed = {path.resolve(): find_links(path.read_text(encoding="utf-8", errors="replace"))
              for path in html_files}
    for path in html_files:
        page = path.relative_to(site_dir)
        links, _, errors = parsed[path.resolve()]
        problems += [f"{page}: shows an error or stderr output ({error})" for error in errors]
        for tag, attribute, value in links:
            url = urllib.parse.urlsplit(value)
            if url.scheme in ("http", "https") or value.startswith("//"):
                if tag in ("script", "img", "link", "iframe") and not value.startswith(ALLOWED_REMOTE):
                    problems.append(f"{page}: remote asset <{tag} {attribute}={value!r}>")
                continue
            if url.scheme or not (url.path or url.fragment):
                continue  # mailto:, data:, javascript:, empty
            target = (path.parent / urllib.parse.unquote(url.path)).resolve() if url.path else path.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{page}: broken link {value!r} (no {target})")
            elif url.fragment and target.suffix == ".html":
                ids = parsed[target][1] if target in parsed else set()
                if urllib.parse.unquote(url.fragment) not in ids:
                    problems.append(f"{page}: broken anchor {value!r} (no id "
                                    f"{url.fragment!r} in {target.relative_to(site_dir.resolve())})")
    index_path = site_dir / "search" / "search_index.json"
    if not index_path.is_file():
        return problems + [f"missing search index {index_path.relative_to(site_dir)}"]
    docs = json.loads(index_path.read_text(encoding="utf-8")).get("docs", [])
    locations = {entry.get("location", "").split("#")[0] for entry in docs}
    problems += [f"search index lacks notebook {name}" for name in notebooks
                 if f"notebooks/{Path(name).stem}.html" not in locations]
    text = " ".join(entry.get("text", "") + " " + entry.get("title", "") for entry in docs)
    problems += [f"search index does not find {term!r}" for term in search_terms if term not in text]
    return problems
