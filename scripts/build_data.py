"""Rebuilds every data file the course ships, byte for byte, from the original files.

The course ships two small `.npz` files in `data/` so that the notebooks and
tests run offline. This script recreates them from the untouched originals,
checks the originals' SHA-256 first, and writes `data/manifest.json` with each
file's checksum, array shapes, source, licence, citation and build command.

Originals (offline copies):

- Fashion-MNIST (MIT, Zalando Research): the four IDX `.gz` files from the
  Debian package `dataset-fashion-mnist`
  (`apt-get install dataset-fashion-mnist` puts them in
  `/usr/share/datasets/fashion-mnist/`), identical to the files at
  https://github.com/zalandoresearch/fashion-mnist.
- Japanese Vowels (CC BY 4.0, UCI): the UEA `.ts` files bundled in the sktime
  1.2.0 wheel (`pip download --no-deps sktime==1.2.0`, then
  `unzip sktime-1.2.0-*.whl 'sktime/datasets/data/JapaneseVowels/*'`).
  sktime itself is not needed: the `.ts` format is parsed here.

Usage:

    python scripts/build_data.py \\
        --fashion-dir /usr/share/datasets/fashion-mnist \\
        --vowels-dir /tmp/sktime/sktime/datasets/data/JapaneseVowels [--seed 0]

Reproducibility: `np.savez_compressed` stamps the current time into the zip,
so the `.npz` files are written here with fixed zip metadata (date 1980-01-01,
Unix attributes, DEFLATE level 6, members in a fixed order). Running the script
twice gives identical SHA-256 with the same NumPy and zlib.
"""

import argparse
import gzip
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "FASHION_SOURCE_SHA256",
    "VOWELS_SOURCE_SHA256",
    "sha256_of",
    "read_idx",
    "read_ts",
    "fashion_mnist_subset",
    "japanese_vowels",
    "write_npz",
    "build",
    "main",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FASHION_DIR = "/usr/share/datasets/fashion-mnist"
DEFAULT_VOWELS_DIR = "/tmp/sktime/sktime/datasets/data/JapaneseVowels"

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


def _check_sources(folder, expected):
    """Checks that each original file exists and has the expected SHA-256."""
    folder = Path(folder)
    for name, checksum in expected.items():
        path = folder / name
        if not path.is_file():
            raise SystemExit(f"error: original file not found: {path}. See --help for where to get it.")
        actual = sha256_of(path)
        if actual != checksum:
            raise SystemExit(
                f"error: {path} has SHA-256 {actual}, expected {checksum}. "
                f"The original file is not the published one; fetch it again."
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
    return {name: arrays[name] for name in (
        "x_train", "y_train", "x_test", "y_test", "train_source_index", "test_source_index")}


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
        "(apt-get install dataset-fashion-mnist): /usr/share/datasets/fashion-mnist/",
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


def _entry(path, arrays, meta, command, seed):
    return {
        "filename": path.name,
        "sha256": sha256_of(path),
        "size_bytes": path.stat().st_size,
        "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in arrays.items()},
        **meta,
        "build": {"command": command, "seed": seed, "numpy_version": np.__version__},
    }


def build(fashion_dir, vowels_dir, *, out_dir, seed=0):
    """Builds both `.npz` files and `manifest.json` in `out_dir`; returns the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = (
        f"python scripts/build_data.py --fashion-dir {DEFAULT_FASHION_DIR} "
        f"--vowels-dir {DEFAULT_VOWELS_DIR} --seed {seed}"
    )
    entries = []
    for filename, arrays, meta, file_seed in (
        ("fashion_mnist_subset.npz", fashion_mnist_subset(fashion_dir, seed=seed), _FASHION_META, seed),
        ("japanese_vowels.npz", japanese_vowels(vowels_dir), _VOWELS_META, None),
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fashion-dir", default=DEFAULT_FASHION_DIR,
                        help="folder with the four Fashion-MNIST IDX .gz files")
    parser.add_argument("--vowels-dir", default=DEFAULT_VOWELS_DIR,
                        help="folder with JapaneseVowels_TRAIN.ts and JapaneseVowels_TEST.ts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Fashion-MNIST subset (default 0)")
    parser.add_argument("--out-dir", default=str(REPO_ROOT / "data"),
                        help="where to write the .npz files and manifest.json (default: data/)")
    args = parser.parse_args(argv)
    manifest = build(args.fashion_dir, args.vowels_dir, out_dir=args.out_dir, seed=args.seed)
    for entry in manifest["files"]:
        print(f"{entry['sha256']}  {entry['filename']}  ({entry['size_bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
