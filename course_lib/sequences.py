"""Variable-length sequences: padding, masks and per-feature standardisation.

A batch of sequences of different lengths is stored as one array of shape
`(n, max_length, n_features)`, each sequence followed by zeros ("post-padding"),
plus an int array `lengths` of shape `(n,)` saying how many steps are real. The
boolean `mask` of shape `(n, max_length)` is `True` on real steps; models use it
to ignore the padding.

Dynamic time warping (`dtw_distance`, `dtw_distances`) lives in `course_lib.dtw`.
"""

import numpy as np

from course_lib._validation import as_array, as_flags, as_integers, check_positive_int
from course_lib._validation import as_lengths as _check_lengths
from course_lib._validation import as_sequences as _check_sequences

__all__ = [
    "feature_statistics",
    "masked_mean",
    "move_padding",
    "pad_sequences",
    "sequence_mask",
    "standardize_sequences",
]


def pad_sequences(sequences, *, max_length=None, dtype=np.float32):
    """Stacks sequences of different lengths into one zero-padded array.

    Each sequence keeps its steps at the start and is followed by zeros
    (post-padding), the layout `course_lib.data.load_japanese_vowels` uses.

    Args:
        sequences: list of arrays, each of shape `(length_i, n_features)` with
            `length_i >= 1` and the same `n_features`.
        max_length: int or `None`. The padded length; defaults to the longest
            sequence. Longer sequences raise rather than being cut.
        dtype: dtype of the result. Defaults to float32.

    Returns:
        A tuple `(padded, lengths)`: `padded` of shape
        `(n, max_length, n_features)`, `lengths` int64 `(n,)`.

    Raises:
        ValueError: for an empty list, an empty sequence, mismatched features
            or a sequence longer than `max_length`.

    Example:

    >>> padded, lengths = pad_sequences([np.ones((2, 3)), np.ones((4, 3))])
    >>> padded.shape, lengths.tolist(), padded[0, :, 0].tolist()
    ((2, 4, 3), [2, 4], [1.0, 1.0, 0.0, 0.0])
    """
    if not isinstance(sequences, (list, tuple)) or not sequences:
        raise ValueError(
            "`sequences` must be a non-empty list of arrays of shape (length, n_features); "
            f"received {type(sequences).__name__}."
        )
    arrays = [as_array(s, f"sequences[{i}]", dtype=np.float64) for i, s in enumerate(sequences)]
    for i, array in enumerate(arrays):
        if array.ndim != 2 or array.shape[0] == 0:
            raise ValueError(
                f"`sequences[{i}]` must be 2-D (length >= 1, n_features); received shape "
                f"{array.shape}. For a 1-D signal use s[:, None]."
            )
    n_features = {array.shape[1] for array in arrays}
    if len(n_features) != 1:
        raise ValueError(f"every sequence must have the same number of features; received {sorted(n_features)}.")
    lengths = np.array([len(array) for array in arrays], dtype=np.int64)
    longest = int(lengths.max())
    if max_length is None:
        max_length = longest
    max_length = check_positive_int(max_length, "max_length")
    if longest > max_length:
        raise ValueError(
            f"a sequence has {longest} steps but `max_length` is {max_length}; raise "
            f"`max_length` or cut the sequences first."
        )
    padded = np.zeros((len(arrays), max_length, arrays[0].shape[1]), dtype=dtype)
    for i, array in enumerate(arrays):
        padded[i, : len(array)] = array
    return padded, lengths


def sequence_mask(lengths, max_length=None):
    """The boolean mask of real steps: `mask[i, t] = t < lengths[i]`.

    Args:
        lengths: int array-like of shape `(n,)`, each >= 1.
        max_length: int or `None`. The padded length; defaults to `max(lengths)`.

    Returns:
        A bool array of shape `(n, max_length)`.

    Raises:
        ValueError: if `lengths` is not 1-D, holds NaN or infinity, or a length
            is outside `[1, max_length]`.
        TypeError: if a length is not an integer (floats holding integers are
            accepted) or `max_length` is not an int.

    Example:

    >>> sequence_mask([1, 3], max_length=4).astype(int).tolist()
    [[1, 0, 0, 0], [1, 1, 1, 0]]
    """
    array = as_integers(lengths, "lengths", what="integer lengths")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"`lengths` must be a non-empty 1-D array; received shape {array.shape}.")
    if max_length is None:
        max_length = max(int(array.max()), 1)  # a length below 1 is reported just below
    max_length = check_positive_int(max_length, "max_length")
    array = _check_lengths(array, "lengths", n_sequences=array.shape[0], max_length=max_length)
    return np.arange(max_length)[None, :] < array[:, None]


def masked_mean(x, mask):
    """Mean over the real steps of each sequence: `sum_t mask[t] x[t] / sum_t mask[t]`.

    Args:
        x: float array `(n, max_length, n_features)`.
        mask: bool array `(n, max_length)`, at least one True per row.

    Returns:
        A float32 array `(n, n_features)`.

    Raises:
        ValueError: on mismatched shapes or a row with no real step.

    Example:

    >>> x = np.array([[[1.0], [3.0], [0.0]]])
    >>> masked_mean(x, [[True, True, False]]).tolist()
    [[2.0]]
    """
    array = _check_sequences(x, "x")
    mask = as_flags(mask, "mask")
    if mask.shape != array.shape[:2]:
        raise ValueError(
            f"`mask` must have shape {array.shape[:2]} (n_sequences, max_length) to match "
            f"`x` of shape {array.shape}; received {mask.shape}."
        )
    counts = mask.sum(axis=1)
    if np.any(counts == 0):
        raise ValueError("every row of `mask` needs at least one True (a real step).")
    return ((array * mask[..., None]).sum(axis=1) / counts[:, None]).astype(np.float32)


def feature_statistics(x, lengths):
    """Mean and standard deviation of each feature over the real steps only.

    Args:
        x: float array `(n, max_length, n_features)`, zero-padded.
        lengths: int array `(n,)`.

    Returns:
        A tuple `(mean, std)` of float32 arrays `(n_features,)`. A constant
        feature (the same value in every real frame) gets that value as its
        mean and std 1, so that `standardize_sequences` maps it to 0 (exactly
        0 for float32 data; the mean of many copies of a value such as 0.1 is
        not always that value to the last bit, and that rounding would give a
        tiny std that blows the feature up).

    Raises:
        ValueError: if `x` is not 3-D, is empty or holds NaN/inf, or a length
            lies outside `[1, max_length]`.
        TypeError: if `x` is not real-valued or a length is not an integer.

    Example:

    >>> x = np.array([[[1.0, 0.1], [3.0, 0.1], [0.0, 0.0]]])
    >>> [value.tolist() for value in feature_statistics(x, [2])]
    [[2.0, 0.10000000149011612], [1.0, 1.0]]
    """
    array = _check_sequences(x, "x")
    lengths = _check_lengths(lengths, "lengths", n_sequences=len(array), max_length=array.shape[1])
    frames = array[sequence_mask(lengths, array.shape[1])]
    constant = np.all(frames == frames[0], axis=0)
    mean = np.where(constant, frames[0], frames.mean(axis=0))
    std = np.where(constant, 1.0, frames.std(axis=0))
    return mean.astype(np.float32), np.where(std > 0, std, 1.0).astype(np.float32)


def standardize_sequences(x, lengths, mean, std):
    """Standardises the real steps, `(x - mean) / std`, and keeps the padding at exactly 0.

    Compute `mean` and `std` on the training set (`feature_statistics`) and
    apply them to every split. Padding stays zero, so `Masking(mask_value=0.0)`
    still finds it. A feature with `std` 0 (constant on the training set) is
    only centred, `x - mean`, as scikit-learn's `StandardScaler` does: a
    constant feature maps to 0 rather than to `inf` or `nan`.

    Args:
        x: float array `(n, max_length, n_features)`, zero-padded.
        lengths: int array `(n,)`.
        mean, std: float arrays `(n_features,)`; `std` >= 0.

    Returns:
        A float32 array shaped like `x`.

    Raises:
        ValueError: if `mean` or `std` has the wrong shape, or `std` is negative.

    Example:

    >>> x = np.array([[[1.0], [3.0], [0.0]]])
    >>> standardize_sequences(x, [2], np.array([2.0]), np.array([1.0]))[0, :, 0].tolist()
    [-1.0, 1.0, 0.0]
    """
    array = _check_sequences(x, "x")
    lengths = _check_lengths(lengths, "lengths", n_sequences=len(array), max_length=array.shape[1])
    mean = as_array(mean, "mean", dtype=np.float64).reshape(-1)
    std = as_array(std, "std", dtype=np.float64).reshape(-1)
    if mean.shape != (array.shape[2],) or std.shape != (array.shape[2],):
        raise ValueError(
            f"`mean` and `std` must have shape ({array.shape[2]},), one value per feature; "
            f"received {mean.shape} and {std.shape}."
        )
    if np.any(std < 0):
        raise ValueError(
            f"`std` must be >= 0 for every feature; received negative values at features "
            f"{np.flatnonzero(std < 0).tolist()}. Pass the standard deviations from "
            f"`feature_statistics`."
        )
    scale = np.where(std > 0, std, 1.0)  # a constant feature is only centred
    mask = sequence_mask(lengths, array.shape[1])[..., None]
    return np.where(mask, (array - mean) / scale, 0.0).astype(np.float32)


def move_padding(x, lengths, *, padding="pre"):
    """Moves the zero padding before (`"pre"`) or after (`"post"`) the real steps.

    The same utterances, padded the other way: a model that ignores padding
    correctly gives the same embedding for both layouts.

    Args:
        x: float array `(n, max_length, n_features)` in post-padded layout.
        lengths: int array `(n,)`.
        padding: `"pre"` or `"post"`. Keyword-only. Defaults to `"pre"`.

    Returns:
        A float32 array shaped like `x`.

    Example:

    >>> move_padding(np.array([[[1.0], [2.0], [0.0]]]), [2])[0, :, 0].tolist()
    [0.0, 1.0, 2.0]
    """
    from course_lib._validation import check_choice

    check_choice(padding, "padding", ("pre", "post"))
    array = _check_sequences(x, "x")
    lengths = _check_lengths(lengths, "lengths", n_sequences=len(array), max_length=array.shape[1])
    result = np.zeros_like(array, dtype=np.float32)
    for i, length in enumerate(lengths):
        start = array.shape[1] - length if padding == "pre" else 0
        result[i, start : start + length] = array[i, :length]
    return result
