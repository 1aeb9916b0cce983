"""course_lib: the library behind the Deep Similarity course.

The notebooks teach each idea by hand once, then import it from here. Modules by
topic:

- `course_lib.similarity`: `l2_normalize`, `cosine_similarity`, `cosine_distance`,
  `euclidean_distances` (NumPy only); `course_lib.tensor_similarity`: the same
  vector maths on tensors, with `keras.ops`, for models and losses
  (`l2_normalize_tensor`, `unit_vectors_tensor`, `paired_distances_tensor`,
  `pairwise_distances_tensor`).
- `course_lib.neighbours`: `nearest_neighbours`, exact search in NumPy (the
  build of `top_k` that the metrics use).
- `course_lib.metrics`: `recall_at_k`, `map_at_r`, `evaluate_retrieval`,
  `retrieval_from_distances`, and the scoring step they share, `retrieval_scores`
  (NumPy only).
- `course_lib.rank_metrics`: `ranking_scores` (MRR, R@k, NDCG@k) and
  `relevant_ranks`, for queries with one right answer each, ties counted fairly.
- `course_lib.data`: the shipped datasets (`load_fashion_mnist`,
  `load_japanese_vowels`, `load_digits`), `verify_data` and
  `train_validation_split` (a seeded, stratified validation set).
- `course_lib.sampling`: seeded `make_pairs` / `make_triplets`; the pair-label
  convention `SIMILAR = 1`.
- `course_lib.pipeline`: `gather_batches`, index batches fed to Keras `fit`.
- `course_lib.device`: `setup_device`, the first call of every notebook.
- `course_lib.results`: `save_results` / `load_results`, the results-file format.
- `course_lib.plotting`: neighbour grids, similarity heat-maps, embedding
  scatter plots, training curves (import it explicitly; it loads matplotlib).
- `course_lib.layers`, `course_lib.losses`: `L2Normalize`, `PairDistance`,
  `ContrastiveLoss`, `TripletLoss` (keras.ops only, serializable).
- `course_lib.heads`: cosine classifier heads: `cosine_logits`, `CosineClassifier`,
  `margin_logits` and `MarginCosineLoss` (NormFace, CosFace, ArcFace).
- `course_lib.callbacks`: Keras callbacks: `RetrievalMonitor` (retrieval scores in
  the training logs) and `TrainingProgress` (a line per epoch, then a summary).
- `course_lib.models`: model builders (autoencoders, CNN, RNN and attention encoders,
  softmax and cosine classifiers).
- `course_lib.sequences`, `course_lib.dtw`, `course_lib.attention`,
  `course_lib.verification`: padding, masks and standardisation; dynamic time
  warping; attention layers; ROC, EER and verification thresholds
  (`precision_recall_f1`, `choose_threshold`).
- `course_lib.search`: exact search `top_k` (exact, chunked nearest-neighbour
  search on Keras) and indexes for similarity search: `ExactIndex`, a hand-built
  `IVFIndex`, `FaissIVFIndex` (optional faiss), recall against exact search.
- `course_lib.leaderboard`, `course_lib.explorer`: the capstone's leaderboard of
  every saved result, and the ipywidgets neighbour explorer.
- `course_lib.exercises`: checked exercises (`check()`, `hint()`, `solution()`).
- `course_lib.doctor`, `course_lib.notebooks`, `course_lib.bench`, `course_lib.cli`:
  the `python -m course_lib` command line (doctor, run, solve, clean, bench).

Importing `course_lib` does not import TensorFlow; the functions that need
Keras import it when called.
"""

from course_lib.data import (
    FASHION_MNIST_CLASSES,
    load_digits,
    load_fashion_mnist,
    load_japanese_vowels,
    train_validation_split,
    verify_data,
)
from course_lib.device import setup_device
from course_lib.metrics import evaluate_retrieval, map_at_r, recall_at_k, retrieval_from_distances
from course_lib.results import PROTOCOLS, load_results, save_results
from course_lib.sampling import DISSIMILAR, SIMILAR, make_pairs, make_triplets
from course_lib.search.exact import top_k
from course_lib.similarity import cosine_distance, cosine_similarity, euclidean_distances, l2_normalize
from course_lib.versions import __version__ as __version__  # the package version, one place

__all__ = [
    "DISSIMILAR",
    "FASHION_MNIST_CLASSES",
    "PROTOCOLS",
    "SIMILAR",
    "cosine_distance",
    "cosine_similarity",
    "euclidean_distances",
    "evaluate_retrieval",
    "l2_normalize",
    "load_digits",
    "load_fashion_mnist",
    "load_japanese_vowels",
    "load_results",
    "make_pairs",
    "make_triplets",
    "map_at_r",
    "recall_at_k",
    "retrieval_from_distances",
    "save_results",
    "setup_device",
    "top_k",
    "train_validation_split",
    "verify_data",
]
