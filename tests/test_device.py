"""Tests for course_lib.device: seeding, the one-line report, GPU/CPU branches.

The GPU branch is exercised on this CPU machine by faking TensorFlow's device
queries with monkeypatch; on a real GPU machine the same tests run unchanged.
Note: op determinism is process-wide, so these tests switch it on and off.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

# course_lib.device reports every backend, but these tests fake and check TensorFlow's device
# calls: they need TensorFlow installed and set as Keras's backend (the default).
tf = pytest.importorskip("tensorflow", reason="these tests check TensorFlow's device set-up")
pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="these tests check the tensorflow backend's device set-up"
)

from course_lib import device  # noqa: E402 (after the skips above)
from course_lib.device import describe_devices, setup_device  # noqa: E402

REQUIRED_KEYS = {
    "backend",
    "backend_version",
    "keras_version",
    "python_version",
    "devices",
    "accelerator",
    "seed",
    "deterministic",
}
FAKE_GPU = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")


@pytest.fixture
def no_force_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_FORCE_CPU", raising=False)


@pytest.fixture
def fake_gpu(monkeypatch, no_force_cpu):
    """Makes TensorFlow report one visible GPU without touching the runtime."""
    real_visible = tf.config.get_visible_devices
    state = {"visible": [FAKE_GPU], "growth": {}, "hidden_with": None}

    def get_visible_devices(device_type=None):
        if device_type == "GPU":
            return list(state["visible"])
        return real_visible(device_type)

    def set_visible_devices(devices, device_type=None):
        state["hidden_with"] = (devices, device_type)
        state["visible"] = []

    def set_memory_growth(gpu, enable):
        state["growth"][gpu.name] = enable

    monkeypatch.setattr(tf.config, "get_visible_devices", get_visible_devices)
    monkeypatch.setattr(tf.config, "set_visible_devices", set_visible_devices)
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", set_memory_growth)
    monkeypatch.setattr(
        tf.config.experimental,
        "get_memory_growth",
        lambda gpu: state["growth"].get(gpu.name, False),
    )
    monkeypatch.setattr(
        tf.config.experimental,
        "get_device_details",
        lambda gpu: {"device_name": "NVIDIA H100 80GB HBM3", "compute_capability": (9, 0)},
    )
    yield state
    setup_device(0, verbose=False)  # leave op determinism as the CPU tests expect


def test_prints_one_line_with_backend_versions_and_cpu(capsys, no_force_cpu):
    info = setup_device(0)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("Deep Similarity | backend tensorflow ")
    assert f"backend tensorflow {tf.__version__}" in line
    assert f"keras {keras.__version__}" in line
    assert f"python {info['python_version']}" in line
    assert re.search(r"training on CPU \(\d+ cores?\)", line)
    assert "seed 0" in line
    assert "deterministic ops" in line


def test_verbose_false_prints_nothing(capsys, no_force_cpu):
    setup_device(1, verbose=False)
    assert capsys.readouterr().out == ""


def test_returned_dict_keys_and_values(no_force_cpu):
    info = setup_device(seed=7, verbose=False)
    assert REQUIRED_KEYS <= set(info)
    assert info["backend"] == "tensorflow"
    assert info["backend_version"] == tf.__version__
    assert info["keras_version"] == keras.__version__
    assert info["accelerator"] == "CPU"
    assert info["seed"] == 7
    assert info["deterministic"] is True
    assert all(isinstance(name, str) for name in info["devices"])
    assert "CPU:0" in info["devices"]


def test_same_seed_gives_same_draws(no_force_cpu):
    def draws(seed):
        setup_device(seed, verbose=False)
        return (
            keras.ops.convert_to_numpy(keras.random.normal((5,))),
            np.random.rand(5),
            keras.ops.convert_to_numpy(keras.random.uniform((3,))),
        )

    first, second, other = draws(3), draws(3), draws(4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1], other[1])


def test_same_seed_gives_same_initial_weights(no_force_cpu):
    def weights():
        setup_device(5, verbose=False)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        return model.get_weights()[0]

    np.testing.assert_array_equal(weights(), weights())


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_out_of_range_seed_raises_value_error(seed):
    with pytest.raises(ValueError, match=rf"`seed` must be between 0 and 2\*\*32 - 1.*received {seed}"):
        setup_device(seed)


@pytest.mark.parametrize("seed", [1.5, "0", None, True])
def test_non_integer_seed_raises_type_error(seed):
    with pytest.raises(TypeError, match=r"`seed` must be a non-negative integer; received"):
        setup_device(seed)


def test_numpy_integer_seed_is_accepted(no_force_cpu):
    assert setup_device(np.int64(2), verbose=False)["seed"] == 2


def test_flags_must_be_bool():
    with pytest.raises(TypeError, match=r"`deterministic` must be True or False; received 'yes'"):
        setup_device(0, deterministic="yes")
    with pytest.raises(TypeError, match=r"`verbose` must be True or False"):
        setup_device(0, verbose=1)


def test_deterministic_false_turns_op_determinism_off(capsys, no_force_cpu):
    info = setup_device(0, deterministic=False)
    assert info["deterministic"] is False
    assert "deterministic ops" not in capsys.readouterr().out
    assert setup_device(0, verbose=False)["deterministic"] is True


def test_describe_devices_reports_without_seeding_or_printing(capsys, no_force_cpu):
    np.random.seed(11)
    expected = np.random.rand(3)
    np.random.seed(11)
    info = describe_devices()
    np.testing.assert_array_equal(np.random.rand(3), expected)  # not reseeded
    assert capsys.readouterr().out == ""
    assert REQUIRED_KEYS <= set(info)
    assert info["seed"] is None
    assert info["accelerator"] == "CPU"
    assert info["cpu_cores"] >= 1


def test_force_cpu_on_a_cpu_machine_does_not_crash(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_FORCE_CPU", "1")
    info = setup_device(0)
    assert info["accelerator"] == "CPU"
    assert info["force_cpu"] is True
    assert "COURSE_FORCE_CPU=1" in capsys.readouterr().out
    assert describe_devices()["accelerator"] == "CPU"


def test_gpu_branch_turns_on_memory_growth_and_skips_determinism(capsys, fake_gpu):
    info = setup_device(0)
    line = capsys.readouterr().out.strip()
    assert info["accelerator"] == "GPU"
    assert info["memory_growth"] is True
    assert fake_gpu["growth"] == {FAKE_GPU.name: True}
    assert info["deterministic"] is False
    assert "training on GPU: NVIDIA H100 80GB HBM3 (memory growth on)" in line
    assert "op determinism off on GPU" in line
    assert "GPU:0 (NVIDIA H100 80GB HBM3)" in info["devices"]
    assert "\n" not in line


def test_gpu_already_initialised_is_reported_not_raised(capsys, fake_gpu, monkeypatch):
    def refuse(gpu, enable):
        raise RuntimeError("Physical devices cannot be modified after being initialized")

    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", refuse)
    info = setup_device(0)
    line = capsys.readouterr().out
    assert info["accelerator"] == "GPU"
    assert "memory growth off" in line
    assert "memory growth unchanged: GPU already initialised or split" in line


def test_force_cpu_hides_gpus(capsys, fake_gpu, monkeypatch):
    monkeypatch.setenv("COURSE_FORCE_CPU", "1")
    assert describe_devices()["accelerator"] == "CPU"  # what setup would do
    assert fake_gpu["hidden_with"] is None  # describe changes nothing
    info = setup_device(0)
    assert fake_gpu["hidden_with"] == ([], "GPU")
    assert info["accelerator"] == "CPU"
    assert info["deterministic"] is True
    assert "training on CPU" in capsys.readouterr().out


def test_force_cpu_after_gpu_initialised_is_reported(capsys, fake_gpu, monkeypatch):
    monkeypatch.setenv("COURSE_FORCE_CPU", "1")

    def refuse(devices, device_type=None):
        raise RuntimeError("Visible devices cannot be modified after being initialized")

    monkeypatch.setattr(tf.config, "set_visible_devices", refuse)
    info = setup_device(0)
    assert info["accelerator"] == "GPU"
    assert "COURSE_FORCE_CPU ignored: GPU already initialised" in capsys.readouterr().out


def test_several_gpus_are_summarised():
    info = {
        "backend": "tensorflow",
        "backend_version": "2.21.0",
        "keras_version": "3.15.1",
        "python_version": "3.11.7",
        "accelerator": "GPU",
        "gpu_names": ["NVIDIA H100"] * 2,
        "memory_growth": True,
        "deterministic": False,
        "seed": 0,
        "cpu_cores": 16,
        "determinism_note": None,
        "notes": [],
    }
    assert device._format_line(info) == (
        "Deep Similarity | backend tensorflow 2.21.0 | keras 3.15.1 | python 3.11.7 | "
        "training on GPU: 2x NVIDIA H100 (memory growth on) | seed 0"
    )


def test_missing_tensorflow_raises_import_error_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[cpu\]'.*'\.\[gpu\]'"):
        setup_device(0)
    with pytest.raises(ImportError, match=r"TensorFlow is not installed"):
        describe_devices()


def test_other_backend_is_reported_and_tf_calls_skipped(capsys, monkeypatch, no_force_cpu):
    monkeypatch.setattr(keras.config, "backend", lambda: "jax")
    monkeypatch.setattr(
        tf.config.experimental,
        "enable_op_determinism",
        lambda: pytest.fail("TensorFlow-only call made for the jax backend"),
    )
    info = setup_device(0)
    line = capsys.readouterr().out
    assert info["backend"] == "jax"
    assert "backend jax" in line
    assert "op determinism not enforced on jax" in line


def test_import_is_cheap_and_sets_no_environment_variable():
    path = Path(device.__file__)
    code = (
        "import importlib.util, os, sys\n"
        f"spec = importlib.util.spec_from_file_location('device', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules,"
        " os.environ.get('TF_CPP_MIN_LOG_LEVEL', 'unset'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False", "unset"]


def test_setup_device_sets_the_log_level_default_and_keeps_the_users(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    device.setup_device(seed=0, verbose=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user's choice wins
    device.setup_device(seed=0, verbose=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


_THREADS_SCRIPT = """
import json, sys
import tensorflow as tf
from course_lib.device import setup_device
threads = json.loads(sys.argv[1])
info = setup_device(0, threads=threads, verbose=False)
tf.constant(1.0) + 1.0  # TensorFlow now runs: the pools exist
again = setup_device(0, threads=5, verbose=False)
print(json.dumps([info["threads"], tf.config.threading.get_intra_op_parallelism_threads(), again["notes"]]))
"""


@pytest.mark.parametrize(("threads", "in_force"), [(2, 2), (1, 1), (None, 0)])
def test_a_deterministic_cpu_run_fixes_the_threads_per_op_before_tensorflow_starts(threads, in_force):
    env = {**os.environ, "COURSE_FORCE_CPU": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = (
        subprocess.run(
            [sys.executable, "-c", _THREADS_SCRIPT, json.dumps(threads)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    reported, actual, notes_after_start = json.loads(out)
    assert (reported, actual) == (threads, in_force)
    # once TensorFlow has run, another count cannot be set: said, not raised
    assert any("CPU threads per op unchanged" in note for note in notes_after_start)


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True])
def test_threads_must_be_a_positive_int_or_none(threads):
    with pytest.raises((TypeError, ValueError), match="threads"):
        setup_device(0, threads=threads, verbose=False)


_TRAIN_SCRIPT = """
import hashlib
import numpy as np
from course_lib.device import setup_device
setup_device(0, verbose=False)
import keras
rng = np.random.default_rng(0)
x, y = rng.random((512, 12, 12, 1), dtype=np.float32), rng.integers(0, 4, 512)
model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                          keras.layers.Flatten(), keras.layers.Dense(4)])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x, y, batch_size=64, epochs=2, verbose=0)
print(hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest())
"""


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs to compare"
)
def test_training_gives_the_same_weights_on_one_cpu_as_on_two():
    env = {**os.environ, "COURSE_FORCE_CPU": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    cpus = sorted(os.sched_getaffinity(0))
    digests = []
    for allowed in ({cpus[0]}, set(cpus[:2])):
        run = subprocess.run(
            [sys.executable, "-c", _TRAIN_SCRIPT],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            preexec_fn=lambda allowed=allowed: os.sched_setaffinity(0, allowed),
        )
        digests.append(run.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1]
