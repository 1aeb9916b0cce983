"""The course library works on Keras's JAX backend with TensorFlow absent.

TensorFlow is installed in the test environment, so a child process hides it:
`sys.modules["tensorflow"] = None` makes every `import tensorflow...` fail as it
would on a machine without it. In that process, on `KERAS_BACKEND=jax`, the
library imports, trains a small encoder with the triplet loss for a few steps,
embeds, searches and scores retrieval; then the test checks that no module of
TensorFlow got loaded. Skipped where JAX is not installed
(`pip install -e '.[jax]'` adds it).
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs JAX: pip install -e '.[jax]'")

_SCRIPT = textwrap.dedent("""
    import json, sys
    sys.modules["tensorflow"] = None  # from here on, `import tensorflow` raises ImportError

    import keras
    import numpy as np

    from course_lib import evaluate_retrieval, top_k
    from course_lib.heads import MarginCosineLoss
    from course_lib.losses import TripletLoss
    from course_lib.models import build_attention_encoder, build_cnn_encoder, build_cosine_classifier
    from course_lib.sampling import class_balanced_batches

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 16)
    images = (rng.uniform(size=(64, 8, 8)) * 0.2 + labels[:, None, None] / 4).astype("float32")
    encoder = build_cnn_encoder((8, 8), embedding_dim=8, filters=(4, 8), seed=0)
    encoder.compile(optimizer=keras.optimizers.Adam(1e-2), loss=TripletLoss(margin=0.2, mining="batch_all"))
    batches = class_balanced_batches(labels, classes_per_batch=4, samples_per_class=4, n_batches=6, seed=0)
    history = encoder.fit(((images[b], labels[b]) for b in batches), steps_per_epoch=6, epochs=1, verbose=0)
    embeddings = encoder.predict(images, verbose=0)
    scores, indices = top_k(embeddings[:5], embeddings, k=3)
    attention = build_attention_encoder((6, 3), embedding_dim=4, model_dim=8, num_heads=2, feedforward_dim=8,
                                        dropout_rate=0.0, seed=0)
    classifier = build_cosine_classifier(build_cnn_encoder((8, 8), embedding_dim=8, filters=(4,), seed=0), 4, seed=0)
    classifier.compile(optimizer="adam", loss=MarginCosineLoss("arcface", margin=0.2))
    classifier.fit(images, labels, epochs=1, batch_size=16, verbose=0)
    print(json.dumps({
        "backend": keras.backend.backend(),
        "loss": [float(value) for value in history.history["loss"]],
        "norms": np.linalg.norm(embeddings, axis=1).round(4).tolist()[:3],
        "top_k": indices[:, 0].tolist(),
        "MAP@R": evaluate_retrieval(embeddings, labels)["MAP@R"],
        "attention": list(attention.predict(rng.normal(size=(2, 6, 3)).astype("float32"), verbose=0).shape),
        "classifier": list(classifier.predict(images[:2], verbose=0).shape),
        "tensorflow_modules": sorted(name for name, module in sys.modules.items()
                                     if name.split(".")[0] == "tensorflow" and module is not None),
    }))
""")


def test_the_library_trains_and_searches_on_jax_without_tensorflow():
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "jax"
    assert report["tensorflow_modules"] == []
    assert all(loss == loss and loss >= 0 for loss in report["loss"]), report  # finite, not NaN
    assert report["norms"] == [1.0, 1.0, 1.0]
    assert report["top_k"] == [0, 1, 2, 3, 4]  # each image is its own nearest neighbour
    assert 0.0 < report["MAP@R"] <= 1.0
    assert report["attention"] == [2, 4]
    assert report["classifier"] == [2, 4]
