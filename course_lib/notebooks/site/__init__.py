"""The course website: executed notebooks and the pages in `docs/`, built with MkDocs.

`python -m course_lib site` (or `make site`) builds a static site into
`build/site/` from notebooks that `python -m course_lib run` already executed
(the same executions the tests check; `make test-all` leaves them in
`build/executed/`):

- `collect_run_info` / `write_run_info`: the date, machine and package versions
  of a run, written by `run` as `run-info.json` next to the executed notebooks.
- `find_run_folder`: the first folder that holds every course notebook executed.
- `static_widget_views`: replaces each widget view in an executed notebook (a
  widget cannot run on a static page) by what its first state showed: the
  images and text of its `Output` and `Label` widgets, from the widget state
  the run saved, and a line saying it is interactive in Jupyter.
- `assemble_site_source`: the MkDocs source folder: `docs/` copied, the run's
  facts added to the landing page, the executed notebooks under `notebooks/`,
  a deck of slides per notebook made from it under `slides/` (`slides`),
  and `mkdocs.yml` (navigation in course order; `docs/cheatsheet.md`,
  `docs/glossary.md` and `docs/instructors.md` when they exist).
- `build_site`: runs MkDocs (mkdocs-material, mkdocs-jupyter, offline).
- `check_site`: every page present, no broken relative link or anchor, no error
  or stderr output, no formula left as TeX source on a Markdown page (`raw_tex`),
  and a search index that lists every notebook.

Install the tools with `pip install -e '.[site]'`.
"""

from course_lib.notebooks.site.check import ALLOWED_REMOTE, check_site, find_links, raw_tex
from course_lib.notebooks.site.run_info import (
    RUN_INFO_NAME,
    collect_run_info,
    format_run_info,
    write_run_info,
)
from course_lib.notebooks.site.slides import notebook_slides, slides_html
from course_lib.notebooks.site.source import (
    MATHJAX_URL,
    OPTIONAL_PAGES,
    SITE_ASSETS,
    assemble_site_source,
    build_site,
    find_run_folder,
    mkdocs_config,
    static_widget_views,
)

__all__ = [
    "RUN_INFO_NAME",
    "OPTIONAL_PAGES",
    "MATHJAX_URL",
    "SITE_ASSETS",
    "ALLOWED_REMOTE",
    "collect_run_info",
    "write_run_info",
    "format_run_info",
    "find_run_folder",
    "static_widget_views",
    "mkdocs_config",
    "assemble_site_source",
    "notebook_slides",
    "slides_html",
    "build_site",
    "find_links",
    "raw_tex",
    "check_site",
]
