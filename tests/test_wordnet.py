"""Tests for course_lib.wordnet: the shipped WordNet nouns, their split, and the builder's parser."""

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from course_lib import data, paths
from course_lib.wordnet import TEST_FRACTION, WordNetSynsets, load_wordnet_nouns

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def everything():
    return load_wordnet_nouns("all")


def test_all_noun_synsets_with_their_fields(everything):
    n = len(everything)
    assert n == 82_115
    assert everything.offset.shape == everything.category.shape == (n,)
    assert len(everything.names) == len(everything.definition) == len(everything.examples) == n
    assert len(everything.category_names) == 26
    assert everything.category_names[0] == "noun.Tops" and everything.category_names[-1] == "noun.time"
    assert set(np.unique(everything.category)) == set(range(26))
    assert np.all(np.diff(everything.offset) > 0)  # WordNet's order, unique identifiers
    assert all(names and all(name.strip() for name in names) for names in everything.names)
    assert all(definition.strip() and '"' not in definition for definition in everything.definition)
    assert not any("_" in name for names in everything.names for name in names)
    car = int(np.flatnonzero(everything.offset == 2958343)[0])
    assert everything.names[car][:3] == ("car", "auto", "automobile")
    assert everything.definition[car].startswith("a motor vehicle with four wheels")
    assert everything.examples[car] == ("he needs a car to get to work",)
    assert everything.category_names[everything.category[car]] == "noun.artifact"
    assert sum(map(len, everything.examples)) > 10_000


def test_train_and_test_are_disjoint_complete_and_stratified(everything):
    train, test = load_wordnet_nouns("train"), load_wordnet_nouns("test")
    assert len(train) + len(test) == len(everything)
    assert not set(train.offset.tolist()) & set(test.offset.tolist())
    share = np.bincount(test.category, minlength=26) / np.bincount(everything.category, minlength=26)
    assert np.all(np.abs(share - TEST_FRACTION) < 0.03), share.round(3)
    assert np.array_equal(load_wordnet_nouns("test").offset, test.offset)  # the same every time
    other = load_wordnet_nouns("test", seed=1)
    assert len(other) == len(test) and not np.array_equal(other.offset, test.offset)


def test_subset_and_flat_lists(everything):
    part = everything.subset(np.array([5, 2]))
    assert isinstance(part, WordNetSynsets) and len(part) == 2
    assert part.definition == (everything.definition[5], everything.definition[2])
    names, owner = part.flat_names()
    assert names == [*everything.names[5], *everything.names[2]]
    assert owner.tolist() == [0] * len(everything.names[5]) + [1] * len(everything.names[2])
    examples, owner = everything.subset(np.arange(100)).flat_examples()
    assert len(examples) == len(owner) and (len(owner) == 0 or owner.max() < 100)
    assert "synsets" in repr(part)
    with pytest.raises(ValueError, match=r"positions in 0\.\.82114"):
        everything.subset(np.array([82_115]))
    with pytest.raises(ValueError, match="`split` must be one of"):
        load_wordnet_nouns("validation")


def test_a_corrupt_file_is_refused(tmp_path):
    for name in ("wordnet_nouns.npz", "manifest.json"):
        (tmp_path / name).write_bytes((paths.data_dir() / name).read_bytes())
    content = bytearray((tmp_path / "wordnet_nouns.npz").read_bytes())
    content[5000] ^= 0xFF
    (tmp_path / "wordnet_nouns.npz").write_bytes(bytes(content))
    with pytest.raises(ValueError, match=r"wordnet_nouns\.npz is corrupt.*git checkout"):
        load_wordnet_nouns(data_dir=tmp_path)
    assert data.verify_data(data_dir=tmp_path)[-1]["status"] in ("corrupt", "missing")


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_data", REPO_ROOT / "scripts" / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_builder_parses_synsets_and_categories(builder, tmp_path, monkeypatch):
    root = tmp_path / "root"
    (root / "usr/share/wordnet").mkdir(parents=True)
    (root / "usr/share/man/man5").mkdir(parents=True)
    (root / "usr/share/wordnet/data.noun").write_text(
        "  1 This software and database is being provided to you\n"
        "00001740 03 n 01 entity 0 000 | that which is perceived to exist  \n"
        '02958343 06 n 02 car 0 motor_car 0 000 | a motor vehicle; usually four wheels; "he needs a car"; '
        '"a car \n'
    )
    with gzip.open(root / "usr/share/man/man5/lexnames.5WN.gz", "wt") as handle:
        handle.write("03\tnoun.Tops\tunique beginner for nouns\n06\tnoun.artifact  \tman-made objects\n")
    monkeypatch.setattr(builder, "_check_sources", lambda *args, **kwargs: None)
    arrays = builder.wordnet_nouns(root)
    assert arrays["synset_offset"].tolist() == [1740, 2958343]
    assert arrays["category"].tolist() == [0, 1]
    assert arrays["category_names"].tobytes() == b"noun.Tops\nnoun.artifact"
    assert arrays["definitions"].tobytes().decode().split("\n") == [
        "that which is perceived to exist",
        "a motor vehicle; usually four wheels",
    ]
    assert arrays["names"].tobytes() == b"entity\ncar\nmotor_car"
    assert arrays["name_counts"].tolist() == [1, 2]
    assert arrays["examples"].tobytes() == b"he needs a car\na car"  # an unmatched quote opens an example
    assert arrays["example_counts"].tolist() == [0, 2]


def test_the_builder_refuses_a_changed_original(builder, tmp_path):
    with pytest.raises(SystemExit, match="original file not found.*without --wordnet-dir"):
        builder.wordnet_nouns(tmp_path)
