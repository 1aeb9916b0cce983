"""Tests for course_lib._validation: one helper reads tensors of every backend; one checks real numbers."""

import keras
import numpy as np
import pytest

from course_lib._validation import concrete_values, to_numpy
from course_lib.exercises.core import Incorrect, as_learner_array


@pytest.mark.parametrize(
    "make",
    [
        lambda x: keras.ops.convert_to_tensor(x),  # the backend's eager tensor (TensorFlow or JAX)
        lambda x: keras.Variable(x),
        lambda x: x.tolist(),
        lambda x: x,
    ],
    ids=["backend tensor", "keras variable", "list", "ndarray"],
)
def test_to_numpy_reads_tensors_variables_lists_and_arrays(make):
    x = np.array([[1.5, -2.0], [0.0, 3.25]], np.float32)
    result = to_numpy(make(x))
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, x)
    np.testing.assert_array_equal(concrete_values(make(x), "x"), x.astype(np.float64))
    np.testing.assert_array_equal(as_learner_array(make(x), "an array"), x.astype(np.float64))


def test_to_numpy_names_a_ragged_argument():
    with pytest.raises(ValueError, match=r"`rows` must be a rectangular array.*Pad or cut"):
        to_numpy([[1.0, 2.0], [3.0]], "rows")


def test_concrete_values_skips_symbolic_tensors_and_checks_eager_ones():
    assert concrete_values(keras.Input((3,)), "x") is None
    with pytest.raises(ValueError, match=r"`x` contains 1 NaN or infinite"):
        concrete_values(keras.ops.convert_to_tensor([1.0, np.nan]), "x")


@pytest.mark.parametrize("answer", [[[1.0, 2.0], [3.0]], {"a": 1}, "text"], ids=["ragged", "dict", "string"])
def test_as_learner_array_turns_non_numbers_into_a_verdict(answer):
    with pytest.raises(Incorrect, match=rf"expected an array; your function returned {type(answer).__name__}\b"):
        as_learner_array(answer, "an array")


def test_check_real_returns_a_float_and_rejects_non_numbers():
    from course_lib._validation import check_real

    assert check_real(np.float32(0.5), "margin", example=0.2) == 0.5
    assert type(check_real(3, "scale", example=16.0)) is float
    for bad in (True, "0.2", None, [0.2], 1j):
        with pytest.raises(TypeError, match=r"`margin` must be a number, e.g. 0.2; received"):
            check_real(bad, "margin", example=0.2)
