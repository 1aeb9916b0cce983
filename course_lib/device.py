"""One-call device set-up for the course notebooks: seed, GPU or CPU, report.

Every notebook's setup cell calls `setup_device()`, which seeds Python, NumPy
and the Keras backend, picks the GPU when TensorFlow can see one (the CPU
otherwise), turns on GPU memory growth, makes CPU runs repeatable, and prints
one line that says what the notebook runs on:

```
Deep Similarity | backend tensorflow 2.21.0 | keras 3.15.1 | python 3.11.7 | training on CPU (2 cores) | seed 0 (deterministic ops, 2 threads)
```

Environment variables read here:

- `TF_CPP_MIN_LOG_LEVEL`: TensorFlow's C++ log filter. `setup_device` sets
  it to `"2"` (errors only) unless it is already set, so that the notebooks
  are not buried in INFO and WARNING lines; importing `course_lib` sets
  nothing. To see every log line, set it yourself before TensorFlow is first
  imported, e.g. `TF_CPP_MIN_LOG_LEVEL=0 jupyter lab`. It only works when
  `setup_device` runs before `tensorflow` or `keras` is imported. The lines that TensorFlow writes
  while loading ignore it; `setup_device` drops those (see
  `course_lib.native_logs`; `COURSE_NATIVE_LOGS=all` shows them).
- `COURSE_FORCE_CPU=1`: hide the GPUs from TensorFlow and train on the CPU,
  e.g. to compare timings or to reproduce a CPU result on a GPU machine.

TensorFlow, Keras and the backend are imported inside the functions, so
`import course_lib.device` itself stays cheap.
"""

import os
import platform

from course_lib._validation import check_bool, check_positive_int, check_seed
from course_lib.native_logs import quiet_native_logs

__all__ = ["COURSE_THREADS", "setup_device", "describe_devices"]

_INSTALL_HINT = (
    "Install the course with its TensorFlow extra from the repository root: "
    "pip install -e '.[cpu]' (or pip install -e '.[gpu]' on a Linux machine with "
    "an NVIDIA GPU and CUDA driver)."
)
_GPU_DETERMINISM_NOTE = "op determinism off on GPU: some GPU ops have no deterministic kernel"
#: The CPU threads each TensorFlow op uses in a deterministic run: the course's figures were
#: measured with 2, and the same count gives the same numbers on a machine with 1 core or 16.
COURSE_THREADS = 2
_RESTART_HINT = "restart the kernel and run the setup cell first"


def _force_cpu_requested():
    return os.environ.get("COURSE_FORCE_CPU", "").strip().lower() in {"1", "true", "yes", "on"}


def _import_keras():
    """Imports Keras, turning a missing TensorFlow into an ImportError with the fix."""
    try:
        import keras
    except ImportError as error:
        missing = getattr(error, "name", None) or ""
        if missing.split(".")[0] == "keras":
            raise ImportError(f"Keras 3 is not installed ({error}). {_INSTALL_HINT}") from error
        raise ImportError(f"Keras could not load its backend ({error}). {_INSTALL_HINT}") from error
    return keras


def _import_tensorflow():
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError(
            f"TensorFlow is not installed, but Keras is set to use the tensorflow backend ({error}). {_INSTALL_HINT}"
        ) from error
    return tf


def _cpu_cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _tf_gpu_name(tf, gpu):
    try:
        name = tf.config.experimental.get_device_details(gpu).get("device_name")
    except Exception:  # details are best effort; absent on some builds
        name = None
    return name or gpu.name.replace("/physical_device:", "")


def _tf_determinism_config():
    """TensorFlow's determinism switches; only `enable_` is public API."""
    try:
        from tensorflow.python.framework import config as tf_config
    except ImportError:  # pragma: no cover - layout changed in a future TF
        return None
    return tf_config


def _tf_determinism_enabled(tf):
    check = getattr(_tf_determinism_config(), "is_op_determinism_enabled", None)
    return bool(check()) if check is not None else False


def _tensorflow_state(tf, *, apply_settings):
    """Reads (and with `apply_settings`, changes) TensorFlow's device settings."""
    notes = []
    memory_growth = None
    force_cpu = _force_cpu_requested()
    if force_cpu and apply_settings and tf.config.get_visible_devices("GPU"):
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:
            notes.append(f"COURSE_FORCE_CPU ignored: GPU already initialised, {_RESTART_HINT}")
    gpus = tf.config.get_visible_devices("GPU")
    if gpus:
        growth = []
        for gpu in gpus:
            if apply_settings:
                try:
                    tf.config.experimental.set_memory_growth(gpu, True)
                except (RuntimeError, ValueError):
                    # RuntimeError: GPU already initialised; ValueError: virtual
                    # devices configured. Either way, report what is in force below.
                    pass
            try:
                growth.append(bool(tf.config.experimental.get_memory_growth(gpu)))
            except Exception:
                growth.append(False)
        memory_growth = all(growth)
        if apply_settings and not memory_growth:
            notes.append(f"memory growth unchanged: GPU already initialised or split, {_RESTART_HINT}")
    gpu_names = [_tf_gpu_name(tf, gpu) for gpu in gpus]
    devices = [device.name.replace("/physical_device:", "") for device in tf.config.get_visible_devices("CPU")]
    devices += [f"{gpu.name.replace('/physical_device:', '')} ({name})" for gpu, name in zip(gpus, gpu_names)]
    if force_cpu and not apply_settings and gpus:
        notes.append("COURSE_FORCE_CPU=1: setup_device() would hide the GPU")
    return {
        "backend_version": tf.__version__,
        "devices": devices,
        "accelerator": "GPU" if gpus and not (force_cpu and not apply_settings) else "CPU",
        "gpu_names": gpu_names,
        "memory_growth": memory_growth,
        "deterministic": _tf_determinism_enabled(tf),
        "force_cpu": force_cpu,
        "notes": notes,
    }


def _other_backend_state(backend):
    """Best-effort device report for the jax and torch backends (no settings changed)."""
    version, devices, gpu_names = "unknown", ["CPU:0"], []
    try:
        if backend == "jax":
            import jax

            version = jax.__version__
            all_devices = jax.devices()
            devices = [str(device) for device in all_devices]
            gpu_names = [
                getattr(device, "device_kind", str(device))
                for device in all_devices
                if device.platform in {"gpu", "cuda", "rocm"}
            ]
        elif backend == "torch":
            import torch

            version = torch.__version__
            if torch.cuda.is_available():
                gpu_names = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
                devices += [f"cuda:{index} ({name})" for index, name in enumerate(gpu_names)]
    except Exception as error:  # report, never crash a notebook's setup cell
        devices = [f"unknown ({type(error).__name__}: {error})"]
    notes = []
    if _force_cpu_requested():
        notes.append(f"COURSE_FORCE_CPU only acts on the tensorflow backend, not {backend}")
    return {
        "backend_version": version,
        "devices": devices,
        "accelerator": "GPU" if gpu_names else "CPU",
        "gpu_names": gpu_names,
        "memory_growth": None,
        "deterministic": False,
        "force_cpu": _force_cpu_requested(),
        "notes": notes,
    }


def _collect(*, apply_settings):
    keras = _import_keras()
    backend = keras.config.backend()
    if backend == "tensorflow":
        state = _tensorflow_state(_import_tensorflow(), apply_settings=apply_settings)
    else:
        state = _other_backend_state(backend)
    return {
        "backend": backend,
        "backend_version": state.pop("backend_version"),
        "keras_version": keras.__version__,
        "python_version": platform.python_version(),
        **state,
        "cpu_cores": _cpu_cores(),
    }


def _format_gpus(names):
    if len(names) == 1:
        return names[0]
    if len(set(names)) == 1:
        return f"{len(names)}x {names[0]}"
    return ", ".join(names)


def _format_line(info):
    """Builds the one-line report that `setup_device` prints from its returned dict."""
    if info["accelerator"] == "GPU":
        growth = "memory growth on" if info.get("memory_growth") else "memory growth off"
        where = f"training on GPU: {_format_gpus(info['gpu_names'])} ({growth})"
    else:
        forced = ", COURSE_FORCE_CPU=1" if info.get("force_cpu") else ""
        cores = info["cpu_cores"]
        where = f"training on CPU ({cores} core{'s' if cores != 1 else ''}{forced})"
    if info["deterministic"]:
        threads = info.get("threads")
        determinism = f" (deterministic ops, {threads} threads)" if threads else " (deterministic ops)"
    elif info.get("determinism_note"):
        determinism = f" ({info['determinism_note']})"
    else:
        determinism = ""
    parts = [
        "Deep Similarity",
        f"backend {info['backend']} {info['backend_version']}",
        f"keras {info['keras_version']}",
        f"python {info['python_version']}",
        where,
        f"seed {info['seed']}{determinism}",
        *info.get("notes", []),
    ]
    return " | ".join(parts)


def _set_cpu_threads(tf, threads, notes):
    """Sets TensorFlow's threads per op (None: its default); returns the count in force (None: default)."""
    current = tf.config.threading.get_intra_op_parallelism_threads() or None
    if threads != current:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads or 0)
        except RuntimeError:  # TensorFlow already ran an op: its thread pools exist
            notes.append(f"CPU threads per op unchanged ({current or 'every core'}): {_RESTART_HINT}")
            return current
    return threads


def describe_devices():
    """Reports the backend, versions and devices without changing anything.

    Used by the `doctor` command and by `setup_device`. Nothing is seeded,
    printed or configured; with `COURSE_FORCE_CPU=1` set, the accelerator is
    reported as the CPU that `setup_device()` would switch to.

    Returns:
        A dict with keys `backend` (str, e.g. `"tensorflow"`), `backend_version`,
        `keras_version`, `python_version`, `devices` (list of str, e.g.
        `["CPU:0", "GPU:0 (NVIDIA H100 80GB HBM3)"]`), `accelerator` (`"GPU"` or
        `"CPU"`), `seed` (`None`: nothing was seeded), `deterministic` (bool:
        whether TensorFlow op determinism is on now), and the extras
        `gpu_names` (list of str), `memory_growth` (bool, or `None` without a
        GPU), `force_cpu` (bool), `cpu_cores` (int) and `notes` (list of str).

    Raises:
        ImportError: if Keras is set to the tensorflow backend and TensorFlow is
            not installed; the message gives the `pip install` command.

    Example:

    >>> info = describe_devices()
    >>> info["accelerator"] in ("CPU", "GPU")
    True
    >>> info["seed"] is None
    True
    """
    info = _collect(apply_settings=False)
    info["seed"] = None
    return info


def setup_device(seed=0, *, deterministic=True, threads=COURSE_THREADS, verbose=True):
    """Seeds everything, picks the GPU or the CPU, and prints one report line.

    The one call every notebook's setup cell makes, before it imports `keras`.
    In order, it:

    0. sets `TF_CPP_MIN_LOG_LEVEL=2` unless it is set, and drops TensorFlow's
       harmless native start-up and version-skew log lines from standard error
       (`course_lib.native_logs.quiet_native_logs`), so the notebook shows no
       red boxes that a learner cannot act on;
    1. hides the GPUs when the environment variable `COURSE_FORCE_CPU=1` is set
       (TensorFlow backend);
    2. turns on memory growth for each visible GPU, so TensorFlow takes GPU
       memory as it needs it rather than all of it at start-up;
    3. seeds Python's `random`, NumPy and the backend with
       `keras.utils.set_random_seed(seed)`; `keras.random` calls without a
       `seed` then draw the same numbers on every run;
    4. on the CPU with `deterministic=True`, calls
       `tf.config.experimental.enable_op_determinism()` so that training gives
       the same numbers on every run (slightly slower), and runs each op on
       `threads` CPU threads (default `COURSE_THREADS`, 2): TensorFlow splits
       a sum among its threads, and another split rounds differently, so a
       fixed count gives the numbers the notebooks quote on a machine with
       one core (Binder) as on one with sixteen. On a GPU this is
       skipped, because some GPU ops have no deterministic kernel and would
       raise; the printed line says so. `deterministic=False` turns op
       determinism off again. The settings are process-wide.

    Steps 1 and 2, and the thread count of step 4, only work before TensorFlow
    first runs. If it already has (setup run twice, or after a model was
    built), the line says that the setting was left unchanged; restart the
    kernel to apply it. Devices are
    placed by TensorFlow's default rule: the GPU when one is visible.
    With the jax or torch backend only step 3 runs and the backend is reported.

    Args:
        seed: non-negative int, below `2**32`. Defaults to `0`.
        deterministic: bool. Make CPU ops deterministic. Defaults to `True`.
        threads: int >= 1, the CPU threads per op in a deterministic run, or
            None to let TensorFlow use every core (faster on a machine with
            many cores; trained figures can then differ in the last digits
            from the notebooks' text). Defaults to `COURSE_THREADS` (2).
        verbose: bool. Print the one-line report. Defaults to `True`.

    Returns:
        A dict with keys `backend`, `backend_version`, `keras_version`,
        `python_version`, `devices` (list of str), `accelerator` (`"GPU"` or
        `"CPU"`), `seed` (int) and `deterministic` (bool: whether op
        determinism is on after the call), plus the extras described in
        `describe_devices`, `determinism_note` (str or `None`: why op
        determinism is off although it was asked for) and `threads` (int: the
        CPU threads per op, or `None` when TensorFlow chooses).

    Raises:
        TypeError: if `seed` or `threads` is not an int, or a flag is not a bool.
        ValueError: if `seed` is negative or not below `2**32`, or `threads` < 1.
        ImportError: if Keras is set to the tensorflow backend and TensorFlow is
            not installed; the message gives the `pip install` command.

    Example:

    >>> info = setup_device(seed=0, verbose=False)
    >>> info["seed"], info["accelerator"] in ("CPU", "GPU")
    (0, True)
    """
    seed = check_seed(seed)
    deterministic = check_bool(deterministic, "deterministic")
    if threads is not None:
        threads = check_positive_int(threads, "threads")
    verbose = check_bool(verbose, "verbose")

    # Before TensorFlow is imported: its C++ logger reads the variable once, at load
    # time. `setdefault` keeps a value the user chose.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    quiet_native_logs()
    info = _collect(apply_settings=True)
    keras = _import_keras()
    keras.utils.set_random_seed(seed)
    info["seed"] = seed
    info["determinism_note"] = None
    info["threads"] = None

    if info["backend"] == "tensorflow":
        tf = _import_tensorflow()
        if deterministic and info["accelerator"] == "CPU":
            tf.config.experimental.enable_op_determinism()
            info["threads"] = _set_cpu_threads(tf, threads, info["notes"])
        else:
            disable = getattr(_tf_determinism_config(), "disable_op_determinism", None)
            if disable is not None:
                disable()
            if deterministic:
                info["determinism_note"] = _GPU_DETERMINISM_NOTE
        info["deterministic"] = _tf_determinism_enabled(tf)
    elif deterministic:
        info["determinism_note"] = f"op determinism not enforced on {info['backend']}"

    if verbose:
        print(_format_line(info))
    return info
