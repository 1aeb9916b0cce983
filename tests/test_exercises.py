"""Every exercise checker against its own solution, wrong answers and blanks."""

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import course_lib
from course_lib.exercises import ____, ExerciseExpectationError, all_exercises, get_exercise
from course_lib.exercises.core import CORRECT, INCORRECT, NOT_ATTEMPTED, CheckResult, Exercise


def _solution(exercise):
    """Runs the solution code the way a solved notebook does and returns its answer."""
    import keras  # the setup cells of notebooks that build models import it

    namespace = {"np": np, "keras": keras}
    namespace.update({name: getattr(course_lib, name) for name in course_lib.__all__})
    exec(exercise.solution_code, namespace)
    return namespace[exercise.answer_name]


# --- wrong answers, at least three distinct mistakes per exercise ---------------------


def _cosine_dot(a, b):
    return a @ b.T


def _cosine_euclidean(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def _cosine_wrong_axis(a, b):
    a = a / np.linalg.norm(a, axis=0, keepdims=True)
    b = b / np.linalg.norm(b, axis=0, keepdims=True)
    return a @ b.T


def _cosine_no_zero_guard(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def _cosine_transposed(a, b):
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return b @ a.T


def _recall_precision(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, :k] == query_labels[:, None]).mean()


def _recall_kth_only(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, k - 1] == query_labels).mean()


def _recall_off_by_one(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, : k + 1] == query_labels[:, None]).any(axis=1).mean()


def _recall_per_query(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, :k] == query_labels[:, None]).any(axis=1)


def _neighbours_no_batch_axis(query, database, k):
    return course_lib.top_k(query, database, k)[1][0]


def _neighbours_batch_shape(query, database, k):
    return course_lib.top_k(query[None, :], database, k)[1]


def _neighbours_worst_first(query, database, k):
    return course_lib.top_k(query[None, :], database, k)[1][0][::-1]


def _neighbours_euclidean(query, database, k):
    return course_lib.top_k(query[None, :], database, k, metric="euclidean")[1][0]


def _neighbours_scores(query, database, k):
    return course_lib.top_k(query[None, :], database, k)[0][0]


WRONG_ANSWERS = {
    "01.cosine_matrix": [
        (_cosine_dot, "dot product"),
        (_cosine_euclidean, "Euclidean distances"),
        (_cosine_wrong_axis, r"columns \(axis=0\)"),
        (_cosine_no_zero_guard, "NaN"),
        (_cosine_transposed, "transpose"),
    ],
    "01.recall_at_k": [
        (_recall_precision, "precision@k"),
        (_recall_kth_only, "only at the k-th neighbour"),
        (_recall_off_by_one, "k \\+ 1"),
        (_recall_per_query, "one number"),
    ],
    "01.nearest_neighbours": [
        (_neighbours_no_batch_axis, "ValueError.*query\\[None, :\\]|queries\\[None, :\\]"),
        (_neighbours_batch_shape, r"shape \(1, 5\)"),
        (_neighbours_worst_first, "wrong order"),
        (_neighbours_euclidean, "Euclidean"),
        (_neighbours_scores, "returned the scores"),
    ],
}


def _all_wrong_answers():
    """Notebook 01's wrong answers (above) and those of tests/test_exercises_nbNN.py."""
    listed = dict(WRONG_ANSWERS)
    for path in sorted(Path(__file__).parent.glob("test_exercises_nb*.py")):
        listed.update(importlib.import_module(path.stem).WRONG_ANSWERS)
    return listed


ALL_WRONG_ANSWERS = _all_wrong_answers()


def test_every_exercise_has_wrong_answers_listed():
    assert set(ALL_WRONG_ANSWERS) == set(all_exercises())
    assert all(len(answers) >= 3 for answers in ALL_WRONG_ANSWERS.values())


@pytest.mark.parametrize("exercise_id", sorted(all_exercises()))
def test_solution_is_correct(exercise_id):
    exercise = get_exercise(exercise_id)
    result = exercise.evaluate(_solution(exercise))
    assert result.status == CORRECT, str(result)


@pytest.mark.parametrize(
    "exercise_id, wrong, message",
    [
        (exercise_id, wrong, message)
        for exercise_id, answers in ALL_WRONG_ANSWERS.items()
        for wrong, message in answers
    ],
)
def test_wrong_answer_is_rejected_with_a_specific_message(exercise_id, wrong, message):
    result = get_exercise(exercise_id).evaluate(wrong)
    assert result.status == INCORRECT, str(result)
    assert re.search(message, result.message, flags=re.DOTALL), result.message


@pytest.mark.parametrize("exercise_id", sorted(all_exercises()))
def test_blank_and_blank_returning_function_are_not_attempted(exercise_id):
    exercise = get_exercise(exercise_id)
    assert exercise.evaluate(____).status == NOT_ATTEMPTED
    assert exercise.evaluate(lambda *args: ____).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise_id", sorted(all_exercises()))
def test_crashing_or_non_callable_answers_never_raise(exercise_id):
    exercise = get_exercise(exercise_id)

    def crashes(*args):
        raise ZeroDivisionError("boom")

    result = exercise.evaluate(crashes)
    assert result.status == INCORRECT and "ZeroDivisionError: boom" in result.message
    assert exercise.evaluate(42).status == INCORRECT
    assert exercise.evaluate(lambda *args: "text").status == INCORRECT


def test_check_prints_and_honours_expectation(monkeypatch, capsys):
    exercise = get_exercise("01.recall_at_k")
    monkeypatch.delenv("COURSE_EXERCISE_EXPECT", raising=False)
    assert exercise.check(____).status == NOT_ATTEMPTED
    assert "[01.recall_at_k] Not attempted" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_EXERCISE_EXPECT", "correct")
    with pytest.raises(ExerciseExpectationError, match="expected 'correct'"):
        exercise.check(____)
    assert exercise.check(_solution(exercise)).correct
    monkeypatch.setenv("COURSE_EXERCISE_EXPECT", "not attempted")
    with pytest.raises(ExerciseExpectationError, match="expected 'not attempted'"):
        exercise.check(_solution(exercise))
    monkeypatch.setenv("COURSE_EXERCISE_EXPECT", "maybe")
    with pytest.raises(ValueError, match="must be 'correct' or 'not attempted'"):
        exercise.check(____)


def test_hint_and_solution_print(capsys):
    exercise = get_exercise("01.cosine_matrix")
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert "Hint (01.cosine_matrix)" in out
    assert exercise.solution_code in out


def test_get_exercise_unknown_id_lists_known():
    with pytest.raises(KeyError, match="known ids: 01.cosine_matrix"):
        get_exercise("99.nothing")


def test_exercise_and_result_validate_their_arguments():
    with pytest.raises(ValueError, match="`title` must be a non-empty string"):
        Exercise("x", title="", checker=print, hint="h", solution_code="", answer_name="a")
    with pytest.raises(TypeError, match="`checker` must be callable"):
        Exercise("x", title="t", checker=3, hint="h", solution_code="", answer_name="a")
    with pytest.raises(ValueError, match="`status` must be one of"):
        CheckResult("fine", "")
    assert repr(____) == "____"
