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

SHIPPED = ("fashion_mnist_subset.npz", "japanese_vowels.npz", "manifest.json")


@pytest.fixture
def fake_device_and_data(monkeypatch):
    """Stands in for course_lib.device and course_lib.data; returns their settings."""
    settings = {"devices": None, "data": [
        {"file": "fashion_mnist_subset.npz", "sha256": "ab", "status": "ok"}]}
    _fake_device(monkeypatch, settings)
    data = types.ModuleType("course_lib.data")
    data.verify_data = lambda: settings["data"]
    monkeypatch.setitem(sys.modules, "course_lib.data", data)
    return settings


def _fake_device(monkeypatch, settings):
    """Replaces course_lib.device (TensorFlow's start-up is slow and not under test here)."""

    def describe_devices():
        if settings["devices"] is not None:
            raise settings["devices"]
        return {"backend": "tensorflow", "backend_version": "2.21.0", "keras_version": "3.15.1",
                "python_version": "3.11.7", "devices": ["CPU:0", "GPU:0 (Fake)"],
                "accelerator": "GPU"}

    device = types.ModuleType("course_lib.device")
    device.describe_devices = describe_devices
    monkeypatch.setitem(sys.modules, "course_lib.device", device)


@pytest.fixture
def broken_install(monkeypatch, tmp_path):
    """A fake device, a private copy of data/ (COURSE_DATA_DIR) and a switch to hide packages."""
    _fake_device(monkeypatch, {"devices": None})
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
    assert _problems(out) == ["data/japanese_vowels.npz is missing. Fix: restore it with "
                              "`git checkout -- data/japanese_vowels.npz` (or clone the course again)."]
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
    assert _problems(out) == ["data/fashion_mnist_subset.npz is corrupt. Fix: restore it with "
                              "`git checkout -- data/fashion_mnist_subset.npz` (or clone the course "
                              "again)."]


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
    for package in ("numpy", "keras", "tensorflow", "scikit-learn", "matplotlib", "jupyterlab",
                    "ipywidgets", "nbval", "faiss", "course_lib"):
        assert f"  {package} " in out
    assert "CPU:0, GPU:0 (Fake)" in out and "accelerator  GPU" in out
    assert "deep-similarity" in out
    assert "fashion_mnist_subset.npz  ok" in out
    assert out.rstrip().endswith("All essential checks passed.")


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
