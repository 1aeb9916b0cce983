"""Notebook 06's exercise checkers: the usual wrong answers.

`tests/test_exercises.py` rejects every wrong answer listed in `WRONG_ANSWERS` here
(with its message) and runs the shared checks over every exercise.
"""

import keras
import numpy as np

from course_lib import heads
from course_lib.heads import margin_logits


def _unit(x, axis=1):
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), 1e-12)


def _softmax(logits, axis=1):
    exponentials = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


def _cosines(embeddings, weights):
    return _unit(embeddings) @ _unit(weights).T


def _probabilities_overflow(embeddings, weights, scale):
    exponentials = np.exp(scale * _cosines(embeddings, weights))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def _probabilities_minus_scale(embeddings, weights, scale):
    exponentials = np.exp(scale * _cosines(embeddings, weights) - scale)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def _probabilities_no_zero_guard(embeddings, weights, scale):
    e = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    return _softmax(scale * e @ _unit(weights).T)


def _probabilities_over_embeddings(embeddings, weights, scale):
    return _softmax(scale * _cosines(embeddings, weights), axis=0)


def _probabilities_logits(embeddings, weights, scale):
    return scale * _cosines(embeddings, weights)


def _probabilities_unscaled(embeddings, weights, scale):
    return _softmax(_cosines(embeddings, weights))


def _probabilities_temperature(embeddings, weights, scale):
    return _softmax(_cosines(embeddings, weights) / scale)


def _probabilities_dot(embeddings, weights, scale):
    return _softmax(scale * embeddings @ weights.T)


def _probabilities_weights_not_normalised(embeddings, weights, scale):
    return _softmax(scale * _unit(embeddings) @ weights.T)


def _probabilities_embeddings_not_normalised(embeddings, weights, scale):
    return _softmax(scale * embeddings @ _unit(weights).T)


def _probabilities_log(embeddings, weights, scale):
    logits = scale * _cosines(embeddings, weights)
    return (
        logits
        - logits.max(axis=1, keepdims=True)
        - np.log(np.exp(logits - logits.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True))
    )


def _probabilities_transposed(embeddings, weights, scale):
    return _softmax(scale * _cosines(embeddings, weights)).T


def _probabilities_mixed(embeddings, weights, scale):  # no scale at 10, overflow at 1000
    return (_probabilities_unscaled if scale == 10.0 else _probabilities_overflow)(embeddings, weights, scale)


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
    "06.cosine_probabilities": [
        (_probabilities_overflow, r"NaN at scale 1000: np\.exp\(1000\) overflows"),
        (_probabilities_minus_scale, r"subtracted the scale.*OWN largest logit"),
        (_probabilities_no_zero_guard, r"NaN for the zero embedding"),
        (_probabilities_over_embeddings, r"over the embeddings \(axis 0\)"),
        (_probabilities_logits, r"returned the logits"),
        (_probabilities_unscaled, "left out the scale"),
        (_probabilities_temperature, "divided the cosines by the scale"),
        (_probabilities_dot, "plain dot product"),
        (_probabilities_weights_not_normalised, "but not the class weights"),
        (_probabilities_embeddings_not_normalised, "but not the embeddings"),
        (_probabilities_log, "log-probabilities"),
        (_probabilities_transposed, r"got \(3, 4\), a transpose"),
        (_probabilities_mixed, r"^on embeddings \[\[2, 0\], \[1, 1\]\].*: expected\n.*\ngot\n"),
        (lambda e, w, s: keras.ops.softmax(heads.cosine_logits(e, w, scale=s)), "course's own version"),
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


def _probabilities_stable_keras(embeddings, weights, scale):  # float32, as in a model
    cosines = keras.ops.convert_to_tensor(_cosines(embeddings, weights), dtype="float32")
    return keras.ops.convert_to_numpy(keras.ops.softmax(scale * cosines, axis=-1))


def _probabilities_scipy_einsum(embeddings, weights, scale):
    from scipy.special import softmax

    lengths = np.maximum(np.sqrt(np.einsum("nd,nd->n", embeddings, embeddings)), 1e-12)
    weight_lengths = np.linalg.norm(weights, axis=1)
    cosines = np.einsum("nd,cd->nc", embeddings, weights) / lengths[:, None] / weight_lengths
    return softmax(scale * cosines, axis=1)


def _cosface_loop(cosines, labels, scale, margin):
    logits = scale * cosines.copy()
    for row, label in enumerate(labels):
        logits[row, label] -= scale * margin
    return logits


RIGHT_ANSWERS = {
    "06.cosine_probabilities": [_probabilities_stable_keras, _probabilities_scipy_einsum],
    "06.best_case_loss": [
        _loss_keras_float32,
        lambda scale, num_classes: -np.log(np.exp(scale) / (np.exp(scale) + num_classes - 1)),
    ],
    "06.cosface_logits": [
        _cosface_loop,
        lambda c, y, s, m: s * np.where(np.arange(c.shape[1]) == y[:, None], c - m, c),
    ],
}
WRONG_ANSWERS["06.cosface_logits"].append(
    (lambda c, y, s, m: margin_logits(c, y, scale=s, margin=m), "course's own version")
)


# --- 06.arcface_logits ----------------------------------------------------------------------


def _arcface(cosines, labels, scale, margin, *, clip=True, fallback=True, every_class=False, cosface=False):
    """ArcFace written as a learner might, with one switch per usual slip."""
    c = np.clip(cosines, -1.0, 1.0) if clip else cosines
    if cosface:
        target = cosines - margin
    else:
        target = np.cos(np.arccos(c) + margin)
        if fallback:
            target = np.where(c < np.cos(np.pi - margin), cosines - margin * np.sin(margin), target)
    is_true = np.eye(cosines.shape[1], dtype=bool)[labels]
    if every_class:
        is_true[:] = True
    return scale * np.where(is_true, target, cosines)


def _arcface_no_clip_sqrt(cosines, labels, scale, margin):
    sine = np.sqrt(1.0 - cosines**2)  # NaN for |cos| a hair above 1
    shifted = cosines * np.cos(margin) - sine * np.sin(margin)
    target = np.where(cosines > np.cos(np.pi - margin), shifted, cosines - margin * np.sin(margin))
    return scale * np.where(np.eye(cosines.shape[1], dtype=bool)[labels], target, cosines)


WRONG_ANSWERS["06.arcface_logits"] = [
    (lambda c, y, s, m: _arcface(c, y, s, m, every_class=True), "on every class"),
    (lambda c, y, s, m: _arcface(c, y, s, m, clip=False), r"NaN .*np\.clip"),
    (_arcface_no_clip_sqrt, r"NaN .*np\.clip"),
    (lambda c, y, s, m: _arcface(c, y, s, m, fallback=False), r"cos\(theta\) - m \* sin\(m\)"),
    (lambda c, y, s, m: _arcface(c, y, s, m, cosface=True), r"\(CosFace\)"),
    (lambda c, y, s, m: _arcface(c, y, s, m) / s, "not scaled"),
    (lambda c, y, s, m: _arcface(c, y, s, np.radians(m)), "already in radians"),
    (lambda c, y, s, m: _arcface(c, y, s, np.degrees(m)), "to degrees"),
    (
        lambda c, y, s, m: np.asarray(margin_logits(c, y, margin_type="arcface", scale=s, margin=m)),
        "course's own version",
    ),
    (lambda c, y, s, m: None, r"returned None: did you forget `return`\?"),
    # CosFace on the first input, no clip on the others: neither names every case.
    (
        lambda c, y, s, m: _arcface(c, y, s, m, cosface=len(c) == 2, clip=False),
        r"^on cosines \[\[0.8, 0.6\], \[0.5, -0.5\]\].*: expected\n.*\ngot\n",
    ),
]


def _arcface_loop(cosines, labels, scale, margin):
    import math

    logits = scale * np.array(cosines, dtype=float)
    for row, label in enumerate(labels):
        cosine = min(max(cosines[row, label], -1.0), 1.0)
        theta = math.acos(cosine)
        if theta + margin > math.pi:
            logits[row, label] = scale * (cosines[row, label] - margin * math.sin(margin))
        else:
            logits[row, label] = scale * math.cos(theta + margin)
    return logits


def _arcface_identity(cosines, labels, scale, margin):
    """cos(theta + m) = cos cos(m) - sin sin(m), clipped a hair inside [-1, 1] as course_lib."""
    clipped = np.clip(cosines, -1 + 1e-6, 1 - 1e-6)
    shifted = clipped * np.cos(margin) - np.sqrt(1 - clipped**2) * np.sin(margin)
    target = np.where(clipped > -np.cos(margin), shifted, cosines - margin * np.sin(margin))
    one_hot = np.zeros_like(cosines)
    one_hot[np.arange(len(labels)), labels] = 1.0
    return scale * (one_hot * target + (1 - one_hot) * cosines)


RIGHT_ANSWERS["06.arcface_logits"] = [_arcface_loop, _arcface_identity]


def test_arcface_reference_matches_course_lib():
    from course_lib.exercises.nb06 import ARCFACE_TOLERANCE, arcface_logits, reference_arcface

    for case in arcface_logits.cases():
        cosines, labels, scale, margin = case.args
        course = np.asarray(margin_logits(cosines, labels, margin_type="arcface", scale=scale, margin=margin))
        ours = reference_arcface(cosines, labels, scale, margin)
        assert ARCFACE_TOLERANCE.close(course, ours, magnitude=case.magnitude), case


def test_the_arcface_question_says_the_margin_needs_the_label():
    from course_lib.exercises import get_exercise

    question = get_exercise("06.arcface_target")
    assert question.evaluate("b").correct
    assert "needs the label" in question.evaluate("d").message


# --- mistakes the earlier cases let through or misnamed, and float32 / tensor answers ---------


def _probabilities_minus_batch_max(embeddings, weights, scale):
    logits = scale * _cosines(embeddings, weights)
    exponentials = np.exp(logits - logits.max())  # the largest logit of the whole batch
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def _cosface_label_columns(cosines, labels, scale, margin):
    logits = scale * cosines.copy()
    logits[:, labels] -= scale * margin  # whole columns, in every row
    return logits


def _cosface_keras(cosines, labels, scale, margin):
    one_hot = keras.ops.one_hot(labels, cosines.shape[1])
    return scale * (keras.ops.convert_to_tensor(cosines, "float32") - margin * one_hot)


WRONG_ANSWERS["06.cosine_probabilities"].append(
    (_probabilities_minus_batch_max, r"NaN at scale 1000: you subtracted the largest logit of the whole batch")
)
WRONG_ANSWERS["06.best_case_loss"] += [
    (lambda scale, num_classes: np.log(num_classes - 1) - scale, "leaves the true class out of the denominator"),
    (lambda scale, num_classes: np.log(np.exp(scale) + num_classes - 1), "probability of one of the OTHER classes"),
]
WRONG_ANSWERS["06.cosface_logits"].append((_cosface_label_columns, r"whole columns, cosines\[:, labels\]"))
RIGHT_ANSWERS["06.cosface_logits"].append(_cosface_keras)


def test_subtracting_the_batch_maximum_is_not_called_subtracting_the_scale():
    from course_lib.exercises import get_exercise

    exercise = get_exercise("06.cosine_probabilities")
    batch_max = exercise.evaluate(_probabilities_minus_batch_max).message
    assert "whole batch" in batch_max and "subtracted the scale" not in batch_max
    assert "subtracted the scale" in exercise.evaluate(_probabilities_minus_scale).message
