"""What every declared exercise must hold, checked on the declarations themselves.

- Float32: each solution run in float32 (inputs and answer), or returning Keras
  tensors, is accepted.
- Cases: every usual mistake gives a wrong answer on at least one case, no two
  usual mistakes give the same answers on every case (else a diagnosis could name
  the wrong one), and no case sits on a decision boundary.
- Facts (`Symptom`s) about wrong answers are never true of a right answer.
- Ids follow from the declarations: `"<notebook>.<name in the module>"`.
"""

import importlib

import keras
import numpy as np
import pytest
from test_exercises import _solution

from course_lib.exercises import EXERCISE_MODULES, all_exercises, get_exercise
from course_lib.exercises.answers import RightAnswers
from course_lib.exercises.diagnosis import Symptom
from course_lib.exercises.problems import FunctionExercise
from course_lib.exercises.registry import declared_exercises
from course_lib.exercises.verdicts import CORRECT

FUNCTION_EXERCISES = sorted(i for i, e in all_exercises().items() if isinstance(e, FunctionExercise))


def _to_float32(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, (float, np.floating)):
        return np.float32(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_float32(item) for item in value)
    if isinstance(value, dict):
        return {key: _to_float32(item) for key, item in value.items()}
    return value


def _to_tensor(value):
    if isinstance(value, (np.ndarray, float, np.floating, np.integer)):
        array = np.asarray(value)
        return keras.ops.convert_to_tensor(array.astype(np.float32) if array.dtype.kind == "f" else array)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_tensor(item) for item in value)
    if isinstance(value, dict):
        return {key: _to_tensor(item) for key, item in value.items()}
    return value


def in_float32(function):
    """`function` computed in float32: float inputs cast down, float answers float32."""
    return lambda *args: _to_float32(function(*(_to_float32(argument) for argument in args)))


def as_tensors(function):
    """`function` returning Keras tensors (float32) instead of arrays and numbers."""
    return lambda *args: _to_tensor(function(*args))


@pytest.mark.parametrize("exercise_id", FUNCTION_EXERCISES)
@pytest.mark.parametrize("variant", [in_float32, as_tensors, lambda f: as_tensors(in_float32(f))])
def test_the_solution_in_float32_or_as_tensors_is_accepted(exercise_id, variant):
    exercise = get_exercise(exercise_id)
    result = exercise.evaluate(variant(_solution(exercise)))
    assert result.status == CORRECT, str(result)


def _right_value(want):
    return want.example if isinstance(want, RightAnswers) else want


def _cases_with_mistakes(exercise):
    for case in exercise.cases():
        want = exercise.reference(*case.args)
        yield case, want, exercise.mistakes_of(case)


@pytest.mark.parametrize("exercise_id", FUNCTION_EXERCISES)
def test_the_reference_accepts_itself(exercise_id):
    exercise = get_exercise(exercise_id)
    for case in exercise.cases():
        want = exercise.reference(*case.args)
        assert exercise.answer.same(_right_value(want), want, case), case


@pytest.mark.parametrize("exercise_id", FUNCTION_EXERCISES)
def test_every_usual_mistake_fails_somewhere_and_no_fact_describes_a_right_answer(exercise_id):
    exercise = get_exercise(exercise_id)
    table = list(_cases_with_mistakes(exercise))
    if not table[0][2]:
        pytest.skip("no usual mistakes declared")
    declared = exercise.mistakes(*table[0][0].args)
    for index, entry in enumerate(table[0][2]):
        matches = [entries[index].matches(_right_value(want), None) for _, want, entries in table]
        if isinstance(entry, Symptom):
            assert not any(matches), (exercise_id, entry.message)
        elif not callable(getattr(declared[index], "value", None)):
            # an answer: a learner who makes this mistake fails at least one case (a test of
            # the answer may hold for right answers too: it only has to explain wrong ones)
            assert not all(matches), (exercise_id, entry.message)


@pytest.mark.parametrize("exercise_id", FUNCTION_EXERCISES)
def test_no_two_usual_mistakes_give_the_same_answers_on_every_case(exercise_id):
    """Else a learner who made one would be told about the other."""
    exercise = get_exercise(exercise_id)
    if exercise.mistakes is None:
        pytest.skip("no usual mistakes declared")
    rows = []
    for case in exercise.cases():
        entries = exercise.mistakes(*case.args)
        rows.append(
            (case, [getattr(entry, "value", entry[0] if isinstance(entry, tuple) else None) for entry in entries])
        )
    count = len(rows[0][1])
    for first in range(count):
        for second in range(first + 1, count):
            values = [(case, row[first], row[second]) for case, row in rows]
            if any(callable(a) or callable(b) for _, a, b in values):
                continue  # tests of the answer, not answers
            same = []
            for case, a, b in values:
                try:
                    same.append(exercise.answer.same(a, b, case))
                except Exception:  # answers of other shapes differ
                    same.append(False)
            assert not all(same), (exercise_id, first, second)


def test_declared_exercise_ids_follow_their_module_and_name():
    for module in EXERCISE_MODULES:
        declared = declared_exercises(importlib.import_module(f"course_lib.exercises.{module}"))
        assert declared, module
        for name, exercise in declared.items():
            assert exercise.exercise_id == f"{module[2:4]}.{name}", (module, name)


# --- no case on a decision boundary -----------------------------------------------------------


def test_no_batch_all_triplet_sits_on_the_margin():
    from course_lib.exercises.nb03 import batch_all_triplet_loss, triplet_margins

    for case in batch_all_triplet_loss.cases():
        margins = triplet_margins(*case.args)
        assert np.abs(margins).min() > 1e-4, case  # float32 rounding could flip a triplet at 0


def test_no_batch_hard_anchor_has_two_candidates_at_one_distance():
    from course_lib.exercises.nb03 import batch_hard

    for case in batch_hard.cases():
        distances, labels = case.args
        same = labels[:, None] == labels[None, :]
        for row, row_same, anchor in zip(distances, same, range(len(labels))):
            for allowed in (row_same & (np.arange(len(labels)) != anchor), ~row_same):
                values = np.sort(row[allowed])
                assert np.diff(values).min(initial=1.0) > 1e-6, case


@pytest.mark.parametrize(
    "exercise_id, tolerance_name",
    [("03.pair_threshold", "THRESHOLD_TOLERANCE"), ("09.choose_threshold", "SCORE_TOLERANCE")],
)
def test_threshold_cases_hold_no_two_distinct_scores_within_the_tolerance(exercise_id, tolerance_name):
    exercise = get_exercise(exercise_id)
    module = importlib.import_module(f"course_lib.exercises.nb{exercise_id[:2]}")
    tolerance = getattr(module, tolerance_name)
    for case in exercise.cases():
        gaps = np.diff(np.unique(case.args[0]))
        assert gaps.min() > 10 * tolerance, case


def test_nearest_neighbour_ties_are_wider_than_float32_rounding():
    """Cosines closer than TIE_TOLERANCE count as tied; float32 must round them by far less, so
    that an order float32 can get wrong is always an order the check accepts."""
    from course_lib.exercises.nb01 import TIE_TOLERANCE, Neighbours, nearest_neighbours

    for case in nearest_neighbours.cases():
        embeddings, query_indices, _ = case.args
        unit = embeddings.astype(np.float32) / np.linalg.norm(embeddings.astype(np.float32), axis=1, keepdims=True)
        in_float32 = unit[query_indices] @ unit.T
        assert np.abs(in_float32 - Neighbours(*case.args).scores).max() < TIE_TOLERANCE / 4, case


def test_map_at_r_cases_rank_without_ties():
    from course_lib.exercises.nb01 import map_at_r

    for case in map_at_r.cases():
        similarities = case.args[0]
        for row, index in zip(similarities, range(len(similarities))):
            others = np.sort(np.delete(row, index))
            assert np.diff(others).min() > 1e-6, case


def test_forward_fraction_peaks_stand_clear_of_the_runner_up():
    from course_lib.exercises.nb05 import forward_fraction

    for case in forward_fraction.cases():
        weights, query_lengths = case.args
        for maps, length in zip(weights, query_lengths):
            top_two = np.sort(maps[:length], axis=-1)[:, -2:]
            assert np.all(top_two[:, 1] - top_two[:, 0] > 1e-4), case
