"""Answer formats: how an exercise reads, compares and shows what the learner returns.

A format turns the raw answer into something comparable, or raises `Incorrect`
saying what was expected and what came back (type, shape, order); it compares
with a `Tolerance`; it shows the expected and the received answers so that
they read differently when they differ.

- `Number`: one number (a 0-d or one-entry array or tensor is fine).
- `Array`: an array of the shape of the right answer.
- `Indices`: an array of whole numbers (positions), compared exactly.
- `Pair`: a tuple of a fixed number of answers, each with its format; an
  answer in the wrong order is told so when the shapes show it.
- `Record`: a dict with fixed keys, each with its format.

Usual wrong shapes are declared with `WrongShape(test, message)`; the right
answer of a case may be a `RightAnswers`, when more than one answer is right.
"""

import numpy as np

from course_lib.exercises.values import FLOAT32, as_numbers, first_difference, render_array, render_number
from course_lib.exercises.verdicts import Incorrect

__all__ = ["Array", "Indices", "Number", "Pair", "Record", "RightAnswers", "WrongShape", "transposed"]


class RightAnswers:
    """The right answers of one case, where more than one answer is right (ties, conventions).

    Subclasses set `example` (one right answer, shown to the learner and used for its
    shape) and define `accepts(got)`.
    """

    example = None

    def accepts(self, got):
        raise NotImplementedError

    def render(self, answer_format, other=None):
        """The text shown as "expected"; defaults to the example in `answer_format`'s words."""
        return answer_format.render(self.example, other)


def _example(want):
    return want.example if isinstance(want, RightAnswers) else want


class WrongShape:
    """A usual wrong shape and what to say about it.

    Args:
        test: `test(shape, expected_shape, *args) -> bool`, given the shape
            returned, the shape expected and the case's arguments.
        message: the text, or `message(shape, expected_shape, *args)`; `{shape}`
            and `{expected}` in a text are replaced by the two shapes.
    """

    def __init__(self, test, message):
        self.test, self.message = test, message

    def says(self, shape, expected, args):
        try:
            if not self.test(shape, expected, *args):
                return None
        except Exception:  # a test written for other shapes
            return None
        if callable(self.message):
            return self.message(shape, expected, *args)
        return self.message.format(shape=shape, expected=expected)


def _numbers(got, what, case):
    """`as_numbers`, its message prefixed with the case."""
    try:
        return as_numbers(got, what)
    except Incorrect as reason:
        raise Incorrect(f"on {case.description}: {reason}") from None


def transposed(message):
    """A `WrongShape` for the usual transpose: the expected shape's axes in reverse order."""
    return WrongShape(lambda shape, expected, *_: shape == expected[::-1] != expected, message)


class AnswerFormat:
    """The base of the formats: `read`, `same`, `render` and `render_pair`."""

    def __init__(self, what, *, tolerance=FLOAT32, shapes=()):
        self.what = what
        self.tolerance = tolerance
        self.shapes = tuple(shapes)

    def read(self, got, want, case):
        """The answer in comparable form; raises `Incorrect` on a wrong type or shape."""
        raise NotImplementedError

    def same(self, got, want, case):
        """Whether the read answer `got` is `want` (a value or a `RightAnswers`)."""
        if isinstance(want, RightAnswers):
            return bool(want.accepts(got))
        return self.tolerance.close(got, want, magnitude=case.magnitude)

    def render(self, value, other=None):
        raise NotImplementedError

    def render_pair(self, want, got, case=None):
        """`(expected text, received text)`, each with digits enough to differ from the other."""
        if isinstance(want, RightAnswers):
            return want.render(self, got), self.render(got, want.example)
        return self.render(want, got), self.render(got, want)

    def _shape_message(self, shape, expected, case):
        for advice in self.shapes:
            message = advice.says(shape, expected, case.args)
            if message:
                return f"on {case.description}: {message}"
        return None


class Number(AnswerFormat):
    """One number, e.g. a loss or a rate.

    Args:
        what: what is expected, in words (default `"one number"`).
        tolerance: a `Tolerance` (default float32's).
        shapes: `WrongShape`s, for answers with more than one number.
        digits: significant digits shown (more where two answers would read the same).
        decimals: decimals shown instead, where a fixed number reads better (rates).
    """

    def __init__(self, what="one number", *, tolerance=FLOAT32, shapes=(), digits=6, decimals=None):
        super().__init__(what, tolerance=tolerance, shapes=shapes)
        self.digits, self.decimals = digits, decimals

    def read(self, got, want, case):
        array = _numbers(got, self.what, case)
        if array.size != 1:
            message = self._shape_message(array.shape, (), case)
            raise Incorrect(
                message or f"on {case.description}: expected {self.what}; got an array of shape {array.shape}."
            )
        if array.dtype == bool:
            raise Incorrect(
                f"on {case.description}: expected {self.what}; your function returned a bool "
                f"({bool(array.reshape(()))}), a yes/no answer. Return the number itself."
            )
        return float(array.reshape(()))

    def render(self, value, other=None):
        return render_number(value, other, digits=self.digits, decimals=self.decimals)


class Array(AnswerFormat):
    """An array of the shape of the right answer.

    Args:
        what: what is expected, in words, e.g. `"the cosine matrix"`.
        per: what each axis holds, e.g. `"one row per vector of a"`, added to shape messages.
        tolerance: a `Tolerance` (default float32's).
        shapes: `WrongShape`s: usual wrong shapes, with advice.
        decimals: decimals shown (more where two answers would read the same).
        show_shape: add the shape after the values in messages.
    """

    def __init__(self, what, *, per="", tolerance=FLOAT32, shapes=(), decimals=3, show_shape=False):
        super().__init__(what, tolerance=tolerance, shapes=shapes)
        self.per, self.decimals, self.show_shape = per, decimals, show_shape

    def _describe_expected(self, expected):
        return f"{self.what}, shape {expected}" + (f" ({self.per})" if self.per else "")

    def read(self, got, want, case):
        expected = np.shape(_example(want))
        array = _numbers(got, self._describe_expected(expected), case)
        if array.shape != expected:
            message = self._shape_message(array.shape, expected, case)
            raise Incorrect(
                message
                or f"on {case.description}: expected shape {expected}"
                + (f" ({self.per})" if self.per else "")
                + f", got shape {array.shape}."
            )
        if array.dtype == bool:
            raise Incorrect(
                f"on {case.description}: expected {self._describe_expected(expected)}; your function "
                f"returned True/False values (dtype bool). Return numbers."
            )
        return self._convert(array, case)

    def _convert(self, array, case):
        return np.asarray(array, dtype=np.float64)

    def render(self, value, other=None):
        text = render_array(value, other, decimals=self.decimals)
        return f"{text} (shape {np.shape(value)})" if self.show_shape else text

    def render_pair(self, want, got, case=None):
        expected, received = super().render_pair(want, got, case)
        value = _example(want)
        if np.size(value) > 36 and not isinstance(want, RightAnswers):
            difference = first_difference(got, value, tolerance=self.tolerance)
            if difference is not None:
                index, got_entry, want_entry = difference
                received += (
                    f"; at {list(index)} it holds {render_number(got_entry, want_entry)} where "
                    f"{render_number(want_entry, got_entry)} was expected"
                )
        return expected, received


class Indices(Array):
    """An array of whole numbers (positions in another array), compared exactly (whole floats
    such as 3.0 count as 3)."""

    def __init__(self, what, *, per="", shapes=(), show_shape=False):
        super().__init__(what, per=per, shapes=shapes, show_shape=show_shape)

    def _convert(self, array, case):
        # fractions are kept, so that a usual mistake (returning the scores) can be named
        whole = np.all(np.isfinite(array)) and np.all(array == np.round(array))
        return np.asarray(array, dtype=np.int64 if whole else np.float64)

    def same(self, got, want, case):
        if isinstance(want, RightAnswers):
            return bool(want.accepts(got))
        return np.shape(got) == np.shape(want) and bool(np.all(np.asarray(got) == np.asarray(want)))

    def render(self, value, other=None):
        array = np.asarray(value)
        whole = array.dtype.kind in "iu" or (np.all(np.isfinite(array)) and np.all(array == np.round(array)))
        if not whole:
            return super().render(value, other)
        rows = array.astype(np.int64)
        if rows.ndim == 2:
            shown = 8
            text = "\n".join(
                str(row) if len(row) <= shown else f"{str(row[:shown])[:-1]}, ...] ({len(row)} in all)"
                for row in rows.tolist()
            )
        else:
            text = str(rows.tolist())
        return f"{text} (shape {array.shape})" if self.show_shape else text


class Pair(AnswerFormat):
    """A tuple of answers in a fixed order, e.g. `(output, weights)`.

    Args:
        names: the name of each element, e.g. `("output", "weights")`.
        formats: the format of each element.
        separator: between the elements in messages (default a new line).
        arrays_as_pairs: accept an array of as many numbers as elements (for
            pairs of numbers, e.g. `np.array([threshold, accuracy])`).
    """

    def __init__(self, names, formats, *, separator="\n", arrays_as_pairs=False):
        if len(names) != len(formats):
            raise ValueError(f"`names` and `formats` must have one entry each; received {names!r}, {formats!r}.")
        super().__init__(f"({', '.join(names)})")
        self.names, self.formats = tuple(names), tuple(formats)
        self.separator, self.arrays_as_pairs = separator, arrays_as_pairs

    def _elements(self, got, case):
        if self.arrays_as_pairs and not isinstance(got, (tuple, list)):
            try:
                array = as_numbers(got, self.what)
            except Incorrect:
                array = None
            if array is not None and array.shape == (len(self.names),):
                return tuple(array)
        if not isinstance(got, (tuple, list)) or len(got) != len(self.names):
            received = f"{type(got).__name__} of {len(got)}" if isinstance(got, (tuple, list)) else type(got).__name__
            kind = "pair" if len(self.names) == 2 else f"tuple of {len(self.names)}"
            raise Incorrect(f"on {case.description}: return a {kind} {self.what}; your function returned {received}.")
        return tuple(got)

    def _read_in_order(self, elements, want, case):
        wanted = _example(want)
        read = []
        for name, element_format, element, expected in zip(self.names, self.formats, elements, wanted):
            try:
                read.append(element_format.read(element, expected, case))
            except Incorrect as reason:
                text = str(reason)
                prefix = f"on {case.description}: "
                text = text[len(prefix) :] if text.startswith(prefix) else text
                raise Incorrect(f"{prefix}`{name}`: {text}") from None
        return tuple(read)

    def read(self, got, want, case):
        elements = self._elements(got, case)
        try:
            return self._read_in_order(elements, want, case)
        except Incorrect:
            if len(elements) == 2:
                try:
                    self._read_in_order(elements[::-1], want, case)
                except Incorrect:
                    pass
                else:
                    raise Incorrect(
                        f"on {case.description}: you returned ({self.names[1]}, {self.names[0]}); return "
                        f"{self.what}, in that order."
                    ) from None
            raise

    def same(self, got, want, case):
        if isinstance(want, RightAnswers):
            return bool(want.accepts(got))
        return len(got) == len(want) and all(format.same(g, w, case) for format, g, w in zip(self.formats, got, want))

    def render(self, value, other=None):
        others = other if other is not None and len(other) == len(value) else (None,) * len(value)
        return self.separator.join(
            f"{name} {element_format.render(element, element_other)}"
            for name, element_format, element, element_other in zip(self.names, self.formats, value, others)
        )


class Record(AnswerFormat):
    """A dict with fixed keys, each value with its format, e.g. `{"R@1": ..., "MAP@R": ...}`."""

    def __init__(self, formats):
        self.formats = dict(formats)
        super().__init__(f"a dict with exactly the keys {', '.join(map(repr, self.formats))}")

    def read(self, got, want, case):
        if not isinstance(got, dict) or set(got) != set(self.formats):
            keys = sorted(map(str, got)) if isinstance(got, dict) else type(got).__name__
            raise Incorrect(f"on {case.description}: return {self.what}; you returned {keys}.")
        read = {}
        for key, value_format in self.formats.items():
            try:
                read[key] = value_format.read(got[key], _example(want)[key], case)
            except Incorrect as reason:
                text = str(reason)
                prefix = f"on {case.description}: "
                text = text[len(prefix) :] if text.startswith(prefix) else text
                raise Incorrect(f"{prefix}the value of {key!r}: {text}") from None
        return read

    def same(self, got, want, case):
        if isinstance(want, RightAnswers):
            return bool(want.accepts(got))
        return set(got) == set(want) and all(self.formats[key].same(got[key], want[key], case) for key in want)

    def render(self, value, other=None):
        return ", ".join(
            f"{key} {self.formats[key].render(value[key], None if other is None else other.get(key))}"
            for key in self.formats
        )
