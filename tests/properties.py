"""Strategies and checks shared by the property-based tests (`test_properties_*.py`).

The data are drawn from a seed and a few knobs (shape, magnitude, a common
offset, duplicated and zero rows) rather than element by element: hypothesis
explores the knobs, NumPy fills the arrays, and every example stays small and
fast. Magnitudes run from 1e-30 to 1e30 with offsets up to 1e34, so float32
overflow, underflow and cancellation all get exercised.
"""

import pathlib

import numpy as np
import pytest
from hypothesis import strategies as st

COURSE_LIB = pathlib.Path(__file__).resolve().parents[1] / "course_lib"

# Values every array-taking function must refuse with course_lib's own error.
BAD_ARRAYS = {
    "complex": np.array([[1.0 + 1.0j, 2.0], [0.5, 1.0]]),
    "nan": np.array([[np.nan, 1.0], [0.5, 1.0]]),
    "inf": np.array([[np.inf, 1.0], [0.5, 1.0]]),
    "strings": np.array([["a", "b"], ["c", "d"]]),
    "objects": np.array([[1.0, None], [0.5, 1.0]], dtype=object),
    "none": None,
    "ragged": [[1.0, 2.0], [3.0]],
    "beyond float32": np.array([[1e300, 1.0], [0.5, 1.0]]),
}

# Labels every label-taking function must refuse (distinct classes must stay distinct).
BAD_LABELS = {
    "fractional": np.array([0.5, 1.0, 0.0, 1.0]),
    "beyond int64": np.array([1e20, 2e20, 1e20, 2e20]),
    "nan": np.array([np.nan, 1.0, 0.0, 1.0]),
    "complex": np.array([1 + 0j, 1, 0, 0]),
    "strings": np.array(["a", "b", "a", "b"]),
    "none": None,
    "ragged": [[0, 1], [1]],
}


@st.composite
def matrices(draw, *, min_rows=1, max_rows=24, max_features=6, zero_rows=True, ties=True):
    """float32 `(n, d)` matrices of any magnitude, with offsets, duplicates and zero rows."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(min_rows, max_rows))
    d = draw(st.integers(1, max_features))
    x = rng.normal(size=(n, d)) * 10.0 ** draw(st.integers(-30, 30))
    if draw(st.booleans()):  # a large common offset: cancellation in |a|^2 - 2ab + |b|^2
        x = x + rng.normal(size=d) * 10.0 ** draw(st.integers(-30, 34))
    if draw(st.booleans()) and n > 1:  # duplicated rows: ties and zero distances
        x[rng.integers(n, size=n // 3)] = x[rng.integers(n, size=n // 3)]
    if zero_rows and draw(st.booleans()):
        x[rng.integers(n)] = 0.0
    if ties and draw(st.booleans()):  # few distinct values: many exact ties
        x = np.round(x / np.abs(x).max(initial=1e-300) * 4) * np.abs(x).max(initial=1.0) / 4
    return x.astype(np.float32)


@st.composite
def labels(draw, n, *, min_classes=1, max_classes=5, as_float=False):
    """Integer labels `(n,)`, sometimes large values or floats holding integers."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.integers(0, draw(st.integers(min_classes, max_classes)), size=n)
    if draw(st.booleans()):  # large, distinct label values that a sloppy cast would merge
        values = values * 10**15 + 7
    return values.astype(np.float64) if as_float else values


def own_error(excinfo, *, name=None):
    """Asserts that course_lib raised the error itself, naming the argument when given."""
    origin = pathlib.Path(str(excinfo.traceback[-1].path)).resolve()
    assert COURSE_LIB in origin.parents, f"{excinfo.typename} came from {origin}, not course_lib: {excinfo.value}"
    message = str(excinfo.value)
    if name is not None:
        assert f"`{name}`" in message, message
    assert "received" in message or "contains" in message, message


def assert_own_error(call, *, name=None):
    with pytest.raises((ValueError, TypeError)) as excinfo:
        call()
    own_error(excinfo, name=name)
