"""Shared input checks for course_lib's public functions.

Every public function converts and checks its array arguments here, so that
error messages read the same everywhere: what was expected, what was received,
and the likely fix.
"""

import numpy as np

__all__ = [
    "as_array",
    "as_matrix",
    "as_labels",
    "check_bool",
    "check_choice",
    "check_positive_int",
    "check_seed",
]


def _to_numpy(x):
    """Turns NumPy arrays, lists and Keras/TensorFlow/JAX tensors into a NumPy array."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "numpy") and callable(x.numpy):  # TensorFlow eager / torch tensors
        return np.asarray(x.numpy())
    try:
        return np.asarray(x)
    except Exception as error:  # pragma: no cover - exotic objects
        raise TypeError(
            f"Expected an array-like (NumPy array, list or tensor), received "
            f"{type(x).__name__}: {error}"
        ) from None


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
        TypeError: if `x` is not numeric.
        ValueError: if `x` holds NaN or infinite values.
    """
    array = _to_numpy(x)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise TypeError(
            f"`{name}` must hold numbers; received an array of dtype {array.dtype}. "
            f"Convert it with np.asarray({name}, dtype='float32')."
        )
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
        raise ValueError(
            f"`{name}` must have at least one sample and one feature; received shape "
            f"{array.shape}."
        )
    return array


def as_labels(y, name, *, n_samples=None):
    """Converts `y` to a 1-D integer label array, optionally of a given length."""
    array = _to_numpy(y)
    if array.ndim != 1:
        raise ValueError(
            f"`{name}` must be a 1-D array of integer class labels; received shape "
            f"{array.shape}. If it is one-hot, use {name}.argmax(axis=-1)."
        )
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array)) and np.all(
            array == np.round(array)
        ):
            array = array.astype(np.int64)
        else:
            raise TypeError(
                f"`{name}` must hold integer class labels; received dtype {array.dtype}. "
                f"Map string labels to integers first, e.g. with np.unique({name}, "
                f"return_inverse=True)[1]."
            )
    if n_samples is not None and array.shape[0] != n_samples:
        raise ValueError(
            f"`{name}` has {array.shape[0]} labels but the embeddings have {n_samples} "
            f"rows; pass one label per embedding row."
        )
    return array.astype(np.int64, copy=False)


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
            f"`{name}` must be between 0 and 2**32 - 1 (NumPy's limit); received "
            f"{seed}. Pass e.g. {name}=0."
        )
    return seed


def check_bool(value, name):
    """Checks that `value` is True or False (NumPy booleans included); returns a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False; received {value!r}.")
    return bool(value)
