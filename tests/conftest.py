"""Shared test settings: the hypothesis profile of the property-based tests.

`tests/browser/` (JupyterLab in Chromium) is left out of plain `pytest` runs: it needs a
browser and several minutes. `make test-browser`, or naming the folder
(`pytest tests/browser`), runs it.

`derandomize=True` makes every run draw the same examples (a fixed seed), so CI
is deterministic; `max_examples` keeps the whole property suite to about a
minute on two cores. Run more examples locally with
`HYPOTHESIS_PROFILE=thorough pytest tests/test_properties_*.py`.
"""

import os

from hypothesis import HealthCheck, settings

collect_ignore = ["browser"]

settings.register_profile(
    "course",
    derandomize=True,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("course"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))
