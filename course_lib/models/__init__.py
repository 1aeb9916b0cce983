"""Model builders: functional `keras.Model`s with `input_shape`, `embedding_dim` and `seed`.

Submodules by family (`autoencoders`, `encoders`, ...). Names are loaded on first
use, so `import course_lib.models` does not import Keras until a builder is
called for.
"""

import importlib

# public name -> submodule that defines it
_EXPORTS = {
    "build_conv_autoencoder": "autoencoders",
    "build_dense_autoencoder": "autoencoders",
    "build_cnn_encoder": "encoders",
    "build_siamese_model": "encoders",
    "build_cosine_classifier": "classifiers",
    "build_softmax_classifier": "classifiers",
    "build_attention_encoder": "sequence_encoders",
    "build_rnn_encoder": "sequence_encoders",
    "build_sequence_autoencoder": "sequence_encoders",
    "build_bag_tower": "towers",
    "build_id_tower": "towers",
    "build_two_tower_model": "towers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"course_lib.models.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'course_lib.models' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
