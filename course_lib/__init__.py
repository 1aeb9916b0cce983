"""course_lib: the library behind the Deep Similarity course.

The notebooks teach each idea by hand once, then import it from here. Modules by
topic:

- `course_lib.similarity`: `l2_normalize`, `cosine_similarity`, `cosine_distance`,
  `euclidean_distances`, `top_k` (exact, chunked nearest-neighbour search).
- `course_lib.metrics`: `recall_at_k`, `map_at_r`, `evaluate_retrieval`.
- `course_lib.exercises`: checked exercises (`check()`, `hint()`, `solution()`).
"""

from course_lib.metrics import evaluate_retrieval, map_at_r, recall_at_k
from course_lib.similarity import (
    cosine_distance,
    cosine_similarity,
    euclidean_distances,
    l2_normalize,
    top_k,
)

__version__ = "0.1.0"

__all__ = [
    "cosine_distance",
    "cosine_similarity",
    "euclidean_distances",
    "evaluate_retrieval",
    "l2_normalize",
    "map_at_r",
    "recall_at_k",
    "top_k",
]
