"""Exercises of notebook 06, cosine similarity heads.

- `cosine_probabilities`: a cosine head's class probabilities, softmax of scale * cos, safe
  for zero vectors and for large scales.
- `best_case_loss`: the smallest cross-entropy a scaled cosine head can reach, for a scale.
- `cosface_logits`: the CosFace margin, on the true class only.
- `arcface_logits`: the ArcFace margin on the true class's angle, with its two edges.
- `arcface_target`: a question: which logits the ArcFace margin changes.

Each case's `magnitude` is its scale: logits up to the scale lose float32 digits in
proportion, so a right answer computed in float32 passes at every scale.
"""

import numpy as np

from course_lib import heads
from course_lib.exercises.answers import Array, Number, transposed
from course_lib.exercises.diagnosis import Mistake
from course_lib.exercises.problems import Case, FunctionExercise
from course_lib.exercises.questions import Question
from course_lib.exercises.values import Tolerance

__all__ = [
    "arcface_logits",
    "arcface_target",
    "best_case_loss",
    "cosface_logits",
    "cosine_probabilities",
    "reference_arcface",
    "reference_probabilities",
]


def _unit(x, axis=1):
    return x / np.maximum(np.linalg.norm(x, axis=axis, keepdims=True), 1e-12)


# --- 06.cosine_probabilities --------------------------------------------------------------------


def _probability_cases():
    rng = np.random.default_rng(61)
    with_zero = rng.normal(size=(4, 4)) * 3
    with_zero[2] = 0.0
    return [
        Case(
            "embeddings [[2, 0], [1, 1]], weights [[1, 0], [0, 3]], scale 10",
            np.array([[2.0, 0.0], [1.0, 1.0]]),
            np.array([[1.0, 0.0], [0.0, 3.0]]),
            10.0,
            magnitude=10.0,
        ),
        Case(
            "random embeddings (4, 4) whose row 2 is all zeros, weights (3, 4) of mixed lengths, scale 16",
            with_zero,
            rng.normal(size=(3, 4)) * np.array([[0.5], [2.0], [7.0]]),
            16.0,
            magnitude=16.0,
        ),
        Case(
            "random embeddings (3, 5), weights (4, 5), scale 1",
            rng.normal(size=(3, 5)),
            rng.normal(size=(4, 5)) * 2,
            1.0,
        ),
        Case(
            "random embeddings (4, 3), weights (5, 3), scale 1000",
            rng.normal(size=(4, 3)),
            rng.normal(size=(5, 3)),
            1000.0,
            magnitude=1000.0,
        ),
        Case(
            "embeddings [[0.2, 0.1, 0.97, 0], [-0.7, -0.7, 0.1, 0.1]] (best cosines 0.2 and -0.7), weights "
            "[[1, 0, 0, 0], [0, 1, 0, 0]], scale 1000",
            np.array([[0.2, 0.1, 0.97, 0.0], [-0.7, -0.7, 0.1, 0.1]]),
            np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]),
            1000.0,
            magnitude=1000.0,
        ),
    ]


def _softmax_rows(logits, axis=1):
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def reference_probabilities(embeddings, weights, scale):
    """softmax(scale * cos) over the classes, in float64, a zero vector at cosine 0."""
    return _softmax_rows(scale * _unit(embeddings) @ _unit(weights).T)


def _exp_normalised(logits, shift):
    with np.errstate(all="ignore"):
        exponentials = np.exp(logits - shift)
        return exponentials / exponentials.sum(axis=1, keepdims=True)


def _probability_mistakes(embeddings, weights, scale):
    cosines = _unit(embeddings) @ _unit(weights).T
    logits = scale * cosines
    with np.errstate(all="ignore"):
        unguarded = (embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)) @ (
            weights / np.linalg.norm(weights, axis=1, keepdims=True)
        ).T
    return [
        Mistake(
            _exp_normalised(logits, 0.0),
            f"your probabilities hold NaN at scale {scale:g}: np.exp({scale:g}) overflows to inf, "
            f"and inf / inf is NaN. Subtract each row's largest logit before np.exp: the softmax "
            f"does not change (the factor cancels), and no exponent is above 0.",
        ),
        Mistake(
            _softmax_rows(scale * unguarded),
            "your probabilities hold NaN for the zero embedding: it has length 0, so dividing by it "
            "gives NaN. Divide by np.maximum(norm, 1e-12): a zero vector then has cosine 0 with "
            "every class, and equal probabilities.",
        ),
        Mistake(
            _softmax_rows(logits, axis=0),
            "you took the softmax over the embeddings (axis 0); each embedding's probabilities "
            "are over the classes: the softmax runs along each row, axis 1.",
        ),
        Mistake(logits, "you returned the logits s * cos; the probabilities are their softmax over the classes."),
        Mistake(
            _softmax_rows(cosines),
            "you left out the scale: softmax(cos) can never be confident, since the cosines lie in "
            "[-1, 1]. Multiply them by `scale` first.",
        ),
        Mistake(
            _softmax_rows(cosines / scale),
            "you divided the cosines by the scale; multiply them: s * cos, a larger s gives sharper probabilities.",
        ),
        Mistake(
            _softmax_rows(scale * embeddings @ weights.T),
            "you used the plain dot product: L2-normalise the embeddings and the class weights "
            "first, so only the angles count.",
        ),
        Mistake(
            _softmax_rows(scale * _unit(embeddings) @ weights.T),
            "you normalised the embeddings but not the class weights; both sides need length 1 "
            "(a long class weight vector would win by its length alone).",
        ),
        Mistake(
            _softmax_rows(scale * embeddings @ _unit(weights).T),
            "you normalised the class weights but not the embeddings; both sides need length 1.",
        ),
        Mistake(
            _exp_normalised(logits, scale),
            f"your probabilities hold NaN at scale {scale:g}: you subtracted the scale, the largest "
            f"logit possible, but in a row whose best cosine is far from 1 every exp() then "
            f"underflows to 0, and 0 / 0 is NaN. Subtract each row's OWN largest logit, "
            f"logits.max(axis=1, keepdims=True).",
        ),
        Mistake(
            _exp_normalised(logits, logits.max()),
            f"your probabilities hold NaN at scale {scale:g}: you subtracted the largest logit of the "
            f"whole batch, and in a row whose own best logit is far below it every exp() underflows "
            f"to 0, and 0 / 0 is NaN. Subtract each row's OWN largest logit, "
            f"logits.max(axis=1, keepdims=True).",
        ),
        Mistake(
            lambda got: (
                np.shape(got) == logits.shape
                and np.all(got <= 1e-9)
                and np.allclose(np.exp(got), _softmax_rows(logits), atol=1e-6)
            ),
            "you returned log-probabilities (log_softmax); return the probabilities themselves.",
        ),
    ]


cosine_probabilities = FunctionExercise(
    "06.cosine_probabilities",
    title="Class probabilities of a cosine head: the softmax over the classes of "
    "scale * cos(embedding i, class weight c).",
    answer_name="cosine_probabilities",
    cases=_probability_cases,
    reference=reference_probabilities,
    answer=Array(
        "the probabilities",
        per="one row per embedding, one column per class",
        show_shape=True,
        shapes=[
            transposed(
                "expected shape {expected}, one row per embedding and one column per class; got "
                "{shape}, a transpose. Compare embeddings @ weights.T.",
            )
        ],
    ),
    mistakes=_probability_mistakes,
    hint=(
        """
        Three steps: cosines between every embedding and every class weight vector
        (both brought to length 1, a zero vector kept at zero), then the scale, then a
        softmax over the classes. The scale can be large: exp() of a large logit
        overflows, so compute the softmax in a way that never takes exp() of a large
        number.
        """,
        """
        Normalise the rows with np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12);
        logits = scale * e @ w.T; subtract logits.max(axis=1, keepdims=True); then
        p = np.exp(...) and p / p.sum(axis=1, keepdims=True).
        """,
    ),
    solution="""
        def cosine_probabilities(embeddings, weights, scale):
            e = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
            w = weights / np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), 1e-12)
            logits = scale * e @ w.T
            exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
            return exponentials / exponentials.sum(axis=1, keepdims=True)
    """,
    success=(
        "your probabilities match the softmax of course_lib.heads.cosine_logits: the same "
        "cosines give nearly equal probabilities at scale 1 and a one-hot answer at scale 1000."
    ),
    references=(heads.cosine_logits, heads.CosineClassifier),
)


# --- 06.best_case_loss ---------------------------------------------------------------------


def _best_case_cases():
    return [
        Case(f"scale={scale}, num_classes={num_classes}", scale, num_classes, magnitude=scale)
        for scale, num_classes in ((1.0, 10), (4.0, 10), (16.0, 10), (2.0, 2), (30.0, 1000))
    ]


def _best_case(scale, num_classes):
    return float(np.log1p((num_classes - 1) * np.exp(-scale)))


def _best_case_mistakes(scale, num_classes):
    probability = np.exp(scale) / (np.exp(scale) + num_classes - 1)
    return [
        Mistake(probability, "you returned the probability of the true class; the loss is its negative log, -log(p)."),
        Mistake(np.log(probability), "you returned log(p), which is negative; the loss is -log(p)."),
        Mistake(
            np.log1p(num_classes * np.exp(-scale)),
            "you counted num_classes other classes; the true class is one of them, so there are "
            "num_classes - 1 others.",
        ),
        Mistake(
            np.log1p(np.exp(-scale)),
            "you counted only one other class; there are num_classes - 1 of them, each with cosine 0, exp(0) = 1.",
        ),
        Mistake(-np.log10(probability), "you used log base 10; cross-entropy uses the natural log, np.log."),
        Mistake(
            np.log(num_classes - 1) - scale,
            "your softmax leaves the true class out of the denominator: p = e^scale / (e^scale + "
            "(num_classes - 1) e^0), the true class included.",
        ),
        Mistake(
            np.log(np.exp(scale) + num_classes - 1),
            "you took the probability of one of the OTHER classes (logit 0); the loss is -log of "
            "the true class's probability, e^scale / (e^scale + num_classes - 1).",
        ),
    ]


best_case_loss = FunctionExercise(
    "06.best_case_loss",
    title="Cross-entropy of scaled cosines when the true class has cos 1 and the others cos 0.",
    answer_name="best_case_loss",
    cases=_best_case_cases,
    reference=_best_case,
    answer=Number("one number, the loss"),
    mistakes=_best_case_mistakes,
    hint=(
        """
        In the best case the true class has cosine 1 and every other class cosine 0, so
        the logits are `scale` and 0. Write the softmax probability of the true class;
        the loss is its negative log.
        """,
        """
        p = e^scale / (e^scale + (num_classes - 1) * e^0), and the loss is
        -log(p) = log(1 + (num_classes - 1) * e^-scale).
        """,
    ),
    solution="""
        def best_case_loss(scale, num_classes):
            return np.log(1.0 + (num_classes - 1) * np.exp(-scale))
    """,
    success=(
        "with cosines the loss cannot reach 0 unless the scale is large: at scale 1 and 10 "
        "classes even a perfect classifier pays 1.46."
    ),
)


# --- 06.cosface_logits ---------------------------------------------------------------------


def _cosface_cases():
    rng = np.random.default_rng(62)
    return [
        Case(
            "cosines [[0.8, 0.6], [0.5, -0.5]], labels [0, 1], scale 10, margin 0.2",
            np.array([[0.8, 0.6], [0.5, -0.5]]),
            np.array([0, 1]),
            10.0,
            0.2,
            magnitude=10.0,
        ),
        Case(
            "random cosines (6, 4), labels [3, 0, 1, 1, 2, 0], scale 16, margin 0.35",
            np.tanh(rng.normal(size=(6, 4))),
            np.array([3, 0, 1, 1, 2, 0]),
            16.0,
            0.35,
            magnitude=16.0,
        ),
        Case(
            "random cosines (3, 4), labels [2, 2, 0] (classes 1 and 3 absent), scale 30, margin 0.1",
            np.tanh(rng.normal(size=(3, 4))),
            np.array([2, 2, 0]),
            30.0,
            0.1,
            magnitude=30.0,
        ),
    ]


def _reference_cosface(cosines, labels, scale, margin):
    return scale * (cosines - margin * np.eye(cosines.shape[1])[labels])


def _cosface_mistakes(cosines, labels, scale, margin):
    is_true = np.eye(cosines.shape[1])[labels]
    in_label_columns = np.isin(np.arange(cosines.shape[1]), labels)[None, :] * np.ones_like(cosines)
    return [
        Mistake(
            scale * (cosines - margin),
            "you subtracted the margin from every class; only the true class (labels[i]) gets it, "
            "through a one-hot mask.",
        ),
        Mistake(
            scale * (cosines - margin * in_label_columns),
            "you subtracted the margin from whole columns, cosines[:, labels], which changes every "
            "row's logit for each class that is some row's label. Pick one entry per row: "
            "cosines[np.arange(n), labels], or a one-hot mask.",
        ),
        Mistake(
            scale * (cosines + margin * is_true),
            "you added the margin; CosFace subtracts it from the true class, to make training harder.",
        ),
        Mistake(
            scale * cosines - margin * is_true,
            "you subtracted the margin after scaling; it is scale * (cos - margin): the margin is in cosine units.",
        ),
        Mistake(cosines - margin * is_true, "the margin is right but the logits are not scaled: multiply by `scale`."),
        Mistake(
            scale * (cosines - margin * (1 - is_true)),
            "you put the margin on the other classes; it goes on the true class only.",
        ),
        Mistake(scale * cosines, "there is no margin in your logits; subtract it from the true class."),
    ]


cosface_logits = FunctionExercise(
    "06.cosface_logits",
    title="CosFace logits: scale * (cos - margin) on each row's true class, scale * cos elsewhere.",
    answer_name="cosface_logits",
    cases=_cosface_cases,
    reference=_reference_cosface,
    answer=Array("the logits", per="one row per example, one logit per class", show_shape=True),
    mistakes=_cosface_mistakes,
    hint=(
        """
        The margin makes training harder for the TRUE class only: its cosine is lowered
        by `margin` before scaling; every other class keeps its plain cosine.
        """,
        """
        Build a one-hot mask of the true classes, np.eye(num_classes)[labels], shape
        (batch, num_classes); then scale * (cosines - margin * mask).
        """,
    ),
    solution="""
        def cosface_logits(cosines, labels, scale, margin):
            is_true = np.eye(cosines.shape[1])[labels]
            return scale * (cosines - margin * is_true)
    """,
    success="your logits match course_lib.heads.margin_logits(..., margin_type='cosface').",
    references=(heads.margin_logits, heads.MarginCosineLoss),
)


# --- 06.arcface_logits ---------------------------------------------------------------------

#: 06.arcface_logits accepts a clip a hair inside [-1, 1] (course_lib's heads keep 1e-6
#: away from +-1 so the gradient stays finite): at cos = 1 that moves cos(theta + m) by
#: sqrt(2e-6) sin(m), under 0.1% of the scale for the margins used here, while every
#: usual mistake moves some logit by far more.
ARCFACE_TOLERANCE = Tolerance(rtol=1e-3)


def reference_arcface(cosines, labels, scale, margin, *, clip=True, fallback=True, every_class=False):
    """ArcFace logits in NumPy; the options give the usual slips.

    The true class gets `scale * cos(theta + margin)` with the cosine clipped to [-1, 1],
    or `scale * (cos(theta) - margin * sin(margin))` where `theta + margin > pi`; the other
    classes keep `scale * cos(theta)`.
    """
    with np.errstate(invalid="ignore"):
        bounded = np.clip(cosines, -1.0, 1.0) if clip else cosines
        shifted = np.cos(np.arccos(bounded) + margin)
        if fallback:
            # theta + m > pi is cos(theta) < cos(pi - m); NaN (no clip) stays NaN
            shifted = np.where(bounded < np.cos(np.pi - margin), cosines - margin * np.sin(margin), shifted)
    is_true = (
        np.ones_like(cosines, dtype=bool)
        if every_class
        else (np.arange(cosines.shape[1]) == np.asarray(labels)[:, None])
    )
    return scale * np.where(is_true, shifted, cosines)


def _arcface_cases():
    rng = np.random.default_rng(63)
    random_cosines = np.tanh(rng.normal(size=(6, 5)))
    random_labels = np.array([4, 0, 2, 2, 1, 3])
    random_cosines[[1, 4], random_labels[[1, 4]]] = [-0.97, 0.999]
    return [
        Case(
            "cosines [[0.8, 0.6], [0.5, -0.5]], labels [0, 1], scale 10, margin 0.5",
            np.array([[0.8, 0.6], [0.5, -0.5]]),
            np.array([0, 1]),
            10.0,
            0.5,
            magnitude=10.0,
        ),
        Case(
            "true-class cosines [1.0000001, 1, -0.95, -1, -1.0000001] (a hair beyond +-1 is "
            "float round-off; below -cos(m), theta + m > pi), scale 16, margin 0.5",
            np.array(
                [
                    [1.0 + 1e-7, 0.2, -0.3],
                    [0.1, 1.0, 0.4],
                    [0.3, 0.0, -0.95],
                    [-1.0, 0.6, 0.2],
                    [0.5, -1.0 - 1e-7, 0.1],
                ]
            ),
            np.array([0, 1, 2, 0, 1]),
            16.0,
            0.5,
            magnitude=16.0,
        ),
        Case(
            "random cosines (6, 5), labels [4, 0, 2, 2, 1, 3], scale 30, margin 0.3",
            random_cosines,
            random_labels,
            30.0,
            0.3,
            magnitude=30.0,
        ),
    ]


def _outside_clip(cosines, labels, scale, margin):
    """A predicate: the answer is right except for NaN where a true-class cosine lies a
    hair outside [-1, 1]: the clip is missing."""
    expected = reference_arcface(cosines, labels, scale, margin)
    outside = (np.abs(cosines) > 1) & (np.arange(cosines.shape[1]) == labels[:, None])

    def matches(got):
        missing = np.isnan(got)
        return bool(
            np.all(outside[missing]) and ARCFACE_TOLERANCE.close(got[~missing], expected[~missing], magnitude=scale)
        )

    return matches


def _arcface_mistakes(cosines, labels, scale, margin):
    is_true = np.arange(cosines.shape[1]) == labels[:, None]

    def variant(**options):
        return reference_arcface(cosines, labels, scale, margin, **options)

    return [
        Mistake(
            _outside_clip(cosines, labels, scale, margin),
            "your logits hold NaN where a true-class cosine is a hair outside [-1, 1] (float "
            "round-off, e.g. 1.0000001): arccos and sqrt(1 - cos^2) are undefined there. Clip "
            "the cosines to [-1, 1] first, np.clip(cosines, -1, 1).",
        ),
        Mistake(
            variant(every_class=True),
            "you added the angular margin on every class; only the true class (labels[i]) gets "
            "it, the others keep scale * cos(theta).",
        ),
        Mistake(
            variant(fallback=False),
            "where theta + m > pi (cos(theta) < cos(pi - m)), cos(theta + m) rises again and "
            "would reward the worst angles; there use cos(theta) - m * sin(m) instead.",
        ),
        Mistake(
            scale * np.where(is_true, cosines - margin, cosines),
            "you subtracted the margin from the cosine (CosFace); ArcFace adds it to the ANGLE: cos(arccos(cos) + m).",
        ),
        Mistake(variant() / scale, "the margin is right but the logits are not scaled: multiply by `scale`."),
        (
            reference_arcface(cosines, labels, scale, np.radians(margin)),
            f"you converted the margin from degrees; it is already in radians ({margin} rad "
            f"is {np.degrees(margin):.1f} degrees), as np.arccos returns.",
        ),
        Mistake(
            reference_arcface(cosines, labels, scale, np.degrees(margin)),
            f"you converted the margin to degrees; np.arccos and np.cos work in radians, and "
            f"the margin {margin} is in radians already.",
        ),
        Mistake(
            reference_arcface(cosines, labels, scale, -margin, fallback=False),
            "you subtracted the margin from the angle, cos(theta - m), which makes the true class "
            "EASIER; ArcFace adds it, cos(theta + m).",
        ),
    ]


arcface_logits = FunctionExercise(
    "06.arcface_logits",
    title="ArcFace logits: scale * cos(theta + margin) on each row's true class, scale * cos elsewhere.",
    answer_name="arcface_logits",
    cases=_arcface_cases,
    reference=reference_arcface,
    answer=Array(
        "the logits",
        per="one row per example, one logit per class",
        show_shape=True,
        tolerance=ARCFACE_TOLERANCE,
    ),
    mistakes=_arcface_mistakes,
    hint=(
        """
        ArcFace puts the margin on the ANGLE of the true class: theta = arccos(cos),
        then cos(theta + m), then the scale; the other classes keep their plain cosine.
        Two edges: a cosine a hair beyond +-1 has no arccos, and past theta + m = pi the
        cosine would rise again.
        """,
        """
        Clip first: c = np.clip(cosines, -1, 1). shifted = np.cos(np.arccos(c) + margin),
        but where c < np.cos(np.pi - margin) use cosines - margin * np.sin(margin). Mix
        with the one-hot mask np.eye(num_classes)[labels]: scale * np.where(mask, shifted,
        cosines).
        """,
    ),
    solution="""
        def arcface_logits(cosines, labels, scale, margin):
            clipped = np.clip(cosines, -1.0, 1.0)
            shifted = np.cos(np.arccos(clipped) + margin)
            past_pi = clipped < np.cos(np.pi - margin)  # theta + margin > pi
            target = np.where(past_pi, cosines - margin * np.sin(margin), shifted)
            is_true = np.eye(cosines.shape[1], dtype=bool)[labels]
            return scale * np.where(is_true, target, cosines)
    """,
    success=(
        "your logits match course_lib.heads.margin_logits(..., margin_type='arcface'), "
        "edges included: cosines at +-1 and angles where theta + m > pi."
    ),
    references=(heads.margin_logits, heads.MarginCosineLoss),
)


# --- 06.arcface_target (question) ------------------------------------------------------------

arcface_target = Question(
    "06.arcface_target",
    title="Which logits the ArcFace margin changes.",
    prompt="""
            **Question.** While training with an ArcFace head, for an example of class y the
            margin changes:
        """,
    choices={
        "a": "every class's logit: all the angles grow by m",
        "b": "only the true class's logit, s cos(theta_y + m)",
        "c": "only the other classes' logits, to push them away",
        "d": "the true class's logit, in training and when predicting a class",
    },
    answer="b",
    answer_name="arcface_target_answer",
    explanations={
        "a": "Adding m to every angle lowers every logit together, so the softmax barely "
        "changes; the point is to make the TRUE class harder to win.",
        "c": "Lowering the other classes' logits would make training easier, not harder; "
        "the margin handicaps the true class, so the embedding must beat the others "
        "by m.",
        "d": "The margin needs the label, which is unknown when predicting: at inference the "
        "class is the argmax of the plain cosines.",
    },
    hint=(
        "The margin is a handicap: it makes the model win by more than it needs to. Whom "
        "does it handicap, and is there a label to tell whom when predicting?",
        "In margin_logits, the one-hot mask of the labels picks where cos(theta + m) goes; "
        "every other logit stays s cos(theta).",
    ),
    why="only the true class's angle grows by m, in training only: the embedding must be "
    "closer to its class centre than to any other by an angular margin.",
)
