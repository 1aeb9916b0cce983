"""The pages in docs/ point at real notebook sections and real course_lib names.

- every notebook link `notebooks/NN_name.ipynb#slug` names an existing notebook and the
  slug of one of its markdown headings, computed as Python-Markdown's `toc` extension
  does (`slugify` below), which is how the site renders the anchors;
- every `course_lib.x.y` in inline code exists (import the module, then getattr);
- every formula section of the cheat-sheet links a notebook section and names a function;
- the glossary defines the terms the course uses.
"""

import importlib
import re
import unicodedata
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
NOTEBOOK_LINK = re.compile(r"\]\((?:\.\./)?notebooks/([0-9]{2}_[A-Za-z0-9_]+\.ipynb)(?:#([^)\s]*))?\)")
DOTTED_NAME = re.compile(r"`(course_lib(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`")


def slugify(text, separator="-"):
    """The id Python-Markdown's toc extension gives a heading (its default `slugify`).

    The heading's inline markup is rendered first (`code` keeps its text, *emphasis* and
    links keep theirs), then: NFKD, ASCII only, drop every character that is not a word
    character, a space or a hyphen, strip, lower-case, runs of spaces and hyphens become
    one separator.

    >>> slugify("6. Measuring retrieval: R@k and MAP@R")
    '6-measuring-retrieval-rk-and-mapr'
    >>> slugify("4. The `course_lib` version")
    '4-the-course_lib-version'
    """
    text = re.sub(r"`([^`]*)`", r"\1", text)  # inline code keeps its text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1", r"\2", text)  # emphasis
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(rf"[{separator}\s]+", separator, text)


def test_slugify_follows_python_markdown():
    assert slugify("# 00 · Setting up".lstrip("# ")) == "00-setting-up"
    assert slugify('4. Verification: a threshold for "same"') == "4-verification-a-threshold-for-same"
    assert slugify("3.2 An inverted file index, by hand") == "32-an-inverted-file-index-by-hand"
    assert slugify("Exercise 2: `evaluate_search`") == "exercise-2-evaluate_search"
    assert slugify("A **bold** -- move") == "a-bold-move"


def _headings(path):
    slugs = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if match and not in_fence:
                slugs.add(slugify(match.group(2)))
    return slugs


def _links():
    for page in PAGES:
        for notebook, slug in NOTEBOOK_LINK.findall(page.read_text(encoding="utf-8")):
            yield page.name, notebook, slug


def test_the_pages_exist():
    names = {page.name for page in PAGES}
    assert {"cheatsheet.md", "glossary.md", "instructors.md", "contributing.md"} <= names


@pytest.mark.parametrize("page, notebook, slug", sorted(set(_links())))
def test_notebook_links_name_a_notebook_and_a_heading(page, notebook, slug):
    path = ROOT / "notebooks" / notebook
    assert path.is_file(), f"{page}: no notebook {notebook}"
    if slug:
        assert slug in _headings(path), f"{page}: {notebook} has no heading with slug {slug!r}"


def _resolve(dotted):
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(dotted)


NAMES = sorted({name for page in PAGES for name in DOTTED_NAME.findall(page.read_text(encoding="utf-8"))})


@pytest.mark.parametrize("dotted", NAMES)
def test_every_course_lib_name_in_the_docs_exists(dotted):
    _resolve(dotted)  # raises ModuleNotFoundError or AttributeError


def _sections(text):
    """`{title: body}` for every `## ` section of a Markdown page."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


CHEATSHEET_FORMULAS = (
    "Dot product",
    "cosine",
    "Euclidean distance",
    "unit vectors",
    "Autoencoder",
    "Contrastive",
    "Triplet",
    "NormFace",
    "CosFace",
    "ArcFace",
    "attention",
    "DTW",
    "R@k",
    "MAP@R",
    "EER",
)


def test_every_cheatsheet_formula_has_a_notebook_link_and_a_function():
    text = (DOCS / "cheatsheet.md").read_text(encoding="utf-8")
    sections = _sections(text)
    formulas = {title: body for title, body in sections.items() if title != "Notation"}
    for title, body in formulas.items():
        assert "$$" in body, f"cheat-sheet section {title!r} has no display formula"
        assert NOTEBOOK_LINK.search(body), f"cheat-sheet section {title!r} links no notebook"
        assert DOTTED_NAME.search(body), f"cheat-sheet section {title!r} names no course_lib function"
    for topic in CHEATSHEET_FORMULAS:
        assert any(topic.lower() in title.lower() for title in formulas), f"no section on {topic}"
    assert "Notation" in sections
    for mining in ("batch-all", "batch-hard", "semi-hard"):
        assert mining in sections["Triplet loss"], mining


GLOSSARY_TERMS = (
    "embedding",
    "anchor",
    "positive",
    "negative",
    "margin",
    "mining",
    "leave-one-out",
    "test->train",
    "held-out classes",
    "R@k",
    "recall",
    "recall against exact search",
    "MAP@R",
    "EER",
    "n_probe",
)


def test_the_glossary_defines_the_course_terms():
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    defined = {term.lower() for term in re.findall(r"^\*\*(.+?)\*\*", text, flags=re.MULTILINE)}
    for term in GLOSSARY_TERMS:
        assert any(
            term.lower() == entry or term.lower() in entry.split(", ") or entry.startswith(term.lower() + " ")
            for entry in defined
        ), f"glossary has no entry for {term!r}"


def test_r_at_k_means_one_thing_in_notebooks_01_and_09():
    first = nbformat.read(ROOT / "notebooks" / "01_similarity_basics.ipynb", as_version=4)
    capstone = nbformat.read(ROOT / "notebooks" / "09_capstone_similarity_search.ipynb", as_version=4)
    text_01 = "\n".join(cell.source for cell in first.cells if cell.cell_type == "markdown")
    text_09 = "\n".join(cell.source for cell in capstone.cells if cell.cell_type == "markdown")
    assert "*at least one* same-label" in text_01
    assert "recall against exact search" in text_01 and "recall against exact search" in text_09
    # in 09 every paragraph that says recall@10 says against what: exact search, never labels
    for paragraph in re.split(r"\n\s*\n", text_09):
        if "recall@10" in paragraph:
            assert "against exact search" in paragraph.replace("\n", " "), paragraph


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_formula_of_the_pages_reaches_mathjax(page):
    """Each page, converted with the site's Markdown extensions, shows no TeX as text.

    A `$$ ... $$` block that is not a paragraph of its own (inside a list item without a blank
    line and four spaces of indentation, say) is read as inline maths with a dollar sign left
    on each side; `make test-site` finds the same on the built site.
    """
    markdown = pytest.importorskip("markdown", reason="needs the site extra: pip install -e '.[site]'")
    pytest.importorskip("pymdownx", reason="needs the site extra: pip install -e '.[site]'")
    from course_lib.notebooks.site import mkdocs_config, raw_tex

    extensions = mkdocs_config(docs_dir=DOCS, site_dir=DOCS, notebooks=[])["markdown_extensions"]
    names = [next(iter(item)) if isinstance(item, dict) else item for item in extensions]
    configs = {next(iter(item)): item[next(iter(item))] for item in extensions if isinstance(item, dict)}
    html = markdown.markdown(page.read_text(encoding="utf-8"), extensions=names, extension_configs=configs)
    assert raw_tex(html) == [], f"{page.name} shows TeX as text: {raw_tex(html)}"
    if page.name == "cheatsheet.md":
        assert html.count('<div class="arithmatex">') >= 19  # every display formula converted
