"""Model builders: functional `keras.Model`s with `input_shape`, `embedding_dim` and `seed`.

Submodules by family (`autoencoders`, `encoders`, `classifiers`, `sequence_encoders`,
`text_encoders`, `towers`); every builder is also importable from here. Importing this
package imports Keras.
"""

from course_lib.models.autoencoders import build_conv_autoencoder, build_dense_autoencoder
from course_lib.models.classifiers import build_cosine_classifier, build_softmax_classifier
from course_lib.models.encoders import build_cnn_encoder, build_siamese_model
from course_lib.models.sequence_encoders import (
    build_attention_encoder,
    build_rnn_encoder,
    build_sequence_autoencoder,
)
from course_lib.models.text_encoders import build_dual_encoder, build_text_encoder
from course_lib.models.towers import build_bag_tower, build_id_tower, build_two_tower_model

__all__ = [
    "build_attention_encoder",
    "build_bag_tower",
    "build_cnn_encoder",
    "build_conv_autoencoder",
    "build_cosine_classifier",
    "build_dense_autoencoder",
    "build_dual_encoder",
    "build_id_tower",
    "build_rnn_encoder",
    "build_sequence_autoencoder",
    "build_siamese_model",
    "build_softmax_classifier",
    "build_text_encoder",
    "build_two_tower_model",
]
