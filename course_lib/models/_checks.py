"""Argument checks shared by the model builders (input shapes, filters, seeds, encoders)."""

import numpy as np

from course_lib._validation import check_positive_int

__all__ = ["check_input_shape", "check_filters", "check_encoder", "layer_seeds"]


def check_input_shape(input_shape, *, ranks, what, example):
    """Returns `input_shape` as a tuple of positive ints of an allowed rank."""
    if isinstance(input_shape, (int, np.integer)) and not isinstance(input_shape, bool):
        input_shape = (input_shape,)
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(
            f"`input_shape` must be a tuple of ints, the shape of ONE {what} without the "
            f"batch axis, e.g. {example}; received {type(input_shape).__name__} "
            f"{input_shape!r}."
        )
    dims = tuple(input_shape)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise TypeError(
            f"`input_shape` must hold ints only (no None: the models need a fixed size), "
            f"e.g. {example}; received {input_shape!r}."
        )
    if len(dims) not in ranks:
        allowed = ", ".join(str(rank) for rank in ranks[:-1]) + f" or {ranks[-1]}"
        fix = f" Drop the batch axis: pass x.shape[1:] = {dims[1:]}." if len(dims) == max(ranks) + 1 else ""
        raise ValueError(
            f"`input_shape` must have {allowed} entries, the shape of ONE {what} without "
            f"the batch axis, e.g. {example}; received {dims} ({len(dims)} entries).{fix}"
        )
    if any(d < 1 for d in dims):
        raise ValueError(f"`input_shape` entries must be >= 1; received {dims}.")
    return tuple(int(d) for d in dims)


def layer_seeds(seed, count):
    """`count` distinct initializer seeds derived from one user seed."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(count)]


def check_filters(filters, *, example):
    """Returns `filters` as a non-empty tuple of positive ints (one per convolution)."""
    if isinstance(filters, (int, np.integer)) and not isinstance(filters, bool):
        filters = (filters,)
    if not isinstance(filters, (tuple, list)):
        raise TypeError(
            f"`filters` must be a tuple of ints, the channels of each convolution, "
            f"e.g. {example}; received {type(filters).__name__} {filters!r}."
        )
    if not filters:
        raise ValueError(f"`filters` must name at least one convolution, e.g. {example}; received ().")
    return tuple(check_positive_int(f, f"filters[{i}]") for i, f in enumerate(filters))


def check_encoder(encoder):
    """Returns `encoder` if it is a `keras.Model` with one image input and one embedding output."""
    import keras

    if not isinstance(encoder, keras.Model) or len(encoder.inputs) != 1 or len(encoder.outputs) != 1:
        raise TypeError(
            f"`encoder` must be a keras.Model with one image input and one embedding output, "
            f"e.g. from build_cnn_encoder(); received {type(encoder).__name__}."
        )
    return encoder
