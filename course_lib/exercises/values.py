"""Reading what a learner returns, comparing it with float32 in mind, and showing it.

Three policies, each in one place:

- **Types are never read silently.** A number written as text (`"0.5"`), a bool
  where a number is asked, a dict, a ragged list: each is refused, naming the
  type expected and the type received (`as_numbers`).
- **Tolerances follow float32.** The course's helpers and Keras compute in
  float32, which keeps about 7 significant digits, so a right answer computed
  in float32 must pass. `Tolerance` allows `rtol` relative to the size of the
  numbers involved: the larger of the answer itself and the case's
  `magnitude`, the size of the largest numbers the computation goes through
  (a softmax of logits up to 1,000 loses digits a softmax of logits up to 1
  does not).
- **Two different numbers never look the same.** When two values differ below
  the precision shown, `render_number` and `render_array` show more digits
  until the difference is visible.
"""

import numpy as np

from course_lib._validation import to_numpy
from course_lib.exercises.verdicts import Incorrect

__all__ = [
    "FLOAT32",
    "FLOAT32_RTOL",
    "Tolerance",
    "as_learner_array",
    "as_numbers",
    "close_to",
    "describe_array",
    "describe_with_shape",
    "first_difference",
    "nan_note",
    "render_array",
    "render_number",
    "type_name",
]

#: Relative tolerance of float32 answers: float32 rounds each number to 2**-24 (about
#: 6e-8) of its size; 1e-5 leaves room for the rounding of a few hundred operations.
FLOAT32_RTOL = 1e-5


def type_name(value):
    """The type of `value` in words a learner knows: `str '0.5'`, `bool True`, `dict`, ..."""
    if isinstance(value, (str, bytes)):
        shown = repr(value) if len(value) <= 40 else repr(value[:37]) + "..."
        return f"{type(value).__name__} {shown}"
    if isinstance(value, (bool, np.bool_)):
        return f"bool {bool(value)}"
    return type(value).__name__


def _text_advice(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return ""
    return ": a number written as text. Return the number itself, without quotes"


def _is_sparse(value):
    """Whether `value` is a SciPy sparse matrix or array (without importing SciPy)."""
    return type(value).__module__.startswith("scipy.sparse") and hasattr(value, "toarray")


def as_numbers(value, what, *, subject="your function returned"):
    """Reads an answer that should hold numbers: an array, a list, a number, a tensor or a
    SciPy sparse matrix (read as the dense array it stands for).

    Returns a NumPy array of bools, integers or floats, as read; what to do
    with bools and shapes is the caller's business.

    Args:
        value: the learner's answer.
        what: what was expected, in words, e.g. `"one number between 0 and 1"`.
        subject: how the message names the answer's origin.

    Raises:
        Incorrect: for text, None, dicts and other objects, ragged lists,
            complex numbers or text inside an array, naming the type received.

    Example:

    >>> as_numbers([1, 2], "two numbers")
    array([1, 2])
    >>> as_numbers("0.5", "one number")
    Traceback (most recent call last):
    ...
    course_lib.exercises.verdicts.Incorrect: expected one number; your function returned str '0.5': a number written...
    """
    if value is None or isinstance(value, (str, bytes, dict, set, frozenset)) or callable(value):
        advice = _text_advice(value) if isinstance(value, (str, bytes)) else ""
        raise Incorrect(f"expected {what}; {subject} {type_name(value)}{advice}.")
    if _is_sparse(value):
        value = value.toarray()
    try:
        array = to_numpy(value, "answer")  # reads TensorFlow, JAX and torch tensors
    except (TypeError, ValueError):
        raise Incorrect(
            f"expected {what}; {subject} {type_name(value)} of rows of different lengths (a ragged "
            f"list), which is not an array."
        ) from None
    if array.dtype.kind in "biuf":
        return array
    if array.dtype.kind == "c":
        raise Incorrect(f"expected {what}; {subject} complex numbers (dtype {array.dtype}).")
    kinds = sorted({type_name(item).split(" ")[0] for item in array.ravel()[:50].tolist()})
    raise Incorrect(
        f"expected {what}; {subject} {type_name(value)} holding {', '.join(kinds)} (dtype {array.dtype}), not numbers."
    )


def as_learner_array(value, what):
    """Converts a learner's answer (array, list, number or tensor) to a float64 array.

    Bools count as 0 and 1; text is refused (see `as_numbers`).

    Raises:
        Incorrect: naming `what` was expected and the type received, when the
            answer is not numeric.
    """
    return np.asarray(as_numbers(value, what), dtype=np.float64)


class Tolerance:
    """When a number computed by the learner counts as the expected one.

    `|got - want| <= rtol * (|want| + scale) + atol`, where `scale` is the larger
    of the case's `magnitude` and the largest finite `|want|` of the answer: an
    entry is judged relative to itself and to the size of the whole answer.
    NaN agrees only with NaN, inf only with the same inf.

    Args:
        rtol: relative tolerance. Defaults to `FLOAT32_RTOL`.
        atol: absolute tolerance added, for answers whose definitions may
            legitimately differ by a fixed amount. Defaults to 0.

    Example:

    >>> FLOAT32.close(np.float32(6.333894831), 6.333894831)
    True
    >>> FLOAT32.close(6.3345, 6.333894831)
    False
    >>> FLOAT32.close(0.5001, 0.5, magnitude=1000.0)  # a softmax of logits up to 1,000
    True
    """

    def __init__(self, rtol=FLOAT32_RTOL, atol=0.0):
        if not rtol >= 0 or not atol >= 0:
            raise ValueError(f"`rtol` and `atol` must be >= 0; received {rtol!r} and {atol!r}.")
        self.rtol, self.atol = float(rtol), float(atol)

    def close(self, got, want, magnitude=1.0):
        """Whether `got` is `want` within the tolerance (same shape, every entry)."""
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            return False
        finite = np.isfinite(want)
        both_finite = finite & np.isfinite(got)
        same_special = ~finite & ((got == want) | (np.isnan(got) & np.isnan(want)))
        scale = max(float(magnitude), float(np.max(np.abs(want[finite]), initial=0.0)))
        allowed = self.rtol * (np.abs(want) + scale) + self.atol
        with np.errstate(invalid="ignore"):
            near = both_finite & (np.abs(got - want) <= np.where(finite, allowed, 0.0))
        return bool(np.all(near | same_special))

    def __repr__(self):
        return f"Tolerance(rtol={self.rtol:g}, atol={self.atol:g})"


#: The default: float32 answers pass, every usual mistake is far outside.
FLOAT32 = Tolerance()


def close_to(atol, *, rtol=1e-5, equal_nan=False):
    """A `same` for `check_cases`: the same shape, and equal within `atol` and `rtol`.

    With `equal_nan`, NaN agrees with NaN: for a usual mistake whose answer holds NaN.
    (New exercises use `Tolerance`, which scales with the answer.)
    """
    return lambda got, value: (
        np.shape(got) == np.shape(value) and np.allclose(got, value, rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def _differ(a, b):
    """Where two arrays of one shape differ, NaN counting as equal to NaN."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))


def render_number(value, other=None, *, digits=6, decimals=None):
    """`value` with `digits` significant digits (or `decimals` decimals), or more until it
    reads differently from `other`.

    Example:

    >>> render_number(6.333891), render_number(6.333891, 6.333889), render_number(6.333889, 6.333891)
    ('6.33389', '6.333891', '6.333889')
    """
    value = float(value)

    def shown(number, more):
        return f"{number:.{decimals + more}f}" if decimals is not None else f"{number:.{digits + more}g}"

    if other is None or not np.isfinite(value):
        return shown(value, 0)
    try:
        other = float(np.asarray(other, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return shown(value, 0)
    for more in range(0, 18):
        if other == value or shown(value, more) != shown(other, more):
            return shown(value, more)
    return repr(value)


def describe_array(value, *, decimals=3, max_items=6):
    """A short, readable rendering of a small array for feedback messages."""
    array = np.asarray(value)
    if array.size > max_items * max_items:
        return f"an array of shape {array.shape}"
    return np.array2string(
        np.round(array.astype(float), decimals) if array.dtype.kind in "fc" else array,
        separator=", ",
        threshold=max_items * max_items,
    )


def render_array(value, other=None, *, decimals=3, max_items=6):
    """`describe_array`, with more decimals where `value` and `other` (same shape) would
    otherwise read the same although they differ."""
    array = np.asarray(value)
    if other is None or array.dtype.kind not in "fc" or np.shape(other) != array.shape:
        return describe_array(array, decimals=decimals, max_items=max_items)
    other = np.asarray(other, dtype=np.float64)
    if _differ(array, other).any():
        for shown in range(decimals, 17):
            if _differ(np.round(array.astype(float), shown), np.round(other, shown)).any():
                return describe_array(array, decimals=shown, max_items=max_items)
    return describe_array(array, decimals=decimals, max_items=max_items)


def describe_with_shape(value):
    """`describe_array` followed by the shape: for answers whose shape may be wrong."""
    return f"{describe_array(value)} (shape {np.shape(value)})"


def first_difference(got, want, *, tolerance=FLOAT32, magnitude=1.0):
    """`(index, got entry, want entry)` of the first entry outside the tolerance, or None."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or got.ndim == 0:
        return None
    for index in zip(*np.nonzero(_differ(got, want))):
        if not tolerance.close(got[index], want[index], magnitude=magnitude):
            return tuple(int(i) for i in index), got[index], want[index]
    return None


def nan_note(got, want):
    """A sentence that names NaN in an answer where the right answer has none, else ""."""
    try:
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    if not np.isnan(got).any() or np.isnan(want).any():
        return ""
    where = "" if got.ndim == 0 else f" ({int(np.isnan(got).sum())} of {got.size} entries)"
    return (
        f"\nYour answer holds NaN{where}, 'not a number': the result of 0/0 or inf - inf, for "
        f"example a mean over an empty selection or a division by a length of 0."
    )
