"""Tests for course_lib.doctor: the report's sections, problems and fixes."""

import io
import re
import shutil
import sys
import types
from importlib import metadata

import pytest

from course_lib import doctor as doctor_module
from course_lib import paths
from course_lib.doctor import doctor

SHIPPED = (
    "fashion_mnist_subset.npz",
    "japanese_vowels.npz",
    "movielens_small.npz",
    "wordnet_nouns.npz",
    "manifest.json",
)


@pytest.fixture
def fake_device_and_data(monkeypatch):
    """Stands in for course_lib.device and course_lib.data; returns their settings."""
    settings = {
        "devices": None,
        "backend": "tensorflow",
        "data": [{"file": "fashion_mnist_subset.npz", "sha256": "ab", "status": "ok"}],
    }
    _fake_device(monkeypatch, settings)
    data = types.ModuleType("course_lib.data")
    data.verify_data = lambda: settings["data"]
    monkeypatch.setitem(sys.modules, "course_lib.data", data)
    return settings


def _fake_device(monkeypatch, settings):
    """Replaces course_lib.device (TensorFlow's start-up is slow and not under test here)."""
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")  # what the fake device reports

    def describe_devices():
        if settings["devices"] is not None:
            raise settings["devices"]
        return {
            "backend": settings["backend"],
            "backend_version": "2.21.0",
            "keras_version": "3.15.1",
            "python_version": "3.11.7",
            "devices": ["CPU:0", "GPU:0 (Fake)"],
            "accelerator": "GPU",
        }

    device = types.ModuleType("course_lib.device")
    device.describe_devices = describe_devices
    monkeypatch.setitem(sys.modules, "course_lib.device", device)


@pytest.fixture
def broken_install(monkeypatch, tmp_path):
    """A fake device, a private copy of data/ (COURSE_DATA_DIR) and a switch to hide packages."""
    _fake_device(monkeypatch, {"devices": None, "backend": "tensorflow"})
    folder = tmp_path / "data"
    folder.mkdir()
    for name in SHIPPED:
        shutil.copy2(paths.data_dir() / name, folder / name)
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    hidden = set()
    real_version = metadata.version

    def version(name):
        if name in hidden:
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(doctor_module.metadata, "version", version)
    return folder, hidden


def _problems(out):
    """The lines of the report's Problems section."""
    if "\nProblems (" not in out:
        return []
    section = out.split("\nProblems (", 1)[1].split("\n\n", 1)[0]
    return [line[4:] for line in section.splitlines()[1:] if line.startswith("  - ")]


def test_doctor_passes_on_an_intact_install(capsys, broken_install):
    assert doctor() == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert _problems(out) == []
    assert re.search(r"fashion_mnist_subset\.npz +ok", out) and re.search(r"japanese_vowels\.npz +ok", out)
    assert out.rstrip().endswith("All essential checks passed.")


def test_doctor_reports_a_missing_data_file(capsys, broken_install):
    folder, _ = broken_install
    (folder / "japanese_vowels.npz").unlink()
    assert doctor() == 1
    out = capsys.readouterr().out
    assert re.search(r"japanese_vowels\.npz +missing", out)
    assert re.search(r"fashion_mnist_subset\.npz +ok", out)
    assert _problems(out) == [
        "data/japanese_vowels.npz is missing. Fix: restore it with "
        "`git checkout -- data/japanese_vowels.npz` (or clone the course again)."
    ]
    assert out.rstrip().endswith("1 problem(s) to fix before the course.")


def test_doctor_reports_a_wrong_checksum(capsys, broken_install):
    folder, _ = broken_install
    path = folder / "fashion_mnist_subset.npz"
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    assert doctor() == 1
    out = capsys.readouterr().out
    assert re.search(r"fashion_mnist_subset\.npz +corrupt", out)
    assert _problems(out) == [
        "data/fashion_mnist_subset.npz is corrupt. Fix: restore it with "
        "`git checkout -- data/fashion_mnist_subset.npz` (or clone the course "
        "again)."
    ]


def test_doctor_reports_a_missing_package_and_only_warns_for_an_optional_one(capsys, broken_install):
    _, hidden = broken_install
    hidden.update({"scikit-learn", "nbval"})
    assert doctor() == 1
    out = capsys.readouterr().out
    assert re.search(r"scikit-learn +not installed \(install: pip install -e \.\)", out)
    assert _problems(out) == ["scikit-learn is not installed. Fix: pip install -e ."]
    assert "nbval is not installed. Fix: pip install -e '.[dev]'" in out.split("\nWarnings (", 1)[1]
    hidden.discard("scikit-learn")
    assert doctor() == 0  # a missing optional package is a warning, not a problem


def test_doctor_prints_every_section(capsys, fake_device_and_data):
    code = doctor()
    out = capsys.readouterr().out
    assert code == 0, out  # every essential package is installed here; device and data are fine
    for section in ("Python", "Packages", "Devices", "Jupyter kernel", "Data (sha256)"):
        assert f"\n{section}\n" in out
    for package in (
        "numpy",
        "keras",
        "tensorflow",
        "scikit-learn",
        "matplotlib",
        "jupyterlab",
        "ipywidgets",
        "nbval",
        "faiss",
        "chromadb",
        "course_lib",
    ):
        assert f"  {package} " in out
    assert "CPU:0, GPU:0 (Fake)" in out and "accelerator  GPU" in out
    assert "deep-similarity" in out
    assert "fashion_mnist_subset.npz  ok" in out
    assert out.rstrip().endswith("All essential checks passed.")


def test_doctor_reports_problems_with_their_fix(capsys, fake_device_and_data):
    fake_device_and_data["data"] = [
        {"file": "japanese_vowels.npz", "sha256": "cd", "status": "corrupt"},
        {"file": "fashion_mnist_subset.npz", "sha256": None, "status": "missing"},
    ]
    fake_device_and_data["devices"] = ImportError("No module named 'tensorflow'")
    assert doctor() == 1
    out = capsys.readouterr().out
    assert "devices  unavailable (ImportError: No module named 'tensorflow')" in out
    assert "pip install -e '.[cpu]'" in out
    assert (
        "data/japanese_vowels.npz is corrupt. Fix: restore it with `git checkout -- data/japanese_vowels.npz`"
    ) in out
    assert "data/fashion_mnist_subset.npz is missing." in out
    assert "problem(s) to fix before the course." in out


def test_doctor_real_modules(capsys, monkeypatch):
    pytest.importorskip("course_lib.device")
    pytest.importorskip("course_lib.data")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")  # course_lib.device sets it when unset
    code = doctor()
    out = capsys.readouterr().out
    assert code == 0, out  # this environment has every package and intact data
    assert "\nDevices\n  backend" in out and "accelerator" in out
    assert re.search(r"fashion_mnist_subset.npz +ok", out) and re.search(r"japanese_vowels.npz +ok", out)


def test_doctor_writes_to_the_given_file(fake_device_and_data, capsys):
    buffer = io.StringIO()
    doctor(file=buffer)
    assert capsys.readouterr().out == ""
    assert buffer.getvalue().startswith("Deep Similarity doctor")


def _without(monkeypatch, *labels, installed=()):
    """Makes doctor see the packages with these labels as not installed (and `installed` as
    installed, version 0.10.2, whether or not they are: jax is an optional extra)."""
    names = {name for label, names, _, _ in doctor_module._PACKAGES if label in labels for name in names}
    present = {name for label, names, _, _ in doctor_module._PACKAGES if label in installed for name in names}
    real = doctor_module._distribution_version

    def version(candidates):
        if set(candidates) & names:
            return None
        return "0.10.2" if set(candidates) & present else real(candidates)

    monkeypatch.setattr(doctor_module, "_distribution_version", version)


def test_doctor_needs_only_the_package_of_the_configured_backend(capsys, monkeypatch, fake_device_and_data):
    _without(monkeypatch, "tensorflow", installed=("jax",))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    fake_device_and_data["backend"] = "jax"
    code = doctor()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "tensorflow    not installed (only the tensorflow backend needs it" in out
    assert "the notebooks only on tensorflow" in out  # a warning, not a problem

    _without(monkeypatch, "tensorflow", "jax")
    code = doctor()
    out = capsys.readouterr().out
    assert code == 1 and "jax is not installed. Fix: pip install -e '.[jax]'" in out

    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    fake_device_and_data["backend"] = "tensorflow"
    code = doctor()
    out = capsys.readouterr().out
    assert code == 1 and "tensorflow is not installed. Fix: pip install -e '.[cpu]'" in out
    assert "jax           not installed (only the jax backend needs it" in out


def test_configured_backend_reads_the_environment_then_keras_json(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert doctor_module._configured_backend() == "tensorflow"  # no keras.json: Keras's default
    (tmp_path / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert doctor_module._configured_backend() == "jax"
    (tmp_path / "keras.json").write_text("not json")
    assert doctor_module._configured_backend() == "tensorflow"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert doctor_module._configured_backend() == "torch"
