"""`doctor()`: the first thing to run when the course does not work.

An instructor runs `python -m course_lib doctor` on every workshop machine; a
learner runs notebook 00, which calls the same function.
"""

import json
import os
import sys
from importlib import metadata
from pathlib import Path

from course_lib.native_logs import quiet_native_logs
from course_lib.versions import course_lib_version

__all__ = ["doctor"]

_JUPYTER_KERNEL = "deep-similarity"
_INSTALL_CPU = "pip install -e '.[cpu]'"
# (label, distribution names to try, essential, fix); essential is True, False, or the
# Keras backend that needs the package (essential only when Keras is set to that backend).
_PACKAGES = (
    ("numpy", ("numpy",), True, "pip install -e ."),
    ("scipy", ("scipy",), True, "pip install -e ."),
    ("keras", ("keras",), True, "pip install -e ."),
    (
        "tensorflow",
        ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel"),
        "tensorflow",
        f"{_INSTALL_CPU} (or '.[gpu]' on Linux with an NVIDIA GPU)",
    ),
    ("jax", ("jax",), "jax", "pip install -e '.[jax]'"),
    ("scikit-learn", ("scikit-learn",), True, "pip install -e ."),
    ("matplotlib", ("matplotlib",), True, "pip install -e ."),
    ("jupyterlab", ("jupyterlab",), True, "pip install -e ."),
    ("ipywidgets", ("ipywidgets",), True, "pip install -e ."),
    ("nbval", ("nbval",), False, "pip install -e '.[dev]' (needed only to run the tests)"),
    (
        "faiss",
        ("faiss-cpu", "faiss-gpu", "faiss"),
        False,
        "pip install -e '.[search]' (optional: notebook 09 and the bench skip faiss without it)",
    ),
    (
        "chromadb",
        ("chromadb",),
        False,
        "pip install -e '.[search]' (optional: notebook 09 skips its vector database section without it)",
    ),
)


def _distribution_version(names):
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _configured_backend():
    """The backend Keras will use, read as Keras reads it but without importing Keras."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    try:
        return json.loads(Path(keras_home, "keras.json").read_text()).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):  # no file, or not a JSON object
        return "tensorflow"


def _section(out, title, lines):
    print(f"\n{title}", file=out)
    width = max((len(label) for label, _ in lines), default=0)
    for label, value in lines:
        print(f"  {label.ljust(width)}  {value}", file=out)


def doctor(*, file=None):
    """Checks that the course can run here and prints a report with a fix for each problem.

    The report lists Python and course_lib, the version of every package the
    course needs, the devices TensorFlow sees, whether the `deep-similarity`
    Jupyter kernel is registered (and which Python it runs), and the SHA-256
    status of every shipped data file. `python -m course_lib doctor` prints the
    same report; notebook 00 calls this function.

    Args:
        file: where to print; defaults to `sys.stdout`.

    Returns:
        0 when every essential check passes (Python >= 3.10, numpy, scipy, keras,
        the package of Keras's backend (tensorflow, or jax with
        `KERAS_BACKEND=jax`), scikit-learn, matplotlib, jupyterlab, ipywidgets,
        a working device report, every data file "ok"), 1 otherwise. A missing
        nbval, faiss, chromadb or kernel is only a warning; the other backend's package
        is not needed.
    """
    out = sys.stdout if file is None else file
    problems, warnings = [], []
    quiet_native_logs()  # TensorFlow's harmless loading lines would bury the report
    print("Deep Similarity doctor", file=out)
    python = f"{sys.version.split()[0]} ({sys.executable})"
    if sys.version_info < (3, 10):  # noqa: UP036 (reported to whoever runs an older Python)
        problems.append(f"Python {sys.version.split()[0]} is too old: the course needs Python >= 3.10.")
    package = f"{course_lib_version()} ({Path(__file__).parent})"
    _section(out, "Python", [("python", python), ("course_lib", package)])

    backend = _configured_backend()
    lines = []
    for label, names, essential, fix in _PACKAGES:
        version = _distribution_version(names)
        if isinstance(essential, str):  # a backend's package
            if essential != backend:
                lines.append((label, version or f"not installed (only the {essential} backend needs it: {fix})"))
                continue
            essential = True
        lines.append((label, version or f"not installed (install: {fix})"))
        if version is None:
            (problems if essential else warnings).append(f"{label} is not installed. Fix: {fix}")
    _section(out, "Packages", lines)

    try:
        from course_lib.device import describe_devices

        info = describe_devices()
        lines = [
            ("backend", f"{info['backend']} {info['backend_version']}"),
            ("accelerator", info["accelerator"]),
            ("devices", ", ".join(info["devices"]) or "none"),
        ]
        lines += [("note", note) for note in info.get("notes", [])]
        if info["backend"] == "jax":
            warnings.append(
                "Keras uses the jax backend: the course's layers, losses and models "
                "are tested on it, the notebooks only on tensorflow. Fix (to run them "
                "as tested): set KERAS_BACKEND=tensorflow."
            )
        elif info["backend"] != "tensorflow":
            warnings.append(
                f"Keras uses the {info['backend']} backend; the course is tested with "
                f"tensorflow (and its Keras side with jax). Fix: set "
                f"KERAS_BACKEND=tensorflow."
            )
    except Exception as error:  # report any failure here, keep checking the rest
        lines = [("devices", f"unavailable ({type(error).__name__}: {error})")]
        fix = {"jax": "pip install -e '.[jax]'"}.get(backend, _INSTALL_CPU)
        problems.append(
            f"The device report failed ({type(error).__name__}: {error}). Fix: check "
            f'that `python -c "import {backend}"` works; if not, {fix}.'
        )
    _section(out, "Devices", lines)

    install = (
        f"make setup, or python -m ipykernel install --user --name {_JUPYTER_KERNEL} "
        f'--display-name "Python (Deep Similarity)"'
    )
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        manager = KernelSpecManager()
        if _JUPYTER_KERNEL in manager.find_kernel_specs():
            kernel_python = manager.get_kernel_spec(_JUPYTER_KERNEL).argv[0]
            kernel = f"registered (runs {kernel_python})"
            if Path(kernel_python).resolve() != Path(sys.executable).resolve():
                warnings.append(
                    f"The {_JUPYTER_KERNEL!r} kernel runs {kernel_python}, not this "
                    f"environment's {sys.executable}. Fix: {install}"
                )
        else:
            kernel = "not registered"
            warnings.append(f"No Jupyter kernel named {_JUPYTER_KERNEL!r}. Fix: {install}")
    except Exception as error:  # jupyter_client missing or broken
        kernel = f"unknown ({type(error).__name__}: {error})"
        problems.append(f"Cannot list Jupyter kernels ({error}). Fix: pip install -e .")
    _section(out, "Jupyter kernel", [(_JUPYTER_KERNEL, kernel)])

    try:
        from course_lib.data import verify_data

        report = verify_data()
        lines = [(row["file"], row["status"]) for row in report] or [("data", "no files listed")]
        for row in report:
            if row["status"] != "ok":
                problems.append(
                    f"data/{row['file']} is {row['status']}. Fix: restore it "
                    f"with `git checkout -- data/{row['file']}` (or clone the course "
                    f"again)."
                )
    except Exception as error:  # report any failure here, keep checking the rest
        lines = [("data", f"not checked ({type(error).__name__}: {error})")]
        problems.append(f"The data check failed ({type(error).__name__}: {error}).")
    _section(out, "Data (sha256)", lines)

    for title, items in (("Warnings", warnings), ("Problems", problems)):
        if items:
            print(f"\n{title} ({len(items)})", file=out)
            for item in items:
                print(f"  - {item}", file=out)
    print(
        "\n"
        + ("All essential checks passed." if not problems else f"{len(problems)} problem(s) to fix before the course."),
        file=out,
    )
    return 1 if problems else 0
