"""Tests for course_lib.movielens: the shipped MovieLens file, its loader and the content tokens."""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from course_lib import data, paths
from course_lib.movielens import MOVIELENS_FILE, MovieLens, load_movielens, movie_tokens

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def movielens():
    return load_movielens()


def test_the_published_counts(movielens):
    assert len(movielens.user) == 100_004 and movielens.n_users == 671 and movielens.n_items == 9_125
    assert len(np.unique(movielens.item)) == 9_066  # 59 movies are listed but never rated
    assert np.bincount(movielens.user).min() == 20  # every user rated at least 20 movies
    assert len(movielens.tag_text) == 1_296
    assert movielens.timestamp.min() == 789_652_009 and movielens.timestamp.max() == 1_476_640_644


def test_fields_have_the_documented_types_and_ranges(movielens):
    for name in ("user", "item", "timestamp", "movie_id", "tag_user", "tag_item", "tag_timestamp"):
        assert getattr(movielens, name).dtype == np.int64, name
    assert movielens.rating.dtype == np.float32
    assert set(np.unique(movielens.rating).tolist()) == {x / 2 for x in range(1, 11)}
    assert movielens.item.min() == 0 and movielens.item.max() < movielens.n_items
    assert np.all(np.diff(movielens.movie_id) > 0)
    assert movielens.genres.shape == (movielens.n_items, len(movielens.genre_names)) == (9_125, 19)
    assert movielens.genre_names == tuple(sorted(movielens.genre_names)) and "(no genres listed)" not in (
        movielens.genre_names
    )
    assert int((movielens.genres.sum(axis=1) == 0).sum()) == 18
    assert movielens.title.shape == (movielens.n_items,) and movielens.title.dtype.kind == "U"
    assert movielens.tag_user.max() < movielens.n_users and movielens.tag_item.max() < movielens.n_items


def test_rows_follow_the_original_files(movielens):
    # ratings.csv is sorted by user, then by movieId
    order = np.lexsort((movielens.movie_id[movielens.item], movielens.user))
    np.testing.assert_array_equal(order, np.arange(len(order)))
    toy_story = int(np.flatnonzero(movielens.movie_id == 1)[0])
    assert movielens.title[toy_story] == "Toy Story (1995)"
    assert movielens.rating[0] == 2.5 and movielens.movie_id[movielens.item[0]] == 31  # the first line


def test_a_damaged_file_fails_loudly(tmp_path):
    for name in (MOVIELENS_FILE, "manifest.json"):
        shutil.copy2(paths.data_dir() / name, tmp_path / name)
    raw = bytearray((tmp_path / MOVIELENS_FILE).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / MOVIELENS_FILE).write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"movielens_small\.npz is corrupt.*git checkout"):
        load_movielens(data_dir=tmp_path)
    (tmp_path / MOVIELENS_FILE).unlink()
    with pytest.raises(FileNotFoundError, match=r"movielens_small\.npz"):
        load_movielens(data_dir=tmp_path)


def test_verify_data_lists_the_movielens_file():
    assert {row["file"]: row["status"] for row in data.verify_data()}[MOVIELENS_FILE] == "ok"


def test_movie_tokens_describe_each_movie(movielens):
    tokens, vocabulary = movie_tokens(movielens, min_count=2, max_tokens=16)
    assert tokens.shape == (movielens.n_items, 16) and tokens.dtype == np.int32 and vocabulary[0] == ""
    assert len(set(vocabulary)) == len(vocabulary)
    matrix = next(i for i, title in enumerate(movielens.title) if title == "Matrix, The (1999)")
    words = [vocabulary[t] for t in tokens[matrix] if t]
    assert words[:3] == ["genre:Action", "genre:Sci-Fi", "genre:Thriller"]
    assert "decade:1990s" in words and "title:matrix" in words
    # every kept token describes at least two movies; ids are packed to the left
    counts = np.bincount(tokens.ravel(), minlength=len(vocabulary))[1:]
    assert counts.min() >= 1
    padded = tokens == 0
    assert np.all(padded[:, 1:] >= padded[:, :-1])


def test_movie_tokens_min_count_and_tag_filter(movielens):
    _, everything = movie_tokens(movielens, min_count=1)
    _, shared = movie_tokens(movielens, min_count=2)
    assert len(shared) < len(everything)
    no_tags = np.zeros(len(movielens.tag_text), dtype=bool)
    _, without_tags = movie_tokens(movielens, use_tags=no_tags)
    assert not any(word.startswith("tag:") for word in without_tags)
    assert any(word.startswith("tag:") for word in shared)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"min_count": 0}, ValueError, "must be >= 1"),
        ({"max_tokens": 2.5}, TypeError, "positive integer"),
        ({"use_tags": np.ones(3, dtype=bool)}, ValueError, r"one flag per tag application, shape \(1296,\)"),
    ],
)
def test_movie_tokens_checks_its_arguments(movielens, kwargs, error, match):
    with pytest.raises(error, match=match):
        movie_tokens(movielens, **kwargs)


def test_movie_tokens_needs_the_record():
    with pytest.raises(TypeError, match="MovieLens record"):
        movie_tokens({"title": []})
    assert MovieLens.__doc__


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_data", REPO_ROOT / "scripts" / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_builder_checks_the_originals_before_reading(builder, tmp_path):
    with pytest.raises(SystemExit, match="original file not found"):
        builder.movielens_small(tmp_path)
    for name in builder.MOVIELENS_SOURCE_SHA256:
        (tmp_path / name).write_text("changed\n")
    with pytest.raises(SystemExit, match="not the published one"):
        builder.movielens_small(tmp_path)


def test_the_manifest_carries_the_licence_conditions():
    import json

    entries = json.loads((paths.data_dir() / "manifest.json").read_text(encoding="utf-8"))["files"]
    entry = next(entry for entry in entries if entry["filename"] == MOVIELENS_FILE)
    for condition in ("endorsement", "commercial", "same conditions"):
        assert condition in entry["licence"], condition
    assert "Harper" in entry["citation"] and "Konstan" in entry["citation"]
    readme = (paths.data_dir() / "README.md").read_text(encoding="utf-8")
    assert "movielens_small.npz" in readme and "endorsement" in readme and "Harper" in readme
