"""The exercise machinery: placeholders, checks, hints and solutions.

An exercise in a notebook is two cells:

1. a code cell the learner edits, tagged in its metadata with
   `{"exercise": "<exercise id>"}`; as shipped it holds the placeholder `____`,
   which still lets the notebook run;
2. a cell that calls `exercise.check(answer)`, with `exercise.hint()` and
   `exercise.solution()` commented out beside it.

`check()` prints one of three verdicts and never raises on a wrong answer:

- **Correct**,
- **Incorrect**, with what was wrong and on which input,
- **Not attempted**, while the answer is still the placeholder.

The solution shown by `solution()` is the same text that
`python -m course_lib solve` writes into the tagged cell, and the same text the
tests run: one source of truth per solution.

Set the environment variable `COURSE_EXERCISE_EXPECT` to `correct` or
`not attempted` to make `check()` raise `ExerciseExpectationError` when the
verdict differs: the test suite runs the shipped notebooks with
`not attempted` and the solved ones with `correct`.
"""

import os
import textwrap

import numpy as np

__all__ = [
    "____",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "CheckResult",
    "Exercise",
    "ExerciseExpectationError",
    "Incorrect",
    "NotAttempted",
    "as_learner_array",
    "call_learner",
    "describe_array",
    "register",
    "registered_exercises",
]

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"
_STATUSES = (CORRECT, INCORRECT, NOT_ATTEMPTED)
EXPECT_ENV_VAR = "COURSE_EXERCISE_EXPECT"


class _Placeholder:
    """The blank a learner replaces: a single inert object that only marks "not done yet"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "____"


#: The blank to fill in. A notebook that still holds it runs, and its check
#: reports "Not attempted".
____ = _Placeholder()


class Incorrect(Exception):
    """Raised by a checker with a message for the learner: what was wrong, on which input."""


class NotAttempted(Exception):
    """Raised by a checker when the answer still holds the placeholder."""


class ExerciseExpectationError(RuntimeError):
    """Raised by `check()` when `COURSE_EXERCISE_EXPECT` asks for another verdict."""


class CheckResult:
    """The verdict of one check: `status` (correct / incorrect / not attempted) and `message`."""

    def __init__(self, status, message):
        if status not in _STATUSES:
            raise ValueError(f"`status` must be one of {_STATUSES}; received {status!r}.")
        self.status = status
        self.message = message

    @property
    def correct(self):
        return self.status == CORRECT

    def __str__(self):
        heading = {CORRECT: "Correct", INCORRECT: "Incorrect", NOT_ATTEMPTED: "Not attempted"}
        return f"{heading[self.status]}: {self.message}" if self.message else heading[self.status]

    def __repr__(self):
        return f"CheckResult(status={self.status!r}, message={self.message!r})"


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


def as_learner_array(value, what):
    """Converts a learner's answer (array, list, number or tensor) to a float64 array.

    Raises:
        Incorrect: naming `what` was expected and the type received, when the
            answer is not numeric.
    """
    if hasattr(value, "numpy") and callable(value.numpy):  # a Keras / TensorFlow tensor
        value = value.numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Incorrect(f"expected {what}; your function returned {type(value).__name__}.") from None


def call_learner(function, *args, description):
    """Calls the learner's function, turning a crash or a blank into a verdict.

    Args:
        function: the learner's callable.
        *args: its arguments.
        description: the input in words, e.g. `"a of shape (5, 3), b of shape (4, 3)"`,
            used in the message if the call fails.

    Returns:
        Whatever the function returns.

    Raises:
        NotAttempted: if `function` is the placeholder or returns it.
        Incorrect: if `function` is not callable or raises.
    """
    if function is ____:
        raise NotAttempted("replace ____ with your code, then run the check again.")
    if not callable(function):
        raise Incorrect(
            f"expected a function to call; received {type(function).__name__}. Pass the "
            f"function itself (its name without parentheses)."
        )
    try:
        with np.errstate(all="ignore"):  # the verdict explains NaN better than a warning
            value = function(*args)
    except Exception as error:  # the learner's code may fail in any way; report it kindly
        raise Incorrect(
            f"your function raised {type(error).__name__}: {error} (called with "
            f"{description})."
        ) from None
    if value is ____:
        raise NotAttempted("your function still returns ____; replace it with your code.")
    return value


class Exercise:
    """One checked exercise: `check(answer)`, `hint()` and `solution()`.

    Args:
        exercise_id: unique id, `"<notebook number>.<name>"`, e.g. `"01.cosine_matrix"`;
            notebooks tag the learner's cell with it.
        title: one line saying what to build.
        checker: `checker(answer)` returns a short success message, or raises
            `Incorrect` / `NotAttempted`.
        hint: text for `hint()`.
        solution_code: Python source that solves the exercise: shown by
            `solution()`, substituted into solved notebooks and run by the tests.
        answer_name: the name the solution defines and `check()` receives (a
            function or a value).
    """

    def __init__(self, exercise_id, *, title, checker, hint, solution_code, answer_name):
        for name, value in (("exercise_id", exercise_id), ("title", title), ("hint", hint)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"`{name}` must be a non-empty string; received {value!r}.")
        if not callable(checker):
            raise TypeError(f"`checker` must be callable; received {type(checker).__name__}.")
        self.exercise_id = exercise_id
        self.title = title
        self._checker = checker
        self._hint = textwrap.dedent(hint).strip()
        self.solution_code = textwrap.dedent(solution_code).strip() + "\n"
        self.answer_name = answer_name

    def evaluate(self, answer):
        """Checks `answer` without printing; returns a `CheckResult`."""
        if answer is ____:
            return CheckResult(NOT_ATTEMPTED, "replace ____ with your answer, then run the check again.")
        try:
            message = self._checker(answer)
        except NotAttempted as reason:
            return CheckResult(NOT_ATTEMPTED, str(reason))
        except Incorrect as reason:
            return CheckResult(INCORRECT, f"{reason} Try again, or call .hint().")
        except Exception as error:  # a learner's object can break a checker in any way
            return CheckResult(
                INCORRECT,
                f"checking your answer raised {type(error).__name__}: {error}. "
                f"Make sure it has the type and shape the exercise asks for.",
            )
        return CheckResult(CORRECT, message or "well done.")

    def check(self, answer):
        """Prints the verdict for `answer` and returns the `CheckResult`.

        Never raises on a wrong answer, unless the environment variable
        `COURSE_EXERCISE_EXPECT` asks for a different verdict (used by the tests).
        """
        result = self.evaluate(answer)
        print(f"[{self.exercise_id}] {result}")
        expected = os.environ.get(EXPECT_ENV_VAR, "").strip().lower()
        if expected:
            if expected not in (CORRECT, NOT_ATTEMPTED):
                raise ValueError(
                    f"{EXPECT_ENV_VAR} must be 'correct' or 'not attempted'; received "
                    f"{expected!r}."
                )
            if result.status != expected:
                raise ExerciseExpectationError(
                    f"Exercise {self.exercise_id}: expected {expected!r}, got {result}"
                )
        return result

    def hint(self):
        """Prints a hint."""
        print(f"Hint ({self.exercise_id}): {self._hint}")

    def solution(self):
        """Prints the solution code (the same code the solved notebooks run)."""
        print(f"Solution ({self.exercise_id}):\n\n{self.solution_code}")

    def __repr__(self):
        return f"Exercise({self.exercise_id!r}: {self.title})"


_REGISTRY = {}


def register(exercise):
    """Adds `exercise` to the registry that `get_exercise` and `solve` read; returns it."""
    if not isinstance(exercise, Exercise):
        raise TypeError(f"Expected an Exercise; received {type(exercise).__name__}.")
    if exercise.exercise_id in _REGISTRY:
        raise ValueError(f"An exercise with id {exercise.exercise_id!r} is already registered.")
    _REGISTRY[exercise.exercise_id] = exercise
    return exercise


def registered_exercises():
    """The exercises registered so far, by id (import the notebook modules first)."""
    return dict(_REGISTRY)
