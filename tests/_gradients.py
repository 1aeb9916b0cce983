"""A backend-neutral gradient for the tests of the Keras-side modules.

`value_and_gradient(function, x)` differentiates `function` (a tensor -> scalar
tensor written with `keras.ops`, a course layer or a course loss) at the values
`x` with whatever backend Keras runs on: `tf.GradientTape` on TensorFlow,
`jax.value_and_grad` on JAX, autograd on PyTorch. So the same gradient test
runs under `make test` (TensorFlow) and `make test-jax`.
"""

import keras
import numpy as np

__all__ = ["value_and_gradient"]


def value_and_gradient(function, x):
    """Returns `(value, gradient)` of a scalar function at `x`, both as NumPy.

    Args:
        function: callable taking one float32 tensor shaped like `x` and
            returning a scalar tensor (built with `keras.ops`).
        x: array-like, the point where the gradient is taken.

    Returns:
        `(value, gradient)`: a Python float and a float32 array shaped like `x`.
    """
    x = np.asarray(x, dtype=np.float32)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        variable = tf.Variable(x)
        with tf.GradientTape() as tape:
            value = function(variable)
        gradient = tape.gradient(value, variable)
    elif backend == "jax":
        import jax

        value, gradient = jax.value_and_grad(function)(x)
    elif backend == "torch":
        import torch

        variable = torch.tensor(x, requires_grad=True)
        value = function(variable)
        value.backward()
        gradient = variable.grad
    else:
        raise ValueError(
            f"No gradient for the Keras backend {backend!r}; expected 'tensorflow', "
            f"'jax' or 'torch'. Fix: set KERAS_BACKEND to one of them."
        )
    return float(keras.ops.convert_to_numpy(value)), np.asarray(keras.ops.convert_to_numpy(gradient))
