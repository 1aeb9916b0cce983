"""Calling a learner's code: crashes, blanks and forgotten `return`s turned into verdicts,
and the one rule for answers that call the course's own version of the exercise.

- `call_learner` runs the learner's function; `call_keras_learner` does the same for
  code that builds or runs Keras models, telling shape errors in the course's words.
- `course_version_used` finds the course's own version of the answer in the
  answer's code, in the learner's helper functions it calls, and through modules
  (`course_lib.search.evaluate_search`).
"""

import functools
import logging
import re
import sys
import types

import numpy as np

from course_lib.exercises.verdicts import Incorrect, NotAttempted, ____

__all__ = [
    "NONE_RETURNED",
    "call_keras_learner",
    "call_learner",
    "course_version_used",
    "reference_used",
    "screen_returned",
    "watching",
]

NONE_RETURNED = "your function returned None: did you forget `return`?"


def screen_returned(value):
    """Turns a blank or a forgotten `return` into a verdict; passes any other value through.

    Raises:
        NotAttempted: if `value` is the placeholder.
        Incorrect: if `value` is None.
    """
    if value is ____:
        raise NotAttempted("your function still returns ____; replace it with your code.")
    if value is None:
        raise Incorrect(NONE_RETURNED)
    return value


def _screen_callable(function):
    if function is ____:
        raise NotAttempted("replace ____ with your code, then run the check again.")
    if not callable(function):
        raise Incorrect(
            f"expected a function to call; received {type(function).__name__}. Pass the "
            f"function itself (its name without parentheses)."
        )


def call_learner(function, *args, description):
    """Calls the learner's function, turning a crash, a blank or a missing `return` into a verdict.

    Args:
        function: the learner's callable.
        *args: its arguments.
        description: the input in words, e.g. `"a of shape (5, 3), b of shape (4, 3)"`,
            used in the message if the call fails.

    Returns:
        Whatever the function returns.

    Raises:
        NotAttempted: if `function` is the placeholder or returns it.
        Incorrect: if `function` is not callable, raises or returns None.
    """
    _screen_callable(function)
    try:
        with np.errstate(all="ignore"):  # the verdict explains NaN better than a warning
            value = function(*args)
    except Exception as error:  # the learner's code may fail in any way; report it kindly
        raise Incorrect(f"your function raised {type(error).__name__}: {error} (called with {description}).") from None
    return screen_returned(value)


# --- Keras: shape errors in the course's words ---------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Keras's input check of a layer being built or called: the same text on every backend.
_LAYER_NDIM = re.compile(
    r"of layer '(?P<layer>[^']+)' is incompatible with the layer: expected (?P<min>min_)?ndim=(?P<needed>\d+), "
    r"found ndim=(?P<found>\d+)\. Full shape received: (?P<shape>\([^)]*\))"
)


@functools.cache
def _shape_watching_model():
    """A functional `keras.Model` class that notes the shape of every input given to it
    (called or through `predict`), so that a check can say which shape did not fit without
    reading the backend's error text (TensorFlow and JAX word shape errors differently)."""
    import keras

    class ShapeWatchingModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.shapes_given = []

        def _note(self, x):
            try:
                self.shapes_given.append(tuple(x.shape) if hasattr(x, "shape") else np.shape(x))
            except Exception:  # a tensor of unknown rank, ragged lists: nothing to note
                pass

        def __call__(self, inputs, *args, **kwargs):
            self._note(inputs)
            return super().__call__(inputs, *args, **kwargs)

        def predict(self, x, *args, **kwargs):
            self._note(x)
            return super().predict(x, *args, **kwargs)

    return ShapeWatchingModel


def watching(model):
    """`model`'s layers as a model that notes the shapes it is given, for `call_keras_learner`."""
    (image,), (code,) = model.inputs, model.outputs  # one tensor each
    return _shape_watching_model()(image, code, name=model.name)


def _fits(shape, expected):
    return len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected))


def _shape_diagnosis(error, args):
    """The course's own words for a shape error, or None when `error` is not one.

    From what the learner gave a watched model (the first shape that does not fit its
    input), else from Keras's layer input check (built or called with too few axes).
    """
    for arg in args:
        for shape in getattr(arg, "shapes_given", ()):
            expected = tuple(arg.inputs[0].shape)
            if not _fits(shape, expected):
                return (
                    f"the model was given an array of shape {shape}, but it takes shape {expected}, "
                    f"where None stands for any number of images"
                )
    match = _LAYER_NDIM.search(_ANSI.sub("", str(error)))
    if match:
        needed = f"{'at least ' if match['min'] else ''}{match['needed']}"
        return (
            f"layer '{match['layer']}' was given shape {match['shape']}, {match['found']} axes, "
            f"and it needs {needed} axes"
        )
    return None


def _brief(error):
    """An exception's first line, without terminal colour codes or the tensors Keras prints."""
    text = _ANSI.sub("", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = next((line for line in lines if not line.startswith("Exception encountered")), "")
    return line if len(line) <= 300 else line[:297] + "..."


def call_keras_learner(function, *args, description, shape_hint):
    """`call_learner` for code that builds or runs Keras models: long Keras errors cut short,
    shape errors told in the course's words followed by `shape_hint`.

    TensorFlow's warnings are held back during the call: a check builds fresh models, and
    TensorFlow would warn that their `predict` functions are traced one after another.
    """
    _screen_callable(function)
    tensorflow_logger = logging.getLogger("tensorflow")
    level = tensorflow_logger.level
    tensorflow_logger.setLevel(logging.ERROR)
    try:
        with np.errstate(all="ignore"):
            value = function(*args)
    except Exception as error:  # the learner's code may fail in any way; report it kindly
        diagnosis = _shape_diagnosis(error, args)
        if diagnosis:
            raise Incorrect(
                f"your function raised {type(error).__name__}: {diagnosis} (called with {description}). {shape_hint}"
            ) from None
        raise Incorrect(
            f"your function raised {type(error).__name__}: {_brief(error)} (called with {description})."
        ) from None
    finally:
        tensorflow_logger.setLevel(level)
    return screen_returned(value)


# --- the course's own version -------------------------------------------------------------------


def _code_names(code):
    """Every global or attribute name a code object (and the functions inside it) uses."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _code_names(constant)
    return names


def _scope(function):
    """The globals a function sees, with its closure's values over them."""
    code = function.__code__
    scope = dict(getattr(function, "__globals__", {}))
    for name, cell in zip(code.co_freevars, function.__closure__ or ()):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    return scope


def _reached(value, names, by_id, path, depth):
    """The dotted path by which `value` or the modules under it (through `names`) give a
    reference, or None."""
    if id(value) in by_id:
        return path
    if depth == 0 or not isinstance(value, types.ModuleType):
        return None
    for attribute in sorted(names):
        found = _reached(getattr(value, attribute, None), names, by_id, f"{path}.{attribute}", depth - 1)
        if found:
            return found
    return None


def course_version_used(answer, references, *, depth=3):
    """The name under which `answer` is or calls one of `references`, or None.

    Looks at the names the answer's code uses: a global or closure variable bound
    to a reference (`cosine_similarity(a, b)`), a reference reached through modules
    (`course_lib.search.evaluate_search(...)`, the module imported globally or inside
    the function), and, `depth` levels down, the learner's own helper functions that
    the answer calls (functions defined in the same notebook or module).

    Example:

    >>> import course_lib
    >>> def unit_rows(x):
    ...     return course_lib.l2_normalize(x)
    >>> def cosine_matrix(a, b):
    ...     return course_lib.cosine_similarity(a, b)
    >>> def by_hand(a, b):
    ...     return unit_rows(a) @ unit_rows(b).T
    >>> course_version_used(cosine_matrix, [course_lib.cosine_similarity])
    'course_lib.cosine_similarity'
    >>> course_version_used(by_hand, [course_lib.cosine_similarity]) is None
    True
    """
    if not references:
        return None
    by_id = {id(reference): reference for reference in references}
    if id(answer) in by_id:
        return getattr(answer, "__name__", type(answer).__name__)
    seen = set()

    def search(function, level):
        code = getattr(function, "__code__", None)
        if code is None or id(function) in seen:
            return None
        seen.add(id(function))
        names = _code_names(code)
        scope = _scope(function)
        helpers = []
        for name in sorted(names | set(code.co_freevars)):
            # a module imported inside the function is no global: find it among those loaded
            value = scope.get(name, sys.modules.get(name))
            if value is None:
                continue
            found = _reached(value, names, by_id, name, depth=2)
            if found:
                return found
            if isinstance(value, types.FunctionType) and value.__module__ == function.__module__:
                helpers.append(value)
        if level > 0:
            for helper in helpers:
                found = search(helper, level - 1)
                if found:
                    return found
        return None

    return search(answer, depth)


#: The name the exercise modules of earlier versions used.
reference_used = course_version_used
