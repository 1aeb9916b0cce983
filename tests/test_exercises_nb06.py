"""Notebook 06's exercise checkers: the usual wrong answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import keras
import numpy as np

from course_lib.heads import margin_logits


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
        (lambda e, w, s: (_logits_unscaled if len(e) == 2 else _logits_dot)(e, w, s),
         r"^on embeddings \[\[2, 0\], \[1, 1\]\].*: expected\n.*\ngot\n"),
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


def _loss_keras_float32(scale, num_classes):
    logits = np.zeros((1, num_classes), dtype="float32")
    logits[0, 0] = scale
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return float(loss(np.array([0]), logits))


def _cosface_loop(cosines, labels, scale, margin):
    logits = scale * cosines.copy()
    for row, label in enumerate(labels):
        logits[row, label] -= scale * margin
    return logits


RIGHT_ANSWERS = {
    "06.cosine_logits": [lambda e, w, s: s * (_unit(w) @ _unit(e).T).T,
                         lambda e, w, s: s * np.einsum("id,cd->ic", _unit(e), _unit(w))],
    "06.best_case_loss": [_loss_keras_float32,
                          lambda scale, num_classes: -np.log(np.exp(scale) / (np.exp(scale) + num_classes - 1))],
    "06.cosface_logits": [_cosface_loop,
                          lambda c, y, s, m: s * np.where(np.arange(c.shape[1]) == y[:, None], c - m, c)],
}
WRONG_ANSWERS["06.cosface_logits"].append(
    (lambda c, y, s, m: margin_logits(c, y, scale=s, margin=m), "course's own version"))
