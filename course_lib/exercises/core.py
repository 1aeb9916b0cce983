"""The exercise machinery: placeholders, checks, hints and solutions.

An exercise in a notebook is two cells:

1. a code cell the learner edits, tagged in its metadata with
   `{"exercise": "<exercise id>"}`; as shipped it holds the placeholder `____`,
   which still lets the notebook run;
2. a cell that calls `exercise.check(answer)`, with `exercise.hint()` and
   `exercise.solution()` commented out beside it.

`check()` prints one of three verdicts, once, and never raises on a wrong answer:

- **Correct**,
- **Incorrect**, with what was wrong and on which input,
- **Not attempted**, while the answer is still the placeholder.

A reason is named only when it explains every input the answer gets wrong;
otherwise the verdict shows the input, the expected and the received values.
`hint()` gives a nudge that names the idea first, then, called again, a step
close to the code.

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
import types

import numpy as np

from course_lib._validation import to_numpy

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
    "Question",
    "as_learner_array",
    "call_learner",
    "check_cases",
    "close_to",
    "describe_array",
    "describe_with_shape",
    "explain_failures",
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

    def __init__(self, status, message, *, printed=False):
        if status not in _STATUSES:
            raise ValueError(f"`status` must be one of {_STATUSES}; received {status!r}.")
        self.status = status
        self.message = message
        #: True once `check()` has printed this verdict; a notebook then shows nothing more.
        self.printed = printed

    @property
    def correct(self):
        return self.status == CORRECT

    def __str__(self):
        heading = {CORRECT: "Correct", INCORRECT: "Incorrect", NOT_ATTEMPTED: "Not attempted"}
        return f"{heading[self.status]}: {self.message}" if self.message else heading[self.status]

    def __repr__(self):
        return f"CheckResult(status={self.status!r}, message={self.message!r})"

    def _ipython_display_(self):
        """IPython shows a cell's value through this: nothing when `check()` printed it already."""
        if not self.printed:
            print(self)


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


def describe_with_shape(value):
    """`describe_array` followed by the shape: for answers whose shape may be wrong."""
    return f"{describe_array(value)} (shape {np.shape(value)})"


def close_to(atol, *, rtol=1e-5, equal_nan=False):
    """A `same` for `check_cases`: the same shape, and equal within `atol` and `rtol`.

    With `equal_nan`, NaN agrees with NaN: for a usual mistake whose answer holds NaN.
    """
    return lambda got, value: (
        np.shape(got) == np.shape(value) and np.allclose(got, value, rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def as_learner_array(value, what):
    """Converts a learner's answer (array, list, number or tensor) to a float64 array.

    Raises:
        Incorrect: naming `what` was expected and the type received, when the
            answer is not numeric.
    """
    try:
        return np.asarray(to_numpy(value, what), dtype=np.float64)  # to_numpy reads tensors
    except (TypeError, ValueError):
        raise Incorrect(f"expected {what}; your function returned {type(value).__name__}.") from None


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
        raise Incorrect(f"your function raised {type(error).__name__}: {error} (called with {description}).") from None
    return screen_returned(value)


def _copy(argument):
    return argument.copy() if isinstance(argument, np.ndarray) else argument


def _agrees(same, got, value):
    """Whether the answer `got` is `value`: `same(got, value)`, or `value(got)` for a
    predicate; False where the two cannot even be compared."""
    try:
        with np.errstate(all="ignore"):
            return bool(value(got) if callable(value) else same(got, value))
    except Exception:  # a wrong answer of another shape or type is simply not this mistake
        return False


def explain_failures(failures, *, passed=(), mistakes=None, same, render=describe_array):
    """The message for the failing cases: a named mistake only if it explains every one.

    Args:
        failures: list of `(description, args, got, expected)`, in case order.
        passed: the cases answered right, in the same form: a mistake must give
            the learner's answer there too, or the learner did not make it.
        mistakes: `mistakes(*args)` returns `[(wrong_value, message), ...]`, the
            usual mistakes on those inputs, always in the same order; a wrong
            value may be a predicate `value(got) -> bool`. None: no diagnosis.
        same: `same(got, value)` says whether two answers agree (with tolerance).
        render: turns an answer into text for the plain message.

    Returns:
        `"on <first failing input>: <message>"` when one mistake gives the
        learner's answer on every case; otherwise the first failing input with
        the expected and the received answers, and nothing more.
    """
    description, args, got, expected = failures[0]
    if mistakes is not None:
        cases = list(failures) + list(passed)
        candidates = [mistakes(*case[1]) for case in cases]
        for index, (_, message) in enumerate(candidates[0]):
            if all(_agrees(same, case[2], case_mistakes[index][0]) for case, case_mistakes in zip(cases, candidates)):
                return f"on {description}: {message}"
    return f"on {description}: expected\n{render(expected)}\ngot\n{render(got)}"


def check_cases(
    function, cases, *, expected, same, convert=None, mistakes=None, render=describe_array, call=call_learner
):
    """Runs the learner's function on every case and raises `Incorrect` if any is wrong.

    Args:
        function: the learner's callable.
        cases: list of `(description, args)`; arrays are copied before each call.
        expected: `expected(*args)`, the right answer.
        same: `same(got, expected)`, True when they agree.
        convert: `convert(got, expected, description)` turns the raw answer into
            something `same` can compare, raising `Incorrect` on a wrong type or
            shape; None keeps it as it is.
        mistakes, render: as `explain_failures`.
        call: `call(function, *args, description=...)` runs the learner's function and
            screens what it returns; defaults to `call_learner`.

    Raises:
        Incorrect: from the call, from `convert`, or with `explain_failures`'s message.
    """
    failures, passed = [], []
    for description, args in cases:
        got = call(function, *map(_copy, args), description=description)
        want = expected(*args)
        if convert is not None:
            got = convert(got, want, description)
        (passed if _agrees(same, got, want) else failures).append((description, args, got, want))
    if failures:
        raise Incorrect(explain_failures(failures, passed=passed, mistakes=mistakes, same=same, render=render))


def _code_names(code):
    """Every global or attribute name a code object (and the functions inside it) uses."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _code_names(constant)
    return names


def reference_used(answer, references):
    """The name of the course reference that `answer` is or calls, or None.

    Looks only at the names the answer's own code uses: a global bound to a
    reference (`cosine_similarity(a, b)`), an attribute of a module that is
    one (`course_lib.cosine_similarity(a, b)`), or the answer being one.
    """
    if not references:
        return None
    by_id = {id(reference): reference for reference in references}
    if id(answer) in by_id:
        return getattr(answer, "__name__", type(answer).__name__)
    code = getattr(answer, "__code__", None)
    if code is None:
        return None
    names = _code_names(code)
    scope = dict(getattr(answer, "__globals__", {}))
    for name, cell in zip(code.co_freevars, answer.__closure__ or ()):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    for name in names | set(code.co_freevars):
        value = scope.get(name)
        if value is None:
            continue
        if id(value) in by_id:
            return name
        if not isinstance(value, types.ModuleType):
            continue
        for attribute in names:
            if id(getattr(value, attribute, None)) in by_id:
                return f"{name}.{attribute}"
    return None


def _hint_steps(hint):
    """The hint steps: `(nudge, closer)`, or one string for a single step."""
    steps = (hint,) if isinstance(hint, str) else hint
    if not isinstance(steps, (tuple, list)) or len(steps) not in (1, 2):
        raise ValueError(
            f"`hint` must be two strings, (a nudge that names the idea, a step close to the "
            f"code), or one string; received {hint!r}."
        )
    for step in steps:
        if not isinstance(step, str) or not step.strip():
            raise ValueError(f"each hint step must be a non-empty string; received {step!r}.")
    return tuple(textwrap.dedent(step).strip() for step in steps)


class Exercise:
    """One checked exercise: `check(answer)`, `hint()` and `solution()`.

    Args:
        exercise_id: unique id, `"<notebook number>.<name>"`, e.g. `"01.cosine_matrix"`;
            notebooks tag the learner's cell with it.
        title: one line saying what to build.
        checker: `checker(answer)` returns a short success message, or raises
            `Incorrect` / `NotAttempted`.
        hint: two strings: a nudge that names the idea, then a step close to the
            code. `hint()` prints the first, and the second when called again. (One
            string gives a single step.)
        solution_code: Python source that solves the exercise: shown by
            `solution()`, substituted into solved notebooks and run by the tests.
        answer_name: the name the solution defines and `check()` receives (a
            function or a value).
        references: the course's own versions of what the exercise asks the
            learner to write (functions or classes). An answer that is one, or
            calls one, is told so and not marked correct. Or a function returning
            them, for references whose modules are slow to import. Defaults to none.
    """

    def __init__(self, exercise_id, *, title, checker, hint, solution_code, answer_name, references=()):
        for name, value in (("exercise_id", exercise_id), ("title", title)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"`{name}` must be a non-empty string; received {value!r}.")
        if not callable(checker):
            raise TypeError(f"`checker` must be callable; received {type(checker).__name__}.")
        self.exercise_id = exercise_id
        self.title = title
        self._checker = checker
        self.hint_steps = _hint_steps(hint)
        self._hints_shown = 0
        self.solution_code = textwrap.dedent(solution_code).strip() + "\n"
        self.answer_name = answer_name
        self._references = references

    @property
    def references(self):
        """The course's own versions of the answer, which an answer may not use."""
        return tuple(self._references() if callable(self._references) else self._references)

    def evaluate(self, answer):
        """Checks `answer` without printing; returns a `CheckResult`."""
        if answer is ____:
            return CheckResult(NOT_ATTEMPTED, "replace ____ with your answer, then run the check again.")
        used = reference_used(answer, self.references)
        if used:
            return CheckResult(
                INCORRECT,
                f"your answer uses `{used}`, the course's own version of what this exercise asks "
                f"you to write. It is good to know it exists! Here, write the steps yourself "
                f"(NumPy is enough); the notebook uses the course's version afterwards.",
            )
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

        The result is printed once: a notebook does not display it again as the
        cell's value. Never raises on a wrong answer, unless the environment
        variable `COURSE_EXERCISE_EXPECT` asks for a different verdict (used by
        the tests).
        """
        result = self.evaluate(answer)
        print(f"[{self.exercise_id}] {result}")
        result.printed = True
        expected = os.environ.get(EXPECT_ENV_VAR, "").strip().lower()
        if expected:
            if expected not in (CORRECT, NOT_ATTEMPTED):
                raise ValueError(f"{EXPECT_ENV_VAR} must be 'correct' or 'not attempted'; received {expected!r}.")
            if result.status != expected:
                raise ExerciseExpectationError(f"Exercise {self.exercise_id}: expected {expected!r}, got {result}")
        return result

    def hint(self, step=None):
        """Prints a hint: the idea first, then, on the next call, a step close to the code.

        Args:
            step: 1 or 2 to print that step; None (default) prints the next one.
        """
        count = len(self.hint_steps)
        if step is None:
            step = min(self._hints_shown + 1, count)
        if step not in range(1, count + 1):
            raise ValueError(f"`step` must be one of {list(range(1, count + 1))} or None; received {step!r}.")
        self._hints_shown = max(self._hints_shown, step)
        more = " (call .hint() again for a step closer to the code)" if step < count else ""
        print(f"Hint {step}/{count} ({self.exercise_id}){more}: {self.hint_steps[step - 1]}")

    def solution(self):
        """Prints the solution code (the same code the solved notebooks run)."""
        print(f"Solution ({self.exercise_id}):\n\n{self.solution_code}")

    def __repr__(self):
        return f"Exercise({self.exercise_id!r}: {self.title})"


def _normalise_choice(answer):
    text = str(answer).strip().strip("()").strip().lower()
    return text[:1] if text[1:] in ("", ")", ".") else text


class Question(Exercise):
    """A conceptual question with a checked answer: one of several choices, or a number.

    The learner writes the answer in a tagged cell, `<answer_name> = "b"` or
    `<answer_name> = 0.5`; `check()` says whether it is right and, for a wrong
    choice, why that choice is wrong.

    Args:
        exercise_id, title, hint: as `Exercise`.
        prompt: the question, in Markdown.
        answer: the right choice (a letter) or the right number.
        answer_name: the variable the learner assigns.
        choices: for a multiple-choice question, `{letter: text}`; None for a number.
        explanations: `{letter: why it is wrong}` for the wrong choices, or, for a
            number, `((wrong_value, why), ...)`.
        tolerance: for a number, the absolute tolerance. Defaults to `1e-3`.
        why: one or two sentences printed with a right answer.
    """

    def __init__(
        self,
        exercise_id,
        *,
        title,
        prompt,
        answer,
        answer_name,
        hint,
        why,
        choices=None,
        explanations=(),
        tolerance=1e-3,
    ):
        self.prompt = textwrap.dedent(prompt).strip()
        self.choices = dict(choices) if choices else None
        self.answer = answer
        self.explanations = explanations
        self.tolerance = tolerance
        self.why = why
        if self.choices is not None and answer not in self.choices:
            raise ValueError(f"`answer` must be one of the choices {sorted(self.choices)}; received {answer!r}.")
        super().__init__(
            exercise_id,
            title=title,
            checker=self._check_answer,
            hint=hint,
            solution_code=f"{answer_name} = {answer!r}",
            answer_name=answer_name,
        )

    def _check_answer(self, answer):
        if answer is None:
            raise Incorrect("your answer is None: write the answer after the `=` sign.")
        if self.choices is not None:
            letters = ", ".join(f'"{letter}"' for letter in self.choices)
            choice = _normalise_choice(answer)
            if choice not in self.choices:
                raise Incorrect(f"answer with one of the letters {letters}; received {answer!r}.")
            if choice != self.answer:
                reason = dict(self.explanations).get(choice, "")
                raise Incorrect(f"({choice}) is not right. {reason}".strip())
            return self.why
        value = as_learner_array(answer, "a number")
        if value.size != 1:
            raise Incorrect(f"answer with one number; received an array of shape {value.shape}.")
        value = float(value.reshape(()))
        if abs(value - self.answer) <= self.tolerance:
            return self.why
        for wrong, reason in self.explanations:
            if abs(value - wrong) <= self.tolerance:
                raise Incorrect(f"{value:g} is not right. {reason}")
        raise Incorrect(f"{value:g} is not right.")

    def markdown(self):
        """The question as Markdown, with its choices: the text a notebook shows."""
        lines = [self.prompt]
        if self.choices is not None:
            lines.append("")
            lines.extend(f"- **({letter})** {text}" for letter, text in self.choices.items())
        return "\n".join(lines)


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
