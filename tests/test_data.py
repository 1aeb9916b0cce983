"""Tests for course_lib.data: shipped files, loaders, samplers and the data builder."""

import gzip
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from course_lib import data, paths

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("fashion_mnist_subset.npz", "japanese_vowels.npz", "movielens_small.npz", "wordnet_nouns.npz")


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def manifest():
    text = (paths.data_dir() / "manifest.json").read_text(encoding="utf-8")
    return {entry["filename"]: entry for entry in json.loads(text)["files"]}


@pytest.fixture
def data_copy(tmp_path):
    """A private copy of the data folder that a test may damage."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in (*SHIPPED, "manifest.json"):
        shutil.copy2(paths.data_dir() / name, folder / name)
    return folder


# Shipped files and manifest.


def test_shipped_checksums_and_sizes_match_manifest(manifest):
    assert sorted(manifest) == sorted(SHIPPED)
    for name, entry in manifest.items():
        path = paths.data_dir() / name
        assert _sha256(path) == entry["sha256"]
        assert path.stat().st_size == entry["size_bytes"]
        for key in ("licence", "citation", "source", "build", "arrays", "dataset"):
            assert entry[key], f"{name}: manifest field {key!r} is empty"
    # A Colab session clones the course, data included: keep it small.
    assert sum(entry["size_bytes"] for entry in manifest.values()) < 14_000_000


def test_manifest_arrays_match_files(manifest):
    for name, entry in manifest.items():
        with np.load(paths.data_dir() / name, allow_pickle=False) as archive:
            assert sorted(archive.files) == sorted(entry["arrays"])
            for array_name, spec in entry["arrays"].items():
                assert list(archive[array_name].shape) == spec["shape"]
                assert archive[array_name].dtype.name == spec["dtype"]


def test_fashion_source_index_is_traceable():
    with np.load(paths.data_dir() / "fashion_mnist_subset.npz", allow_pickle=False) as archive:
        for split, n_original in (("train", 60_000), ("test", 10_000)):
            index = archive[f"{split}_source_index"]
            assert np.all(np.diff(index) > 0)  # unique, in the original files' order
            assert index[0] >= 0 and index[-1] < n_original


def test_verify_data_ok():
    report = data.verify_data()
    assert {row["file"]: row["status"] for row in report} == dict.fromkeys(SHIPPED, "ok")
    assert all(row["expected_sha256"] == row["actual_sha256"] for row in report)


def test_verify_data_reports_missing_and_corrupt(data_copy):
    (data_copy / "japanese_vowels.npz").unlink()
    _flip_byte(data_copy / "fashion_mnist_subset.npz")
    report = {row["file"]: row for row in data.verify_data(data_dir=data_copy)}
    assert report["japanese_vowels.npz"]["status"] == "missing"
    assert report["japanese_vowels.npz"]["actual_sha256"] is None
    assert report["fashion_mnist_subset.npz"]["status"] == "corrupt"


def test_verify_data_without_manifest_does_not_raise(tmp_path):
    report = data.verify_data(data_dir=tmp_path)
    assert [(row["file"], row["status"]) for row in report] == [("manifest.json", "missing")]


def test_verify_data_reports_unreadable_manifest(data_copy):
    (data_copy / "manifest.json").write_text("{not json", encoding="utf-8")
    report = data.verify_data(data_dir=data_copy)
    assert [(row["file"], row["status"]) for row in report] == [("manifest.json", "corrupt")]
    with pytest.raises(ValueError, match=r"manifest\.json is not valid.*git checkout"):
        data.load_fashion_mnist(data_dir=data_copy)


def test_data_dir_env_override(data_copy, monkeypatch):
    (data_copy / "japanese_vowels.npz").unlink()
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_copy))
    with pytest.raises(FileNotFoundError, match=str(data_copy)):
        data.load_japanese_vowels()


# Loaders.


@pytest.mark.parametrize("split, per_class", [("train", 2000), ("test", 200)])
def test_fashion_mnist_shapes_dtypes_balance(split, per_class):
    x, y = data.load_fashion_mnist(split)
    assert x.shape == (10 * per_class, 28, 28) and x.dtype == np.float32
    assert y.shape == (10 * per_class,) and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.99
    np.testing.assert_array_equal(np.bincount(y), np.full(10, per_class))


def test_fashion_mnist_uint8_flatten_and_scaling():
    raw, y_raw = data.load_fashion_mnist("test", dtype="uint8", flatten=True)
    assert raw.shape == (2000, 784) and raw.dtype == np.uint8 and raw.max() == 255
    scaled, y = data.load_fashion_mnist("test", flatten=True)
    np.testing.assert_allclose(scaled, raw / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, y_raw)
    assert data.load_fashion_mnist("test", dtype=np.uint8)[0].dtype == np.uint8


def test_fashion_mnist_classes_filter():
    x, y = data.load_fashion_mnist("test", classes=(7, 5))
    assert x.shape == (400, 28, 28)
    assert sorted(np.unique(y).tolist()) == [5, 7]
    full_x, full_y = data.load_fashion_mnist("test")
    np.testing.assert_array_equal(x, full_x[np.isin(full_y, [5, 7])])


def test_fashion_mnist_class_names():
    assert len(data.FASHION_MNIST_CLASSES) == 10
    assert data.FASHION_MNIST_CLASSES[0] == "T-shirt/top"
    assert data.FASHION_MNIST_CLASSES[9] == "Ankle boot"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "validation"}, r"`split` must be one of 'train', 'test'; received 'validation'"),
        ({"dtype": "float16"}, r"`dtype` must be one of 'float32', 'uint8'; received 'float16'"),
        ({"source": "internet"}, r"`source` must be one of 'shipped', 'keras'"),
        ({"classes": [3, 10]}, r"`classes` must be a non-empty list of labels in 0..9"),
        ({"classes": []}, r"`classes` must be a non-empty list"),
    ],
)
def test_fashion_mnist_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_fashion_mnist(**kwargs)


def test_fashion_mnist_scalar_classes_is_type_error():
    with pytest.raises(TypeError, match=r"iterable of labels, e\.g\. \[3\]"):
        data.load_fashion_mnist("test", classes=3)


@pytest.mark.parametrize("split, n", [("train", 270), ("test", 370)])
def test_japanese_vowels(split, n):
    x, lengths, y = data.load_japanese_vowels(split)
    assert x.shape == (n, 29, 12) and x.dtype == np.float32
    assert lengths.shape == (n,) and lengths.dtype == np.int64
    assert y.shape == (n,) and y.dtype == np.int64
    assert lengths.min() == 7 and lengths.max() == {"train": 26, "test": 29}[split]
    assert np.unique(y).tolist() == list(range(9))
    padding = np.arange(29)[None, :] >= lengths[:, None]
    assert np.all(x[padding] == 0.0)
    # Real frames are not all zero: the last real frame of every utterance has data.
    assert np.all(np.abs(x[np.arange(n), lengths - 1]).sum(axis=-1) > 0)
    if split == "train":
        np.testing.assert_array_equal(np.bincount(y), np.full(9, 30))


def test_japanese_vowels_invalid_split():
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'; received 'dev'"):
        data.load_japanese_vowels("dev")


@pytest.mark.parametrize("flatten, shape", [(True, (1797, 64)), (False, (1797, 8, 8))])
def test_load_digits(flatten, shape):
    x, y = data.load_digits(flatten=flatten)
    assert x.shape == shape and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert y.dtype == np.int64 and np.unique(y).tolist() == list(range(10))


# Damaged or missing files.


def _flip_byte(path, position=1000):
    content = bytearray(path.read_bytes())
    content[position] ^= 0xFF
    path.write_bytes(bytes(content))


@pytest.mark.parametrize(
    "filename, load",
    [
        ("fashion_mnist_subset.npz", lambda folder: data.load_fashion_mnist(data_dir=folder)),
        ("japanese_vowels.npz", lambda folder: data.load_japanese_vowels(data_dir=folder)),
    ],
)
def test_corrupt_file_raises_with_name_and_fix(data_copy, filename, load):
    load(data_copy)  # the intact copy loads
    _flip_byte(data_copy / filename)
    with pytest.raises(ValueError, match=rf"{filename} is corrupt") as error:
        load(data_copy)
    message = str(error.value)
    assert f"git checkout -- data/{filename}" in message
    assert "scripts/build_data.py" in message and "make verify-data" in message
    assert "/usr/share" not in message and "/tmp/sktime" not in message
    assert _sha256(data_copy / filename) in message


def test_missing_file_raises_file_not_found(data_copy):
    (data_copy / "fashion_mnist_subset.npz").unlink()
    with pytest.raises(FileNotFoundError, match=r"fashion_mnist_subset\.npz.*git checkout"):
        data.load_fashion_mnist(data_dir=data_copy)


def test_missing_manifest_raises_file_not_found(data_copy):
    (data_copy / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        data.load_japanese_vowels(data_dir=data_copy)


# Rebuild from the original files. The full rebuild fetches the originals from the package
# registries (network), so it runs as `make verify-data`, not here; these tests check the
# builder's offline parts.


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_data", REPO_ROOT / "scripts" / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuild_needs_no_machine_specific_path(builder):
    source = (REPO_ROOT / "scripts" / "build_data.py").read_text(encoding="utf-8")
    assert "/tmp/" not in source
    assert "--fashion-dir /usr" not in source
    assert "verify-data:" in (REPO_ROOT / "Makefile").read_text(encoding="utf-8")


def test_write_npz_bytes_depend_only_on_the_arrays(builder, tmp_path):
    arrays = {"x": np.arange(12, dtype=np.float32).reshape(3, 4), "y": np.array([1, 2, 3], np.uint8)}
    builder.write_npz(tmp_path / "a.npz", arrays)
    builder.write_npz(tmp_path / "b.npz", {name: value.copy() for name, value in arrays.items()})
    assert _sha256(tmp_path / "a.npz") == _sha256(tmp_path / "b.npz")
    with np.load(tmp_path / "a.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["x"], arrays["x"])


def test_read_idx_and_read_ts_parse_small_files(builder, tmp_path):
    images = np.arange(2 * 3 * 2, dtype=np.uint8).reshape(2, 3, 2)
    header = b"\x00\x00\x08\x03" + b"".join(n.to_bytes(4, "big") for n in images.shape)
    with gzip.open(tmp_path / "images.gz", "wb") as handle:
        handle.write(header + images.tobytes())
    np.testing.assert_array_equal(builder.read_idx(tmp_path / "images.gz"), images)
    (tmp_path / "v.ts").write_text("# comment\n@problemName x\n@data\n1,2,3:4,5,6:2\n7:8:1\n")
    series, labels = builder.read_ts(tmp_path / "v.ts")
    np.testing.assert_array_equal(series[0], [[1, 4], [2, 5], [3, 6]])
    assert labels.tolist() == [2, 1]


def test_verify_reports_ok_and_mismatch(builder, tmp_path, capsys):
    (tmp_path / "a.npz").write_bytes(b"same")
    (tmp_path / "b.npz").write_bytes(b"changed")
    entries = [
        {"filename": "a.npz", "sha256": hashlib.sha256(b"same").hexdigest()},
        {"filename": "b.npz", "sha256": hashlib.sha256(b"original").hexdigest()},
        {"filename": "c.npz", "sha256": "0" * 64},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"files": entries}), encoding="utf-8")
    assert builder.verify(tmp_path / "manifest.json", tmp_path) is False
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["OK", "a.npz"], ["MISMATCH", "b.npz"], ["MISMATCH", "c.npz"]]
    assert "(not built)" in lines[2]
    entries[1:] = []
    (tmp_path / "manifest.json").write_text(json.dumps({"files": entries}), encoding="utf-8")
    assert builder.verify(tmp_path / "manifest.json", tmp_path) is True


def test_missing_original_names_the_fetch_option(builder, tmp_path):
    with pytest.raises(SystemExit, match="original file not found.*without --fashion-dir"):
        builder.japanese_vowels(tmp_path)


# train_validation_split: a seeded, stratified validation set carved from a training split.


def test_train_validation_split_is_stratified_disjoint_and_complete():
    _, _, labels = data.load_japanese_vowels("train")
    fit, validation = data.train_validation_split(labels, validation_fraction=1 / 6, seed=0)
    assert np.bincount(labels[validation]).tolist() == [5] * 9
    assert np.bincount(labels[fit]).tolist() == [25] * 9
    assert np.intersect1d(fit, validation).size == 0
    assert np.array_equal(np.sort(np.concatenate([fit, validation])), np.arange(len(labels)))
    assert np.all(np.diff(fit) > 0) and np.all(np.diff(validation) > 0)


def test_train_validation_split_same_seed_same_split_other_seed_other_split():
    labels = np.repeat(np.arange(4), 10)
    first = data.train_validation_split(labels, validation_fraction=0.3, seed=1)
    again = data.train_validation_split(labels, validation_fraction=0.3, seed=1)
    other = data.train_validation_split(labels, validation_fraction=0.3, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_train_validation_split_keeps_one_item_on_each_side():
    labels = np.array([0, 0, 1, 1, 1])
    fit, validation = data.train_validation_split(labels, validation_fraction=0.9, seed=0)
    assert np.bincount(labels[fit]).tolist() == [1, 1]
    fit, validation = data.train_validation_split(labels, validation_fraction=0.01, seed=0)
    assert np.bincount(labels[validation]).tolist() == [1, 1]


@pytest.mark.parametrize(
    "fraction, error, match",
    [
        (0.0, ValueError, "strictly between 0 and 1"),
        (1.0, ValueError, "strictly between 0 and 1"),
        ("0.2", TypeError, "must be a number"),
        (True, TypeError, "must be a number"),
    ],
)
def test_train_validation_split_rejects_bad_fractions(fraction, error, match):
    with pytest.raises(error, match=match):
        data.train_validation_split(np.array([0, 0, 1, 1]), validation_fraction=fraction)


def test_train_validation_split_rejects_a_class_of_one():
    with pytest.raises(ValueError, match="Class 2 has 1 item"):
        data.train_validation_split(np.array([0, 0, 1, 1, 2]), validation_fraction=0.5)
