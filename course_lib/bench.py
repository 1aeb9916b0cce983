"""Benchmark of exact cosine top-k search: `course_lib.top_k` against other libraries.

`python -m course_lib bench` measures, on seeded random float32 vectors, how many
queries per second each method answers for an exact cosine top-k search, its
peak memory, and the fraction of the exact neighbours it returns:

- `course_lib.top_k`: a matrix product per chunk of queries and a grouped exact
  top-k selection, in `keras.ops` (`course_lib.search.exact.top_k`);
- `numpy nearest_neighbours`: the same search in NumPy only, chunked matrix
  products selected with `np.argpartition` (`course_lib.neighbours.nearest_neighbours`,
  which the retrieval metrics use);
- `sklearn NearestNeighbors`: `NearestNeighbors(metric="cosine", algorithm="brute")`;
- `faiss IndexFlatIP`: inner product on L2-normalised vectors, when `faiss` is
  installed (`pip install faiss-cpu`, or the `search` extra).
- `Chroma (HNSW)`: the capstone's vector database (`course_lib.search.VectorDatabase`,
  HNSW at its default `ef_search`), when `chromadb` is installed (the `search`
  extra). It is approximate, so its recall is below 1, and far below on these
  random Gaussian vectors, which have no clusters for its graph to follow (0.59
  once on this benchmark, against 0.999 on notebook 09's embeddings); its
  vectors are added once, during the untimed warm-up, and only the queries are
  timed.

Each method runs in its own spawned child process (so its peak resident memory,
which includes its imports and the data, is its own), `repeats` times; the
figure is the median. Recall is measured against the same exact search computed
in float64 (`nearest_neighbours(..., dtype=np.float64)`).

A method whose optional library is not installed (faiss) is *skipped*, with
the reason; a method that raises, or whose process dies, is an *error*, with
its message. The table and the JSON show the two differently, and
`python -m course_lib bench` exits with status 1 when any method errs.
"""

import json
import multiprocessing
import statistics
import time

import numpy as np

from course_lib._validation import check_positive_int, check_seed
from course_lib.neighbours import nearest_neighbours
from course_lib.peak_memory import peak_resident_mib
from course_lib.similarity import l2_normalize

__all__ = [
    "METHODS",
    "make_benchmark_data",
    "exact_neighbours",
    "run_benchmark",
    "format_table",
    "to_json",
    "has_errors",
]

METHODS = (
    "course_lib.top_k",
    "numpy nearest_neighbours",
    "sklearn NearestNeighbors",
    "faiss IndexFlatIP",
    "Chroma (HNSW)",
)


def make_benchmark_data(n_database, n_queries, dim, *, seed=0):
    """Seeded float32 Gaussian vectors: `(database (n_database, dim), queries (n_queries, dim))`."""
    rng = np.random.default_rng(check_seed(seed))
    database = rng.standard_normal((n_database, dim), dtype=np.float32)
    queries = rng.standard_normal((n_queries, dim), dtype=np.float32)
    return database, queries


def exact_neighbours(queries, database, k, *, batch_size=512):
    """Exact cosine top-k indices `(n_queries, k)`, computed in float64 (the reference)."""
    return nearest_neighbours(queries, database, k, batch_size=batch_size, dtype=np.float64)[1]


def _search_top_k(queries, database, k):
    from course_lib.search.exact import top_k

    return top_k(queries, database, k)[1]


def _search_numpy(queries, database, k):
    return nearest_neighbours(queries, database, k)[1]


def _search_sklearn(queries, database, k):
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(database)
    return index.kneighbors(queries, return_distance=False)


def _search_faiss(queries, database, k):
    import faiss

    index = faiss.IndexFlatIP(database.shape[1])
    index.add(l2_normalize(database))
    return index.search(l2_normalize(queries), k)[1]


_CHROMA_DATABASES = {}  # id(database) -> (temporary folder, VectorDatabase), in the method's own process


def _search_chroma(queries, database, k):
    import chromadb  # noqa: F401  (its absence is a skip)

    if id(database) not in _CHROMA_DATABASES:  # the first (untimed) call adds the vectors
        import tempfile

        from course_lib.search.vector_database import VectorDatabase

        folder = tempfile.TemporaryDirectory(prefix="course-bench-chroma-")
        vector_database = VectorDatabase(folder.name)
        vector_database.add(database)
        _CHROMA_DATABASES[id(database)] = (folder, vector_database)
    return _CHROMA_DATABASES[id(database)][1].search(queries, k)[1]


_SEARCHES = {
    "course_lib.top_k": _search_top_k,
    "numpy nearest_neighbours": _search_numpy,
    "sklearn NearestNeighbors": _search_sklearn,
    "faiss IndexFlatIP": _search_faiss,
    "Chroma (HNSW)": _search_chroma,
}
# Methods that need a library the course does not require: its absence is a skip, not an error.
_OPTIONAL_MODULES = {"faiss IndexFlatIP": "faiss", "Chroma (HNSW)": "chromadb"}


def _child(search, optional_module, n_database, n_queries, dim, k, repeats, seed, connection):
    """Runs one search `repeats` times in this (child) process and sends the figures back.

    Sends `{"skipped": reason}` when `optional_module` is not installed, and
    `{"error": message}` when the search raises anything else.
    """
    try:
        database, queries = make_benchmark_data(n_database, n_queries, dim, seed=seed)
        search(queries[:8], database, k)  # warm-up: imports, thread pools, graph tracing
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            indices = search(queries, database, k)
            seconds.append(time.perf_counter() - start)
        connection.send({"seconds": seconds, "indices": np.asarray(indices), "peak": peak_resident_mib()})
    except ModuleNotFoundError as error:
        if optional_module is not None and error.name == optional_module:
            connection.send({"skipped": f"{optional_module} is not installed ({error})"})
        else:
            connection.send({"error": f"{type(error).__name__}: {error}"})
    except Exception as error:  # report, don't hang the parent
        connection.send({"error": f"{type(error).__name__}: {error}"})
    finally:
        connection.close()


def _measure(method, n_database, n_queries, dim, k, repeats, seed):
    """Runs `method` in a spawned child process; returns what the child sent."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(_SEARCHES[method], _OPTIONAL_MODULES.get(method), n_database, n_queries, dim, k, repeats, seed, sender),
    )
    process.start()
    sender.close()
    try:
        result = receiver.recv()
    except EOFError:  # the child died without reporting (crash, out of memory, os._exit)
        result = None
    process.join()
    if result is None:
        result = {"error": f"the benchmark process exited with code {process.exitcode} before reporting a result"}
    return result


def run_benchmark(*, n_database=100_000, n_queries=10_000, dim=64, k=10, repeats=3, seed=0, methods=METHODS):
    """Measures each method; returns a list of row dicts.

    Args:
        n_database: vectors in the database.
        n_queries: queries per timed run.
        dim: vector dimension.
        k: neighbours per query.
        repeats: timed runs per method (the median is reported).
        seed: seed of the random vectors.
        methods: a subset of `METHODS`.

    Returns:
        One dict per method with `method`, `queries_per_second` (median),
        `seconds` (all runs), `peak_rss_mb` (peak resident memory of the
        method's process, imports and data included), `recall_vs_exact` (the
        fraction of the exact top-k returned) and `speed_vs_top_k` (throughput
        ratio to `course_lib.top_k`); or `method` and `skipped` (the reason)
        when the method's optional library is not installed; or `method` and
        `error` (the message) when the method raised or its process died.

    Raises:
        ValueError: on an unknown method or sizes out of range.
    """
    for name, value in (("n_database", n_database), ("n_queries", n_queries), ("dim", dim), ("repeats", repeats)):
        check_positive_int(value, name)
    check_positive_int(k, "k", maximum=n_database, maximum_reason=" (the database size)")
    unknown = [method for method in methods if method not in _SEARCHES]
    if unknown:
        raise ValueError(f"Unknown method(s) {unknown}; valid: {', '.join(METHODS)}.")
    database, queries = make_benchmark_data(n_database, n_queries, dim, seed=seed)
    reference = exact_neighbours(queries, database, k)
    del database, queries
    rows = []
    for method in methods:
        result = _measure(method, n_database, n_queries, dim, k, repeats, seed)
        if "skipped" in result or "error" in result:
            outcome = "skipped" if "skipped" in result else "error"
            rows.append({"method": method, outcome: result[outcome]})
            continue
        indices = result["indices"]
        hits = sum(len(np.intersect1d(got, want)) for got, want in zip(indices, reference))
        median = statistics.median(result["seconds"])
        rows.append(
            {
                "method": method,
                "queries_per_second": n_queries / median,
                "seconds": result["seconds"],
                "peak_rss_mb": result["peak"],
                "recall_vs_exact": hits / reference.size,
            }
        )
    baseline = next((row for row in rows if row["method"] == "course_lib.top_k" and _measured(row)), None)
    for row in rows:
        if baseline is not None and _measured(row):
            row["speed_vs_top_k"] = row["queries_per_second"] / baseline["queries_per_second"]
    return rows


def _measured(row):
    return "skipped" not in row and "error" not in row


def has_errors(rows):
    """True when any benchmark row is an error (a crash), as opposed to a skip."""
    return any("error" in row for row in rows)


def format_table(rows, *, title=""):
    """Renders benchmark rows as an aligned text table.

    A last line gives `course_lib.top_k`'s throughput as a multiple of each
    other measured method's (`2.00x` = twice as many queries per second).
    A skipped method shows `skipped (reason)`; a method that failed shows
    `ERROR: message`.
    """
    lines = [title] if title else []
    header = f"{'method':26s} {'queries/s':>10s} {'vs top_k':>9s} {'peak MiB':>9s} {'recall@k':>9s}"
    lines += [header, "-" * len(header)]
    for row in rows:
        if "skipped" in row:
            lines.append(f"{row['method']:26s} skipped ({row['skipped']})")
            continue
        if "error" in row:
            lines.append(f"{row['method']:26s} ERROR: {row['error']}")
            continue
        lines.append(
            f"{row['method']:26s} {row['queries_per_second']:10,.0f} "
            f"{row.get('speed_vs_top_k', float('nan')):8.2f}x "
            f"{row['peak_rss_mb']:9,.0f} {row['recall_vs_exact']:9.4f}"
        )
    measured = [row for row in rows if _measured(row)]
    baseline = next((row for row in measured if row["method"] == "course_lib.top_k"), None)
    others = [row for row in measured if row is not baseline]
    if baseline is not None and others:
        ratios = ", ".join(
            f"{baseline['queries_per_second'] / row['queries_per_second']:.2f}x {row['method']}" for row in others
        )
        lines.append(f"course_lib.top_k speed: {ratios}")
    return "\n".join(lines)


def to_json(rows):
    """The rows as a JSON list (what `bench --json` prints)."""
    return json.dumps(rows, indent=2, sort_keys=True)
