"""The exercise machinery on its own: reading answers, tolerances, formats, diagnoses, the
course-version rule, questions, the registry, and the helpers older exercise modules use."""

import keras
import numpy as np
import pytest

import course_lib
from course_lib.exercises import all_exercises, registry
from course_lib.exercises.answers import Array, Indices, Number, Pair, Record, WrongShape
from course_lib.exercises.base import Exercise
from course_lib.exercises.core import (
    Incorrect,
    NotAttempted,
    Question,
    as_learner_array,
    call_learner,
    check_cases,
    close_to,
    describe_array,
    explain_failures,
    register,
)
from course_lib.exercises.diagnosis import Mistake, Symptom
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.values import FLOAT32, Tolerance, as_numbers, render_array, render_number

CASE = Case("a case", np.zeros(3))

# --- types are never read silently -----------------------------------------------------------


@pytest.mark.parametrize(
    "answer, match",
    [
        ("0.5", r"expected one number; your function returned str '0.5': a number written as text\. "),
        (b"1", r"returned bytes b'1': a number written as text"),
        ("half", r"returned str 'half'\.$"),
        (None, r"returned NoneType"),
        ({"value": 0.5}, r"returned dict\.$"),
        ([["0.5", "0.2"]], r"returned list holding str \(dtype <U3\), not numbers"),
        ([[1.0, 2.0], [3.0]], r"ragged list"),
        (np.array([1 + 2j]), r"complex numbers"),
        (print, r"returned builtin_function_or_method"),
    ],
)
def test_answers_that_are_not_numbers_are_refused_naming_their_type(answer, match):
    with pytest.raises(Incorrect, match=match):
        as_numbers(answer, "one number")


def test_numbers_arrays_and_tensors_are_read_as_they_are():
    assert as_numbers(3, "x").dtype.kind == "i"
    assert as_numbers(True, "x").dtype == bool  # the format decides what a bool means
    np.testing.assert_array_equal(as_numbers(keras.ops.convert_to_tensor([1.5, 2.0]), "x"), [1.5, 2.0])
    assert as_learner_array([True, False], "x").tolist() == [1.0, 0.0]  # older modules: bools count


def test_a_sparse_matrix_is_read_as_the_dense_array_it_stands_for():
    from scipy import sparse

    dense = np.array([[0.0, 1.5], [2.0, 0.0]], dtype=np.float32)
    for answer in (sparse.csr_array(dense), sparse.coo_matrix(dense), sparse.csc_array(dense).tolil()):
        read = as_numbers(answer, "x")
        assert type(read) is np.ndarray and read.dtype == np.float32
        np.testing.assert_array_equal(read, dense)
    assert Array("the cosines").read(sparse.csr_array(dense), dense, CASE).shape == (2, 2)


@pytest.mark.parametrize(
    "answer, match",
    [
        ("0.5", r"^on a case: expected one number between 0 and 1; your function returned str '0.5'"),
        (True, r"returned a bool \(True\), a yes/no answer"),
        (np.bool_(False), r"returned a bool \(False\)"),
        ([0.5, 0.2], r"expected one number between 0 and 1; got an array of shape \(2,\)"),
    ],
)
def test_a_number_format_refuses_text_bools_and_arrays(answer, match):
    with pytest.raises(Incorrect, match=match):
        Number("one number between 0 and 1").read(answer, 0.5, CASE)


def test_a_number_format_reads_float32_and_tensors():
    number = Number()
    for answer in (np.float32(0.5), keras.ops.convert_to_tensor(0.5), np.array([0.5]), 0.5):
        assert number.read(answer, 0.5, CASE) == 0.5


def test_an_array_format_refuses_bools_after_the_shape_and_gives_shape_advice():
    transposed = WrongShape(lambda shape, expected, *_: shape == expected[::-1], "a transpose of {expected}")
    array = Array("the matrix", per="rows by columns", shapes=[transposed])
    with pytest.raises(Incorrect, match=r"^on a case: a transpose of \(2, 3\)$"):
        array.read(np.zeros((3, 2)), np.zeros((2, 3)), CASE)
    with pytest.raises(Incorrect, match=r"expected shape \(2, 3\) \(rows by columns\), got shape \(4,\)"):
        array.read(np.zeros(4), np.zeros((2, 3)), CASE)
    with pytest.raises(Incorrect, match=r"True/False values \(dtype bool\)"):
        array.read(np.zeros((2, 3), dtype=bool), np.zeros((2, 3)), CASE)


# --- tolerances follow float32 ---------------------------------------------------------------


def test_float32_rounding_passes_and_real_differences_do_not():
    rng = np.random.default_rng(0)
    want = rng.normal(size=(50, 8)) * 10
    assert FLOAT32.close(want.astype(np.float32), want)
    assert FLOAT32.close(np.cumsum(want.astype(np.float32)), np.cumsum(want))  # 400 float32 additions
    assert not FLOAT32.close(want * (1 + 1e-4), want)
    assert not FLOAT32.close(want[:, :7], want)


def test_the_tolerance_grows_with_the_magnitude_of_the_case():
    """A softmax of logits up to 1,000 in float32 keeps fewer digits of the probabilities."""
    assert not FLOAT32.close(0.5001, 0.5, magnitude=1.0)
    assert FLOAT32.close(0.5001, 0.5, magnitude=1000.0)


def test_nan_and_inf_agree_only_with_themselves():
    assert FLOAT32.close([np.nan, np.inf, 1.0], [np.nan, np.inf, 1.0])
    assert not FLOAT32.close([1.0, 1.0], [np.nan, 1.0])
    assert not FLOAT32.close([1e6], [np.inf]) and not FLOAT32.close([-np.inf], [np.inf])
    with pytest.raises(ValueError, match="must be >= 0"):
        Tolerance(rtol=-1.0)


def test_two_numbers_that_differ_never_read_the_same():
    """The banded-DTW message once read 'expected 6.33389 got 6.33389'."""
    assert (render_number(6.333891, 6.333889), render_number(6.333889, 6.333891)) == ("6.333891", "6.333889")
    assert render_number(6.333891) == "6.33389"
    assert render_number(0.783331, 0.783349, decimals=4) != render_number(0.783349, 0.783331, decimals=4)
    assert render_number(0.5, 0.5, decimals=4) == "0.5000"
    shown = render_array([1.0, 2.00001], [1.0, 2.00003])
    assert shown != render_array([1.0, 2.00003], [1.0, 2.00001]) and "2.00001" in shown


# --- answer formats ---------------------------------------------------------------------------


def test_a_pair_returned_in_the_wrong_order_is_told_so():
    pair = Pair(("output", "weights"), (Array("the output"), Array("the weights")))
    want = (np.zeros((1, 2)), np.zeros((1, 3)))
    with pytest.raises(Incorrect, match=r"you returned \(weights, output\); return \(output, weights\), in that"):
        pair.read((np.zeros((1, 3)), np.zeros((1, 2))), want, CASE)
    with pytest.raises(Incorrect, match=r"`weights`: expected shape \(1, 3\), got shape \(1, 4\)"):
        pair.read((np.zeros((1, 2)), np.zeros((1, 4))), want, CASE)
    with pytest.raises(Incorrect, match=r"return a pair \(output, weights\); your function returned ndarray"):
        pair.read(np.zeros((1, 2)), want, CASE)


def test_a_record_names_missing_keys_and_wrong_values():
    record = Record({"R@1": Number(), "MAP@R": Number()})
    want = {"R@1": 0.5, "MAP@R": 0.25}
    with pytest.raises(Incorrect, match=r"exactly the keys 'R@1', 'MAP@R'; you returned \['R@1'\]"):
        record.read({"R@1": 0.5}, want, CASE)
    with pytest.raises(Incorrect, match=r"the value of 'MAP@R': expected one number; your function returned str"):
        record.read({"R@1": 0.5, "MAP@R": "0.25"}, want, CASE)
    assert record.read({"R@1": np.float32(0.5), "MAP@R": keras.ops.convert_to_tensor(0.25)}, want, CASE) == want


def test_indices_compare_exactly_and_keep_fractions_for_a_diagnosis():
    indices = Indices("positions")
    assert indices.read([[1.0, 2.0]], np.array([[1, 2]]), CASE).dtype == np.int64
    assert indices.read([[1.5, 2.0]], np.array([[1, 2]]), CASE).dtype == np.float64
    assert not indices.same(np.array([[1, 3]]), np.array([[1, 2]]), CASE)


# --- diagnoses -----------------------------------------------------------------------------------


def _cases(*values):
    return [Case(f"input {value}", value) for value in values]


def _exercise(mistakes, reference=lambda x: 2.0 * x):
    return FunctionExercise(
        "00.double",
        title="Double it.",
        answer_name="double",
        cases=_cases(1.0, 2.0, 3.0),
        reference=reference,
        answer=Number(),
        mistakes=mistakes,
        hint="Multiply by 2.",
        solution="def double(x):\n    return 2 * x",
        success="doubled.",
    )


def test_a_cause_is_named_only_when_it_explains_every_case_passing_ones_included():
    exercise = _exercise(lambda x: [Mistake(x**2, "you squared it.")])
    assert exercise.evaluate(lambda x: x**2).message.startswith("on input 1.0: you squared it.")
    # x ** 2 equals 2 x at x = 2 only; x + 2 also passes there and fails elsewhere, but is not x ** 2
    message = exercise.evaluate(lambda x: x + 2).message
    assert message.startswith("on input 1.0: expected\n2\ngot\n3"), message


def test_a_fact_about_wrong_answers_ignores_the_cases_answered_right():
    exercise = _exercise(
        lambda x: [
            Mistake(x + 1, "you added one."),
            Symptom(lambda got: got > 2 * x, lambda got: f"your answer {got:g} is too large."),
        ]
    )
    message = exercise.evaluate(lambda x: 2 * x if x < 2 else 2 * x + 5).message
    assert message.startswith("on input 2.0: your answer 9 is too large."), message


def test_the_neutral_message_calls_nan_nan():
    message = _exercise(None).evaluate(lambda x: np.nan).message
    assert "expected\n2\ngot\nnan" in message and "holds NaN, 'not a number': the result of 0/0" in message


def test_explain_failures_keeps_its_older_signature():
    failures = [("input 1", (1.0,), 3.0, 2.0)]
    passed = [("input 2", (2.0,), 4.0, 4.0)]
    message = explain_failures(failures, passed=passed, mistakes=lambda x: [(x + 2, "you added two.")], same=np.isclose)
    assert message == "on input 1: you added two."
    assert (
        explain_failures(failures, same=np.isclose, render=lambda v: f"<{v}>")
        == "on input 1: expected\n<2.0>\ngot\n<3.0>"
    )


# --- the course's own version: one rule, from one place ---------------------------------------------


def _helper(a, b):
    return course_lib.cosine_similarity(a, b)


def test_the_course_version_is_found_in_helpers_and_local_imports():
    exercise = all_exercises()["01.cosine_matrix"]

    def through_a_helper(a, b):
        return _helper(a, b)

    def through_a_local_import(a, b):
        import course_lib.similarity

        return course_lib.similarity.cosine_similarity(a, b)

    def through_from_import(a, b):
        from course_lib.similarity import cosine_similarity

        return cosine_similarity(a, b)

    for answer in (through_a_helper, through_a_local_import, through_from_import):
        message = exercise.evaluate(answer).message
        assert "course's own version" in message and "(with NumPy)" in message, answer


def test_every_kind_of_exercise_refuses_through_the_one_rule():
    for exercise in all_exercises().values():
        assert type(exercise).evaluate is Exercise.evaluate
        assert type(exercise).refusal is Exercise.refusal


# --- questions ------------------------------------------------------------------------------------


def _number_question():
    return Question(
        "00.half",
        title="Half.",
        prompt="**Question.** Half of 1?",
        answer=0.5,
        answer_name="half_answer",
        hint="Divide.",
        why="1 / 2.",
        explanations=((2.0, "That is double."),),
    )


def test_a_number_question_refuses_text_and_bools_naming_the_answer_not_a_function():
    question = _number_question()
    for text in ("0.5", "1"):
        message = question.evaluate(text).message
        assert f"your answer is the text {text!r}" in message and "function" not in message
        assert "without quotes" in message
    assert "a yes/no value" in question.evaluate(True).message
    assert question.evaluate(np.float32(0.5)).correct and question.evaluate(keras.ops.convert_to_tensor(0.5)).correct
    assert "That is double." in question.evaluate(2).message


def test_a_choice_question_refuses_a_number_for_a_letter():
    question = all_exercises()["05.softmax_axis"]
    message = question.evaluate(2).message
    assert "as text in quotes; your answer is int 2" in message and "function" not in message
    with pytest.raises(TypeError, match="must be a number"):
        Question("00.q", title="t", prompt="p", answer="1", answer_name="a", hint="h", why="w")


# --- the registry and the helpers of older exercise modules ------------------------------------------


def test_registering_is_idempotent_and_ids_stay_unique(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})
    first = _number_question()
    assert register(first) is first and register(first) is first
    with pytest.raises(ValueError, match="already registered"):
        register(_number_question())
    with pytest.raises(TypeError, match="Expected an Exercise"):
        register("00.half")


def test_an_exercise_written_with_the_older_helpers_still_works():
    """The helpers of a checker written by hand around `check_cases` (the hook of bespoke
    exercises, and how every module was written before the declarations): `Exercise`,
    `check_cases`, `close_to`, `as_learner_array`, `call_learner`."""

    def checker(function):
        check_cases(
            function,
            [("x = [1, 2]", (np.array([1.0, 2.0]),)), ("x = [0, 3]", (np.array([0.0, 3.0]),))],
            expected=lambda x: 2 * x,
            convert=lambda got, expected, description: as_learner_array(got, "an array"),
            same=close_to(1e-6),
            mistakes=lambda x: [(x + x**2 / 2, "you added half the square.")],
        )
        return "doubled."

    exercise = Exercise(
        "00.older", title="Double.", checker=checker, hint=("a", "b"), solution_code="", answer_name="f"
    )
    assert exercise.evaluate(lambda x: x * 2.0).correct
    assert exercise.evaluate(lambda x: x + x**2 / 2).message.startswith("on x = [1, 2]: you added half the square.")
    assert "your function returned str '2'" in exercise.evaluate(lambda x: "2").message
    message = exercise.evaluate(lambda x: x * 2.0002).message  # differs below 3 decimals: shown with more
    assert "expected\n[2., 4.]\ngot\n[2.0002, 4.0004]" in message, message
    with pytest.raises(NotAttempted):
        call_learner(course_lib.exercises.____, description="x")
    assert describe_array(np.zeros(40)) == "an array of shape (40,)"
