"""A vector database, optional: embeddings with their metadata in Chroma, on disk or on a server.

An index (`ExactIndex`, `IVFIndex`, faiss) answers "which stored vectors are
nearest?". A vector database answers the questions a running system asks
next: which of them are *Bags* (a metadata filter), what happens when an item
changes or is withdrawn (updates and deletes), and does it all survive a
restart (persistence). Chroma does this in the learner's own Python process
with nothing to start: `chromadb.PersistentClient(path)` keeps the collection
in a folder (SQLite for the records and metadata, an HNSW graph for the
vectors). When one machine is not enough, the same client code talks to a
Chroma server: start one with `chroma run --path DIR --port 8000` (the command
ships with the same PyPI package) and open `VectorDatabase(host="localhost",
port=8000)` instead of `VectorDatabase(path)`; nothing else changes.

The search is approximate: HNSW (Malkov and Yashunin, 2018) walks a graph of
near neighbours instead of scoring every vector; `ef_search`, the number of
candidates kept during the walk, is its dial, as `n_probe` is IVF's. Measure
it with `recall_at_k_vs_exact`, as for the other indexes.

Needs the optional `chromadb` package (`pip install -e ".[search]"`); check
with `vector_database_available()`.
"""

import contextlib
import numbers
import warnings
from pathlib import Path

import numpy as np

from course_lib._validation import check_positive_int, to_numpy
from course_lib.search._common import check_vectors
from course_lib.similarity import l2_normalize

__all__ = ["VectorDatabase", "vector_database_available"]

_INSTALL = 'pip install -e ".[search]" (or pip install chromadb)'


_IMPORT_ERROR = []  # why chromadb could not be imported, once known


def _import_chromadb():
    """Imports chromadb, or returns None when it is not installed or cannot start here.

    Chroma refuses to import where SQLite is older than it needs (a RuntimeError
    that names the version); that counts as "not available", with its reason kept
    for the error `VectorDatabase` raises.
    """
    try:
        import chromadb
    except (ImportError, RuntimeError) as error:
        _IMPORT_ERROR[:] = [f"{type(error).__name__}: {error}"]
        return None
    return chromadb


def vector_database_available():
    """True when the optional `chromadb` package, the course's vector database, can be imported.

    Install it with the course's `search` extra: `pip install -e ".[search]"`.

    Returns:
        A bool.

    Example:

    >>> isinstance(vector_database_available(), bool)
    True
    """
    return _import_chromadb() is not None


def _check_ids(ids, name="ids", n=None):
    ids = to_numpy(ids, name)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise TypeError(
            f"`{name}` must be a 1-D array of integer ids; received dtype {ids.dtype} and shape {ids.shape}. "
            f"Ids are the integers `add` gave the items (0, 1, ... by default)."
        )
    if n is not None and len(ids) != n:
        raise ValueError(f"`{name}` must hold one id per vector: {n}; received {len(ids)}.")
    if ids.size and ids.min() < 0:
        raise ValueError(f"`{name}` must be non-negative; received {int(ids.min())}.")
    if len(np.unique(ids)) != len(ids):
        raise ValueError(f"`{name}` holds the same id twice; each item needs its own id.")
    return ids.astype(np.int64)


def _metadata_value(value, key):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(
        f"metadata[{key!r}] must hold ints, floats, bools or strs (one per item); received "
        f"{type(value).__name__} {value!r}."
    )


def _metadata_rows(metadata, n):
    """A dict of columns `{name: values (n,)}` as one dict per item."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not metadata:
        raise TypeError(
            f"`metadata` must be a non-empty dict of columns, e.g. {{'label': labels, 'split': splits}}, "
            f"each with one value per item; received {type(metadata).__name__}."
        )
    columns = {}
    for key, values in metadata.items():
        if not isinstance(key, str):
            raise TypeError(f"metadata keys must be strs; received {key!r}.")
        values = np.asarray(to_numpy(values, f"metadata[{key!r}]"))
        if values.ndim != 1 or len(values) != n:
            raise ValueError(
                f"metadata[{key!r}] must hold one value per item: shape ({n},); received shape {values.shape}."
            )
        columns[key] = [_metadata_value(value.item() if hasattr(value, "item") else value, key) for value in values]
    return [{key: column[i] for key, column in columns.items()} for i in range(n)]


@contextlib.contextmanager
def _quiet_configuration():
    """Hides chromadb's DeprecationWarning that a collection without an embedding function is "legacy"."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "legacy embedding function config", DeprecationWarning)
        yield


def _check_where(where):
    if where is not None and (not isinstance(where, dict) or not where):
        raise TypeError(
            f"`where` must be None or a non-empty dict, e.g. {{'label': 8}} or "
            f"{{'$and': [{{'label': 8}}, {{'split': 'train'}}]}}; received {where!r}."
        )
    return where


class VectorDatabase:
    """Embeddings and their metadata in a Chroma collection, searched by cosine similarity.

    Opens (or creates) the collection in the folder `path`, where it persists
    between sessions, or on a Chroma server at `host` and `port`: the rest of
    the code is the same. Items have integer ids (their row in the corpus by
    default) and any metadata columns (class, split, ...); `search` returns
    `(scores, ids)` as the course's other indexes do, so `recall_at_k_vs_exact`,
    `queries_per_second` and `evaluate_search` measure it like them.

    Args:
        path: folder of the database on disk, created if needed. Give either
            `path` or `host`.
        host: host name of a Chroma server (`chroma run --path DIR --port PORT`).
        port: int, the server's port. Defaults to 8000.
        collection: str, the collection's name. Defaults to `"embeddings"`.
        ef_search: int, candidates the HNSW search keeps per query, the recall
            dial. Defaults to 100, Chroma's default. Used when the collection is
            created; a collection opened again keeps its own.
        ef_construction: int, candidates kept while the graph is built.
            Defaults to 100. Used when the collection is created.

    Raises:
        ImportError: if chromadb is not installed, with the command to install it.
        ValueError: if both or neither of `path` and `host` are given.

    Example:

    >>> import tempfile
    >>> if not vector_database_available():  # the same interface as ExactIndex
    ...     from course_lib.search import ExactIndex as VectorDatabase
    ...     database = VectorDatabase.from_vectors(np.eye(4, dtype="float32"))
    ... else:
    ...     database = VectorDatabase(tempfile.mkdtemp())
    ...     database.add(np.eye(4, dtype="float32"), metadata={"label": [0, 0, 1, 1]})
    >>> database.search(np.array([[1.0, 0.1, 0.0, 0.0]]), k=2)[1].tolist()
    [[0, 1]]
    """

    def __init__(self, path=None, *, host=None, port=8000, collection="embeddings", ef_search=100, ef_construction=100):
        chromadb = _import_chromadb()
        if chromadb is None:
            reason = f" ({_IMPORT_ERROR[0]})" if _IMPORT_ERROR else ""
            raise ImportError(
                f"VectorDatabase needs the optional chromadb package, which is not installed or cannot be "
                f"imported here{reason}. Install the course's search extra: {_INSTALL}. ExactIndex and "
                f"IVFIndex work without it."
            )
        if (path is None) == (host is None):
            raise ValueError(
                f"Give either `path` (a folder: the database runs in this process) or `host` (a Chroma "
                f"server); received path={path!r}, host={host!r}."
            )
        if not isinstance(collection, str) or not collection:
            raise TypeError(f"`collection` must be a non-empty str; received {collection!r}.")
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if path is not None:
            self.path = Path(path).expanduser()
            self.path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(self.path), settings=settings)
        else:
            self.path = None
            port = check_positive_int(port, "port", maximum=65535)
            self._client = chromadb.HttpClient(host=host, port=port, settings=settings)
        hnsw = {
            "space": "cosine",
            "ef_search": check_positive_int(ef_search, "ef_search"),
            "ef_construction": check_positive_int(ef_construction, "ef_construction"),
        }
        self._collection = self._client.get_or_create_collection(
            collection, embedding_function=None, configuration={"hnsw": hnsw}
        )
        self._dim = None

    def __len__(self):
        return int(self._collection.count())

    def __repr__(self):
        where = f"path={str(self.path)!r}" if self.path is not None else "a Chroma server"
        return f"VectorDatabase({where}, collection={self._collection.name!r}, {len(self):,} items)"

    @property
    def ef_search(self):
        """Candidates the HNSW search keeps per query, fixed when the collection is created.

        Higher finds more of the exact neighbours, slower. Chroma stores the
        setting with the collection, and an open index keeps the value it was
        loaded with: to try another, create a database with `ef_search=`.
        """
        with _quiet_configuration():
            return int(self._collection.configuration["hnsw"]["ef_search"])

    @property
    def dim(self):
        """The length of the stored vectors; None while the collection is empty."""
        if self._dim is None and len(self):
            first = self._collection.get(limit=1, include=["embeddings"])["embeddings"]
            self._dim = int(np.asarray(first).shape[1])
        return self._dim

    def _batches(self, n):
        size = int(self._client.get_max_batch_size())
        return [slice(start, min(start + size, n)) for start in range(0, n, size)]

    def add(self, vectors, *, ids=None, metadata=None, progress=False):
        """Adds `(n, dim)` vectors (L2-normalised) with their metadata; an existing id raises.

        Args:
            vectors: `(n, dim)` float array.
            ids: `(n,)` ints, unique. Defaults to `len(self), ..., len(self) + n - 1`.
            metadata: dict of columns `{name: values (n,)}` (ints, floats,
                bools or strs), e.g. `{"label": labels, "split": splits}`.
            progress: bool, print how many items are in after each batch.
                Defaults to False.

        Raises:
            ValueError: on a dimension other than the stored vectors', ids or
                metadata of another length, a repeated id, or an id already stored.
        """
        vectors = l2_normalize(check_vectors(vectors, "vectors", self.dim))
        ids = _check_ids(np.arange(len(self), len(self) + len(vectors)) if ids is None else ids, n=len(vectors))
        rows = _metadata_rows(metadata, len(vectors))
        taken = self._collection.get(ids=[str(i) for i in ids[:10_000]], include=[])["ids"]
        if taken:
            raise ValueError(
                f"ids {', '.join(taken[:5])} are already stored; use update() to change an item, or pass new ids."
            )
        for batch in self._batches(len(vectors)):
            self._collection.add(
                ids=[str(i) for i in ids[batch]],
                embeddings=vectors[batch],
                metadatas=None if rows is None else rows[batch],
            )
            if progress:
                print(f"{batch.stop:,}", end=" ", flush=True)
        if progress:
            print()
        self._dim = vectors.shape[1]

    def search(self, queries, k, *, where=None):
        """Approximate top-`k` by cosine among the items that match `where`: `(scores, ids)`, `(n_queries, k)`.

        Args:
            queries: `(n_queries, dim)`.
            k: int, neighbours per query.
            where: None (every item) or a metadata filter in Chroma's syntax,
                e.g. `{"label": 8}`, `{"label": {"$in": [5, 7, 9]}}`,
                `{"$and": [{"label": 8}, {"split": "train"}]}`.

        Returns:
            `scores`: float32 cosine similarities, best first; `ids`: int64.
            Where fewer than `k` items match, the missing places hold id -1
            and score -inf, as `IVFIndex` does.
        """
        if not len(self):
            raise ValueError("The database is empty; add(vectors) first.")
        queries = l2_normalize(check_vectors(queries, "queries", self.dim))
        k = check_positive_int(k, "k", maximum=len(self), maximum_reason=f" (the database holds {len(self)} items)")
        result = self._collection.query(
            query_embeddings=queries, n_results=k, where=_check_where(where), include=["distances"]
        )
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, (found, distances) in enumerate(zip(result["ids"], result["distances"])):
            ids[row, : len(found)] = [int(i) for i in found]
            scores[row, : len(found)] = 1.0 - np.asarray(distances, dtype=np.float32)  # cosine distance = 1 - cos
        return scores, ids

    def metadata(self, ids):
        """The metadata of `ids`, one dict per id (keys sorted) in the order given; None for an id not stored.

        Example:

        >>> import tempfile
        >>> if vector_database_available():
        ...     database = VectorDatabase(tempfile.mkdtemp())
        ...     database.add(np.eye(3, dtype="float32"), metadata={"label": [4, 5, 6]})
        ...     print(database.metadata([2, 7]))
        ... else:
        ...     print([{"label": 6}, None])
        [{'label': 6}, None]
        """
        ids = _check_ids(ids)
        found = self._collection.get(ids=[str(i) for i in ids], include=["metadatas"])
        stored = {i: dict(sorted(row.items())) for i, row in zip(found["ids"], found["metadatas"])}
        return [stored.get(str(i)) for i in ids]

    def update(self, ids, *, vectors=None, metadata=None):
        """Changes stored items: their vectors, their metadata or both; an id not stored raises.

        Args:
            ids: `(n,)` ints of stored items.
            vectors: None or `(n, dim)`, the new vectors.
            metadata: None or a dict of columns `{name: values (n,)}`; the
                named fields change, the others stay.
        """
        ids = _check_ids(ids)
        if vectors is None and metadata is None:
            raise ValueError("Give `vectors`, `metadata` or both: there is nothing to update.")
        missing = [int(i) for i, row in zip(ids, self.metadata(ids)) if row is None]
        if missing:
            raise ValueError(f"ids {missing[:5]} are not stored; add() them first.")
        if vectors is not None:
            vectors = l2_normalize(check_vectors(vectors, "vectors", self.dim))
            if len(vectors) != len(ids):
                raise ValueError(f"`vectors` must hold one vector per id: {len(ids)}; received {len(vectors)}.")
        rows = _metadata_rows(metadata, len(ids))
        self._collection.update(ids=[str(i) for i in ids], embeddings=vectors, metadatas=rows)

    def delete(self, ids=None, *, where=None):
        """Removes the items `ids`, or every item that matches the filter `where`; returns how many went."""
        if (ids is None) == (where is None):
            raise ValueError("Give either `ids` or `where` (a metadata filter such as {'split': 'test'}).")
        before = len(self)
        if ids is not None:
            self._collection.delete(ids=[str(i) for i in _check_ids(ids)])
        else:
            self._collection.delete(where=_check_where(where))
        return before - len(self)
