"""The course's Keras side is backend-neutral: a `.keras` file crosses backends.

A model built from the course's builders, layers, heads and losses is saved
under TensorFlow, loaded and run under JAX, saved again there and loaded back
under TensorFlow; all three give the same predictions and keep the compiled
loss. Each step runs in its own Python process because Keras picks its backend
once per process. Skipped where JAX or TensorFlow is not installed
(`pip install -e '.[jax]'` adds JAX).
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None or importlib.util.find_spec("tensorflow") is None,
    reason="needs both backends: pip install -e '.[cpu,jax]'",
)

# Builds (or loads) two small models, predicts on fixed inputs and saves models and predictions.
_STEP = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import keras
    import numpy as np
    from course_lib.heads import MarginCosineLoss
    from course_lib.losses import TripletLoss
    from course_lib.models import build_attention_encoder, build_cnn_encoder, build_cosine_classifier

    source, target = sys.argv[1], Path(sys.argv[2])
    rng = np.random.default_rng(0)
    inputs = {"attention": rng.normal(size=(4, 10, 3)).astype("float32"),
              "cosine": rng.uniform(size=(4, 8, 8, 1)).astype("float32")}
    if source == "build":
        models = {
            "attention": build_attention_encoder((10, 3), embedding_dim=8, model_dim=8, num_heads=2,
                                                 feedforward_dim=16, dropout_rate=0.0, seed=0),
            "cosine": build_cosine_classifier(
                build_cnn_encoder((8, 8, 1), embedding_dim=8, filters=(4,), seed=0), 3, seed=0),
        }
        models["attention"].compile(optimizer="adam", loss=TripletLoss(margin=0.3))
        models["cosine"].compile(optimizer="adam", loss=MarginCosineLoss("arcface", margin=0.2))
    else:
        models = {name: keras.saving.load_model(Path(source) / f"{name}.keras") for name in inputs}
    target.mkdir(parents=True)
    np.savez(target / "predictions.npz",
             **{name: model.predict(inputs[name], verbose=0) for name, model in models.items()})
    for name, model in models.items():
        model.save(target / f"{name}.keras")
    losses = {name: [type(model.loss).__name__, model.loss.get_config()] for name, model in models.items()}
    (target / "run.json").write_text(json.dumps({"backend": keras.backend.backend(), "losses": losses}))
""")


def _step(backend, source, target):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-c", _STEP, str(source), str(target)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((target / "run.json").read_text()), np.load(target / "predictions.npz")


def test_a_keras_file_saved_on_tensorflow_runs_on_jax_and_back(tmp_path):
    built, expected = _step("tensorflow", "build", tmp_path / "tensorflow")
    on_jax, from_tensorflow = _step("jax", tmp_path / "tensorflow", tmp_path / "jax")
    back, from_jax = _step("tensorflow", tmp_path / "jax", tmp_path / "back")
    assert [built["backend"], on_jax["backend"], back["backend"]] == ["tensorflow", "jax", "tensorflow"]
    assert built["losses"] == on_jax["losses"] == back["losses"]
    assert built["losses"]["attention"][0] == "TripletLoss"
    assert built["losses"]["cosine"][0] == "MarginCosineLoss"
    for name in ("attention", "cosine"):
        assert expected[name].shape == {"attention": (4, 8), "cosine": (4, 3)}[name]
        # float32 kernels differ between the backends in the last bits only
        np.testing.assert_allclose(from_tensorflow[name], expected[name], atol=1e-5, err_msg=name)
        np.testing.assert_allclose(from_jax[name], expected[name], atol=1e-5, err_msg=name)
