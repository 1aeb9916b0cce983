"""course_lib.search.vector_database: Chroma in this process, reopened from disk, and the same queries on a server."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from course_lib.search import ExactIndex, recall_at_k_vs_exact
from course_lib.search.vector_database import VectorDatabase, vector_database_available

needs_chroma = pytest.mark.skipif(
    not vector_database_available(), reason='chromadb is not installed (pip install -e ".[search]")'
)


def _corpus(n=600, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, dim))
    labels = rng.integers(0, 6, n)
    vectors = (centres[labels] + 0.7 * rng.normal(size=(n, dim))).astype(np.float32)
    split = np.where(np.arange(n) % 5 == 0, "test", "train")
    return vectors, labels, split


def test_without_chromadb_the_error_names_the_install(monkeypatch):
    import course_lib.search.vector_database as module

    monkeypatch.setattr(module, "_import_chromadb", lambda: None)
    assert module.vector_database_available() is False
    with pytest.raises(ImportError, match=r'pip install -e "\.\[search\]"'):
        module.VectorDatabase("unused")


def test_a_chromadb_that_cannot_start_here_counts_as_absent_with_its_reason(monkeypatch):
    import builtins

    import course_lib.search.vector_database as module

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == "chromadb":
            raise RuntimeError("Your system has an unsupported version of sqlite3")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    monkeypatch.setattr(module, "_IMPORT_ERROR", [])
    assert module.vector_database_available() is False
    with pytest.raises(ImportError, match="cannot be imported here .RuntimeError: Your system has an unsupported"):
        module.VectorDatabase("unused")


@needs_chroma
def test_add_search_reopen_filter_update_delete(tmp_path):
    vectors, labels, split = _corpus()
    queries = _corpus(40, seed=1)[0]
    database = VectorDatabase(tmp_path / "db")
    database.add(vectors, metadata={"label": labels, "split": split})
    assert len(database) == 600 and database.dim == 8
    exact_scores, exact_ids = ExactIndex.from_vectors(vectors).search(queries, 10)
    scores, ids = database.search(queries, 10)
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and ids.shape == (40, 10)
    assert recall_at_k_vs_exact(ids, exact_ids) > 0.95  # HNSW on 600 items: practically exact
    np.testing.assert_allclose(scores[:, 0], exact_scores[:, 0], atol=1e-4)  # cosine, not a distance
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first

    del database
    reopened = VectorDatabase(tmp_path / "db")  # from disk, as after a restart
    assert len(reopened) == 600 and np.array_equal(reopened.search(queries, 10)[1], ids)
    assert "600 items" in repr(reopened)
    assert reopened.ef_search == 100

    scores, ids = reopened.search(queries, 5, where={"label": 3})
    assert set(labels[ids[ids >= 0]]) == {3}
    both = reopened.search(queries, 5, where={"$and": [{"label": 3}, {"split": "test"}]})[1]
    assert all(labels[i] == 3 and split[i] == "test" for i in both[both >= 0])

    assert reopened.metadata([4]) == [{"label": int(labels[4]), "split": str(split[4])}]
    reopened.update([4], metadata={"label": [5]})
    assert reopened.metadata([4]) == [{"label": 5, "split": str(split[4])}]  # the other field stays
    new_vector = -vectors[:1]
    reopened.update([4], vectors=new_vector)
    assert reopened.search(new_vector, 1)[1][0, 0] == 4

    nearest = int(reopened.search(queries[:1], 1)[1][0, 0])
    assert reopened.delete([nearest]) == 1 and len(reopened) == 599
    assert nearest not in reopened.search(queries[:1], 10)[1]
    assert reopened.metadata([nearest]) == [None]
    n_test = int(np.sum(split == "test")) - int(split[nearest] == "test")
    assert reopened.delete(where={"split": "test"}) == n_test
    reopened.add(vectors[:2], ids=[10_000, 10_001], metadata={"label": labels[:2], "split": ["new", "new"]})
    assert reopened.metadata([10_001]) == [{"label": int(labels[1]), "split": "new"}]


@needs_chroma
def test_ef_search_is_the_recall_dial_set_at_creation(tmp_path):
    vectors = _corpus(3000, dim=16)[0]
    queries = _corpus(100, dim=16, seed=1)[0]
    exact_ids = ExactIndex.from_vectors(vectors).search(queries, 10)[1]
    recalls = {}
    for ef_search in (10, 200):
        database = VectorDatabase(tmp_path / str(ef_search), ef_search=ef_search)
        database.add(vectors)
        assert database.ef_search == ef_search and VectorDatabase(tmp_path / str(ef_search)).ef_search == ef_search
        recalls[ef_search] = recall_at_k_vs_exact(database.search(queries, 10)[1], exact_ids)
    assert recalls[10] < recalls[200] and recalls[200] > 0.95, recalls


@needs_chroma
def test_fewer_matches_than_k_are_padded_like_ivf(tmp_path):
    vectors, labels, split = _corpus(50)
    database = VectorDatabase(tmp_path)
    database.add(vectors, metadata={"label": labels})
    n_fives = int(np.sum(labels == 5))
    scores, ids = database.search(vectors[:2], 20, where={"label": 5})
    assert np.all(ids[:, n_fives:] == -1) and np.all(np.isneginf(scores[:, n_fives:]))
    assert np.all(ids[:, :n_fives] >= 0)


@needs_chroma
def test_bad_input_gets_clear_errors(tmp_path):
    vectors, labels, _ = _corpus(30)
    with pytest.raises(ValueError, match="either `path`"):
        VectorDatabase()
    with pytest.raises(ValueError, match="either `path`"):
        VectorDatabase(tmp_path, host="localhost")
    database = VectorDatabase(tmp_path)
    with pytest.raises(ValueError, match="database is empty"):
        database.search(vectors[:1], 1)
    database.add(vectors, metadata={"label": labels})
    with pytest.raises(ValueError, match="must have 8 features"):
        database.add(np.ones((2, 5)))
    with pytest.raises(ValueError, match="already stored"):
        database.add(vectors[:2], ids=[0, 1])
    with pytest.raises(ValueError, match=r"one value per item: shape \(2,\)"):
        database.add(vectors[:2], ids=[100, 101], metadata={"label": [1, 2, 3]})
    with pytest.raises(TypeError, match="ints, floats, bools or strs"):
        database.add(vectors[:1], ids=[100], metadata={"label": [None]})
    with pytest.raises(ValueError, match="the same id twice"):
        database.add(vectors[:2], ids=[200, 200])
    with pytest.raises(TypeError, match="integer ids"):
        database.update([0.5], metadata={"label": [1]})
    with pytest.raises(ValueError, match="not stored"):
        database.update([999], metadata={"label": [1]})
    with pytest.raises(ValueError, match="nothing to update"):
        database.update([0])
    with pytest.raises(TypeError, match="`where` must be None or a non-empty dict"):
        database.search(vectors[:1], 1, where="label = 8")
    with pytest.raises(ValueError, match=r"`k` must be <= 30"):
        database.search(vectors[:1], 31)
    with pytest.raises(ValueError, match="NaN|finite"):
        database.search(np.full((1, 8), np.nan), 1)
    with pytest.raises(ValueError, match="either `ids` or `where`"):
        database.delete()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _chroma_command():
    """The `chroma` command of this environment (installed with chromadb), or None."""
    found = Path(sys.executable).with_name("chroma")
    return str(found) if found.exists() else shutil.which("chroma")


@pytest.fixture
def chroma_server(tmp_path):
    """A Chroma server on a free local port, started and stopped by the test."""
    if not vector_database_available() or _chroma_command() is None:
        pytest.skip('chromadb is not installed, so there is no `chroma run` to start (pip install -e ".[search]")')
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    server = subprocess.Popen(
        [_chroma_command(), "run", "--path", str(tmp_path / "server-db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(
                    f"chroma run exited with {server.returncode}: {(tmp_path / 'server.log').read_text()}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not listen within 60 s") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_the_same_queries_on_a_chroma_server(tmp_path, chroma_server):
    """The route to a server: one line changes, VectorDatabase(host=..., port=...), and the answers agree."""
    vectors, labels, split = _corpus()
    queries = _corpus(40, seed=1)[0]
    metadata = {"label": labels, "split": split}
    embedded = VectorDatabase(tmp_path / "embedded")
    served = VectorDatabase(host="127.0.0.1", port=chroma_server)
    for database in (embedded, served):
        database.add(vectors, metadata=metadata)
    assert len(served) == 600 and "Chroma server" in repr(served)
    exact_ids = ExactIndex.from_vectors(vectors).search(queries, 10)[1]
    for where in (None, {"label": 3}):
        embedded_scores, embedded_ids = embedded.search(queries, 10, where=where)
        served_scores, served_ids = served.search(queries, 10, where=where)
        assert recall_at_k_vs_exact(served_ids, embedded_ids) > 0.95
        np.testing.assert_allclose(served_scores[:, 0], embedded_scores[:, 0], atol=1e-4)
    assert recall_at_k_vs_exact(served.search(queries, 10)[1], exact_ids) > 0.95
    served.update([4], metadata={"label": [5]})
    assert served.metadata([4]) == [{"label": 5, "split": str(split[4])}]
    assert served.delete([0, 1]) == 2 and len(served) == 598
