"""An exercise: `check(answer)`, `hint()` and `solution()`, and the rules every exercise follows.

An exercise in a notebook is two cells:

1. a code cell the learner edits, tagged in its metadata with
   `{"exercise": "<exercise id>"}`; as shipped it holds the placeholder `____`,
   which still lets the notebook run;
2. a cell that calls `exercise.check(answer)`, with `exercise.hint()` and
   `exercise.solution()` commented out beside it.

Rules every exercise follows, here once:

- the placeholder gives "Not attempted";
- an answer that is, or calls, the course's own version of what the exercise
  asks for (`references`) is told so and not marked correct, whatever the kind
  of exercise;
- a checker that breaks on an odd answer gives a verdict, not a traceback;
- `hint()` names the idea first, then, called again, a step close to the code;
- the solution shown by `solution()` is the text `python -m course_lib solve`
  writes into the tagged cell and the tests run: one source of truth.

Set the environment variable `COURSE_EXERCISE_EXPECT` to `correct` or
`not attempted` to make `check()` raise `ExerciseExpectationError` when the
verdict differs: the test suite runs the shipped notebooks with
`not attempted` and the solved ones with `correct`.
"""

import os
import textwrap

from course_lib.exercises.calling import course_version_used
from course_lib.exercises.verdicts import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    CheckResult,
    ExerciseExpectationError,
    Incorrect,
    NotAttempted,
    ____,
)

__all__ = ["EXPECT_ENV_VAR", "Exercise", "hint_steps"]

EXPECT_ENV_VAR = "COURSE_EXERCISE_EXPECT"


def hint_steps(hint):
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

    The base of every kind of exercise; used directly, it takes a hand-written
    `checker` (the hook of the few bespoke exercises).

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
        written_with: what the learner writes the steps with, for that message, e.g.
            `"keras.layers"`. Defaults to `"NumPy"`.
    """

    def __init__(
        self,
        exercise_id,
        *,
        title,
        checker,
        hint,
        solution_code,
        answer_name,
        references=(),
        written_with="NumPy",
    ):
        for name, value in (("exercise_id", exercise_id), ("title", title)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"`{name}` must be a non-empty string; received {value!r}.")
        if not callable(checker):
            raise TypeError(f"`checker` must be callable; received {type(checker).__name__}.")
        self.exercise_id = exercise_id
        self.title = title
        self._checker = checker
        self.hint_steps = hint_steps(hint)
        self._hints_shown = 0
        self.solution_code = textwrap.dedent(solution_code).strip() + "\n"
        self.answer_name = answer_name
        self._references = references
        self.written_with = written_with

    @property
    def references(self):
        """The course's own versions of the answer, which an answer may not use."""
        return tuple(self._references() if callable(self._references) else self._references)

    def refusal(self, answer):
        """The message for an answer that uses the course's own version, or None: the one rule."""
        used = course_version_used(answer, self.references)
        if not used:
            return None
        return (
            f"your answer uses `{used}`, the course's own version of what this exercise asks "
            f"you to write. It is good to know it exists! Here, write the steps yourself "
            f"(with {self.written_with}); the notebook uses the course's version afterwards."
        )

    def evaluate(self, answer):
        """Checks `answer` without printing; returns a `CheckResult`."""
        if answer is ____:
            return CheckResult(NOT_ATTEMPTED, "replace ____ with your answer, then run the check again.")
        refusal = self.refusal(answer)
        if refusal:
            return CheckResult(INCORRECT, refusal)
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
        return f"{type(self).__name__}({self.exercise_id!r}: {self.title})"
