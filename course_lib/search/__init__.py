"""Similarity search as a system: an exact index, a hand-built IVF index, and faiss.

Exact search (`top_k`, in `course_lib.search.exact`) compares every query with every
stored vector: `n_queries * n_index * dim` multiply-adds, nothing to build, and
always right. An **approximate** index spends time once, at build time, so that
each query looks at only a part of the corpus. The classic one is the inverted
file index (IVF; Jegou, Douze and Schmid, 2011, the basis of faiss):

1. a **coarse quantiser**: k-means splits the corpus into `n_lists` cells, each
   with a centroid;
2. **inverted lists**: each stored vector is filed under its nearest centroid;
3. a query is compared with the centroids, and only the vectors in its
   `n_probe` nearest cells are scored exactly.

`n_probe` is the dial: 1 cell is fast and misses neighbours that sit just over
a cell border; `n_probe = n_lists` scores everything and equals exact search.
`recall_at_k_vs_exact` measures what the dial costs in neighbours.

All indexes here rank by cosine similarity (vectors are L2-normalised when
added), the metric of the course's embeddings, and return `(scores, indices)`
as `top_k` does. `FaissIVFIndex` wraps faiss's `IndexIVFFlat` with the same
interface when faiss is installed (`pip install -e ".[search]"`); check with
`faiss_available()`. `VectorDatabase` (`course_lib.search.vector_database`) puts
the same vectors with their metadata into Chroma, a vector database that
persists, filters, updates and deletes, in this process or on a server; check
with `vector_database_available()`.
"""

from course_lib.search.evaluation import evaluate_search, queries_per_second, recall_at_k_vs_exact
from course_lib.search.exact import ExactIndex, top_k
from course_lib.search.faiss_index import FaissIVFIndex, faiss_available
from course_lib.search.ivf import IVFIndex
from course_lib.search.kmeans import kmeans
from course_lib.search.vector_database import VectorDatabase, vector_database_available

__all__ = [
    "top_k",
    "ExactIndex",
    "IVFIndex",
    "FaissIVFIndex",
    "faiss_available",
    "VectorDatabase",
    "vector_database_available",
    "kmeans",
    "recall_at_k_vs_exact",
    "evaluate_search",
    "queries_per_second",
]
