"""Seeded pair and triplet samplers, and the course's pair-label convention.

Pair-label convention (used everywhere in the course): a pair label is
`SIMILAR = 1` when the two items belong to the same class and
`DISSIMILAR = 0` when they do not. Losses, metrics and samplers in `course_lib`
all follow it; other docstrings refer back to this paragraph.

The samplers return indices into the label array, not data, so the same
pairs can index images, embeddings or labels. The same seed gives the same
output.
"""

import numpy as np

from course_lib._validation import as_labels, check_positive_int, check_seed

__all__ = ["SIMILAR", "DISSIMILAR", "make_pairs", "make_triplets", "class_balanced_batches"]

SIMILAR = 1
DISSIMILAR = 0


def _class_groups(labels):
    """Sorts indices by label; returns the order, each sample's group start, size and rank."""
    order = np.argsort(labels, kind="stable")
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels)) - starts[inverse[order]]
    return order, starts[inverse], counts[inverse], rank


def _check_sampler_labels(labels, *, need_positive):
    labels = as_labels(labels, "labels")
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"`labels` must hold at least 2 distinct classes to draw dissimilar items; "
            f"received {labels.shape[0]} labels with classes {classes.tolist()}. "
            f"Pass labels from more than one class."
        )
    if need_positive and counts.max(initial=0) < 2:
        raise ValueError(
            f"`labels` needs at least one class with 2 or more samples to draw similar pairs; "
            f"received {len(classes)} classes with one sample each. Pass more samples per class."
        )
    return labels


def _draw_same(rng, anchors, group):
    """Draws, for each anchor, another index with the same label."""
    order, start, size, rank = group
    offset = rng.integers(0, size[anchors] - 1)
    offset = offset + (offset >= rank[anchors])  # skip the anchor itself
    return order[start[anchors] + offset]


def _draw_different(rng, anchors, group):
    """Draws, for each anchor, an index with a different label."""
    order, start, size, _ = group
    offset = rng.integers(0, len(order) - size[anchors])
    offset = np.where(offset < start[anchors], offset, offset + size[anchors])
    return order[offset]


def make_pairs(labels, *, n_pairs, positive_fraction=0.5, seed=0):
    """Samples index pairs for a siamese model, with similar/dissimilar labels.

    A similar pair (label `SIMILAR = 1`, see the module docstring) joins a
    random anchor with another sample of its class; a dissimilar pair
    (`DISSIMILAR = 0`) joins it with a sample of another class. Anchors are
    drawn uniformly over samples, so large classes are drawn more often. Pairs
    are drawn with replacement and returned in shuffled order.

    Args:
        labels: integer class labels of shape `(n_samples,)`.
        n_pairs: number of pairs to draw (>= 1).
        positive_fraction: share of similar pairs in `[0, 1]`; exactly
            `round(n_pairs * positive_fraction)` pairs are similar (Python's
            `round`). Default 0.5.
        seed: seed of `np.random.default_rng`; the same seed gives the same pairs.

    Returns:
        A tuple `(pairs, is_similar)`: `pairs` int64 of shape `(n_pairs, 2)`
        with two distinct indices into `labels` per row, and `is_similar` int64
        of shape `(n_pairs,)`, 1 where the two labels are equal, 0 otherwise.

    Raises:
        ValueError: if `labels` is not 1-D, has fewer than 2 classes, has no
            class with 2 samples while similar pairs are requested, or if
            `positive_fraction` is outside `[0, 1]`.
        TypeError: if `labels` are not integers or `n_pairs` is not an int.

    Example:

    >>> labels = np.array([0, 0, 1, 1, 2, 2])
    >>> pairs, is_similar = make_pairs(labels, n_pairs=8, seed=0)
    >>> pairs.shape, is_similar.shape, int(is_similar.sum())
    ((8, 2), (8,), 4)
    >>> bool(np.all((labels[pairs[:, 0]] == labels[pairs[:, 1]]) == (is_similar == SIMILAR)))
    True
    """
    n_pairs = check_positive_int(n_pairs, "n_pairs")
    if isinstance(positive_fraction, bool) or not isinstance(positive_fraction, (int, float, np.number)):
        raise TypeError(f"`positive_fraction` must be a number in [0, 1]; received {positive_fraction!r}.")
    if not 0.0 <= float(positive_fraction) <= 1.0:
        raise ValueError(
            f"`positive_fraction` must be in [0, 1] (the share of similar pairs); received "
            f"{positive_fraction}. Use 0.5 for balanced pairs."
        )
    n_positive = int(round(n_pairs * float(positive_fraction)))
    labels = _check_sampler_labels(labels, need_positive=n_positive > 0)
    rng = np.random.default_rng(check_seed(seed))
    group = _class_groups(labels)
    eligible = np.flatnonzero(group[2] >= 2)  # samples that have a same-class partner
    positive_anchors = rng.choice(eligible, size=n_positive)
    negative_anchors = rng.integers(0, len(labels), size=n_pairs - n_positive)
    pairs = np.concatenate(
        [
            np.stack([positive_anchors, _draw_same(rng, positive_anchors, group)], axis=1),
            np.stack([negative_anchors, _draw_different(rng, negative_anchors, group)], axis=1),
        ]
    ).astype(np.int64)
    is_similar = np.repeat(np.array([SIMILAR, DISSIMILAR], dtype=np.int64), [n_positive, n_pairs - n_positive])
    shuffle = rng.permutation(n_pairs)
    return pairs[shuffle], is_similar[shuffle]


def make_triplets(labels, *, n_triplets, seed=0):
    """Samples (anchor, positive, negative) index triplets for a triplet loss.

    The anchor is drawn uniformly among samples whose class has at least two
    members; the positive is another sample of the anchor's class (never the
    anchor itself) and the negative a sample of a different class. Triplets
    are drawn with replacement.

    Args:
        labels: integer class labels of shape `(n_samples,)`.
        n_triplets: number of triplets to draw (>= 1).
        seed: seed of `np.random.default_rng`; the same seed gives the same triplets.

    Returns:
        `triplets`, int64 of shape `(n_triplets, 3)`: columns anchor, positive,
        negative, as indices into `labels`.

    Raises:
        ValueError: if `labels` is not 1-D, has fewer than 2 classes, or no
            class has 2 samples.
        TypeError: if `labels` are not integers or `n_triplets` is not an int.

    Example:

    >>> labels = np.array([0, 0, 1, 1, 2])
    >>> triplets = make_triplets(labels, n_triplets=5, seed=0)
    >>> triplets.shape, triplets.dtype
    ((5, 3), dtype('int64'))
    >>> anchor, positive, negative = labels[triplets].T
    >>> bool(np.all(anchor == positive) and np.all(anchor != negative))
    True
    """
    n_triplets = check_positive_int(n_triplets, "n_triplets")
    labels = _check_sampler_labels(labels, need_positive=True)
    rng = np.random.default_rng(check_seed(seed))
    group = _class_groups(labels)
    anchors = rng.choice(np.flatnonzero(group[2] >= 2), size=n_triplets)
    positives = _draw_same(rng, anchors, group)
    negatives = _draw_different(rng, anchors, group)
    return np.stack([anchors, positives, negatives], axis=1).astype(np.int64)


def class_balanced_batches(labels, *, classes_per_batch, samples_per_class, n_batches, seed=0):
    """Draws batches of P classes x K samples, for losses that mine inside a batch.

    A triplet loss with online mining (`course_lib.losses.TripletLoss`) can
    only use the positives and negatives a batch holds. In a batch drawn at
    random the classes come in uneven numbers, and when there are more classes
    than a batch can hold most anchors have no positive at all; in a
    class-balanced batch every anchor has `K - 1` positives and `(P - 1) K`
    negatives. Each batch holds `P = classes_per_batch` distinct
    classes and `K = samples_per_class` distinct samples of each. Both are
    taken in turn from shuffled lists, reshuffled when used up: the classes
    from a list of all classes (so every class appears in the same number of
    batches, give or take one), the samples from a list of the class's
    samples (so every sample is seen about equally often). The same seed
    gives the same batches.

    Args:
        labels: integer class labels of shape `(n_samples,)`.
        classes_per_batch: P, the number of classes per batch, from 2 (a batch
            needs negatives) to the number of classes. Keyword-only.
        samples_per_class: K, the number of samples of each class per batch,
            >= 2 (an anchor needs a positive) and at most the size of the
            smallest class. Keyword-only.
        n_batches: number of batches to draw (>= 1). Keyword-only.
        seed: seed of `np.random.default_rng`. Defaults to `0`.

    Returns:
        `batches`, int64 of shape `(n_batches, P * K)`: each row holds indices
        into `labels`, K consecutive indices per class. Feed
        `x[batches[i]], labels[batches[i]]` as batch `i`.

    Raises:
        ValueError: if `labels` is not 1-D or has fewer than 2 classes, if
            `classes_per_batch` exceeds the number of classes or is below 2, or
            if `samples_per_class` is below 2 or larger than a class.
        TypeError: if `labels` are not integers or a count is not an int.

    Example:

    >>> labels = np.repeat([0, 1, 2], 4)  # 3 classes of 4 samples
    >>> batches = class_balanced_batches(labels, classes_per_batch=2, samples_per_class=2,
    ...                                  n_batches=3, seed=0)
    >>> batches.shape
    (3, 4)
    >>> [labels[batch].tolist() for batch in batches]  # 2 classes x 2 samples each
    [[0, 0, 2, 2], [1, 1, 0, 0], [2, 2, 1, 1]]
    """
    labels = _check_sampler_labels(labels, need_positive=False)
    classes, counts = np.unique(labels, return_counts=True)
    classes_per_batch = check_positive_int(classes_per_batch, "classes_per_batch")
    samples_per_class = check_positive_int(samples_per_class, "samples_per_class")
    n_batches = check_positive_int(n_batches, "n_batches")
    if not 2 <= classes_per_batch <= len(classes):
        raise ValueError(
            f"`classes_per_batch` must be between 2 (a batch needs negatives) and the "
            f"number of classes, {len(classes)}; received {classes_per_batch}."
        )
    if samples_per_class < 2:
        raise ValueError(
            f"`samples_per_class` must be >= 2 so that every anchor has a positive in its "
            f"batch; received {samples_per_class}."
        )
    smallest = int(np.argmin(counts))
    if samples_per_class > counts[smallest]:
        raise ValueError(
            f"`samples_per_class` must be at most the size of the smallest class: class "
            f"{classes[smallest]} has {counts[smallest]} samples; received "
            f"samples_per_class={samples_per_class}. Lower it, or drop the small classes."
        )
    rng = np.random.default_rng(check_seed(seed))
    members = [np.flatnonzero(labels == label) for label in classes]
    queues = [rng.permutation(indices) for indices in members]
    positions = np.zeros(len(classes), dtype=np.int64)
    class_queue = rng.permutation(len(classes))
    batches = np.empty((n_batches, classes_per_batch * samples_per_class), dtype=np.int64)
    for batch in range(n_batches):
        if len(class_queue) < classes_per_batch:
            # Finish the old list, then start a new one in which the classes just used
            # come last, so no class appears twice in a batch.
            fresh = rng.permutation(len(classes))
            used = np.isin(fresh, class_queue)
            class_queue = np.concatenate([class_queue, fresh[~used], fresh[used]])
        chosen_classes, class_queue = class_queue[:classes_per_batch], class_queue[classes_per_batch:]
        for slot, chosen in enumerate(chosen_classes):
            if positions[chosen] + samples_per_class > len(queues[chosen]):
                queues[chosen] = rng.permutation(members[chosen])
                positions[chosen] = 0
            start = positions[chosen]
            batches[batch, slot * samples_per_class : (slot + 1) * samples_per_class] = queues[chosen][
                start : start + samples_per_class
            ]
            positions[chosen] += samples_per_class
    return batches
