"""Tests of course_lib.notebooks.site: run info, widget views, config, link checker.

Fast: no notebook is executed. One test builds a two-page site with MkDocs (skipped
without the `site` extra); the whole course site is checked by `make test-site`.
"""

import datetime
import json
from pathlib import Path

import nbformat
import pytest

from course_lib.notebooks import NotebookRun, site

UTC = datetime.timezone.utc
CPU = {"accelerator": "CPU", "gpu_names": [], "cpu_cores": 2}
GPU = {"accelerator": "GPU", "gpu_names": ["NVIDIA H200"], "cpu_cores": 16}


def _info(devices=CPU, limits=None):
    return site.collect_run_info(devices=devices, limits=limits, now=datetime.datetime(2026, 12, 2, 4, 30, tzinfo=UTC))


# --- run info ---------------------------------------------------------------------------


def test_collect_run_info_records_date_machine_and_versions():
    info = _info(limits={"cpus": 1, "memory": 2048.0})
    assert info["date"] == "2026-12-02T04:30:00+00:00"
    assert info["machine"]["accelerator"] == "CPU" and info["machine"]["cpu_cores"] == 2
    assert info["limits"] == {"cpus": 1, "memory_mib": 2048.0}
    assert set(info["versions"]) == {"Python", "TensorFlow", "Keras", "NumPy", "scikit-learn"}
    import numpy

    assert info["versions"]["NumPy"] == numpy.__version__
    json.dumps(info)  # JSON-ready


def test_collect_run_info_rejects_bad_input():
    with pytest.raises(TypeError, match="`devices` must be a dict"):
        site.collect_run_info(devices=["CPU"])
    with pytest.raises(TypeError, match="timezone-aware"):
        site.collect_run_info(devices=CPU, now=datetime.datetime(2026, 1, 1))


def test_write_run_info_keeps_other_notebooks(tmp_path):
    first = [
        NotebookRun(notebook=Path("00_setup.ipynb"), status="ok", seconds=12.34, peak_mib=900.4),
        NotebookRun(notebook=Path("01_basics.ipynb"), status="ok", seconds=20.0),
    ]
    site.write_run_info(tmp_path, _info(), first)
    again = [NotebookRun(notebook=Path("01_basics.ipynb"), status="slow", seconds=99.0)]
    path = site.write_run_info(tmp_path, _info(GPU), again)
    data = json.loads(path.read_text())
    assert path.name == "run-info.json"
    assert data["notebooks"]["00_setup"] == {
        "status": "ok",
        "seconds": 12.3,
        "peak_mib": 900,
        "date": "2026-12-02T04:30:00+00:00",
    }
    assert data["notebooks"]["01_basics"]["status"] == "slow"
    assert data["machine"]["gpus"] == ["NVIDIA H200"]


def test_format_run_info_names_device_limits_and_versions():
    text = site.format_run_info({**_info(GPU), "notebooks": {"00_setup": {"seconds": 12.3}}})
    assert "GPU (NVIDIA H200)" in text and "16 core(s)" in text and "00 12 s" in text
    assert "2026-12-02 04:30:00 UTC" in text and "NumPy" in text and "scikit-learn" in text
    binder = site.format_run_info(_info(limits={"cpus": 1, "memory": 2048.0}))
    assert "CPU only" in binder and "confined to 1 CPU(s) and 2048 MiB" in binder
    assert "with 1 CPU(s) instead of 2, only the timings differ" in binder  # 2 threads per op either way
    assert "instead of" not in site.format_run_info(_info(limits={"cpus": 2}))
    assert "not recorded" in site.format_run_info(None)


def test_find_run_folder_takes_the_first_complete_folder(tmp_path):
    course = [Path("notebooks/00_a.ipynb"), Path("notebooks/01_b.ipynb")]
    partial, full = tmp_path / "binder", tmp_path / "site-run"
    for folder, names in ((partial, ["00_a"]), (full, ["00_a", "01_b"])):
        folder.mkdir()
        for name in names:
            (folder / f"{name}.ipynb").write_text("{}")
    assert site.find_run_folder([partial, full], course=course) == full
    assert site.find_run_folder([partial], course=course) is None


# --- widget views -----------------------------------------------------------------------

PNG = "iVBORw0KGgo="


def _widget_notebook(with_state=True):
    view = nbformat.v4.new_output(
        "display_data",
        data={
            "text/plain": "VBox(...)",
            "application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2, "version_minor": 0},
        },
    )
    cell = nbformat.v4.new_code_cell(
        "display(explorer.widget)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="before\n"), view]
    )
    nb = nbformat.v4.new_notebook(cells=[cell])
    if with_state:
        nb.metadata["widgets"] = {
            "application/vnd.jupyter.widget-state+json": {
                "state": {
                    "box": {
                        "model_name": "VBoxModel",
                        "state": {"children": ["IPY_MODEL_slider", "IPY_MODEL_label", "IPY_MODEL_out"]},
                    },
                    "slider": {"model_name": "IntSliderModel", "state": {"value": 46}},
                    "label": {"model_name": "LabelModel", "state": {"value": "query 46 · Shirt"}},
                    "out": {
                        "model_name": "OutputModel",
                        "state": {
                            "outputs": [
                                {
                                    "output_type": "display_data",
                                    "data": {"image/png": PNG, "text/plain": "<Figure>"},
                                    "metadata": {},
                                }
                            ]
                        },
                    },
                }
            }
        }
    return nb


def test_static_widget_views_shows_the_saved_first_state():
    nb = _widget_notebook()
    assert site.static_widget_views(nb) == 1
    outputs = nb.cells[0].outputs
    assert outputs[0].text == "before\n"
    assert outputs[1].data["image/png"] == PNG
    note = outputs[2].data["text/markdown"]
    assert "`query 46 · Shirt`" in note and "interactive" in note and "Jupyter" in note
    assert "widgets" not in nb.metadata
    nbformat.validate(nb)


def test_static_widget_views_fails_without_saved_state():
    with pytest.raises(ValueError, match="Cell 1 shows a widget .* store the widget state"):
        site.static_widget_views(_widget_notebook(with_state=False))


# --- config and assembly ----------------------------------------------------------------


def _course(tmp_path, *, extra_code=None, error=False):
    """Two tiny course notebooks and their 'executed' copies; returns (course, run folder)."""
    shipped, run = tmp_path / "notebooks", tmp_path / "run"
    shipped.mkdir(parents=True)
    run.mkdir(parents=True)
    course = []
    for stem, title in (("00_intro", "00 · Intro"), ("01_metrics", "01 · Metrics")):
        cells = [
            nbformat.v4.new_markdown_cell(f"# {title}\n\ntext"),
            nbformat.v4.new_markdown_cell(
                "## Retrieval metrics\n\nMAP@R and R@k. Next: [metrics](01_metrics.ipynb#retrieval-metrics)"
            ),
            nbformat.v4.new_code_cell("print(1 + 1)"),
        ]
        nb = nbformat.v4.new_notebook(cells=cells)
        nbformat.write(nb, shipped / f"{stem}.ipynb")
        executed = nbformat.v4.new_notebook(cells=[nbformat.from_dict(cell) for cell in cells])
        executed.cells[2].outputs = [
            nbformat.v4.new_output("stream", name="stdout", text="2\n"),
            nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        ]
        if error:
            executed.cells[2].outputs = [
                nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
            ]
        if extra_code:
            executed.cells[2].source = extra_code
        nbformat.write(executed, run / f"{stem}.ipynb")
        course.append(shipped / f"{stem}.ipynb")
    return course, run


def _docs(tmp_path, glossary=True):
    docs = tmp_path / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Course\n\n[Intro](notebooks/00_intro.ipynb)\n")
    if glossary:
        (docs / "glossary.md").write_text(
            "# Glossary\n\n**MAP@R**: see [metrics](notebooks/01_metrics.ipynb#retrieval-metrics);"
            " code: `course_lib.metrics.map_at_r`.\n\n**Temperature**: $s = 1/\\tau$, and\n\n"
            "$$\\cos(a, b) = \\frac{a \\cdot b}{\\lVert a \\rVert \\, \\lVert b \\rVert}$$\n\n"
            "in code: `$$x$$`.\n"
        )
    return docs


def test_mkdocs_config_is_offline_and_in_course_order():
    config = site.mkdocs_config(
        docs_dir="/src",
        site_dir="/site",
        notebooks=[("00 · Intro", "notebooks/00_intro.ipynb"), ("01 · Metrics", "notebooks/01_metrics.ipynb")],
        pages=[("Glossary", "glossary.md")],
    )
    assert config["theme"]["font"] is False and config["use_directory_urls"] is False
    assert "offline" in config["plugins"] and "search" in config["plugins"]
    jupyter = next(plugin["mkdocs-jupyter"] for plugin in config["plugins"] if isinstance(plugin, dict))
    assert jupyter["execute"] is False and jupyter["include"] == ["*.ipynb"]
    assert config["nav"][1] == {
        "Notebooks": [{"00 · Intro": "notebooks/00_intro.ipynb"}, {"01 · Metrics": "notebooks/01_metrics.ipynb"}]
    }
    with pytest.raises(TypeError, match="list of \\(title, path\\) pairs"):
        site.mkdocs_config(docs_dir="/src", site_dir="/site", notebooks=["00_intro.ipynb"])


def test_mkdocs_config_typesets_the_markdown_pages_formulas_with_the_notebooks_mathjax():
    config = site.mkdocs_config(docs_dir="/src", site_dir="/site", notebooks=[])
    assert {"pymdownx.arithmatex": {"generic": True}} in config["markdown_extensions"]
    # the configuration first, then the same MathJax the notebook pages load
    assert config["extra_javascript"] == [f"{site.SITE_ASSETS}/mathjax-config.js", site.MATHJAX_URL]
    assert site.MATHJAX_URL.startswith(site.ALLOWED_REMOTE)
    assert config["extra_css"] == [f"{site.SITE_ASSETS}/course.css"]


def test_assemble_site_source_lists_the_pages_that_exist(tmp_path):
    pytest.importorskip("markdown", reason="the slides need the site extra: pip install -e '.[site]'")
    course, run = _course(tmp_path)
    site.write_run_info(run, _info(), [])
    config_path = site.assemble_site_source(
        run, tmp_path / "src", site_dir=tmp_path / "site", docs_dir=_docs(tmp_path), course=course
    )
    import yaml

    config = yaml.safe_load(config_path.read_text())
    assert config["nav"][-2:] == [{"Glossary": "glossary.md"}, {"Slides": "slides.md"}]
    assert [list(item.values())[0] for item in config["nav"][1]["Notebooks"]] == [
        "notebooks/00_intro.ipynb",
        "notebooks/01_metrics.ipynb",
    ]
    assert list(config["nav"][1]["Notebooks"][0]) == ["00 · Intro"]
    assert (tmp_path / "src" / "notebooks" / "01_metrics.ipynb").is_file()
    index = (tmp_path / "src" / "index.md").read_text()
    assert "## This build" in index and "2026-12-02 04:30:00 UTC" in index


def test_assemble_site_source_refuses_stale_failed_or_missing_runs(tmp_path):
    course, run = _course(tmp_path / "stale", extra_code="print(3)")
    with pytest.raises(ValueError, match="other code than the course notebook"):
        site.assemble_site_source(
            run, tmp_path / "src", site_dir=tmp_path / "site", docs_dir=_docs(tmp_path / "stale"), course=course
        )
    course, run = _course(tmp_path / "error", error=True)
    with pytest.raises(ValueError, match="ZeroDivisionError"):
        site.assemble_site_source(
            run, tmp_path / "src", site_dir=tmp_path / "site", docs_dir=_docs(tmp_path / "error"), course=course
        )
    (run / "01_metrics.ipynb").unlink()
    with pytest.raises(ValueError, match="lacks the executed 01_metrics.ipynb"):
        site.assemble_site_source(
            run, tmp_path / "src", site_dir=tmp_path / "site", docs_dir=tmp_path / "error" / "docs", course=course
        )


# --- link checker -----------------------------------------------------------------------


def _write_site(root, pages, index_docs):
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "search").mkdir(parents=True, exist_ok=True)
    (root / "search" / "search_index.json").write_text(json.dumps({"docs": index_docs}))


def test_check_site_accepts_a_good_site(tmp_path):
    _write_site(
        tmp_path,
        {
            "index.html": '<a href="notebooks/00_a.html#setup">a</a><script src="assets/x.js"></script>'
            '<style>.x[data-mime-type="application/vnd.jupyter.stderr"]{}</style>',
            "notebooks/00_a.html": '<h2 id="setup">Setup</h2><a href="../index.html">home</a>'
            '<a href="https://example.org">out</a><a href="#setup">top</a>',
            "assets/x.js": "",
            "404.html": '<a href="/index.html">served from the root</a>',
        },
        [{"location": "notebooks/00_a.html", "title": "A", "text": "MAP@R"}],
    )
    assert site.check_site(tmp_path, notebooks=["00_a.ipynb"]) == []


def test_raw_tex_finds_formulas_left_as_source():
    assert site.raw_tex("<p>$$a \\cdot b$$</p>") == ["$$", "$$"]
    assert site.raw_tex("<p>the norm \\lVert a \\rVert</p>") == ["\\lVert", "\\rVert"]
    converted = '<div class="arithmatex">\\[\\frac{a}{b}\\]</div><p>x <span class="arithmatex">\\(\\hat a\\)</span></p>'
    assert site.raw_tex(converted) == []
    assert site.raw_tex("<pre><code>print('$$')</code></pre><p>$5</p>") == []
    # an element of another kind nested in a formula or in code does not end it early
    assert site.raw_tex("<code>a <span>$$</span> b $$</code><p>ok</p>") == []


def test_check_site_reports_each_problem(tmp_path):
    _write_site(
        tmp_path,
        {
            "index.html": '<a href="notebooks/00_a.html#nowhere">a</a><img src="gone.png">'
            '<script src="https://cdn.example.org/lib.js"></script>',
            "notebooks/00_a.html": '<div class="jp-RenderedText" data-mime-type='
            '"application/vnd.jupyter.stderr"><pre>warning</pre></div>'
            "<pre>Traceback (most recent call last):</pre><p>$$kept for the notebook's MathJax$$</p>",
            "cheatsheet.html": "<p>$$a \\cdot b$$</p>",
            "instructors.html": '<p><span class="arithmatex">\\(\\tau\\)</span></p>',
        },
        [{"location": "index.html", "title": "Home", "text": "R@k"}],
    )
    problems = site.check_site(tmp_path, notebooks=["00_a.ipynb", "01_b.ipynb"], pages=["index.md", "glossary.md"])
    expected = [
        "missing page notebooks/01_b.html",
        "missing page glossary.html",
        "broken anchor 'notebooks/00_a.html#nowhere'",
        "broken link 'gone.png'",
        "remote asset <script src='https://cdn.example.org/lib.js'>",
        "notebooks/00_a.html: shows an error or stderr output (<div",
        "notebooks/00_a.html: shows an error or stderr output (a traceback)",
        "search index lacks notebook 00_a.ipynb",
        "search index lacks notebook 01_b.ipynb",
        "search index does not find 'MAP@R'",
        "cheatsheet.html: shows TeX as text ($$)",
        "instructors.html: has 1 formula(s) but loads no MathJax",
    ]
    for text in expected:
        assert any(text in problem for problem in problems), (text, problems)
    assert len(problems) == len(expected), problems


# --- a tiny site built with MkDocs --------------------------------------------------------


def test_tiny_site_resolves_notebook_links_and_anchors_from_docs_pages(tmp_path):
    pytest.importorskip("mkdocs_jupyter", reason="needs the site extra: pip install -e '.[site]'")
    course, run = _course(tmp_path)
    config = site.assemble_site_source(
        run, tmp_path / "src", site_dir=tmp_path / "site", docs_dir=_docs(tmp_path), course=course
    )
    site.build_site(config)
    glossary = (tmp_path / "site" / "glossary.html").read_text()
    assert 'href="notebooks/01_metrics.html#retrieval-metrics"' in glossary
    assert "<code>course_lib.metrics.map_at_r</code>" in glossary
    # the formulas: wrapped for MathJax, none left as source, MathJax and the print styles loaded
    assert glossary.count('class="arithmatex"') == 2 and site.raw_tex(glossary) == []
    assert f'src="{site.SITE_ASSETS}/mathjax-config.js"' in glossary and site.MATHJAX_URL in glossary
    assert f'href="{site.SITE_ASSETS}/course.css"' in glossary
    assert (tmp_path / "site" / site.SITE_ASSETS / "course.css").is_file()
    # a deck per notebook, made from the executed notebook, listed on the Slides page
    deck = (tmp_path / "site" / "slides" / "01_metrics.html").read_text()
    assert deck.count('class="slide"') == 2 and "<h2>Retrieval metrics</h2>" in deck
    assert f'src="data:image/png;base64,{PNG}"' in deck and 'href="../notebooks/01_metrics.html"' in deck
    assert 'href="slides/01_metrics.html"' in (tmp_path / "site" / "slides.html").read_text()
    intro = (tmp_path / "site" / "notebooks" / "00_intro.html").read_text()
    assert 'href="01_metrics.html#retrieval-metrics"' in intro  # the page, not the .ipynb
    assert (
        site.check_site(
            tmp_path / "site", notebooks=[path.name for path in course], pages=["index.md", "glossary.md", "slides.md"]
        )
        == []
    )


# --- slides -----------------------------------------------------------------------------------


def test_notebook_slides_follow_the_notebook_headings_formulas_exercises_and_figures():
    pytest.importorskip("markdown", reason="the slides need the site extra: pip install -e '.[site]'")
    cells = [
        nbformat.v4.new_markdown_cell(
            "# 03 · Metric learning\n\n**Notebook 4 of 10** · Deep Similarity\n\n[Open in Colab](x) · [Binder](y)\n\n"
            "Learn the distance itself.\n\n**Prerequisites:** 01.\n\n## Learning objectives\n\nBy the end you can:\n\n"
            "1. train a siamese network;\n2. mine triplets."
        ),
        nbformat.v4.new_markdown_cell("## Setup"),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_markdown_cell(
            "## 2. The maths\n\nThe contrastive loss, " + "pulls and pushes " * 20 + "pairs. A second sentence.\n\n"
            "$$L = y D^2$$\n\nand\n\n$$M = 1$$\n\n$$N = 2$$\n\n### Exercise 1: the contrastive loss"
        ),
        nbformat.v4.new_code_cell("plot()"),
        nbformat.v4.new_code_cell("plot(); plot(); plot()"),
        nbformat.v4.new_markdown_cell("## Summary\n\n- **Pairs** pull together."),
    ]
    figure = nbformat.v4.new_output("display_data", data={"image/png": PNG})
    cells[4].outputs = [figure]
    cells[5].outputs = [figure, figure, figure]
    slides = site.notebook_slides(nbformat.v4.new_notebook(cells=cells))
    assert [slide.title for slide in slides] == ["03 · Metric learning", "2. The maths", "Summary"]
    assert slides[0].paragraphs == ["Learn the distance itself.", "1. train a siamese network;\n2. mine triplets."]
    maths = slides[1]
    assert maths.paragraphs[0].endswith("pairs.")  # the first sentence only: the slide is not the notebook
    assert maths.formulas == ["L = y D^2", "M = 1"] and maths.exercises == ["Exercise 1: the contrastive loss"]
    assert len(maths.figures) == 2 and slides[0].figures == []  # the setup cell draws nothing on a slide
    deck = site.slides_html(
        slides, title="03", mathjax_config="c.js", mathjax_url=site.MATHJAX_URL, notebook_page="n.html"
    )
    assert site.raw_tex(deck) == [] and deck.count('<div class="arithmatex">') == 2
    assert '<span class="number">3 / 3</span>' in deck and "@media print" in deck
    with pytest.raises(ValueError, match="no '# ' title"):
        site.notebook_slides(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## 1. A")]))
