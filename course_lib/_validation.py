"""Shared input checks for course_lib's public functions.

Every public function converts and checks its array arguments here, so that
error messages read the same everywhere: what was expected, what was received,
and the likely fix.

A private module (its name starts with `_`): other course_lib modules import
its public names; no module imports another module's `_private` names
(tests/test_module_boundaries.py checks this).
"""

import numbers

import numpy as np

__all__ = [
    "as_array",
    "as_matrix",
    "as_labels",
    "as_lengths",
    "as_sequences",
    "as_flags",
    "as_integers",
    "check_bool",
    "check_choice",
    "check_ks",
    "check_positive_int",
    "check_real",
    "check_seed",
    "concrete_values",
    "is_concrete",
    "query_batch_size",
    "to_numpy",
]

# Floats are cast to int64 only below this bound, where the cast is exact and one-to-one.
_INT64_LIMIT = 2.0**63


def to_numpy(x, name="x"):
    """Turns NumPy arrays, lists and Keras/TensorFlow/JAX tensors into a NumPy array.

    The one place where course_lib's NumPy side reads a tensor: TensorFlow eager
    tensors, Keras variables and torch tensors through their `.numpy()`, JAX
    arrays through `np.asarray`. It does not import Keras.
    """
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "numpy") and callable(x.numpy):  # TensorFlow eager / torch tensors, Keras variables
        return np.asarray(x.numpy())
    try:
        return np.asarray(x)
    except ValueError as error:  # nested lists of different lengths
        raise ValueError(
            f"`{name}` must be a rectangular array; received a nested sequence whose rows "
            f"differ in length ({error}). Pad or cut the rows to one length first."
        ) from None
    except Exception as error:  # pragma: no cover - exotic objects
        raise TypeError(
            f"Expected an array-like (NumPy array, list or tensor) for `{name}`, received {type(x).__name__}: {error}"
        ) from None


def _check_real_numbers(array, name):
    """Raises TypeError unless `array` holds real numbers (bools, ints or floats)."""
    if array.dtype == bool or (
        np.issubdtype(array.dtype, np.number) and not np.issubdtype(array.dtype, np.complexfloating)
    ):
        return
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(
            f"`{name}` must hold real numbers; received complex numbers (dtype "
            f"{array.dtype}). Pass the real part ({name}.real) or the magnitude "
            f"(np.abs({name})), whichever your method means."
        )
    raise TypeError(
        f"`{name}` must hold numbers; received an array of dtype {array.dtype}. "
        f"Convert it with np.asarray({name}, dtype='float32')."
    )


def as_array(x, name, *, dtype=np.float32, allow_nonfinite=False):
    """Converts `x` to a NumPy array of `dtype` and rejects NaN/inf values.

    Args:
        x: array-like (NumPy array, nested list, or a Keras/TF tensor).
        name: argument name used in error messages.
        dtype: floating dtype to convert to.
        allow_nonfinite: if False, NaN or infinite values raise.

    Returns:
        A NumPy array of `dtype`.

    Raises:
        TypeError: if `x` does not hold real numbers (strings, objects, complex).
        ValueError: if `x` is ragged, or holds NaN or infinite values (also a
            float64 value beyond the range of `dtype`).
    """
    array = to_numpy(x, name)
    _check_real_numbers(array, name)
    with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf, caught below
        array = array.astype(dtype, copy=False)
    if not allow_nonfinite and array.size and not np.all(np.isfinite(array)):
        n_bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"`{name}` contains {n_bad} NaN or infinite value(s) (shape {array.shape}). "
            f"Check the step that produced it (a division by zero, an exploding loss) "
            f"or drop those rows with np.isfinite({name}).all(axis=-1)."
        )
    return array


def as_matrix(x, name, *, dtype=np.float32):
    """Converts `x` to a finite 2-D array `(n_samples, n_features)`.

    A 1-D vector is rejected with the fix spelled out, since passing one sample
    where a batch is expected is the most common mistake in similarity code.
    """
    array = as_array(x, name, dtype=dtype)
    if array.ndim == 1:
        raise ValueError(
            f"`{name}` must be 2-D with shape (n_samples, n_features); received a 1-D "
            f"array of shape {array.shape}. For a single sample use "
            f"{name}[None, :] (or {name}.reshape(1, -1))."
        )
    if array.ndim != 2:
        fix = (
            f"flatten each sample with {name}.reshape(len({name}), -1)"
            if array.ndim > 2
            else "pass at least one sample of shape (1, n_features)"
        )
        raise ValueError(
            f"`{name}` must be 2-D with shape (n_samples, n_features); received a "
            f"{array.ndim}-D array of shape {array.shape}. Likely fix: {fix}."
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least one sample and one feature; received shape {array.shape}.")
    return array


def as_integers(x, name, *, what="integers"):
    """Converts `x` to an int64 array, accepting floats only when they hold exact integers.

    Floats must be finite, integral and below 2**63 in magnitude, so that the cast
    to int64 is exact and distinct values stay distinct.

    Raises:
        TypeError: if `x` holds strings, objects, complex numbers or non-integral floats.
        ValueError: if `x` is ragged, or a float is NaN, infinite or too large for int64.
    """
    array = to_numpy(x, name)
    _check_real_numbers(array, name)
    if np.issubdtype(array.dtype, np.floating):
        finite = np.isfinite(array)
        if not finite.all():
            raise ValueError(
                f"`{name}` must hold {what}; received {int(np.size(array) - finite.sum())} NaN or infinite value(s)."
            )
        if array.size and float(np.abs(array).max()) >= _INT64_LIMIT:  # float: 2**63 is inf in float16
            raise ValueError(
                f"`{name}` must hold {what} below 2**63 in magnitude (int64); received a "
                f"value of {np.abs(array).max():g}. Map the values to small integers, e.g. "
                f"with np.unique({name}, return_inverse=True)[1]."
            )
        if not np.all(array == np.round(array)):
            raise TypeError(
                f"`{name}` must hold {what}; received floats with a fractional part, e.g. "
                f"{array[array != np.round(array)].flat[0]!r}. Map them to integers, e.g. "
                f"with np.unique({name}, return_inverse=True)[1]."
            )
    return array.astype(np.int64)


def as_labels(y, name, *, n_samples=None, layout=None):
    """Converts `y` to an integer label array, 1-D unless `layout` says otherwise.

    `layout` names the expected axes, e.g. `"(n_queries, n_neighbours)"` for a 2-D
    array. Floats are accepted when they hold exact integers below 2**63 (Keras
    casts `y_true` to float); anything else raises, so that two distinct labels
    never become the same class.
    """
    array = to_numpy(y, name)
    ndim = 1 if layout is None else layout.count(",") + 1
    if array.ndim != ndim:
        expected = "a 1-D array" if layout is None else f"{ndim}-D {layout}"
        one_hot = ndim == 1 and array.ndim == 2
        raise ValueError(
            f"`{name}` must be {expected} of integer class labels; received shape "
            f"{array.shape}." + (f" If it is one-hot, use {name}.argmax(axis=-1)." if one_hot else "")
        )
    if not (array.dtype == bool or np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(
            f"`{name}` must hold integer class labels; received dtype {array.dtype}. "
            f"Map other labels to integers first, e.g. with np.unique({name}, "
            f"return_inverse=True)[1]."
        )
    array = as_integers(array, name, what="integer class labels")
    if n_samples is not None and array.shape[0] != n_samples:
        raise ValueError(
            f"`{name}` has {array.shape[0]} labels but the embeddings have {n_samples} "
            f"rows; pass one label per embedding row."
        )
    return array


def as_flags(x, name, *, what="True/False (or 1/0)"):
    """Converts booleans, or numbers that are all 0 or 1, to a bool array.

    Raises:
        TypeError: if `x` holds strings, objects or complex numbers.
        ValueError: if `x` is ragged or holds a number other than 0 and 1.
    """
    array = to_numpy(x, name)
    _check_real_numbers(array, name)
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        values = np.unique(array[~np.isin(array, (0, 1))])[:5].tolist()
        raise ValueError(f"`{name}` must hold {what}; received other values, e.g. {values}.")
    return array.astype(bool)


def as_sequences(x, name):
    """Returns `x` as a finite float array `(n, max_length, n_features)`."""
    array = as_array(x, name, dtype=np.float64)
    if array.ndim != 3:
        fix = f" For one sequence use {name}[None]." if array.ndim == 2 else ""
        raise ValueError(
            f"`{name}` must be 3-D with shape (n_sequences, max_length, n_features); received shape {array.shape}.{fix}"
        )
    if 0 in array.shape:
        raise ValueError(f"`{name}` must not be empty; received shape {array.shape}.")
    return array


def as_lengths(lengths, name, *, n_sequences, max_length):
    """Returns `lengths` as int64 `(n_sequences,)` with every value in `[1, max_length]`."""
    if lengths is None:
        return np.full(n_sequences, max_length, dtype=np.int64)
    array = as_integers(lengths, name, what="integer lengths")
    if array.ndim != 1 or array.shape[0] != n_sequences:
        raise ValueError(
            f"`{name}` must have shape ({n_sequences},), one length per sequence; received shape {array.shape}."
        )
    if array.min() < 1 or array.max() > max_length:
        raise ValueError(
            f"`{name}` must lie in [1, {max_length}] (the padded length); received values "
            f"from {int(array.min())} to {int(array.max())}."
        )
    return array


def check_real(value, name, *, example):
    """Returns `value` as a Python float; a TypeError unless it is a real number (not a bool).

    The range is the caller's to check: what a margin or a scale may be depends on its meaning.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number, e.g. {example}; received {value!r}.")
    return float(value)


def check_positive_int(value, name, *, maximum=None, maximum_reason=""):
    """Checks that `value` is an int >= 1 (and <= `maximum` when given)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be a positive integer; received {value!r}.")
    if value < 1:
        raise ValueError(f"`{name}` must be >= 1; received {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(
            f"`{name}` must be <= {maximum}{maximum_reason}; received {value}. "
            f"Lower `{name}` or search a larger database."
        )
    return int(value)


def check_ks(ks):
    """Checks the `ks` of the retrieval metrics (an int or a sequence of ints >= 1); returns a tuple."""
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        ks = (ks,)
    if not isinstance(ks, (tuple, list, range, np.ndarray)):
        raise TypeError(f"`ks` must be an int or a sequence of ints, e.g. ks=(1, 5, 10); received {ks!r}.")
    ks = tuple(check_positive_int(k, "ks") for k in ks)
    if not ks:
        raise ValueError("`ks` must name at least one k, e.g. ks=(1, 5, 10); received ().")
    return ks


# The default chunk of queries keeps each `(chunk, n_database)` block of float32 scores near 64 MiB.
_BLOCK_BYTES = 64 * 2**20


def query_batch_size(batch_size, n_database):
    """Queries per search chunk: `batch_size` checked, or for None the course's one default.

    The default holds as many queries as make a `(batch_size, n_database)` block
    of float32 scores of about 64 MiB, between 16 and 2,048. `course_lib.top_k`
    and `course_lib.metrics.evaluate_retrieval` both use it.
    """
    if batch_size is None:
        return int(np.clip(_BLOCK_BYTES // (4 * max(int(n_database), 1)), 16, 2048))
    return check_positive_int(batch_size, "batch_size")


def check_choice(value, name, choices):
    """Checks that `value` is one of `choices`, listing them if not."""
    if value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"`{name}` must be one of {options}; received {value!r}.")
    return value


def check_seed(seed, name="seed"):
    """Checks that `seed` is an int in [0, 2**32) (what NumPy accepts); returns it."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"`{name}` must be a non-negative integer; received {seed!r} of type "
            f"{type(seed).__name__}. Pass e.g. {name}=0."
        )
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(
            f"`{name}` must be between 0 and 2**32 - 1 (NumPy's limit); received {seed}. Pass e.g. {name}=0."
        )
    return seed


def check_bool(value, name):
    """Checks that `value` is True or False (NumPy booleans included); returns a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False; received {value!r}.")
    return bool(value)


def is_concrete(x):
    """True for values whose numbers can be read now (NumPy, lists, eager tensors).

    False for symbolic tensors (a Keras functional-model input, a tensor inside a
    compiled train step): checks on values are skipped there.
    """
    if isinstance(x, (np.ndarray, list, tuple, numbers.Number)):
        return True
    try:
        to_numpy(x, "x")  # `.numpy()` of eager tensors and Keras variables, np.asarray of JAX arrays
    except Exception:  # a symbolic tensor
        return False
    return True


def concrete_values(x, name):
    """`x` checked like `as_array` (real, finite) as float64, or None when `x` is symbolic.

    For the Keras-side functions: the numbers are checked whenever they are known
    (NumPy input, eager tensors), and skipped inside a compiled train step.
    """
    if not is_concrete(x):
        return None
    return as_array(x, name, dtype=np.float64)  # `to_numpy` reads eager tensors of every backend
