"""Feeding batches gathered by row index to Keras `fit`.

The samplers of `course_lib.sampling` return row indices, not data, so the
same index batches can gather images, labels or embeddings without copying
the data up front. `gather_batches` turns such index batches into what
`fit` reads, one batch at a time.

Importing this module does not import Keras; `gather_batches` does.
"""

from course_lib._validation import as_integers, to_numpy

__all__ = ["gather_batches"]


def _describe(structure):
    if isinstance(structure, (tuple, list)):
        return f"a {type(structure).__name__} of {len(structure)} entries"
    return "one array"


def _map_structure(function, structure, *others, path="arrays"):
    """Applies `function(leaf, *other_leaves, path)` over nested tuples/lists of arrays."""
    nested = isinstance(structure, (tuple, list))
    for other in others:
        if isinstance(other, (tuple, list)) != nested or (nested and len(other) != len(structure)):
            raise ValueError(
                f"`batches` must be one index array, or match the nesting of `arrays`; at {path}, "
                f"`arrays` holds {_describe(structure)} and `batches` {_describe(other)}. Pass one "
                f"array of shape (n_batches, batch_size) to gather the same rows from every array."
            )
    if nested:
        return tuple(
            _map_structure(function, item, *(other[i] for other in others), path=f"{path}[{i}]")
            for i, item in enumerate(structure)
        )
    return function(structure, *others, path)


def _leaf_array(array, path):
    array = to_numpy(array, path)
    if array.ndim == 0:
        raise ValueError(f"`{path}` must have one row per sample; received a scalar. Pass an array of samples.")
    return array


def _leaf_indices(indices, array, path):
    indices = as_integers(indices, f"batches for {path}", what="row indices")
    if indices.ndim != 2 or indices.shape[0] == 0 or indices.shape[1] == 0:
        raise ValueError(
            f"`batches` for {path} must be 2-D (n_batches, batch_size), at least 1 x 1; received "
            f"shape {indices.shape}, e.g. the output of class_balanced_batches."
        )
    if indices.min() < -len(array) or indices.max() >= len(array):
        raise ValueError(
            f"`batches` for {path} must hold row indices of an array of {len(array)} rows; received "
            f"indices from {indices.min()} to {indices.max()}. Draw the batches from the labels of "
            f"this array."
        )
    return indices % len(array)  # negative indices count from the end, as in NumPy


def gather_batches(arrays, batches):
    """Feeds batches gathered by row index to Keras `fit`: batch `i` holds rows `batches[i]`.

    The samplers of `course_lib.sampling` return row indices, so the data is never copied up
    front: each batch takes its rows from `arrays` when Keras asks for it.
    `arrays` is one array or a tuple (nested as deep as needed) in the
    layout `fit` expects, e.g. `(images, labels)` or `((images, images),
    pair_labels)`; `batches` is one index array for every array, or a
    structure like `arrays` with one index array for each (the left and
    the right images of pairs, say). All index arrays have the same shape.

    On the TensorFlow backend this is a `tf.data.Dataset` that gathers
    inside the graph, with `tf.data`'s autotuning switched off. A Python
    generator fed to `fit` does the same work, but `fit` wraps it in a
    pipeline with an autotuning thread that wakes on a timer, whose period
    grows as training goes on, and `fit` returns only when that thread
    next wakes: an idle pause of up to several seconds after every
    training run. On other backends it is a plain generator. Pass `shuffle=False`
    to `fit` (the batches are already in the order you want).

    Args:
        arrays: a NumPy array (or tensor) with one row per sample, or a
            tuple/list of them, nested as `fit` expects `(x, y)`.
        batches: int array `(n_batches, batch_size)` of row indices (e.g.
            from `class_balanced_batches`), or a structure like `arrays`
            holding one such array per array.

    Returns:
        An iterable of `n_batches` batches, each with the structure of
        `arrays` (tuples for lists) and `batch_size` rows per array: a
        `tf.data.Dataset` on TensorFlow, a generator elsewhere.

    Raises:
        ValueError: if an index array is not 2-D, the index arrays differ in
            shape, an index is out of range for its array, or `batches` does
            not match the nesting of `arrays`.
        TypeError: if an index is not an integer.

    Example:

    >>> import numpy as np
    >>> images = np.arange(12.0).reshape(6, 2)
    >>> labels = np.array([0, 0, 1, 1, 2, 2])
    >>> stream = gather_batches((images, labels), np.array([[0, 2], [3, 5]]))
    >>> [np.asarray(batch_labels).tolist() for _, batch_labels in stream]
    [[0, 1], [1, 2]]
    """
    arrays = _map_structure(_leaf_array, arrays)
    if isinstance(batches, (tuple, list)):
        indices = _map_structure(lambda array, index, path: _leaf_indices(index, array, path), arrays, batches)
    else:
        indices = _map_structure(lambda array, path: _leaf_indices(batches, array, path), arrays)
    shapes = {leaf.shape for leaf in _leaves(indices)}
    if len(shapes) > 1:
        raise ValueError(
            f"Every index array in `batches` must have the same shape (n_batches, batch_size); "
            f"received shapes {sorted(shapes)}. Cut them to one number of batches and one batch size."
        )
    import keras

    if keras.backend.backend() != "tensorflow":
        return _numpy_batches(arrays, indices)
    return _tf_batches(arrays, indices)


def _leaves(structure):
    if isinstance(structure, tuple):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [structure]


def _numpy_batches(arrays, indices):
    n_batches = _leaves(indices)[0].shape[0]
    for batch in range(n_batches):
        yield _map_structure(lambda array, index, path, batch=batch: array[index[batch]], arrays, indices)


def _tf_batches(arrays, indices):
    import tensorflow as tf

    constants = {}  # one tensor per distinct array, even when it appears twice (pairs)

    def tensor(array, path):
        if id(array) not in constants:
            constants[id(array)] = tf.constant(array)
        return constants[id(array)]

    tensors = _map_structure(tensor, arrays)

    def gather(*rows):  # tf.data passes the entries of a top-level tuple as separate arguments
        rows = rows if isinstance(indices, tuple) else rows[0]
        return _map_structure(lambda source, index, path: tf.gather(source, index), tensors, rows)

    dataset = tf.data.Dataset.from_tensor_slices(indices).map(gather)
    options = tf.data.Options()
    options.autotune.enabled = False  # no tuning thread whose sleep delays the end of `fit`
    return dataset.prefetch(1).with_options(options)
