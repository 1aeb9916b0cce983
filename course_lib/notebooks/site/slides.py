"""Slides for each notebook, made from the executed notebook itself so that they cannot drift.

`make site` writes one deck per notebook into the site's `slides/` folder, and a
`slides.md` page that lists them. A deck is one HTML file with nothing to
install or fetch (MathJax aside, as on every page of the site):

- a title slide: the notebook's title, its first paragraph and its learning
  objectives;
- one slide per section (`## ` heading): its heading, its first paragraph, its
  display formulas (up to `MAX_FORMULAS`), the names of its exercises, and the
  figures its code drew when the notebook ran (up to `MAX_FIGURES`, as PNG);
- the summary.

On screen each slide fills the window: Page Down, Space or the arrow keys go to
the next one, Home and End to the first and last. Printed, each slide is one
landscape page. The text is the notebook's own, so a change to a notebook changes
its deck at the next `make site`.
"""

import html
import re
from dataclasses import dataclass, field

__all__ = ["LEAD_WORDS", "MAX_FIGURES", "MAX_FORMULAS", "Slide", "notebook_slides", "slides_html", "slides_index"]

#: The most figures and display formulas a section's slide shows (the first ones).
MAX_FIGURES = 2
MAX_FORMULAS = 2
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_EXERCISE_HEADING = re.compile(r"^###\s+(Exercise[^\n]*)$", re.M)


@dataclass
class Slide:
    """One slide: a title, Markdown paragraphs, display formulas (TeX) and PNG figures (base64)."""

    title: str
    paragraphs: list = field(default_factory=list)
    formulas: list = field(default_factory=list)
    exercises: list = field(default_factory=list)
    figures: list = field(default_factory=list)


def _paragraphs(markdown):
    """The text paragraphs of a Markdown cell: headings, links lines, tables and formulas left out."""
    found = []
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if not block or block.startswith(_NOT_TEXT):
            continue
        found.append(block)
    return found


_NOT_TEXT = ("#", "$$", "```", "|", "[Open", "**Run time", "**Study time", "**Notebook", "**Prerequisites")
#: A slide shows a paragraph's first sentences, up to about this many words.
LEAD_WORDS = 45


def _lead(paragraph):
    """The first sentences of a paragraph, about `LEAD_WORDS` words (a list stays whole).

    >>> _lead("One two. Three four five. Six.")
    'One two. Three four five. Six.'
    >>> len(_lead(" ".join(["word"] * 30 + ["end.", "More"] + ["more"] * 40 + ["stop."])).split())
    31
    """
    if re.match(r"^(\d+\.|-) ", paragraph):
        return paragraph
    sentences, words = [], 0
    for sentence in re.split(r"(?<=[.!?:])\s+(?=[A-Z(*`])", paragraph):
        if sentences and words + len(sentence.split()) > LEAD_WORDS:
            break
        sentences.append(sentence)
        words += len(sentence.split())
    return " ".join(sentences)


def _figures(cell):
    return [
        "".join(output["data"]["image/png"].split())
        for output in cell.get("outputs", [])
        if output.get("output_type") in ("display_data", "execute_result") and "image/png" in output.get("data", {})
    ]


def notebook_slides(nb):
    """The slides of one notebook (see the module docstring).

    Args:
        nb: an `nbformat.NotebookNode`, executed (figures come from its
            outputs; without outputs the slides have none).

    Returns:
        A list of `Slide`, the title slide first.

    Raises:
        ValueError: if the notebook has no `# ` title in a markdown cell.

    Example:

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("# 01 · Basics\\n\\nCosine and friends.\\n\\n## Learning objectives\\n\\n"
    ...                                   "By the end you can:\\n\\n1. compare vectors"),
    ...     nbformat.v4.new_markdown_cell("## Setup"), nbformat.v4.new_code_cell("import numpy"),
    ...     nbformat.v4.new_markdown_cell("## 1. The idea\\n\\nA dot product.\\n\\n$$a \\\\cdot b$$\\n\\n"
    ...                                   "### Exercise 1: cosine")])
    >>> for slide in notebook_slides(nb):
    ...     print(slide.title, slide.paragraphs, slide.formulas, slide.exercises)
    01 · Basics ['Cosine and friends.', '1. compare vectors'] [] []
    1. The idea ['A dot product.'] ['a \\\\cdot b'] ['Exercise 1: cosine']
    """
    has_title = any(cell.cell_type == "markdown" and re.search(r"^# ", cell.source, flags=re.M) for cell in nb.cells)
    if not has_title:
        raise ValueError("The notebook has no '# ' title in a markdown cell; expected the course's first cell.")
    slides, current = [], None
    for cell in nb.cells:
        if cell.cell_type == "code":
            if current is not None:
                current.figures += _figures(cell)[: max(MAX_FIGURES - len(current.figures), 0)]
            continue
        if cell.cell_type != "markdown":
            continue
        # A cell may hold several headings: each `# ` or `## ` starts a part.
        pieces = re.split(r"^(#{1,2} [^\n]*)$", cell.source, flags=re.M)
        for heading, text in [(None, pieces[0]), *zip(pieces[1::2], pieces[2::2])]:
            objectives = False
            if heading is not None:
                level, name = heading.split(" ", 1)
                name = name.strip()
                if level == "#" and not slides:
                    current = Slide(name)
                    slides.append(current)
                elif name.lower() == "learning objectives" and slides:
                    current, objectives = slides[0], True
                elif name.lower() == "setup":
                    current = None  # the setup cell is not a slide
                else:
                    current = Slide(name)
                    slides.append(current)
            if current is None:
                continue
            paragraphs = _paragraphs(text)
            if objectives:
                current.paragraphs += [block for block in paragraphs if re.match(r"^(\d+\.|-) ", block)][:1]
            elif not current.paragraphs:
                current.paragraphs += [_lead(block) for block in paragraphs[:1]]
            current.formulas += [formula.strip() for formula in _DISPLAY_MATH.findall(text)]
            del current.formulas[MAX_FORMULAS:]
            current.exercises += _EXERCISE_HEADING.findall(text)
    return slides


_STYLE = """
html { scroll-snap-type: y mandatory; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; }
.slide { box-sizing: border-box; position: relative; min-height: 100vh; padding: 5vh 7vw; scroll-snap-align: start;
         display: flex; flex-direction: column; justify-content: center; border-bottom: 1px solid #ddd; }
.slide h1 { font-size: 2.6em; margin: 0 0 0.4em; }
.slide h2 { font-size: 2em; margin: 0 0 0.5em; color: #0b4f8a; }
.slide p, .slide li { font-size: 1.35em; line-height: 1.45; max-width: 60em; }
.slide .figures { display: flex; gap: 2vw; flex-wrap: wrap; align-items: flex-start; margin-top: 1em; }
.slide .figures img { max-height: 52vh; max-width: 44vw; }
.slide .exercises { font-size: 1.1em; color: #444; }
.slide .number { position: absolute; right: 3vw; bottom: 3vh; font-size: 0.9em; color: #777; }
.deck-nav { position: fixed; bottom: 1em; right: 1.5em; font-size: 0.9em; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  html { scroll-snap-type: none; }
  .slide { min-height: auto; height: 185mm; break-after: page; border: 0; padding: 4mm 8mm; }
  .slide .figures img { max-height: 105mm; max-width: 125mm; }
  .deck-nav { display: none; }
}
"""

_SCRIPT = """
document.addEventListener("keydown", function (event) {
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var current = slides.findIndex(function (slide) { return slide.getBoundingClientRect().top > -10; });
  var next = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1}[event.key];
  var target = event.key === "Home" ? 0 : event.key === "End" ? slides.length - 1 : null;
  if (target === null && next === undefined) { return; }
  if (target === null) { target = Math.min(slides.length - 1, Math.max(0, (current < 0 ? 0 : current) + next)); }
  slides[target].scrollIntoView();
  event.preventDefault();
});
"""


_RELATIVE_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|#|/)([^"]*)"')


def _markdown_to_html(text, link_prefix):
    """HTML of a notebook's Markdown, its relative links (to other notebooks' pages) made relative to the deck."""
    import markdown

    rendered = markdown.markdown(
        text,
        extensions=["tables", "pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    return _RELATIVE_LINK.sub(lambda match: f'href="{link_prefix}{match.group(1)}"', rendered)


def slides_html(slides, *, title, mathjax_config, mathjax_url, notebook_page, link_prefix="../notebooks/"):
    """One self-contained HTML deck for `slides`.

    Args:
        slides: a list of `Slide` (from `notebook_slides`).
        title: the deck's title (the notebook's).
        mathjax_config: relative URL of the site's MathJax configuration script.
        mathjax_url: URL of MathJax itself.
        notebook_page: relative URL of the notebook's page, linked from every slide.
        link_prefix: put before the relative links of the notebook's text (which
            point at other notebooks' pages). Defaults to `"../notebooks/"`.

    Returns:
        The HTML as a `str`.
    """
    sections = []
    for number, slide in enumerate(slides, start=1):
        heading = "h1" if number == 1 else "h2"
        parts = [f"<{heading}>{html.escape(slide.title)}</{heading}>"]
        parts += [_markdown_to_html(paragraph, link_prefix) for paragraph in slide.paragraphs]
        parts += [f'<div class="arithmatex">\\[{html.escape(formula)}\\]</div>' for formula in slide.formulas]
        if slide.exercises:
            parts.append(f'<p class="exercises">{html.escape(" · ".join(slide.exercises))}</p>')
        if slide.figures:
            images = "".join(
                f'<img alt="figure {index} of the section {html.escape(slide.title)}" '
                f'src="data:image/png;base64,{figure}">'
                for index, figure in enumerate(slide.figures, start=1)
            )
            parts.append(f'<div class="figures">{images}</div>')
        parts.append(f'<span class="number">{number} / {len(slides)}</span>')
        sections.append(f'<section class="slide" id="slide-{number}">\n' + "\n".join(parts) + "\n</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} (slides)</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{_STYLE}</style>\n"
        f'<script src="{html.escape(mathjax_config)}"></script>\n'
        f'<script src="{html.escape(mathjax_url)}"></script>\n'
        "</head>\n<body>\n"
        + "\n".join(sections)
        + f'\n<nav class="deck-nav"><a href="{html.escape(notebook_page)}">the notebook</a> · '
        '<a href="../slides.html">all decks</a></nav>\n'
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def slides_index(decks):
    """The Markdown of the page that lists the decks.

    Args:
        decks: list of `(notebook title, deck file name, number of slides)`.

    Example:

    >>> print(slides_index([("01 · Basics", "01_basics.html", 9)]))  # doctest: +ELLIPSIS
    # Slides
    ...
    | [01 · Basics](slides/01_basics.html) | 9 |
    """
    lines = [
        "# Slides",
        "",
        "One deck per notebook, made from the notebook itself each time the site is built: its title",
        "and learning objectives, then for each section its heading, its first paragraph, its main",
        "formulas, its exercises and the figures its code drew in the run this site shows. Open a deck",
        "and move with Page Down, Space or the arrow keys; print it for one slide per landscape page.",
        "",
        "| notebook | slides |",
        "|---|---:|",
    ]
    lines += [f"| [{title}](slides/{name}) | {count} |" for title, name, count in decks]
    return "\n".join(lines) + "\n"
