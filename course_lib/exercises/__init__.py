"""Checked exercises for the course notebooks.

In a notebook:

>>> from course_lib.exercises import ____, nb01
>>> def cosine_matrix(a, b):
...     return ____
>>> result = nb01.cosine_matrix.check(cosine_matrix)
[01.cosine_matrix] Not attempted: your function still returns ____; replace it with your code.

Each `nbNN` module declares the exercises of notebook NN (`FunctionExercise`,
`Question`, or `Exercise` with a checker of its own) and lists them in its
`__all__`: the registry follows from those declarations. The machinery they
share is described in `course_lib.exercises.core`. `get_exercise(id)` finds an
exercise by its id; `python -m course_lib solve` uses it to write solved notebooks.
Solutions run in the notebook's namespace, where the setup cell has imported
`numpy as np` and the `course_lib` functions the notebook uses.
"""

import importlib

from course_lib.exercises.core import (
    CheckResult,
    Exercise,
    ExerciseExpectationError,
    Incorrect,
    NotAttempted,
    ____,
    registered_exercises,
)
from course_lib.exercises.registry import register_declared

__all__ = [
    "____",
    "CheckResult",
    "Exercise",
    "ExerciseExpectationError",
    "Incorrect",
    "NotAttempted",
    "EXERCISE_MODULES",
    "all_exercises",
    "get_exercise",
]

#: One module per notebook that has exercises.
EXERCISE_MODULES = ("nb01", "nb02", "nb03", "nb04", "nb05", "nb06", "nb07", "nb08", "nb09")


def all_exercises():
    """Every exercise of the course, by id: those each notebook's module declares (or registers)."""
    for module in EXERCISE_MODULES:
        register_declared(importlib.import_module(f"course_lib.exercises.{module}"))
    return registered_exercises()


def get_exercise(exercise_id):
    """Returns the `Exercise` with id `exercise_id`, e.g. `"01.cosine_matrix"`.

    Raises:
        KeyError: if no exercise has that id; the message lists the known ids.
    """
    exercises = all_exercises()
    if exercise_id not in exercises:
        known = ", ".join(sorted(exercises))
        raise KeyError(f"No exercise with id {exercise_id!r}; known ids: {known}.")
    return exercises[exercise_id]
