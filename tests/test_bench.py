"""Tests for course_lib.bench on a tiny problem (the real benchmark is `python -m course_lib bench`)."""

import json
import os

import numpy as np
import pytest

from course_lib import bench
from course_lib.cli import main


def test_exact_neighbours_matches_a_full_sort():
    database, queries = bench.make_benchmark_data(300, 20, 8, seed=1)
    unit_database = database / np.linalg.norm(database, axis=1, keepdims=True)
    unit_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    scores = unit_queries.astype(np.float64) @ unit_database.T.astype(np.float64)
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(bench.exact_neighbours(queries, database, 5, batch_size=7), expected)


def test_data_is_seeded():
    first = bench.make_benchmark_data(10, 3, 4, seed=2)
    again = bench.make_benchmark_data(10, 3, 4, seed=2)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], bench.make_benchmark_data(10, 3, 4, seed=3)[0])


def _crashing_search(queries, database, k):
    raise RuntimeError("deliberate crash in the search")


def _dying_search(queries, database, k):
    os._exit(3)


def _missing_dependency_search(queries, database, k):
    import faiss_that_is_not_installed  # noqa: F401


def test_run_benchmark_tiny_all_methods_agree():
    methods = ("course_lib.top_k", "numpy nearest_neighbours", "sklearn NearestNeighbors")
    rows = bench.run_benchmark(n_database=500, n_queries=50, dim=8, k=5, repeats=1, methods=methods)
    assert [row["method"] for row in rows] == list(methods)
    assert not bench.has_errors(rows), rows
    for row in rows:
        assert row["recall_vs_exact"] == 1.0, row
        assert row["queries_per_second"] > 0 and row["peak_rss_mb"] > 10
    assert rows[0]["speed_vs_top_k"] == 1.0
    table = bench.format_table(rows)
    assert "course_lib.top_k" in table and "recall@k" in table


def test_format_table_gives_top_k_as_a_multiple_of_each_method():
    rows = [
        {
            "method": "course_lib.top_k",
            "queries_per_second": 6000.0,
            "peak_rss_mb": 700.0,
            "recall_vs_exact": 1.0,
            "speed_vs_top_k": 1.0,
        },
        {
            "method": "sklearn NearestNeighbors",
            "queries_per_second": 1000.0,
            "peak_rss_mb": 900.0,
            "recall_vs_exact": 1.0,
            "speed_vs_top_k": 1 / 6,
        },
        {
            "method": "faiss IndexFlatIP",
            "queries_per_second": 8000.0,
            "peak_rss_mb": 130.0,
            "recall_vs_exact": 1.0,
            "speed_vs_top_k": 4 / 3,
        },
        {"method": "numpy nearest_neighbours", "skipped": "not asked for"},
    ]
    last = bench.format_table(rows).splitlines()[-1]
    assert last == "course_lib.top_k speed: 6.00x sklearn NearestNeighbors, 0.75x faiss IndexFlatIP"


def test_faiss_runs_or_is_skipped_only_when_not_installed():
    rows = bench.run_benchmark(n_database=50, n_queries=5, dim=4, k=2, repeats=1, methods=("faiss IndexFlatIP",))
    row = rows[0]
    assert row["method"] == "faiss IndexFlatIP"
    assert "error" not in row, row["error"]
    try:
        import faiss  # noqa: F401
    except ModuleNotFoundError:
        assert row["skipped"].startswith("faiss is not installed"), row
    else:
        assert "skipped" not in row and row["recall_vs_exact"] == 1.0, row


def test_chroma_runs_approximately_or_is_skipped_only_when_not_installed():
    rows = bench.run_benchmark(n_database=300, n_queries=20, dim=8, k=5, repeats=2, methods=("Chroma (HNSW)",))
    row = rows[0]
    assert row["method"] == "Chroma (HNSW)" and "error" not in row, row.get("error")
    try:
        import chromadb  # noqa: F401
    except ModuleNotFoundError:
        assert row["skipped"].startswith("chromadb is not installed"), row
    else:  # HNSW on 300 vectors finds practically all exact neighbours
        assert "skipped" not in row and row["recall_vs_exact"] > 0.9 and len(row["seconds"]) == 2, row


def test_a_crashing_method_is_an_error_not_a_skip(monkeypatch):
    monkeypatch.setitem(bench._SEARCHES, "crashes", _crashing_search)
    monkeypatch.setitem(bench._SEARCHES, "dies", _dying_search)
    rows = bench.run_benchmark(
        n_database=50, n_queries=5, dim=4, k=2, repeats=1, methods=("course_lib.top_k", "crashes", "dies")
    )
    assert rows[1] == {"method": "crashes", "error": "RuntimeError: deliberate crash in the search"}
    assert rows[2]["method"] == "dies" and "skipped" not in rows[2]
    assert "exited with code 3" in rows[2]["error"]
    assert bench.has_errors(rows) and not bench.has_errors(rows[:1])
    assert rows[0]["speed_vs_top_k"] == 1.0 and "speed_vs_top_k" not in rows[1]
    table = bench.format_table(rows).splitlines()
    assert table[3] == f"{'crashes':26s} ERROR: RuntimeError: deliberate crash in the search"
    assert "skipped" not in "\n".join(table)
    assert json.loads(bench.to_json(rows))[1] == rows[1]


def test_a_missing_module_other_than_the_optional_one_is_an_error(monkeypatch):
    monkeypatch.setitem(bench._SEARCHES, "faiss IndexFlatIP", _missing_dependency_search)
    (row,) = bench.run_benchmark(n_database=50, n_queries=5, dim=4, k=2, repeats=1, methods=("faiss IndexFlatIP",))
    assert "skipped" not in row
    assert row["error"].startswith("ModuleNotFoundError: No module named 'faiss_that_is_not_installed'")


def test_validation():
    with pytest.raises(ValueError, match="Unknown method"):
        bench.run_benchmark(n_database=10, n_queries=2, dim=2, k=1, methods=("annoy",))
    with pytest.raises(ValueError, match="`k` must be <= 10"):
        bench.run_benchmark(n_database=10, n_queries=2, dim=2, k=11)


def test_cli_prints_table_or_json(monkeypatch, capsys):
    rows = [
        {
            "method": "course_lib.top_k",
            "queries_per_second": 4000.0,
            "seconds": [2.5],
            "peak_rss_mb": 700.0,
            "recall_vs_exact": 1.0,
            "speed_vs_top_k": 1.0,
        },
        {"method": "faiss IndexFlatIP", "skipped": "ImportError: No module named 'faiss'"},
    ]
    calls = []
    monkeypatch.setattr(bench, "run_benchmark", lambda **kwargs: calls.append(kwargs) or rows)
    assert main(["bench", "--n-database", "200", "--n-queries", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == rows
    assert calls[0]["n_database"] == 200 and calls[0]["n_queries"] == 10 and calls[0]["k"] == 10
    assert main(["bench"]) == 0
    out = capsys.readouterr().out
    assert "exact cosine top-10: 10,000 queries into 100,000 x 64 float32" in out
    assert "4,000" in out and "skipped (ImportError" in out


def test_cli_exits_non_zero_when_a_method_errs(monkeypatch, capsys):
    rows = [
        {
            "method": "course_lib.top_k",
            "queries_per_second": 4000.0,
            "seconds": [2.5],
            "peak_rss_mb": 700.0,
            "recall_vs_exact": 1.0,
            "speed_vs_top_k": 1.0,
        },
        {"method": "sklearn NearestNeighbors", "error": "MemoryError: "},
    ]
    monkeypatch.setattr(bench, "run_benchmark", lambda **kwargs: rows)
    assert main(["bench"]) == 1
    assert "sklearn NearestNeighbors   ERROR: MemoryError" in capsys.readouterr().out
    assert main(["bench", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)[1] == rows[1]
