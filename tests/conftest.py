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

import pytest
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


def pytest_report_header(config):
    """Names the Keras backend the run uses (`make test-jax` runs the Keras-side tests on JAX)."""
    requested = os.environ.get("KERAS_BACKEND")
    if not requested:
        return None
    import keras

    backend = keras.backend.backend()
    module = __import__({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, "keras"))
    return f"keras {keras.__version__}, backend {backend} {module.__version__}"


@pytest.fixture(autouse=True, scope="session")
def _keras_backend_is_the_requested_one():
    """With KERAS_BACKEND set, every test runs on that backend (checked once per session)."""
    requested = os.environ.get("KERAS_BACKEND")
    if requested:
        import keras

        assert keras.backend.backend() == requested, (requested, keras.backend.backend())
    yield
