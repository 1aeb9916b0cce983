"""The course in a real browser: JupyterLab in Chromium, driven the way a learner drives it.

For notebooks 00, 01 and 09 the test opens the notebook from JupyterLab's URL, lets it
start the kernel named in the notebook's metadata, clicks Run > Run All Cells and waits
for the kernel to go idle. It fails on a kernel-picker dialog (or any other dialog), a
red stderr or error box, a cell left unrun, a widget that does not render, and, in 09,
on an explorer whose figure does not change when the "query" slider moves.

Screenshots land in `build/browser/`: `<notebook>.png` (the whole notebook after the
run, in parts when it is very long) and, for 09, `<notebook>-explorer-before.png` and
`-after.png`. Run with `make test-browser`; see `conftest.py` for the options.
"""

import contextlib
import json
import math
import os
import re
import sys
import time

import pytest

RUN_TIMEOUT_S = float(os.environ.get("COURSE_BROWSER_TIMEOUT", "900"))
KERNEL_START_TIMEOUT_S = 180
WIDGET_TIMEOUT_S = 120
VIEWPORT = {"width": 1400, "height": 900}
SCREENSHOT_PART_HEIGHT = 8000  # pixels of notebook per full-page screenshot file
STDERR_MIME = "application/vnd.jupyter.stderr"
WIDGET_FAILURE_TEXT = ("Error displaying widget", "Loading widget")
# The slider that picks the explorer's query, found by its description label.
QUERY_LABEL = re.compile(r"^\s*query\b", re.IGNORECASE)
QUERY_STEPS = 3

# One pass over the open notebook: each cell's prompt, whether its code is empty, and its
# problems (stderr and error boxes, tracebacks, widgets that failed to render).
CELLS_JS = """
([stderrMime, widgetFailures]) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  return Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map((cell, index) => {
    const problems = [];
    for (const output of cell.querySelectorAll('.jp-OutputArea-output')) {
      const mime = output.getAttribute('data-mime-type') || '';
      const text = output.textContent || '';
      if (mime === stderrMime || mime === 'application/vnd.jupyter.error') {
        problems.push(['box', 'stderr/error box: ' + text]);
      } else if (text.includes('Traceback (most recent call last)')) {
        problems.push(['box', 'traceback: ' + text]);
      } else if (widgetFailures.some(failure => text.includes(failure))) {
        problems.push(['widget', 'widget not rendered: ' + text]);
      }
    }
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    const source = cell.querySelector('.jp-InputArea-editor');
    return {
      index: index,
      code: cell.classList.contains('jp-CodeCell'),
      prompt: prompt ? prompt.textContent.trim() : '',
      empty: !source || !source.textContent.trim(),
      problems: problems,
    };
  });
}
"""


def _wait(page, condition, timeout_s, what, *, artefact):
    """Polls `condition()` until it returns something truthy; fails on any dialog or timeout.

    `what` names what is awaited in the timeout message (a callable is read at the timeout).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        _fail_on_dialog(page, artefact)
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            page.screenshot(path=f"{artefact}-timeout.png")
            what = what() if callable(what) else what
            pytest.fail(
                f"Timed out after {timeout_s:.0f} s waiting for {what} (screenshot: {artefact}-timeout.png).",
                pytrace=False,
            )
        page.wait_for_timeout(1000)


def _fail_on_dialog(page, artefact):
    dialogs = page.locator(".jp-Dialog")
    if dialogs.count() == 0:
        return
    page.screenshot(path=f"{artefact}-dialog.png")
    header = dialogs.first.locator(".jp-Dialog-header").inner_text().strip()
    body = dialogs.first.locator(".jp-Dialog-body").inner_text().strip()
    kind = "a kernel-picker dialog" if "kernel" in header.lower() else "a dialog"
    pytest.fail(
        f"JupyterLab showed {kind} {header!r}: {body[:500]!r} (screenshot: {artefact}-dialog.png).", pytrace=False
    )


def _cells(page):
    return page.evaluate(CELLS_JS, [STDERR_MIME, list(WIDGET_FAILURE_TEXT)]) or []


def _problems(cells, kinds=("box", "widget")):
    """Problems a learner would see, one line each: "box" (stderr, errors) and "widget" (not rendered)."""
    return [
        f"cell {cell['index']}: {text[:1500]}" for cell in cells for kind, text in cell["problems"] if kind in kinds
    ]


def _kernel_status(page):
    """The status bar's kernel item, e.g. "Python (Deep Similarity) | Idle"."""
    item = page.locator("#jp-main-statusbar .jp-StatusBar-TextItem").filter(has_text=" | ")
    return item.first.inner_text().strip() if item.count() else ""


def _idle(page):
    return _kernel_status(page).endswith("| Idle")


def _check_kernelspec(lab, notebook_name):
    """`(name, display name)` of the notebook's kernelspec, checked to start this environment's Python.

    The display name is None when no such kernel is installed: JupyterLab should then ask
    which kernel to use, and the dialog check fails the test.
    """
    metadata = json.loads((lab.notebook_dir / notebook_name).read_text())["metadata"]
    wanted = metadata.get("kernelspec", {}).get("name")
    specs = lab.api("api/kernelspecs")["kernelspecs"]
    if wanted not in specs:
        return wanted, None
    python = specs[wanted]["spec"]["argv"][0]
    this_bin = os.path.dirname(os.path.abspath(sys.executable))
    display_name = specs[wanted]["spec"]["display_name"]
    if python not in ("python", "python3") and os.path.dirname(os.path.abspath(python)) != this_bin:
        pytest.fail(
            f"{notebook_name} asks for kernel {wanted!r}, which starts {python}, not this "
            f"environment's Python ({sys.executable}). Register it again (make test-browser does): "
            f"{sys.executable} -m ipykernel install --user --name {wanted} "
            f"--display-name {display_name!r}",
            pytrace=False,
        )
    return wanted, display_name


def _screenshot_notebook(page, path_stem):
    """Screenshots the whole notebook: a viewport up to SCREENSHOT_PART_HEIGHT tall, scrolled
    one screen at a time until the last cell is in view (one file per screen)."""
    scroller = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer")
    # Off-screen cells have estimated heights until they are painted, so the first
    # measurement only sizes the viewport; the loop checks what is actually left.
    measure = """e => {
        const cells = e.querySelectorAll('.jp-Cell');
        const last = cells[cells.length - 1].getBoundingClientRect().bottom;
        const view = e.getBoundingClientRect();
        return {top: e.scrollTop, visible: e.clientHeight, below: last - view.bottom, last: last};
    }"""
    scroller.evaluate("e => { e.scrollTop = 0; }")  # Run All leaves the view at the last cell
    page.wait_for_timeout(500)
    first = scroller.evaluate(measure)
    height = min(SCREENSHOT_PART_HEIGHT, math.ceil(first["visible"] + max(first["below"], 0)) + 40)
    viewport = {"width": VIEWPORT["width"], "height": height + VIEWPORT["height"] - first["visible"]}
    page.set_viewport_size(viewport)
    paths, top = [], 0
    while True:
        scroller.evaluate("(e, top) => { e.scrollTop = top; }", top)
        page.wait_for_timeout(1500)  # let images and off-screen cells paint
        now = scroller.evaluate(measure)
        done = now["below"] <= 0 or now["top"] < top or len(paths) == 19  # all seen, or no more scrolling
        # The last screen stops below the last cell, not at JupyterLab's blank end padding.
        clip_height = min(viewport["height"], now["last"] + 40) if done else viewport["height"]
        paths.append(f"{path_stem}.png" if not paths else f"{path_stem}-part{len(paths) + 1}.png")
        page.screenshot(path=paths[-1], clip={"x": 0, "y": 0, "width": viewport["width"], "height": clip_height})
        if done:
            break
        top = now["top"] + now["visible"]
    page.set_viewport_size(VIEWPORT)
    return paths


def _explorer_slider(page):
    sliders = page.locator(".widget-slider").filter(has=page.locator(".widget-label", has_text=QUERY_LABEL))
    if sliders.count() != 1:
        labels = page.locator(".widget-slider .widget-label").all_inner_texts()
        pytest.fail(
            f"Expected one slider labelled 'query' in the explorer; found {sliders.count()} "
            f"(slider labels on the page: {labels}).",
            pytrace=False,
        )
    return sliders.first


def _figure_sources(cell):
    return cell.locator(".jp-OutputArea-output img").evaluate_all("images => images.map(i => i.src)")


def _screenshot_element(page, element, path):
    height = element.bounding_box()["height"]
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(max(VIEWPORT["height"], height + 200))})
    element.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    element.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)


def _check_explorer(page, stem):
    """Moves the explorer's query slider with the keyboard; its figure must change."""
    slider = _explorer_slider(page)
    cell = page.locator(".jp-CodeCell").filter(has=slider)
    handle = slider.locator('[role="slider"]')

    def value():  # textContent: innerText is empty while the cell is scrolled out of view
        return slider.locator(".widget-readout").text_content().strip()

    _wait(page, lambda: _figure_sources(cell), WIDGET_TIMEOUT_S, "the explorer's figure", artefact=stem)
    before_value, before_images = value(), _figure_sources(cell)
    assert before_value, "the explorer's query slider shows no value"
    _screenshot_element(page, cell, f"{stem}-explorer-before.png")

    handle.focus()
    for _ in range(QUERY_STEPS):
        handle.press("ArrowRight")
    _wait(
        page,
        lambda: value() != before_value,
        WIDGET_TIMEOUT_S,
        f"the slider's readout to leave {before_value} after {QUERY_STEPS} presses of ArrowRight",
        artefact=stem,
    )
    after_value = value()
    _wait(
        page,
        lambda: _figure_sources(cell) and _figure_sources(cell) != before_images,
        WIDGET_TIMEOUT_S,
        f"the explorer's figure to change after the slider moved from query {before_value} to {after_value}",
        artefact=stem,
    )
    _wait(page, lambda: _idle(page), WIDGET_TIMEOUT_S, "the kernel to finish drawing", artefact=stem)
    _screenshot_element(page, cell, f"{stem}-explorer-after.png")
    return before_value, after_value


def test_notebook_runs_cleanly_in_jupyterlab(notebook_name, browser, lab, artefact_dir):
    stem = str(artefact_dir / notebook_name.removesuffix(".ipynb"))
    kernel, display_name = _check_kernelspec(lab, notebook_name)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"[{message.type}] {message.text}"))
    page.on("pageerror", lambda error: console.append(f"[pageerror] {error}"))
    started = time.monotonic()
    try:
        # `reset` starts from an empty workspace, so only this notebook is open.
        page.goto(lab.url(f"lab/tree/{notebook_name}?reset&token={lab.token}"))
        page.locator(".jp-NotebookPanel").first.wait_for(timeout=KERNEL_START_TIMEOUT_S * 1000)
        if display_name is None:  # JupyterLab should ask for a kernel, and _fail_on_dialog report it
            deadline = time.monotonic() + KERNEL_START_TIMEOUT_S
            while time.monotonic() < deadline:
                _fail_on_dialog(page, stem)
                page.wait_for_timeout(1000)
            pytest.fail(
                f"{notebook_name} asks for kernel {kernel!r}, which is not installed, and JupyterLab "
                f"shows {_kernel_status(page)!r} without asking.",
                pytrace=False,
            )
        # Run All before the kernel is connected does nothing, so wait for "<kernel> | Idle".
        _wait(
            page,
            lambda: _kernel_status(page) == f"{display_name} | Idle",
            KERNEL_START_TIMEOUT_S,
            lambda: f"kernel {display_name!r} to start (the status bar shows {_kernel_status(page)!r})",
            artefact=stem,
        )

        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
        page.locator(".lm-Menu .lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()

        def prompts():
            return [cell["prompt"] for cell in _cells(page) if cell["code"] and not cell["empty"]]

        _wait(
            page,
            lambda: any(prompt != "[ ]:" for prompt in prompts()),
            KERNEL_START_TIMEOUT_S,
            "Run > Run All Cells to start the first cell",
            artefact=stem,
        )

        def finished():
            cells = [cell for cell in _cells(page) if cell["code"] and not cell["empty"]]
            problems = _problems(cells, kinds=("box",))
            if problems:  # Run All stops at an error: fail now rather than wait for the rest
                return problems
            return not any("*" in cell["prompt"] for cell in cells) and _idle(page)

        outcome = _wait(page, finished, RUN_TIMEOUT_S, f"Run All Cells to finish in {notebook_name}", artefact=stem)
        run_seconds = time.monotonic() - started
        if outcome is True:  # widgets show "Loading widget..." until their view is built
            _wait(
                page,
                lambda: not _problems(_cells(page), kinds=("widget",)),
                WIDGET_TIMEOUT_S,
                lambda: "widgets to render: " + "; ".join(_problems(_cells(page), kinds=("widget",))),
                artefact=stem,
            )
        cells = _cells(page)
        screenshots = _screenshot_notebook(page, stem)
        if outcome is not True:
            pytest.fail(
                f"{notebook_name} showed problems a learner would see (screenshot: {screenshots[0]}):\n"
                + "\n".join(outcome),
                pytrace=False,
            )
        unrun = [
            cell["index"]
            for cell in cells
            if cell["code"] and not cell["empty"] and not re.fullmatch(r"\[\d+\]:", cell["prompt"])
        ]
        if unrun:
            pytest.fail(f"{notebook_name}: cells {unrun} did not run (screenshot: {screenshots[0]})", pytrace=False)

        if notebook_name.startswith("09_"):
            before, after = _check_explorer(page, stem)
            problems = _problems(_cells(page))
            if problems:
                pytest.fail(
                    f"moving the explorer to query {after} showed problems:\n" + "\n".join(problems), pytrace=False
                )
            print(f"{notebook_name}: explorer moved from query {before} to {after} and redrew its figure")
        print(f"{notebook_name}: opened and ran in {run_seconds:.0f} s; screenshots {screenshots}")
    finally:
        (artefact_dir / f"{notebook_name.removesuffix('.ipynb')}-console.log").write_text("\n".join(console) + "\n")
        context.close()
        with contextlib.suppress(OSError):  # a server that died is reported by the test itself
            lab.shut_down_kernels_of(notebook_name)
