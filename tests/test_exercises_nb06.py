"""Notebook 06's exercise checkers: the usual wrong answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import numpy as np


def _unit(x, axis=1):
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), 1e-12)


def _logits_dot(embeddings, weights, scale):
    return scale * embeddings @ weights.T


def _logits_unscaled(embeddings, weights, scale):
    return _unit(embeddings) @ _unit(weights).T


def _logits_weights_not_normalised(embeddings, weights, scale):
    return scale * _unit(embeddings) @ weights.T


def _logits_no_zero_guard(embeddings, weights, scale):
    e = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    w = weights / np.linalg.norm(weights, axis=1, keepdims=True)
    return scale * e @ w.T


def _logits_wrong_axis(embeddings, weights, scale):
    return scale * _unit(embeddings, 0) @ _unit(weights, 0).T


def _logits_transposed(embeddings, weights, scale):
    return scale * _unit(weights) @ _unit(embeddings).T


def _loss_probability(scale, num_classes):
    return np.exp(scale) / (np.exp(scale) + num_classes - 1)


def _loss_log_probability(scale, num_classes):
    return -np.log(1.0 + (num_classes - 1) * np.exp(-scale))


def _loss_all_classes(scale, num_classes):
    return np.log(1.0 + num_classes * np.exp(-scale))


def _loss_one_other(scale, num_classes):
    return np.log(1.0 + np.exp(-scale))


def _loss_log10(scale, num_classes):
    return np.log10(1.0 + (num_classes - 1) * np.exp(-scale))


def _cosface_every_class(cosines, labels, scale, margin):
    return scale * (cosines - margin)


def _cosface_added(cosines, labels, scale, margin):
    return scale * (cosines + margin * np.eye(cosines.shape[1])[labels])


def _cosface_after_scale(cosines, labels, scale, margin):
    return scale * cosines - margin * np.eye(cosines.shape[1])[labels]


def _cosface_unscaled(cosines, labels, scale, margin):
    return cosines - margin * np.eye(cosines.shape[1])[labels]


def _cosface_other_classes(cosines, labels, scale, margin):
    return scale * (cosines - margin * (1 - np.eye(cosines.shape[1])[labels]))


def _cosface_true_column_only(cosines, labels, scale, margin):
    return scale * (cosines[np.arange(len(labels)), labels] - margin)


WRONG_ANSWERS = {
    "06.cosine_logits": [
        (_logits_dot, "plain dot product"),
        (_logits_unscaled, "not scaled"),
        (_logits_weights_not_normalised, "but not the class weights"),
        (_logits_no_zero_guard, "NaN"),
        (_logits_wrong_axis, r"columns \(axis=0\)"),
        (_logits_transposed, r"weights\.T"),
    ],
    "06.best_case_loss": [
        (_loss_probability, "probability of the true class"),
        (_loss_log_probability, "negative"),
        (_loss_all_classes, "num_classes - 1 others"),
        (_loss_one_other, "only one other class"),
        (_loss_log10, "base 10"),
    ],
    "06.cosface_logits": [
        (_cosface_every_class, "every class"),
        (_cosface_added, "you added the margin"),
        (_cosface_after_scale, "after scaling"),
        (_cosface_unscaled, "not scaled"),
        (_cosface_other_classes, "on the other classes"),
        (_cosface_true_column_only, "one logit per class"),
    ],
}
