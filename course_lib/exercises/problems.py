"""Exercises that ask for a function: declared as cases, a reference and an answer format.

A `FunctionExercise` is a declaration: its cases (inputs, each described in
words), the reference that gives the right answer of each, the answer format,
the usual mistakes, the hints, the solution. Checking is the same for all:

1. call the learner's function on a copy of each case's inputs (`call_learner`:
   crashes, blanks and forgotten `return`s become verdicts);
2. read what it returned with the answer format (type and shape, with advice);
3. compare it with the reference's answer (float32 tolerance by default);
4. if any case is wrong, explain: a usual mistake only when it accounts for
   every case (`explain_failures`), else the neutral message.

`check_cases` is the same loop for exercises written with a hand-made checker.

An exercise written as `Exercise(checker=_check_x)` around `check_cases` becomes a
declaration in six steps:

1. cases: each `(description, (a, b))` becomes `Case(description, a, b)`, with
   `magnitude=` the size of the largest numbers the computation goes through when
   above 1 (logits at scale 30: `magnitude=30`); pass the function that builds them
   when they need data or Keras;
2. reference: `expected=` becomes `reference=`, computed in float64; where several
   answers are right, a `RightAnswers` with `example` and `accepts(got)`;
3. answer format: `convert=`, `same=` and `render=` become one format (`Number`,
   `Array`, `Indices`, `Pair`, `Record`); each usual wrong shape the converter
   explained becomes a `WrongShape` (`transposed(...)` for the transpose);
   `close_to(...)` goes: the float32 `Tolerance` is the default;
4. mistakes: `(value, message)` pairs become `Mistake(value, message)` (pairs still
   work); an entry that states a fact about a wrong answer rather than a cause
   becomes a `Symptom(test, message)`, whose test is false for every right answer;
5. `FunctionExercise("NN.name", ..., references=..., written_with=...)` replaces
   `register(Exercise(...))` and `_check_name`; the module lists it in `__all__`
   under `name`, and the registry reads it from there;
6. `tests/test_exercise_declarations.py` then checks it: float32 and tensor answers
   pass, each mistake fails some case, no two mistakes answer alike everywhere.
"""

import numpy as np

from course_lib.exercises.answers import AnswerFormat
from course_lib.exercises.base import Exercise
from course_lib.exercises.calling import call_learner
from course_lib.exercises.diagnosis import Mistake, agrees, explain_failures
from course_lib.exercises.values import describe_array
from course_lib.exercises.verdicts import Incorrect

__all__ = ["Case", "FunctionExercise", "check_cases"]


def _copy(argument):
    return argument.copy() if isinstance(argument, np.ndarray) else argument


class Case:
    """One input of a checked function.

    Args:
        description: the input in words, as the learner will read it in a message.
        *args: the arguments of the call.
        magnitude: the size of the largest numbers the computation goes through
            (e.g. the largest logit), which sets how much float32 rounding is
            allowed. Defaults to 1.
    """

    def __init__(self, description, *args, magnitude=1.0):
        if not isinstance(description, str) or not description.strip():
            raise ValueError(f"`description` must be a non-empty string; received {description!r}.")
        self.description, self.args, self.magnitude = description, args, float(magnitude)

    def copied_args(self):
        """The arguments, arrays copied: what the learner's function gets (it may change them)."""
        return tuple(_copy(argument) for argument in self.args)

    def __repr__(self):
        return f"Case({self.description!r})"


def _bound(entry, answer, case):
    """A mistake entry as a test of the learner's answer on `case`."""
    if not isinstance(entry, Mistake):
        entry = Mistake(*entry)
    if callable(entry.value):
        return entry
    value = entry.value
    return type(entry)(lambda got: answer.same(got, value, case), entry.message)


class FunctionExercise(Exercise):
    """A function to write, checked on declared cases against a reference.

    Args:
        exercise_id, title, hint, answer_name, references, written_with: as `Exercise`.
        cases: a list of `Case`, or a function returning it (called at each check:
            for cases that need data or Keras models).
        reference: `reference(*args)` returns the right answer of a case (or a
            `RightAnswers` where several are right).
        answer: the answer format (`Number`, `Array`, `Indices`, `Pair`, `Record`).
        mistakes: `mistakes(*args)` returns the usual wrong answers of a case,
            always in the same order: `Mistake`s, `Symptom`s or `(value, message)`
            pairs. Defaults to none.
        solution: the solution's source.
        success: what `check()` says to a right answer.
        call: `call(function, *args, description=...)` runs the learner's function
            (defaults to `call_learner`; `call_keras_learner` for Keras code).

    Example:

    >>> from course_lib.exercises.answers import Number
    >>> from course_lib.exercises.diagnosis import Mistake
    >>> double = FunctionExercise(
    ...     "00.double",
    ...     title="Double x.",
    ...     answer_name="double",
    ...     cases=[Case("x = 1.5", 1.5), Case("x = -2", -2.0)],
    ...     reference=lambda x: 2 * x,
    ...     answer=Number(),
    ...     mistakes=lambda x: [Mistake(x**2, "you squared x.")],
    ...     hint="Multiply by 2.",
    ...     solution="def double(x): return 2 * x",
    ...     success="doubled.",
    ... )
    >>> print(double.evaluate(lambda x: x**2))
    Incorrect: on x = 1.5: you squared x. Try again, or call .hint().
    >>> print(double.evaluate(lambda x: "3.0"))
    Incorrect: on x = 1.5: expected one number; your function returned str '3.0': a number written as text...
    >>> print(double.evaluate(lambda x: np.float32(x) * 2))
    Correct: doubled.
    """

    def __init__(
        self,
        exercise_id,
        *,
        title,
        answer_name,
        cases,
        reference,
        answer,
        hint,
        solution,
        success,
        mistakes=None,
        references=(),
        written_with="NumPy",
        call=call_learner,
    ):
        if not isinstance(answer, AnswerFormat):
            raise TypeError(
                f"`answer` must be an answer format (Number, Array, ...); received {type(answer).__name__}."
            )
        for name, value in (("reference", reference), ("call", call)):
            if not callable(value):
                raise TypeError(f"`{name}` must be callable; received {type(value).__name__}.")
        if mistakes is not None and not callable(mistakes):
            raise TypeError(
                f"`mistakes` must be callable, mistakes(*args) -> list; received {type(mistakes).__name__}."
            )
        super().__init__(
            exercise_id,
            title=title,
            checker=self._check,
            hint=hint,
            solution_code=solution,
            answer_name=answer_name,
            references=references,
            written_with=written_with,
        )
        self._cases, self.reference, self.answer = cases, reference, answer
        self.mistakes, self.success, self.call = mistakes, success, call

    def cases(self):
        """The declared cases, built now if they are built on demand."""
        cases = list(self._cases() if callable(self._cases) else self._cases)
        if not cases or not all(isinstance(case, Case) for case in cases):
            raise TypeError(f"{self.exercise_id}: `cases` must give a non-empty list of Case; received {cases!r}.")
        return cases

    def mistakes_of(self, case):
        """The usual mistakes on `case`, each a test of a read answer."""
        if self.mistakes is None:
            return []
        return [_bound(entry, self.answer, case) for entry in self.mistakes(*case.args)]

    def _check(self, function):
        failures, passed = [], []
        for case in self.cases():
            returned = self.call(function, *case.copied_args(), description=case.description)
            want = self.reference(*case.args)
            got = self.answer.read(returned, want, case)
            (passed if self.answer.same(got, want, case) else failures).append((case.description, (case,), got, want))
        if failures:
            first = failures[0][1][0]
            raise Incorrect(
                explain_failures(
                    failures,
                    passed=passed,
                    mistakes=None if self.mistakes is None else self.mistakes_of,
                    same=lambda got, value: False,  # every entry is a bound test
                    render_pair=lambda want, got: self.answer.render_pair(want, got, first),
                )
            )
        return self.success


def check_cases(
    function, cases, *, expected, same, convert=None, mistakes=None, render=describe_array, call=call_learner
):
    """Runs the learner's function on every case and raises `Incorrect` if any is wrong.

    The loop of `FunctionExercise`, for checkers written by hand.

    Args:
        function: the learner's callable.
        cases: list of `(description, args)`; arrays are copied before each call.
        expected: `expected(*args)`, the right answer.
        same: `same(got, expected)`, True when they agree.
        convert: `convert(got, expected, description)` turns the raw answer into
            something `same` can compare, raising `Incorrect` on a wrong type or
            shape; None keeps it as it is.
        mistakes, render: as `explain_failures` (`render=describe_array`, the
            default, shows digits enough to tell the answers apart).
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
        (passed if agrees(same, got, want) else failures).append((description, args, got, want))
    if failures:
        raise Incorrect(
            explain_failures(
                failures,
                passed=passed,
                mistakes=mistakes,
                same=same,
                render=None if render is describe_array else render,
            )
        )
