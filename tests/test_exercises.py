"""Every exercise checker against its own solution, wrong answers and blanks."""

import importlib
import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import course_lib
from course_lib.exercises import ExerciseExpectationError, ____, all_exercises, get_exercise, nb01
from course_lib.exercises.core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    CheckResult,
    Exercise,
    Question,
)


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


def _cosine_one_side(a, b):
    return (a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)) @ b.T


def _recall_skip_first(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, 1 : k + 1] == query_labels[:, None]).any(axis=1).mean()


def _recall_no_broadcast(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, :k] == query_labels).any(axis=1).mean()


def _recall_all_columns(neighbour_labels, query_labels, k):
    return (neighbour_labels == query_labels[:, None]).any(axis=1).mean()


def _loo(similarities, labels, *, keep_self=False, ascending=False):
    return nb01.reference_map_at_r(similarities, labels, keep_self=keep_self, ascending=ascending)


def _map_keep_self(similarities, labels):
    return _loo(similarities, labels, keep_self=True)


def _map_ascending(similarities, labels):
    return _loo(similarities, labels, ascending=True)


def _map_hits(similarities, labels):
    return nb01.reference_map_at_r(similarities, labels, divide_by="hits")


def _map_r_precision(similarities, labels):
    return nb01.reference_map_at_r(similarities, labels, weighting="hits")


def _map_singletons_zero(similarities, labels):
    return nb01.reference_map_at_r(similarities, labels, singletons="zero")


def _map_first_hit(similarities, labels):  # R@1 instead of MAP@R
    scores = np.array(similarities, dtype=float)
    np.fill_diagonal(scores, -np.inf)
    return float(np.mean(labels[scores.argmax(axis=1)] == labels))


def _unit_rows(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _cosines_of(embeddings, query_indices):
    return _unit_rows(embeddings)[query_indices] @ _unit_rows(embeddings).T


def _others(scores, query_indices, fill=-np.inf):
    scores = scores.copy()
    scores[np.arange(len(query_indices)), query_indices] = fill
    return scores


def _neighbours_keep_self(embeddings, query_indices, k):
    return np.argsort(-_cosines_of(embeddings, query_indices), axis=1)[:, :k]


def _neighbours_drop_first(embeddings, query_indices, k):
    return np.argsort(-_cosines_of(embeddings, query_indices), axis=1, kind="stable")[:, 1 : k + 1]


def _neighbours_top_k_drop_first(embeddings, query_indices, k):
    return course_lib.top_k(embeddings[query_indices], embeddings, k + 1)[1][:, 1:]


def _neighbours_fill_diagonal(embeddings, query_indices, k):
    scores = _cosines_of(embeddings, query_indices)
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1)[:, :k]


def _neighbours_worst_first(embeddings, query_indices, k):
    scores = _others(_cosines_of(embeddings, query_indices), query_indices)
    return np.argsort(-scores, axis=1)[:, :k][:, ::-1]


def _neighbours_argpartition(embeddings, query_indices, k):
    scores = _others(_cosines_of(embeddings, query_indices), query_indices)
    return np.argpartition(-scores, k, axis=1)[:, :k]


def _neighbours_ascending(embeddings, query_indices, k):
    scores = _others(_cosines_of(embeddings, query_indices), query_indices, fill=np.inf)
    return np.argsort(scores, axis=1)[:, :k]


def _neighbours_dot(embeddings, query_indices, k):
    scores = _others(embeddings[query_indices] @ embeddings.T, query_indices)
    return np.argsort(-scores, axis=1)[:, :k]


def _neighbours_euclidean(embeddings, query_indices, k):
    distances = np.linalg.norm(embeddings[query_indices][:, None] - embeddings[None], axis=-1)
    return np.argsort(_others(distances, query_indices, fill=np.inf), axis=1)[:, :k]


def _neighbours_scores(embeddings, query_indices, k):
    scores = _others(_cosines_of(embeddings, query_indices), query_indices)
    return -np.sort(-scores, axis=1)[:, :k]


def _neighbours_take_k_then_remove(embeddings, query_indices, k):
    ranked = np.argsort(-_cosines_of(embeddings, query_indices), axis=1)[:, :k]
    return np.array([row[row != index][: k - 1] for row, index in zip(ranked, query_indices)])


def _neighbours_one_row(embeddings, query_indices, k):
    scores = _others(_cosines_of(embeddings, query_indices), query_indices)
    return np.argsort(-scores, axis=1)[0, :k]


def _neighbours_mixed(embeddings, query_indices, k):  # unsorted on the large input only
    if len(embeddings) > 1000:
        return _neighbours_argpartition(embeddings, query_indices, k)
    return _neighbours_ascending(embeddings, query_indices, k)


WRONG_ANSWERS = {
    "01.cosine_matrix": [
        (_cosine_dot, "dot product"),
        (_cosine_euclidean, "Euclidean distances"),
        (_cosine_wrong_axis, r"columns \(axis=0\)"),
        (_cosine_no_zero_guard, "NaN"),
        (_cosine_transposed, "transpose"),
        (_cosine_one_side, "rows of a but not those of b"),
        (lambda a, b: course_lib.cosine_similarity(a, b), "course's own version"),
    ],
    "01.recall_at_k": [
        (_recall_precision, "precision@k"),
        (_recall_kth_only, "only at the k-th neighbour"),
        (_recall_off_by_one, "k \\+ 1"),
        (_recall_per_query, "one number"),
        (_recall_skip_first, "skipped the first neighbour"),
        (_recall_all_columns, "every neighbour column"),
        (_recall_no_broadcast, r"could not be broadcast together with shapes \(3,2\) \(3,\)"),
        (course_lib.recall_at_k, "course's own version"),
    ],
    "01.map_at_r": [
        (_map_keep_self, "its own neighbours"),
        (_map_ascending, "least similar items first"),
        (_map_hits, "plain average precision"),
        (_map_r_precision, "R-precision"),
        (_map_singletons_zero, "R = 0"),
        (_map_first_hit, r"expected\n0.\d+\ngot"),
        (lambda similarities, labels: course_lib.map_at_r(similarities, labels, labels), "course's own"),
    ],
    "01.nearest_neighbours": [
        (_neighbours_keep_self, "its own first neighbour"),
        (_neighbours_drop_first, "you dropped the first neighbour.*by its INDEX"),
        (_neighbours_top_k_drop_first, "you dropped the first neighbour.*by its INDEX"),
        (_neighbours_fill_diagonal, r"np\.fill_diagonal.*query_indices\[r\]"),
        (_neighbours_worst_first, "wrong order: best"),
        (_neighbours_argpartition, "argpartition"),
        (_neighbours_ascending, "LEAST similar"),
        (_neighbours_dot, "plain dot product"),
        (_neighbours_euclidean, "Euclidean"),
        (_neighbours_scores, "returned the cosines"),
        (_neighbours_take_k_then_remove, r"k - 1 = 1 neighbour per item instead of k = 2"),
        (_neighbours_one_row, r"expected shape \(2, 2\).*got shape \(2,\)"),
        # ascending on the small inputs, unsorted on the large one: neither explains both
        (_neighbours_mixed, r"^on embeddings \[\[1, 0\].*: expected\n\[0, 4\]\n.*got\n"),
    ],
}


def _cosine_einsum(a, b):
    lengths_a = np.sqrt(np.einsum("ij,ij->i", a, a))[:, None]
    lengths_b = np.sqrt(np.einsum("ij,ij->i", b, b))[None, :]
    return np.einsum("id,jd->ij", a, b) / np.maximum(lengths_a * lengths_b, 1e-24)


def _cosine_loop(a, b):
    result = np.zeros((len(a), len(b)))
    for i, row_a in enumerate(a):
        for j, row_b in enumerate(b):
            length = np.linalg.norm(row_a) * np.linalg.norm(row_b)
            result[i, j] = row_a @ row_b / length if length > 0 else 0.0
    return result


def _map_with_top_k_style(similarities, labels):
    n = len(labels)
    scores = similarities.astype(float).copy()
    np.fill_diagonal(scores, -np.inf)
    order = np.argsort(-scores, axis=1)[:, : n - 1]
    hits = labels[order] == labels[:, None]
    r = hits.sum(axis=1)
    values = []
    for row, count in zip(hits, r):
        if count:
            top = row[:count]
            values.append((np.cumsum(top) / np.arange(1, count + 1))[top].sum() / count)
    return np.mean(values)


def _map_loop(similarities, labels):
    total, count = 0.0, 0
    for i in range(len(labels)):
        ranked = sorted((j for j in range(len(labels)) if j != i), key=lambda j: -similarities[i, j])
        r = sum(labels[j] == labels[i] for j in ranked)
        if r == 0:
            continue
        hits, precision_sum = 0, 0.0
        for rank, j in enumerate(ranked[:r], start=1):
            if labels[j] == labels[i]:
                hits += 1
                precision_sum += hits / rank
        total, count = total + precision_sum / r, count + 1
    return total / count


def _neighbours_top_k_then_remove(embeddings, query_indices, k):
    _, ranked = course_lib.top_k(embeddings[query_indices], embeddings, k + 1)
    return np.array([row[row != index][:k] for row, index in zip(ranked, query_indices)])


def _neighbours_loop(embeddings, query_indices, k):
    rows = []
    for index in query_indices:
        lengths = np.linalg.norm(embeddings, axis=1) * np.linalg.norm(embeddings[index])
        cosines = (embeddings @ embeddings[index]) / lengths
        others = [j for j in range(len(embeddings)) if j != index]
        rows.append(sorted(others, key=lambda j: -cosines[j])[:k])
    return rows


def _neighbours_exclude_self(embeddings, query_indices, k):
    return course_lib.top_k(embeddings, embeddings, k, exclude_self=True)[1][query_indices]


RIGHT_ANSWERS = {
    "01.cosine_matrix": [_cosine_einsum, _cosine_loop],
    "01.recall_at_k": [
        lambda labels, query, k: np.mean([query[i] in labels[i, :k] for i in range(len(query))]),
        lambda labels, query, k: (labels[:, :k] - query[:, None] == 0).max(axis=1).sum() / len(query),
    ],
    "01.map_at_r": [_map_with_top_k_style, _map_loop],
    "01.nearest_neighbours": [_neighbours_top_k_then_remove, _neighbours_loop, _neighbours_exclude_self],
}


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _cosine_whole_matrix_norm(a, b):
    return a @ b.T / (np.linalg.norm(a) * np.linalg.norm(b))


def _recall_count(neighbour_labels, query_labels, k):
    return (neighbour_labels[:, :k] == query_labels[:, None]).any(axis=1).sum()


def _map_r_counts_self(similarities, labels):
    return nb01.reference_map_at_r(similarities, labels, r_counts_self=True)


def _map_singletons_nan(similarities, labels):  # 0/0 for an item alone in its class
    values = []
    for i in range(len(labels)):
        others = np.delete(np.arange(len(labels)), i)
        relevant = labels[others] == labels[i]
        r = relevant.sum()
        ranked = relevant[np.argsort(-similarities[i, others], kind="stable")][:r]
        with np.errstate(invalid="ignore"):
            values.append(np.sum(np.cumsum(ranked) / np.arange(1, r + 1) * ranked) / r)
    return float(np.mean(values))


def _cosine_keras(a, b):  # float32 tensors throughout
    import keras

    a_unit = keras.ops.normalize(keras.ops.convert_to_tensor(a, dtype="float32"), axis=-1)
    b_unit = keras.ops.normalize(keras.ops.convert_to_tensor(b, dtype="float32"), axis=-1)
    return keras.ops.matmul(a_unit, keras.ops.transpose(b_unit))


def _recall_float32(neighbour_labels, query_labels, k):
    return np.float32(np.count_nonzero((neighbour_labels[:, :k] == query_labels[:, None]).any(1)) / len(query_labels))


def _map_float32_similarities(similarities, labels):
    return np.float32(_map_loop(similarities.astype(np.float32), labels))


WRONG_ANSWERS["01.cosine_matrix"].append((_cosine_whole_matrix_norm, "length of the whole matrix"))
WRONG_ANSWERS["01.recall_at_k"] += [
    (_recall_count, "number of queries with a same-label item"),
    (  # a number formatted as text is not read as the number
        lambda labels, query, k: f"{(labels[:, :k] == query[:, None]).any(axis=1).mean():.4f}",
        r"your function returned str '0\.\d{4}': a number written as text",
    ),
]
WRONG_ANSWERS["01.map_at_r"] += [
    (_map_r_counts_self, "your R counts the item itself"),
    (_map_singletons_nan, "your MAP@R is NaN: an item with no other item of its class has R = 0"),
]
RIGHT_ANSWERS["01.cosine_matrix"].append(_cosine_keras)
RIGHT_ANSWERS["01.recall_at_k"].append(_recall_float32)
RIGHT_ANSWERS["01.map_at_r"].append(_map_float32_similarities)


def _all_listed(name):
    """Notebook 01's `name` dict (above) and those of tests/test_exercises_nbNN.py."""
    listed = dict(globals()[name])
    for path in sorted(Path(__file__).parent.glob("test_exercises_nb*.py")):
        listed.update(getattr(importlib.import_module(path.stem), name, {}))
    return listed


ALL_WRONG_ANSWERS = _all_listed("WRONG_ANSWERS")
ALL_RIGHT_ANSWERS = _all_listed("RIGHT_ANSWERS")
QUESTIONS = sorted(i for i, exercise in all_exercises().items() if isinstance(exercise, Question))
FUNCTION_EXERCISES = sorted(set(all_exercises()) - set(QUESTIONS))
#: Messages that name no mistake: the course's own function, a missing `return`, or the
#: plain verdict (input, expected, received) given when no mistake explains every case.
_NOT_A_DIAGNOSIS = ("course's own", "returned None", "expected\\n")


def _diagnosed(answers):
    """The listed wrong answers whose expected message names their mistake."""
    return [(wrong, message) for wrong, message in answers if not any(marker in message for marker in _NOT_A_DIAGNOSIS)]


def test_every_exercise_has_wrong_and_right_answers_listed():
    assert set(ALL_WRONG_ANSWERS) == set(FUNCTION_EXERCISES)
    for exercise_id in FUNCTION_EXERCISES:
        diagnosed = _diagnosed(ALL_WRONG_ANSWERS[exercise_id])
        assert len(diagnosed) >= 6, (exercise_id, len(diagnosed))
        assert len({message for _, message in diagnosed}) >= 6, exercise_id  # distinct mistakes
        assert len({wrong for wrong, _ in ALL_WRONG_ANSWERS[exercise_id]}) == len(ALL_WRONG_ANSWERS[exercise_id]), (
            exercise_id
        )
        assert len(ALL_RIGHT_ANSWERS.get(exercise_id, ())) >= 2, exercise_id
        solution = get_exercise(exercise_id).solution_code
        for right in ALL_RIGHT_ANSWERS[exercise_id]:  # written otherwise than the solution
            assert inspect.getsource(right).strip() not in solution, (exercise_id, right)


@pytest.mark.parametrize("exercise_id", sorted(all_exercises()))
def test_solution_is_correct(exercise_id):
    exercise = get_exercise(exercise_id)
    result = exercise.evaluate(_solution(exercise))
    assert result.status == CORRECT, str(result)


@pytest.mark.parametrize(
    "exercise_id, right",
    [(exercise_id, right) for exercise_id, answers in ALL_RIGHT_ANSWERS.items() for right in answers],
)
def test_right_answers_written_otherwise_are_accepted(exercise_id, right):
    result = get_exercise(exercise_id).evaluate(right)
    assert result.status == CORRECT, str(result)


@pytest.mark.parametrize(
    "exercise_id, wrong, message",
    [(exercise_id, wrong, message) for exercise_id, answers in ALL_WRONG_ANSWERS.items() for wrong, message in answers],
)
def test_wrong_answer_is_rejected_with_a_specific_message(exercise_id, wrong, message):
    with warnings.catch_warnings():  # a checker explains a wrong answer without a warning
        warnings.simplefilter("error", RuntimeWarning)
        result = get_exercise(exercise_id).evaluate(wrong)
    assert result.status == INCORRECT, str(result)
    assert re.search(message, result.message, flags=re.DOTALL), result.message


@pytest.mark.parametrize("exercise_id", sorted(all_exercises()))
def test_blank_and_blank_returning_function_are_not_attempted(exercise_id):
    exercise = get_exercise(exercise_id)
    assert exercise.evaluate(____).status == NOT_ATTEMPTED
    if exercise_id in FUNCTION_EXERCISES:
        assert exercise.evaluate(lambda *args: ____).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise_id", FUNCTION_EXERCISES)
def test_a_function_returning_none_is_told_it_forgot_return(exercise_id):
    result = get_exercise(exercise_id).evaluate(lambda *args: None)
    assert result.status == INCORRECT
    assert "returned None: did you forget `return`?" in result.message


@pytest.mark.parametrize("exercise_id", sorted(all_exercises()))
def test_hints_come_in_two_steps(exercise_id, capsys):
    exercise = get_exercise(exercise_id)
    nudge, closer = exercise.hint_steps
    assert nudge and closer and nudge != closer
    exercise._hints_shown = 0
    exercise.hint()
    exercise.hint()
    exercise.hint()
    out = capsys.readouterr().out
    assert out.count("Hint 1/2") == 1 and out.count("Hint 2/2") == 2
    assert nudge in out and closer in out
    exercise._hints_shown = 0


@pytest.mark.parametrize("exercise_id", FUNCTION_EXERCISES)
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
    exercise.hint(2)
    exercise.solution()
    out = capsys.readouterr().out
    assert "Hint 2/2 (01.cosine_matrix)" in out
    assert exercise.solution_code in out
    with pytest.raises(ValueError, match=r"`step` must be one of \[1, 2\] or None; received 3"):
        exercise.hint(3)


def test_a_check_cell_shows_its_verdict_once(monkeypatch, capsys):
    """IPython displays a cell's value with `_ipython_display_`: after `check()`, nothing."""
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.delenv("COURSE_EXERCISE_EXPECT", raising=False)
    exercise = get_exercise("01.recall_at_k")
    result = exercise.check(_solution(exercise))
    assert capsys.readouterr().out.count("Correct") == 1
    assert DisplayFormatter().format(result) == ({}, {})
    assert capsys.readouterr().out == ""
    unprinted = exercise.evaluate(____)  # a result nobody printed yet shows itself
    assert DisplayFormatter().format(unprinted) == ({}, {})
    assert capsys.readouterr().out.startswith("Not attempted")
    assert repr(result).startswith("CheckResult(status='correct'")


def test_the_course_reference_is_spotted_however_it_is_reached():
    import course_lib.similarity as similarity_module

    exercise = get_exercise("01.cosine_matrix")
    alias = course_lib.cosine_similarity

    def through_module(a, b):
        return similarity_module.cosine_similarity(a, b)

    def through_closure(a, b):
        return alias(a, b)

    for answer in (
        course_lib.cosine_similarity,
        through_module,
        through_closure,
        lambda a, b: [course_lib.cosine_similarity(a, b)][0],
    ):
        result = exercise.evaluate(answer)
        assert result.status == INCORRECT and "course's own version" in result.message


@pytest.mark.parametrize(
    "exercise_id, reference",
    [
        (exercise_id, reference)
        for exercise_id, exercise in sorted(all_exercises().items())
        for reference in exercise.references
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_every_course_reference_is_refused(exercise_id, reference):
    result = get_exercise(exercise_id).evaluate(reference)
    assert result.status == INCORRECT and "course's own version" in result.message


@pytest.mark.parametrize("exercise_id", QUESTIONS)
def test_questions_accept_the_answer_and_explain_wrong_choices(exercise_id):
    question = get_exercise(exercise_id)
    assert question.markdown().startswith("**Question.**")
    if question.choices is not None:
        for spelling in (question.answer, question.answer.upper(), f"({question.answer})"):
            assert question.evaluate(spelling).status == CORRECT
        for letter in set(question.choices) - {question.answer}:
            result = question.evaluate(letter)
            assert result.status == INCORRECT and len(result.message) > 40, result.message
        assert "one of the letters" in question.evaluate("z").message
    else:
        assert question.evaluate(question.answer + question.tolerance / 2).status == CORRECT
        for wrong, _ in question.explanations:
            assert question.evaluate(wrong).status == INCORRECT
        assert "one number" in question.evaluate([1.0, 2.0]).message
    assert "None" in question.evaluate(None).message


def test_get_exercise_unknown_id_lists_known():
    with pytest.raises(KeyError, match="known ids: 01.cosine_matrix"):
        get_exercise("99.nothing")


def test_exercise_and_result_validate_their_arguments():
    with pytest.raises(ValueError, match="`title` must be a non-empty string"):
        Exercise("x", title="", checker=print, hint=("h", "i"), solution_code="", answer_name="a")
    with pytest.raises(TypeError, match="`checker` must be callable"):
        Exercise("x", title="t", checker=3, hint=("h", "i"), solution_code="", answer_name="a")
    with pytest.raises(ValueError, match="`hint` must be two strings"):
        Exercise("x", title="t", checker=print, hint=("h", "i", "j"), solution_code="", answer_name="a")
    with pytest.raises(ValueError, match="`status` must be one of"):
        CheckResult("fine", "")
    assert repr(____) == "____"
