"""Measures the embedded vector databases the capstone could use, each in a fresh virtual environment.

    python scripts/compare_vector_databases.py [--workdir build/vector-databases] [CANDIDATE ...]

For each candidate (LanceDB, Qdrant's local mode, Chroma, sqlite-vec, Milvus Lite):
a virtual environment with NumPy and the candidate from PyPI (its installed size
is measured against one with NumPy alone), then, in that environment, the same
work as notebook 09's section 3 on 100,000 x 64 clustered unit vectors with a
class and a split each: insert them, reopen from disk, 1,000 queries for the top
10 (recall against exact search, queries per second, median of 3), a filtered
query (class 8 only, recall against exact search among class 8), an update and
a delete, and the process's peak memory. It prints one JSON line per candidate
and a table. It downloads packages (PyPI) and takes tens of minutes on 2 cores;
it is not part of the tests. sqlite-vec needs a Python whose `sqlite3` can load
extensions (pass `--python /usr/bin/python3` where the default one cannot).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

CANDIDATES = {
    "chroma": "chromadb",
    "lancedb": "lancedb",
    "qdrant": "qdrant-client",
    "sqlite_vec": "sqlite-vec",
    "milvus": "pymilvus milvus-lite",
}
N, DIM, N_QUERIES, K, LABEL = 100_000, 64, 1000, 10, 8


def make_data():
    import numpy as np

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, DIM))
    labels = rng.integers(0, 10, N)
    vectors = centres[labels] + 0.9 * rng.normal(size=(N, DIM))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    query_labels = rng.integers(0, 10, N_QUERIES)
    queries = centres[query_labels] + 0.9 * rng.normal(size=(N_QUERIES, DIM))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    exact, exact_label = [], []  # in chunks of queries, so that the truth adds little to the peak memory
    for first in range(0, N_QUERIES, 50):
        scores = queries[first : first + 50] @ vectors.T
        exact.append(np.argsort(-scores, axis=1)[:, :K].copy())  # a copy: a view keeps the whole sort
        exact_label.append(np.argsort(-np.where(labels[None, :] == LABEL, scores, -np.inf), axis=1)[:, :K].copy())
    exact, exact_label = np.concatenate(exact), np.concatenate(exact_label)
    split = np.where(np.arange(N) % 5 == 0, "test", "train")
    return vectors, labels, split, queries, exact, exact_label


def _recall(found, truth):
    return sum(len(set(map(int, f)) & set(map(int, t))) for f, t in zip(found, truth)) / (len(truth) * K)


def _rate(search, queries):
    import numpy as np

    search(queries[:10])
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        search(queries)
        seconds.append(time.perf_counter() - start)
    return len(queries) / float(np.median(seconds))


def _open_chroma(path):
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


_DATA_KEYS = ("vectors", "labels", "split", "queries", "exact", "exact_label")


def measure(name, path, data):
    """Runs in the candidate's environment on the data file that `main` wrote; returns the figures as a dict."""
    import numpy as np

    with np.load(data) as arrays:
        vectors, labels, split, queries, exact, exact_label = (arrays[key] for key in _DATA_KEYS)
    out = {"candidate": name}
    if name == "chroma":
        client = _open_chroma(path)
        start = time.perf_counter()
        collection = client.create_collection(
            "items", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        size = client.get_max_batch_size()
        for first in range(0, N, size):
            rows = range(first, min(first + size, N))
            collection.add(ids=[str(i) for i in rows], embeddings=vectors[first : rows.stop],
                           metadatas=[{"label": int(labels[i]), "split": str(split[i])} for i in rows])  # fmt: skip
        out["insert_s"] = time.perf_counter() - start
        collection = _open_chroma(path).get_collection("items", embedding_function=None)

        def search(batch, where=None):
            return collection.query(query_embeddings=batch, n_results=K, where=where, include=[])["ids"]

        out["recall"], out["qps"] = _recall(search(queries), exact), _rate(search, queries)
        out["recall_filtered"] = _recall(search(queries[:100], {"label": LABEL}), exact_label[:100])
        collection.update(ids=["0"], metadatas=[{"label": 3, "split": "train"}])
        collection.delete(ids=["1"])
        out["update_delete"] = collection.count() == N - 1
    elif name == "lancedb":
        import lancedb
        import pyarrow as pa

        start = time.perf_counter()
        column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), DIM)
        lancedb.connect(path).create_table(
            "items", pa.table({"id": np.arange(N), "vector": column, "label": labels, "split": split})
        )
        out["insert_s"] = time.perf_counter() - start
        table = lancedb.connect(path).open_table("items")

        def search(batch, where=None):
            found = []
            for query in batch:
                request = table.search(query).metric("cosine").limit(K).select(["id"])
                found.append((request.where(where, prefilter=True) if where else request).to_arrow()["id"].to_numpy())
            return found

        out["recall"], out["qps"] = _recall(search(queries), exact), _rate(search, queries)
        out["recall_filtered"] = _recall(search(queries[:100], f"label = {LABEL}"), exact_label[:100])
        table.update(where="id = 0", values={"label": 3})
        table.delete("id = 1")
        out["update_delete"] = table.count_rows() == N - 1
    elif name == "qdrant":
        from qdrant_client import QdrantClient, models

        client = QdrantClient(path=path)
        start = time.perf_counter()
        client.create_collection("items", vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE))
        for first in range(0, N, 10_000):
            rows = range(first, first + 10_000)
            payloads = [{"label": int(labels[i]), "split": str(split[i])} for i in rows]
            client.upsert("items", points=models.Batch(ids=list(rows), vectors=vectors[first : rows.stop].tolist(),
                                                       payloads=payloads))  # fmt: skip
        out["insert_s"] = time.perf_counter() - start
        client.close()
        client = QdrantClient(path=path)

        def search(batch, where=None):
            requests = [models.QueryRequest(query=query.tolist(), limit=K, filter=where) for query in batch]
            return [[point.id for point in found.points] for found in client.query_batch_points("items", requests)]

        only = models.Filter(must=[models.FieldCondition(key="label", match=models.MatchValue(value=LABEL))])
        out["recall"], out["qps"] = _recall(search(queries), exact), _rate(search, queries)
        out["recall_filtered"] = _recall(search(queries[:100], only), exact_label[:100])
        client.set_payload("items", payload={"label": 3}, points=[0])
        client.delete("items", points_selector=[1])
        out["update_delete"] = client.count("items").count == N - 1
    elif name == "sqlite_vec":
        import sqlite3

        import sqlite_vec

        def connect():
            database = sqlite3.connect(os.path.join(path, "items.db"))
            database.enable_load_extension(True)
            sqlite_vec.load(database)
            return database

        database = connect()
        start = time.perf_counter()
        database.execute(
            "create virtual table items using vec0(id integer primary key, "
            f"embedding float[{DIM}] distance_metric=cosine, label integer, split text)"
        )
        database.executemany(
            "insert into items(id, embedding, label, split) values (?, ?, ?, ?)",
            [(i, vectors[i].tobytes(), int(labels[i]), str(split[i])) for i in range(N)],
        )
        database.commit()
        out["insert_s"] = time.perf_counter() - start
        database.close()
        database = connect()

        def search(batch, where=""):
            sql = f"select id from items where embedding match ? and k = ? {where} order by distance"
            return [[row[0] for row in database.execute(sql, (query.tobytes(), K))] for query in batch]

        out["recall"], out["qps"] = _recall(search(queries), exact), _rate(search, queries)
        out["recall_filtered"] = _recall(search(queries[:100], f"and label = {LABEL}"), exact_label[:100])
        database.execute("update items set label = 3 where id = 0")
        database.execute("delete from items where id = 1")
        database.commit()
        out["update_delete"] = database.execute("select count(*) from items").fetchone()[0] == N - 1
    elif name == "milvus":
        from pymilvus import DataType, MilvusClient

        client = MilvusClient(os.path.join(path, "milvus.db"))
        start = time.perf_counter()
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
        schema.add_field("label", DataType.INT64)
        schema.add_field("split", DataType.VARCHAR, max_length=8)
        index = client.prepare_index_params()
        index.add_index("vector", index_type="FLAT", metric_type="COSINE")
        client.create_collection("items", schema=schema, index_params=index)
        for first in range(0, N, 10_000):
            client.insert("items", [{"id": i, "vector": vectors[i], "label": int(labels[i]), "split": str(split[i])}
                                    for i in range(first, first + 10_000)])  # fmt: skip
        client.load_collection("items")
        out["insert_s"] = time.perf_counter() - start
        client.close()
        client = MilvusClient(os.path.join(path, "milvus.db"))
        client.load_collection("items")

        def search(batch, where=""):
            return [[hit["id"] for hit in found] for found in client.search("items", data=list(batch), limit=K,
                                                                            filter=where)]  # fmt: skip

        out["recall"], out["qps"] = _recall(search(queries), exact), _rate(search, queries)
        out["recall_filtered"] = _recall(search(queries[:100], f"label == {LABEL}"), exact_label[:100])
        client.upsert("items", [{"id": 0, "vector": vectors[0], "label": 3, "split": "train"}])
        client.delete("items", ids=[1])
        counted = client.query("items", filter="id >= 0", output_fields=["count(*)"])
        out["update_delete"] = counted[0]["count(*)"] == N - 1
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _site_packages_mib(venv):
    (site,) = (venv / "lib").glob("python3*/site-packages")
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file()) / 2**20


def _venv(python, folder, packages):
    if not (folder / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(folder)], check=True)
        subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "numpy", *packages], check=True
        )
    return _site_packages_mib(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("candidates", nargs="*", choices=[[], *CANDIDATES], default=[], help="default: all")
    parser.add_argument("--workdir", default="build/vector-databases", type=Path)
    parser.add_argument("--python", default=sys.executable, help="the interpreter the environments are made from")
    parser.add_argument("--child", nargs=2, metavar=("CANDIDATE", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # inside a candidate's environment
        print(json.dumps(measure(args.child[0], str(args.workdir), args.child[1])))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    import numpy as np  # the data and its truth, computed once here: the candidates' peaks do not include it

    data = (args.workdir / "data.npz").resolve()
    np.savez(data, **dict(zip(_DATA_KEYS, make_data())))
    base = _venv(args.python, args.workdir / "venv-numpy", [])
    rows = []
    for name in args.candidates or list(CANDIDATES):
        installed = _venv(args.python, args.workdir / f"venv-{name}", CANDIDATES[name].split()) - base
        database = args.workdir / f"db-{name}"
        shutil.rmtree(database, ignore_errors=True)
        database.mkdir()
        command = [str(args.workdir / f"venv-{name}" / "bin" / "python"), __file__, "--child", name, str(data)]
        result = subprocess.run([*command, "--workdir", str(database)], capture_output=True, text=True)
        row = (
            json.loads(result.stdout) if result.returncode == 0 else {"candidate": name, "error": result.stderr[-500:]}
        )
        row["installed_mib"] = installed
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(
        f"\n{'candidate':11s} {'MiB':>5s} {'insert s':>8s} {'recall@10':>9s} {'filtered':>8s} {'q/s':>7s} {'peak':>8s}"
    )
    for row in rows:
        if "error" in row:
            print(f"{row['candidate']:11s} {row['installed_mib']:5.0f} ERROR {row['error'].splitlines()[-1]}")
        else:
            print(f"{row['candidate']:11s} {row['installed_mib']:5.0f} {row['insert_s']:8.1f} {row['recall']:9.3f} "
                  f"{row['recall_filtered']:8.3f} {row['qps']:7.0f} {row['peak_mib']:8.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
