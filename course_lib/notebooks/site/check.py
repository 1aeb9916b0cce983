"""Checks of a built course site: pages, relative links and anchors, errors, search."""

import html.parser
import json
import re
import urllib.parse
from pathlib import Path

from course_lib.notebooks.files import find_notebooks

__all__ = ["ALLOWED_REMOTE", "find_links", "raw_tex", "check_site"]

# The only remote assets the pages keep. nbconvert's MathJax for the formulas (no copy ships
# with the Python packages): without a network the formulas show as TeX source.
ALLOWED_REMOTE = (
    "https://cdnjs.cloudflare.com/ajax/libs/mathjax/",
    # material's offline plugin: search from file:// (served over HTTP, search
    # works without it); no copy ships with the Python packages.
    "https://unpkg.com/iframe-worker/shim",
)


# TeX that reached the page as text: display-maths dollars, or a TeX command of the course's
# formulas. Where MathJax is meant to typeset it, arithmatex has wrapped it in an element of
# class "arithmatex" (and code shows TeX on purpose), so only text outside those counts.
_RAW_TEX = re.compile(r"\$\$|\\(?:frac|sum|lVert|rVert|mathbb|mathcal|operatorname|begin|cos|theta|hat)\b")
_LITERAL_TAGS = ("code", "pre", "script", "style", "kbd", "samp")


class _LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids, self.errors, self.raw_tex, self._skip = [], set(), [], [], 0
        self._literal = []  # [tag, depth, is a formula] of the code or formula elements we are inside
        self.formulas = 0  # elements of class "arithmatex"
        self._text_before = ""  # the text just before a formula starts...
        self._after_formula = False  # ... and whether a formula just ended

    def _track_literal(self, tag, attrs, *, start):
        if self._literal and self._literal[-1][0] == tag:
            self._literal[-1][1] += 1 if start else -1
            if not self._literal[-1][1]:
                self._after_formula = self._literal.pop()[2]
        elif start and (tag in _LITERAL_TAGS or "arithmatex" in (attrs.get("class") or "").split()):
            formula = tag not in _LITERAL_TAGS
            self._literal.append([tag, 1, formula])
            self.formulas += formula
            # A dollar sign left beside a formula: `$$...$$` read as inline `$...$` inside a
            # paragraph, which arithmatex converts only when the block stands on its own.
            if formula and self._text_before.rstrip().endswith("$"):
                self.raw_tex.append("$")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in _VOID_TAGS:
            self._track_literal(tag, attrs, start=True)
        if tag in ("style", "script"):
            self._skip += 1
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and not (
                tag == "link" and attrs.get("rel") in ("preconnect", "dns-prefetch")
            ):
                self.links.append((tag, key, attrs[key]))
        classes = (attrs.get("class") or "").split()
        if attrs.get("data-mime-type") in _ERROR_MIME_TYPES or _ERROR_CLASSES & set(classes):
            self.errors.append(f"<{tag} class={attrs.get('class')!r} data-mime-type={attrs.get('data-mime-type')!r}>")

    def handle_endtag(self, tag):
        self._track_literal(tag, {}, start=False)
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and "Traceback (most recent call last)" in data:
            self.errors.append("a traceback")
        if self._literal and self._literal[-1][2] and "$$" in data:
            self.raw_tex.append("$$")  # two `$$` blocks on consecutive lines, read as one formula
        if not self._literal:
            self.raw_tex += [match.group(0) for match in _RAW_TEX.finditer(data)]
            if self._after_formula and data.lstrip().startswith("$"):
                self.raw_tex.append("$")
            self._text_before, self._after_formula = data, self._after_formula and not data.strip()


_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


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
    parser = _parse(text)
    return parser.links, parser.ids, parser.errors


def _parse(text):
    parser = _LinkParser()
    parser.feed(text)
    parser.close()
    return parser


def raw_tex(text):
    r"""The TeX an HTML page shows as text: `$$`, or a TeX command outside a formula element or code.

    Formulas that MathJax typesets sit in elements of class `arithmatex` (as
    `pymdownx.arithmatex` writes them); code shows TeX on purpose. Anything
    else, such as a `$$ ... $$` block that no Markdown extension converted,
    would reach the reader as source.

    Example:

    >>> raw_tex('<p>$$a^2$$ and <span class="arithmatex">\\(\\hat a\\)</span></p><code>$$x$$</code>')
    ['$$', '$$']
    >>> raw_tex('<div class="arithmatex">\\[\\frac{a}{b}\\]</div><p>costs $5</p>')
    []
    >>> raw_tex('<p>loss: $<span class="arithmatex">\\(L\\)</span>$.</p>')  # `$$` inside a paragraph
    ['$', '$']
    >>> raw_tex('<div class="arithmatex">\\[a = 0,$$\n$$b = 1\\]</div>')  # two blocks without a blank line
    ['$$']
    """
    return _parse(text).raw_tex


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
        or stderr output, a remote asset other than `ALLOWED_REMOTE`, a page
        other than a notebook's that shows TeX as text (`raw_tex`: a `$$` block
        no extension converted) or has formulas but does not load MathJax, a
        notebook missing from the search index, a search term not found.
        (Notebook pages keep `$$` on purpose: their MathJax typesets it.)
    """
    site_dir = Path(site_dir)
    notebooks = [path.name for path in find_notebooks()] if notebooks is None else list(notebooks)
    expected = [f"notebooks/{Path(name).stem}.html" for name in notebooks] + [
        str(Path(page).with_suffix(".html")) for page in pages
    ]
    problems = [f"missing page {page}" for page in expected if not (site_dir / page).is_file()]
    # 404.html is served from the site's root by a web server: its links are absolute.
    html_files = sorted(path for path in site_dir.rglob("*.html") if path.name != "404.html")
    parsers = {path.resolve(): _parse(path.read_text(encoding="utf-8", errors="replace")) for path in html_files}
    parsed = {path: (parser.links, parser.ids, parser.errors) for path, parser in parsers.items()}
    for path in html_files:
        page = path.relative_to(site_dir)
        links, _, errors = parsed[path.resolve()]
        problems += [f"{page}: shows an error or stderr output ({error})" for error in errors]
        parser = parsers[path.resolve()]
        if page.parts[0] != "notebooks":
            if parser.raw_tex:
                problems.append(
                    f"{page}: shows TeX as text ({', '.join(sorted(set(parser.raw_tex)))}): a formula "
                    f"that no Markdown extension converted (write it as $...$ or $$...$$ on "
                    f"lines of its own, for pymdownx.arithmatex)"
                )
            if parser.formulas and not any(tag == "script" and "mathjax" in value.lower() for tag, _, value in links):
                problems.append(f"{page}: has {parser.formulas} formula(s) but loads no MathJax to typeset them")
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
                    problems.append(
                        f"{page}: broken anchor {value!r} (no id "
                        f"{url.fragment!r} in {target.relative_to(site_dir.resolve())})"
                    )
    index_path = site_dir / "search" / "search_index.json"
    if not index_path.is_file():
        return problems + [f"missing search index {index_path.relative_to(site_dir)}"]
    docs = json.loads(index_path.read_text(encoding="utf-8")).get("docs", [])
    locations = {entry.get("location", "").split("#")[0] for entry in docs}
    problems += [
        f"search index lacks notebook {name}"
        for name in notebooks
        if f"notebooks/{Path(name).stem}.html" not in locations
    ]
    text = " ".join(entry.get("text", "") + " " + entry.get("title", "") for entry in docs)
    problems += [f"search index does not find {term!r}" for term in search_terms if term not in text]
    return problems
