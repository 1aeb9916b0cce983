"""Tests for course_lib.doctor: the report's sections, problems and fixes."""

import io
import re
import sys
import types

import pytest

from course_lib import doctor as doctor_module
from course_lib.doctor import doctor


@pytest.fixture
def fake_device_and_data(monkeypatch):
    """Stands in for course_lib.device and course_lib.data; returns their settings."""
    settings = {"devices": None, "backend": "tensorflow", "data": [
        {"file": "fashion_mnist_subset.npz", "sha256": "ab", "status": "ok"}]}
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")  # what the fake device reports

    def describe_devices():
        if settings["devices"] is not None:
            raise settings["devices"]
        return {"backend": settings["backend"], "backend_version": "2.21.0", "keras_version": "3.15.1",
                "python_version": "3.11.7", "devices": ["CPU:0", "GPU:0 (Fake)"],
                "accelerator": "GPU"}

    device = types.ModuleType("course_lib.device")
    device.describe_devices = describe_devices
    data = types.ModuleType("course_lib.data")
    data.verify_data = lambda: settings["data"]
    monkeypatch.setitem(sys.modules, "course_lib.device", device)
    monkeypatch.setitem(sys.modules, "course_lib.data", data)
    return settings


def test_doctor_prints_every_section(capsys, fake_device_and_data):
    code = doctor()
    out = capsys.readouterr().out
    assert isinstance(code, int)
    for section in ("Python", "Packages", "Devices", "Jupyter kernel", "Data (sha256)"):
        assert f"\n{section}\n" in out
    for package in ("numpy", "keras", "tensorflow", "scikit-learn", "matplotlib", "jupyterlab",
                    "ipywidgets", "nbval", "faiss", "course_lib"):
        assert f"  {package} " in out
    assert "CPU:0, GPU:0 (Fake)" in out and "accelerator  GPU" in out
    assert "deep-similarity" in out
    assert "fashion_mnist_subset.npz  ok" in out
    assert ("All essential checks passed." in out) == (code == 0)


def test_doctor_reports_problems_with_their_fix(capsys, fake_device_and_data):
    fake_device_and_data["data"] = [
        {"file": "japanese_vowels.npz", "sha256": "cd", "status": "corrupt"},
        {"file": "fashion_mnist_subset.npz", "sha256": None, "status": "missing"}]
    fake_device_and_data["devices"] = ImportError("No module named 'tensorflow'")
    assert doctor() == 1
    out = capsys.readouterr().out
    assert "devices  unavailable (ImportError: No module named 'tensorflow')" in out
    assert "pip install -e '.[cpu]'" in out
    assert ("data/japanese_vowels.npz is corrupt. Fix: restore it with "
            "`git checkout -- data/japanese_vowels.npz`") in out
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


def _without(monkeypatch, *labels):
    """Makes doctor see the packages with these labels as not installed."""
    names = {name for label, names, _, _ in doctor_module._PACKAGES if label in labels for name in names}
    real = doctor_module._distribution_version
    monkeypatch.setattr(doctor_module, "_distribution_version",
                        lambda candidates: None if set(candidates) & names else real(candidates))


def test_doctor_needs_only_the_package_of_the_configured_backend(capsys, monkeypatch,
                                                                  fake_device_and_data):
    _without(monkeypatch, "tensorflow")
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
