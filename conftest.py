"""Notebook cells run under nbval must not write to stderr.

In Jupyter every stderr write becomes a red box under the cell, which a
learner reads as "something went wrong". nbval itself ignores stderr, so this
hook fails a notebook cell whose outputs include a stderr stream, and shows
what was written. (Python warnings raised by a cell count too: fix them at
their source.)
"""

import pytest


def _stderr_text(outputs):
    return "".join(
        output.get("text", "")
        for output in outputs
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    outputs = getattr(item, "test_outputs", None)  # set by nbval's cell items only
    if call.when != "call" or report.outcome != "passed" or not outputs:
        return
    text = _stderr_text(outputs)
    if text:
        report.outcome = "failed"
        report.longrepr = f"The cell wrote to stderr (a red box in Jupyter):\n{text}"
