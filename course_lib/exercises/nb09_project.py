"""Notebook 09's mini-project: choose a verifier on validation pairs, measure it once on test pairs.

The learner writes `verification_project(validation, test)`. Both arguments are
`PairSet`s: the same kind of pairs, embedded by several encoders. From
`validation` alone the function chooses an encoder and a threshold (accept a pair
as "same" when its cosine similarity is `>= threshold`):

1. for each encoder, the threshold with the highest true positive rate (TPR, the
   share of same pairs accepted) among those whose false positive rate (FPR, the
   share of different pairs accepted) is at most `FPR_LIMIT`;
2. the encoder whose threshold reaches the highest TPR.

Then it measures that one choice on `test` and returns
`{"encoder": name, "threshold": t, "FPR": test FPR, "TPR": test TPR}`.

The check runs the function on made-up pairs: as given (twice), with other test
pairs, and with other validation pairs. It verifies

- the protocol: the same pairs must give the same choice, changing only the test
  pairs must not change it (else the choice used test data), and changing the
  validation pairs must change the threshold (else it does not come from
  `validation`);
- the choice: on the validation pairs, the threshold keeps FPR within the
  limit with the best TPR of its encoder, and that encoder is the best one
  (any threshold as good on validation is accepted);
- the figures: FPR and TPR are those of the learner's own choice on the test
  pairs, recomputed here, not a target or a number typed in.
"""

import functools

import numpy as np

from course_lib._validation import as_flags, as_integers, to_numpy
from course_lib.exercises.base import Exercise
from course_lib.exercises.calling import call_learner
from course_lib.exercises.diagnosis import Mistake, Symptom, explain_failures
from course_lib.exercises.values import as_numbers
from course_lib.exercises.verdicts import Incorrect
from course_lib.sampling import make_pairs
from course_lib.verification import precision_recall_f1

__all__ = ["FPR_LIMIT", "SCORE_TOLERANCE", "PairSet", "verification_project"]

#: The shop's rule in notebook 09's project: at most 1 different pair in 100 accepted.
FPR_LIMIT = 0.01
#: A learner's threshold is usually one of their own scores, computed in another order or in
#: float32 (about 7 digits): scores within this distance of it count as at it. No two
#: distinct scores of the made-up pairs are closer than `_MIN_SCORE_GAP`.
SCORE_TOLERANCE = 1e-6
_MIN_SCORE_GAP = 10 * SCORE_TOLERANCE
KEYS = ("encoder", "threshold", "FPR", "TPR")


class PairSet:
    """Pairs of items, embedded by several encoders: what a verifier is chosen or measured on.

    Args:
        embeddings: dict `{encoder name: array (n_items, dim)}`; each encoder may have
            its own `dim`, all have the same `n_items` rows, one per item.
        pairs: int array `(n_pairs, 2)`, two row indices into every embeddings array.
        is_same: array `(n_pairs,)`, 1 (or True) where the two items are of the same
            class, 0 where they are not; both kinds must occur.

    Raises:
        TypeError: if `embeddings` is not a dict with string keys, or an array
            holds something other than numbers.
        ValueError: on an empty dict, arrays of the wrong shape, non-finite
            embeddings, pair indices out of range, or labels other than 0/1.

    Example:

    >>> pair_set = PairSet({"pixels": np.eye(3)}, [[0, 1], [1, 2]], [0, 1])
    >>> pair_set
    PairSet(1 encoder: 'pixels' (3, 3); 2 pairs, 1 same)
    >>> pair_set.embeddings["pixels"].shape, pair_set.pairs.shape, pair_set.is_same.tolist()
    ((3, 3), (2, 2), [0, 1])
    """

    def __init__(self, embeddings, pairs, is_same):
        if not isinstance(embeddings, dict) or not embeddings:
            raise TypeError(
                f"`embeddings` must be a non-empty dict {{encoder name: array (n_items, dim)}}; "
                f"received {type(embeddings).__name__}"
                f"{' (empty)' if isinstance(embeddings, dict) else ''}."
            )
        checked = {}
        for name, vectors in embeddings.items():
            if not isinstance(name, str):
                raise TypeError(f"encoder names must be strings; received {name!r}.")
            array = to_numpy(vectors, f"embeddings[{name!r}]")
            if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
                raise TypeError(f"`embeddings[{name!r}]` must hold real numbers; received dtype {array.dtype}.")
            if array.ndim != 2:
                raise ValueError(
                    f"`embeddings[{name!r}]` must be 2-D (n_items, dim); received "
                    f"shape {array.shape}. Flatten images with "
                    f"x.reshape(len(x), -1)."
                )
            if not np.issubdtype(array.dtype, np.floating):
                array = array.astype(np.float64)
            if not np.isfinite(array).all():
                raise ValueError(f"`embeddings[{name!r}]` must be finite; it holds NaN or inf.")
            checked[name] = array
        n_items = {array.shape[0] for array in checked.values()}
        if len(n_items) != 1:
            rows = {name: array.shape[0] for name, array in checked.items()}
            raise ValueError(f"every encoder must embed the same items, one row each; received rows {rows}.")
        n_items = n_items.pop()
        pairs = as_integers(pairs, "pairs", what="row indices")
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise ValueError(f"`pairs` must have shape (n_pairs, 2); received {pairs.shape}.")
        if pairs.size and (pairs.min() < 0 or pairs.max() >= n_items):
            raise ValueError(
                f"`pairs` must index rows 0 to {n_items - 1} of the embeddings; "
                f"received indices from {pairs.min()} to {pairs.max()}."
            )
        flags = as_flags(is_same, "is_same", what="1 (same class) or 0 (different)")
        if flags.shape != (len(pairs),):
            raise ValueError(f"`is_same` must have one label per pair, shape ({len(pairs)},); received {flags.shape}.")
        if flags.all() or not flags.any():
            raise ValueError(
                "`is_same` must hold both same (1) and different (0) pairs, or one of the rates is undefined."
            )
        self.embeddings = checked
        self.pairs = pairs
        self.is_same = flags.astype(np.int64)

    def __repr__(self):
        encoders = ", ".join(f"{name!r} {array.shape}" for name, array in self.embeddings.items())
        count = len(self.embeddings)
        return (
            f"PairSet({count} encoder{'s' if count > 1 else ''}: {encoders}; "
            f"{len(self.pairs)} pairs, {int(self.is_same.sum())} same)"
        )


# --- the reference: scores, rates, the choice -------------------------------------------------
#
# `options` are those of a usual mistake, none for the right answer: `dot` scores pairs by the
# dot product, `euclidean` by minus the Euclidean distance, `below` accepts "score <=
# threshold", `over_all_pairs` divides the false positives by the number of all pairs.


def _pair_scores(embeddings, pairs, *, dot=False, euclidean=False):
    vectors = np.asarray(embeddings, dtype=np.float64)
    first, second = vectors[pairs[:, 0]], vectors[pairs[:, 1]]
    if euclidean:
        return -np.linalg.norm(first - second, axis=1)
    if not dot:
        lengths = np.maximum(np.linalg.norm(vectors, axis=1), 1e-12)
        first, second = first / lengths[pairs[:, 0], None], second / lengths[pairs[:, 1], None]
    return np.sum(first * second, axis=1)


def _scores(pair_set, encoder, *, dot=False, euclidean=False, **_):
    """Cosine similarity of each pair under `encoder` (with `dot`, the plain dot product; with
    `euclidean`, minus the Euclidean distance)."""
    return _pair_scores(pair_set.embeddings[encoder], pair_set.pairs, dot=dot, euclidean=euclidean)


def _rate_table(scores, is_same, thresholds, *, below=False, over_all_pairs=False, **_):
    """`(FPR, TPR)` arrays of "same when score >= t" at each `t` in `thresholds`."""
    thresholds = np.asarray(thresholds, dtype=np.float64).reshape(-1, 1)
    if below:
        accepted = scores[None, :] <= thresholds + SCORE_TOLERANCE
    else:
        accepted = scores[None, :] >= thresholds - SCORE_TOLERANCE
    same = np.asarray(is_same) == 1
    false_positives = np.sum(accepted & ~same, axis=1)
    true_positives = np.sum(accepted & same, axis=1)
    return (false_positives / (len(scores) if over_all_pairs else np.sum(~same)), true_positives / np.sum(same))


def _rates(pair_set, encoder, threshold, **options):
    """`(FPR, TPR)` of `encoder` at `threshold` on `pair_set`, as two floats."""
    fpr, tpr = _rate_table(_scores(pair_set, encoder, **options), pair_set.is_same, [threshold], **options)
    return float(fpr[0]), float(tpr[0])


def _best_threshold(pair_set, encoder, **options):
    """`(threshold, TPR)`: of the distinct scores whose FPR is within `FPR_LIMIT`, the first
    one with the highest TPR. (The top score accepts one pair, so one is always within.)"""
    scores = _scores(pair_set, encoder, **options)
    candidates = np.unique(scores)
    fpr, tpr = _rate_table(scores, pair_set.is_same, candidates, **options)
    tpr = np.where(fpr <= FPR_LIMIT, tpr, -1.0)
    best = int(np.argmax(tpr))
    return float(candidates[best]), float(tpr[best])


def _best_tprs(validation, **options):
    """`{encoder: its highest validation TPR within the limit}`."""
    return {name: _best_threshold(validation, name, **options)[1] for name in validation.embeddings}


def _chosen_right(outcome, validation, **options):
    """Whether the outcome's encoder and threshold are as good as the best on validation."""
    fpr, tpr = _rates(validation, outcome.encoder, outcome.threshold, **options)
    return fpr <= FPR_LIMIT and tpr >= max(_best_tprs(validation, **options).values()) - 1e-12


def _reference(validation, test):
    """The project done right: `{"encoder", "threshold", "FPR", "TPR"}`."""
    best = _best_tprs(validation)
    encoder = max(best, key=best.get)
    threshold = _best_threshold(validation, encoder)[0]
    fpr, tpr = _rates(test, encoder, threshold)
    return {"encoder": encoder, "threshold": threshold, "FPR": fpr, "TPR": tpr}


# --- made-up data --------------------------------------------------------------------------

#: name, dimension, noise per dimension, unit length: B is best, and not of unit length, so a
#: dot product instead of the cosine changes the choice.
_ENCODERS = (("encoder A", 48, 1.8, False), ("encoder B", 32, 1.0, False), ("encoder C", 8, 0.6, True))
_N_CLASSES = 6


def _made_up_arrays(seed, *, n_items, n_pairs, rotate):
    """Embeddings, pairs and labels of made-up items; `rotate` hands each encoder's vectors
    to the next name, so that another encoder is the best."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, _N_CLASSES, n_items)
    vectors = []
    for number, (_, dim, noise, unit) in enumerate(_ENCODERS):
        centres = np.random.default_rng(700 + number).normal(size=(_N_CLASSES, dim))
        embedded = centres[labels] + noise * rng.normal(size=(n_items, dim))
        if unit:
            embedded /= np.linalg.norm(embedded, axis=1, keepdims=True)
        else:  # lengths vary, as those of raw pixels and PCA coefficients do
            embedded *= rng.uniform(0.2, 5.0, size=(n_items, 1))
        vectors.append(embedded)
    vectors = vectors[rotate:] + vectors[:rotate]
    pairs, is_same = make_pairs(labels, n_pairs=n_pairs, seed=seed)
    # No two distinct scores within `_MIN_SCORE_GAP`: a threshold computed in float32 then
    # falls between the same two scores as the checker's.
    crowded = np.zeros(len(pairs), dtype=bool)
    for embedded in vectors:
        scores = _pair_scores(embedded, pairs)
        order = np.argsort(scores)
        close = np.diff(scores[order]) < _MIN_SCORE_GAP
        crowded[order[1:][close]] = crowded[order[:-1][close]] = True
    pairs, is_same = pairs[~crowded], is_same[~crowded]
    while (FPR_LIMIT * np.sum(is_same == 0)) % 1 < 0.1:  # 1% of the different pairs: never whole
        last_different = np.flatnonzero(is_same == 0)[-1]
        pairs, is_same = np.delete(pairs, last_different, axis=0), np.delete(is_same, last_different)
    return dict(zip((name for name, *_ in _ENCODERS), vectors)), pairs, is_same


@functools.cache
def _arrays():
    # 1% of the different pairs is never a whole number of pairs, so "<=" and "<" the limit
    # agree, and a measured test FPR is never exactly the limit.
    return {
        "validation": _made_up_arrays(71, n_items=240, n_pairs=640, rotate=0),
        "test": _made_up_arrays(72, n_items=220, n_pairs=580, rotate=0),
        "other test": _made_up_arrays(73, n_items=220, n_pairs=580, rotate=1),
        "other validation": _made_up_arrays(74, n_items=240, n_pairs=640, rotate=1),
    }


def _pair_set(name):
    """A fresh `PairSet` of the made-up data `name` (fresh, so that no call sees another's edits)."""
    embeddings, pairs, is_same = _arrays()[name]
    return PairSet({key: value.copy() for key, value in embeddings.items()}, pairs.copy(), is_same.copy())


def _cases():
    """`(description, validation name, test name)` of the three calls."""
    sizes = {name: len(pairs) for name, (_, pairs, _) in _arrays().items()}
    return (
        (
            f"made-up pairs of 3 encoders (validation {sizes['validation']} pairs, test {sizes['test']})",
            "validation",
            "test",
        ),
        ("the same validation pairs, other test pairs", "validation", "other test"),
        ("other validation pairs, the same test pairs", "other validation", "test"),
    )


# --- 09.verification_project -----------------------------------------------------------------


class _Outcome:
    """A project's answer on one case, with the validation rates of its choice when its
    scores are read as cosines (for the facts about the choice)."""

    def __init__(self, encoder, threshold, fpr, tpr, validation):
        self.encoder, self.threshold, self.fpr, self.tpr = encoder, threshold, fpr, tpr
        self.validation_fpr, self.validation_tpr = _rates(validation, encoder, threshold)

    def __str__(self):
        return f"encoder {self.encoder!r}, threshold {self.threshold:.4f}; test FPR {self.fpr:.4f}, TPR {self.tpr:.3f}"

    def described_with_validation(self):
        """`str(self)`, with the validation rates of the choice: how the reference chose."""
        return (
            f"encoder {self.encoder!r}, threshold {self.threshold:.4f} (on validation: FPR "
            f"{self.validation_fpr:.4f}, TPR {self.validation_tpr:.3f}); test FPR "
            f"{self.fpr:.4f}, TPR {self.tpr:.3f}"
        )


def _number(value, key, description):
    try:
        number = as_numbers(value, f"a number for {key!r}", subject="your dict holds")
    except Incorrect as reason:
        raise Incorrect(f"on {description}: {reason}") from None
    if number.size != 1 or number.dtype == bool:
        shown = f"an array of shape {number.shape}" if number.size != 1 else "a bool"
        raise Incorrect(f"on {description}: {key!r} must be one number; you returned {shown}.")
    number = float(number.reshape(()))
    if np.isnan(number):
        raise Incorrect(f"on {description}: your {key!r} is NaN, 'not a number' (from 0/0, e.g. a mean over no pairs).")
    return number


def _as_outcome(got, validation, description):
    """The learner's dict as an `_Outcome`, or `Incorrect` naming what is missing or wrong."""
    if not isinstance(got, dict):
        raise Incorrect(
            f"on {description}: return a dict with the keys {', '.join(map(repr, KEYS))}; "
            f"you returned {type(got).__name__}."
        )
    missing = [key for key in KEYS if key not in got]
    if missing:
        raise Incorrect(
            f"on {description}: your dict lacks the key(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(repr, got))}."
        )
    encoder = got["encoder"]
    names = list(validation.embeddings)
    if not isinstance(encoder, str) or encoder not in names:
        shown = repr(encoder) if isinstance(encoder, str) else f"a {type(encoder).__name__}"
        raise Incorrect(
            f"on {description}: 'encoder' must be the name of one of the encoders you "
            f"are given ({', '.join(map(repr, names))}); you returned {shown}. Choose "
            f"among the keys of validation.embeddings."
        )
    threshold, fpr, tpr = (_number(got[key], key, description) for key in KEYS[1:])
    return _Outcome(encoder, threshold, fpr, tpr, validation)


def _same_figures(outcome, fpr, tpr):
    return bool(np.isclose(outcome.fpr, fpr, atol=1e-6) and np.isclose(outcome.tpr, tpr, atol=1e-6))


def _is_right(outcome, validation, test):
    """The choice is as good as the best on validation, and the figures are its test rates."""
    return _chosen_right(outcome, validation) and _same_figures(
        outcome, *_rates(test, outcome.encoder, outcome.threshold)
    )


def _mistakes(outcomes):
    """`mistakes` for `explain_failures`, knowing every case's outcome (for typed-in figures).

    A `Mistake` in the method (the dot product, minus the Euclidean distance, "<=", FPR
    over all pairs) must give the learner's choice and figures on every case. A
    `Symptom` states a fact about each wrong answer; the facts about the choice read the
    learner's threshold as a cosine, so they are stated only where the learner's own
    figures are those of the cosine at that threshold.
    """
    first, other_test = outcomes[0], outcomes[1]

    def mistakes(validation, test, outcome):
        def done_with(got, **options):  # the whole project done with this mistake
            fpr, tpr = _rates(test, got.encoder, got.threshold, **options)
            figures = _same_figures(got, fpr, tpr) or (
                options.get("over_all_pairs") and _same_figures(got, fpr, tpr * np.mean(test.is_same))
            )  # TPR over all pairs too
            return _chosen_right(got, validation, **options) and figures

        def by_cosine(got):  # the learner's figures are the cosine rates at their threshold
            return _same_figures(got, *_rates(test, got.encoder, got.threshold))

        validation_scores = _scores(validation, outcome.encoder)
        f1 = precision_recall_f1(validation_scores, validation.is_same, np.unique(validation_scores))[2]
        own_f1 = precision_recall_f1(validation_scores, validation.is_same, outcome.threshold - SCORE_TOLERANCE)[2]
        best_tpr = _best_tprs(validation)
        winner = max(best_tpr, key=best_tpr.get)
        return [
            Symptom(
                lambda got: abs(got.fpr - FPR_LIMIT) < 1e-12,
                f"your test FPR is {FPR_LIMIT}, the limit you chose the threshold for, not the rate "
                f"measured on the test pairs. Measure it: the share of different test pairs whose "
                f"score is >= your threshold.",
            ),
            Symptom(
                lambda got: _same_figures(got, *_rates(validation, got.encoder, got.threshold)),
                "your FPR and TPR are those of the validation pairs at your threshold. Step 2 "
                "reports them on the test pairs: the validation figures were what you chose by.",
            ),
            Symptom(
                lambda got: (
                    _same_figures(got, first.fpr, first.tpr) and _same_figures(other_test, first.fpr, first.tpr)
                ),
                "your FPR and TPR stayed the same when the test pairs changed: report what your code "
                "measures on `test` at your choice, not numbers typed in.",
            ),
            Mistake(
                lambda got: done_with(got, below=True),
                "you accepted a pair when its score is <= the threshold. Cosine similarity grows "
                "with similarity: accept a pair when its score is >= the threshold.",
            ),
            Mistake(
                lambda got: done_with(got, dot=True),
                "you scored the pairs with the plain dot product. Some encoders' vectors are not of "
                "unit length (as raw pixels and PCA coefficients are not): divide each by its "
                "length first, so the score is the cosine.",
            ),
            Mistake(
                lambda got: done_with(got, euclidean=True),
                "you scored the pairs by minus their Euclidean distance. Distances depend on the "
                "vectors' lengths, which differ between encoders and items: score by the cosine "
                "similarity, the dot product of the two vectors divided by their lengths.",
            ),
            Mistake(
                lambda got: done_with(got, over_all_pairs=True),
                "your FPR divides the different pairs accepted by the number of ALL pairs. FPR is a "
                "share of the different pairs: divide by the number of different pairs.",
            ),
            Symptom(
                lambda got: (
                    by_cosine(got) and np.isclose(own_f1, f1.max(), atol=1e-12) and got.validation_fpr > FPR_LIMIT
                ),
                f"your threshold is the one with the best F1 on the validation pairs, as in section 4, "
                f"and it lets through more than FPR_LIMIT = {FPR_LIMIT} of the different pairs. The "
                f"rule here is another one: the highest TPR among thresholds with FPR <= FPR_LIMIT.",
            ),
            Symptom(
                lambda got: by_cosine(got) and got.validation_fpr > FPR_LIMIT,
                f"on the validation pairs your threshold accepts a share {outcome.validation_fpr:.4f} "
                f"of the different pairs, more than FPR_LIMIT = {FPR_LIMIT}. Keep only thresholds "
                f"whose validation FPR is <= FPR_LIMIT.",
            ),
            Symptom(
                lambda got: (
                    by_cosine(got)
                    and got.validation_fpr <= FPR_LIMIT
                    and got.validation_tpr < best_tpr[got.encoder] - 1e-12
                ),
                "your threshold keeps the validation FPR within the limit, but a lower one would too "
                "and accept more same pairs. Among the thresholds within the limit, take the one "
                "with the highest TPR (the lowest of them).",
            ),
            Symptom(
                lambda got: by_cosine(got) and got.encoder != winner,
                f"another encoder reaches a higher validation TPR within the limit ({winner!r}, TPR "
                f"{best_tpr[winner]:.3f}). Find each encoder's best threshold, then keep the encoder "
                f"with the highest TPR.",
            ),
        ]

    return mistakes


def _protocol(outcomes, again):
    """Raises `Incorrect` when the choice moved with the test pairs or ignored the validation pairs.

    `again` is the outcome of a second call on the first case: a function that
    answers the same pairs differently cannot be judged by what moves its choice.
    """
    first, other_test, other_validation = outcomes
    if (again.encoder, again.threshold) != (first.encoder, first.threshold):
        raise Incorrect(
            f"called twice on the very same pairs ({_cases()[0][0]}), your function chose "
            f"{first.encoder!r} at {first.threshold:.4f}, then {again.encoder!r} at "
            f"{again.threshold:.4f}. Make it deterministic (give any random choice a seed), so "
            f"that the choice depends on the validation pairs alone."
        )
    if other_test.encoder != first.encoder:
        raise Incorrect(
            f"when only the test pairs changed ({_cases()[1][0]}), your encoder changed from "
            f"{first.encoder!r} to {other_test.encoder!r}: it was chosen with test data. Choose "
            f"the encoder and the threshold from `validation` only; `test` measures that one "
            f"choice, once, at the end."
        )
    if abs(other_test.threshold - first.threshold) > 1e-12:
        raise Incorrect(
            f"when only the test pairs changed ({_cases()[1][0]}), your threshold changed from "
            f"{first.threshold:.4f} to {other_test.threshold:.4f}: it was tuned on the test pairs. "
            f"Choose it on `validation` only; `test` measures that one choice, once, at the end."
        )
    if abs(other_validation.threshold - first.threshold) <= 1e-12:
        raise Incorrect(
            f"when the validation pairs changed ({_cases()[2][0]}), your threshold stayed "
            f"{first.threshold:.4f}: it does not come from `validation` (a number typed in, or a "
            f"variable of the notebook?). Compute it from the validation pairs you are given."
        )


def _check_verification_project(function):
    outcomes, cases = [], []
    for description, validation_name, test_name in _cases():
        got = call_learner(function, _pair_set(validation_name), _pair_set(test_name), description=description)
        validation, test = _pair_set(validation_name), _pair_set(test_name)
        outcomes.append(_as_outcome(got, validation, description))
        cases.append((description, validation, test))
    description, validation_name, test_name = _cases()[0]
    again = call_learner(function, _pair_set(validation_name), _pair_set(test_name), description=description)
    _protocol(outcomes, _as_outcome(again, _pair_set(validation_name), description))
    failures, passed = [], []
    for (description, validation, test), outcome in zip(cases, outcomes):
        expected = _reference(validation, test)
        expected = _Outcome(expected["encoder"], expected["threshold"], expected["FPR"], expected["TPR"], validation)
        case = (description, (validation, test, outcome), outcome, expected)
        (passed if _is_right(outcome, validation, test) else failures).append(case)
    if failures:
        raise Incorrect(
            explain_failures(
                failures,
                passed=passed,
                mistakes=_mistakes(outcomes),
                same=lambda got, value: False,  # every entry is a test of the outcome
                render_pair=lambda expected, got: (expected.described_with_validation(), str(got)),
            )
        )
    return (
        "your choice comes from the validation pairs alone, it is the best there, and your "
        "figures are what that choice does on the test pairs. Run it on the notebook's pairs "
        "below."
    )


verification_project = Exercise(
    "09.verification_project",
    title="Choose an encoder and a threshold on validation pairs; report their FPR and TPR on test pairs.",
    checker=_check_verification_project,
    hint=(
        """
            Keep two steps apart. Choosing reads only `validation`: for each encoder, score
            its pairs by cosine, keep the thresholds whose FPR is at most FPR_LIMIT, and of
            those the one with the highest TPR; the encoder with the best such TPR wins.
            Measuring reads `test`, once: FPR and TPR of that encoder at that threshold.
            """,
        """
            unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True); scores =
            np.sum(unit[pairs[:, 0]] * unit[pairs[:, 1]], axis=1). For t in np.unique(scores):
            FPR = np.mean(scores[is_same == 0] >= t), TPR = np.mean(scores[is_same == 1] >= t).
            Do the same two means on the test pairs with your encoder and t, and return
            {"encoder": name, "threshold": t, "FPR": ..., "TPR": ...}.
            """,
    ),
    solution_code="""
            FPR_LIMIT = 0.01   # the shop's rule: at most 1 in 100 different pairs flagged as same


            def pair_cosines(pair_set, encoder):
                vectors = pair_set.embeddings[encoder]
                unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
                return np.sum(unit[pair_set.pairs[:, 0]] * unit[pair_set.pairs[:, 1]], axis=1)


            def rates(scores, is_same, threshold):
                accepted = scores >= threshold
                return np.mean(accepted[is_same == 0]), np.mean(accepted[is_same == 1])


            def choose_verifier(validation):
                best_encoder, best_threshold, best_tpr = None, None, -1.0
                for encoder in validation.embeddings:
                    scores = pair_cosines(validation, encoder)
                    for threshold in np.unique(scores):
                        fpr, tpr = rates(scores, validation.is_same, threshold)
                        if fpr <= FPR_LIMIT and tpr > best_tpr:
                            best_encoder, best_threshold, best_tpr = encoder, threshold, tpr
                return best_encoder, best_threshold


            def verification_project(validation, test):
                encoder, threshold = choose_verifier(validation)   # step 1: validation only
                fpr, tpr = rates(pair_cosines(test, encoder), test.is_same, threshold)   # step 2: once
                return {"encoder": encoder, "threshold": float(threshold), "FPR": fpr, "TPR": tpr}
        """,
    answer_name="verification_project",
)
