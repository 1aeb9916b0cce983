"""The exercises of the course, by id: they follow from the declarations in the notebook modules.

Each notebook's module (`course_lib.exercises.nbNN`) declares its exercises as
module attributes listed in `__all__`; `register_declared(module)` adds them to
the registry. `register(exercise)` adds one exercise by hand (modules that call
it still work; registering the same exercise twice is harmless).
"""

from course_lib.exercises.base import Exercise

__all__ = ["declared_exercises", "register", "register_declared", "registered_exercises"]

_REGISTRY = {}


def register(exercise):
    """Adds `exercise` to the registry that `get_exercise` and `solve` read; returns it.

    Raises:
        TypeError: if `exercise` is not an `Exercise`.
        ValueError: if another exercise has its id.
    """
    if not isinstance(exercise, Exercise):
        raise TypeError(f"Expected an Exercise; received {type(exercise).__name__}.")
    known = _REGISTRY.get(exercise.exercise_id)
    if known is not None and known is not exercise:
        raise ValueError(f"An exercise with id {exercise.exercise_id!r} is already registered.")
    _REGISTRY[exercise.exercise_id] = exercise
    return exercise


def declared_exercises(module):
    """`{attribute name: exercise}` for the exercises a module declares in its `__all__`."""
    names = getattr(module, "__all__", ())
    return {name: getattr(module, name) for name in names if isinstance(getattr(module, name, None), Exercise)}


def register_declared(module):
    """Registers every exercise `module` declares; returns them by id."""
    return {register(exercise).exercise_id: exercise for exercise in declared_exercises(module).values()}


def registered_exercises():
    """The exercises registered so far, by id (import the notebook modules first)."""
    return dict(_REGISTRY)
