"""The exercise machinery in one import: every name the notebook modules use.

The machinery lives in small modules, each once:

- `verdicts`: the placeholder `____`, the verdicts and their exceptions;
- `base`: `Exercise` (`check()`, `hint()`, `solution()`) and the rules every
  exercise follows, the refusal of the course's own version among them;
- `calling`: calling the learner's code (`call_learner`, `call_keras_learner`)
  and finding the course's own version in it;
- `values`: reading numbers without guessing at types, the float32
  `Tolerance`, showing values with digits enough to differ;
- `answers`: answer formats (`Number`, `Array`, `Indices`, `Pair`, `Record`);
- `diagnosis`: `Mistake`, `Symptom` and `explain_failures`;
- `problems`: `FunctionExercise` (a declaration: cases, reference, answer
  format, mistakes) and `check_cases` for hand-written checkers;
- `questions`: `Question`;
- `registry`: the exercises by id.

Modules written against the earlier single `core` module import from here
unchanged.
"""

from course_lib.exercises.answers import Array, Indices, Number, Pair, Record, RightAnswers, WrongShape
from course_lib.exercises.base import EXPECT_ENV_VAR, Exercise
from course_lib.exercises.calling import (
    NONE_RETURNED,
    call_keras_learner,
    call_learner,
    course_version_used,
    reference_used,
    screen_returned,
    watching,
)
from course_lib.exercises.diagnosis import Mistake, Symptom, explain_failures
from course_lib.exercises.problems import Case, FunctionExercise, check_cases
from course_lib.exercises.questions import Question
from course_lib.exercises.registry import register, registered_exercises
from course_lib.exercises.values import (
    FLOAT32,
    Tolerance,
    as_learner_array,
    as_numbers,
    close_to,
    describe_array,
    describe_with_shape,
)
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

__all__ = [
    "____",
    "CORRECT",
    "EXPECT_ENV_VAR",
    "FLOAT32",
    "INCORRECT",
    "NONE_RETURNED",
    "NOT_ATTEMPTED",
    "Array",
    "Case",
    "CheckResult",
    "Exercise",
    "ExerciseExpectationError",
    "FunctionExercise",
    "Incorrect",
    "Indices",
    "Mistake",
    "NotAttempted",
    "Number",
    "Pair",
    "Question",
    "Record",
    "RightAnswers",
    "Symptom",
    "Tolerance",
    "WrongShape",
    "as_learner_array",
    "as_numbers",
    "call_keras_learner",
    "call_learner",
    "check_cases",
    "close_to",
    "course_version_used",
    "describe_array",
    "describe_with_shape",
    "explain_failures",
    "reference_used",
    "register",
    "registered_exercises",
    "screen_returned",
    "watching",
]
