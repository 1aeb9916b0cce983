"""Explaining a wrong answer: a named cause only when it accounts for every case.

An exercise lists, for the inputs of each case, the usual wrong answers:

- a `Mistake` is a cause, "you did X": the answer X would give on that input
  (or a test of the learner's answer). It is named only when the learner's answer
  is X's on **every** case, the cases answered right included: a learner whose
  answer is right somewhere X is wrong did not do X.
- a `Symptom` is a fact about a wrong answer, "the accuracy you return is not the
  accuracy of the threshold you return": a test that must hold on every case
  answered wrong, and is not asked of the cases answered right (there is nothing
  wrong to describe). Its message states the fact, not a cause.

When nothing explains every case, the message is neutral: the first input
answered wrong, the expected and the received answers (with digits enough to
see how they differ), and NaN named as such.
"""

import numpy as np

from course_lib.exercises.values import describe_array, nan_note, render_array

__all__ = ["Mistake", "Symptom", "agrees", "explain_failures", "explains"]


def agrees(same, got, value):
    """`same(got, value)`, or `value(got)` for a test; False where the two cannot even be compared."""
    try:
        with np.errstate(all="ignore"):
            return bool(value(got) if callable(value) else same(got, value))
    except Exception:  # an answer of another shape or type is simply not this one
        return False


class Mistake:
    """A usual wrong answer: its value on one case's input (or a test of the learner's
    answer, `value(got) -> bool`) and what to tell the learner.

    Args:
        value: the answer the mistake gives, or a predicate on the learner's answer.
        message: the cause, said to the learner ("you ..."), or `message(got)` for one
            that quotes the learner's answer (on the first case answered wrong).
    """

    def __init__(self, value, message):
        self.value, self.message = value, message

    def matches(self, got, same):
        """Whether the learner's answer `got` is this mistake's, by `same(got, value)`."""
        return agrees(same, got, self.value)

    def __repr__(self):
        return f"{type(self).__name__}({self.message[:40]!r}...)"


class Symptom(Mistake):
    """A fact about a wrong answer, `test(got) -> bool`, asked of every case answered wrong only."""

    def __init__(self, test, message):
        if not callable(test):
            raise TypeError(f"a Symptom's test must be callable, test(got) -> bool; received {type(test).__name__}.")
        super().__init__(test, message)


def _entries(mistakes, args):
    """The `Mistake`s of one input: `(value, message)` pairs are read as `Mistake`s."""
    return [entry if isinstance(entry, Mistake) else Mistake(*entry) for entry in mistakes(*args)]


def explains(index, failures, passed, candidates, same):
    """Whether entry `index` of every case's candidates explains the failures (and the passes)."""
    for (_, _, got, _), entries in zip(failures, candidates):
        if not entries[index].matches(got, same):
            return False
    if isinstance(candidates[0][index], Symptom):
        return True
    return all(
        entries[index].matches(got, same) for (_, _, got, _), entries in zip(passed, candidates[len(failures) :])
    )


def explain_failures(failures, *, passed=(), mistakes=None, same, render=None, render_pair=None):
    """The message for the failing cases: a named cause only if it explains every case.

    Args:
        failures: list of `(description, args, got, expected)`, in case order.
        passed: the cases answered right, in the same form.
        mistakes: `mistakes(*args)` returns the usual wrong answers on those inputs,
            always in the same order: `Mistake`s, `Symptom`s, or `(value, message)`
            pairs (read as `Mistake`s). None: no diagnosis.
        same: `same(got, value)` says whether two answers agree (with tolerance).
        render: turns an answer into text for the plain message (defaults to
            `describe_array`, with digits enough to tell the two answers apart).
        render_pair: `render_pair(expected, got)` returns both texts at once; it
            takes precedence over `render`.

    Returns:
        `"on <first failing input>: <message>"` when one entry explains the cases;
        otherwise the first failing input with the expected and the received
        answers, and a note if the received one holds NaN.

    Example:

    >>> def mistakes(x):
    ...     return [Mistake(x + 2, "you added 2.")]
    >>> same = lambda got, value: got == value
    >>> explain_failures([("x = 1", (1.0,), 3.0, 2.0)], mistakes=mistakes, same=same)
    'on x = 1: you added 2.'
    >>> passed = [("x = 3", (3.0,), 6.0, 6.0)]  # right at x = 3, where x + 2 is not
    >>> print(explain_failures([("x = 1", (1.0,), 3.0, 2.0)], passed=passed, mistakes=mistakes, same=same))
    on x = 1: expected
    2.
    got
    3.
    """
    description, args, got, expected = failures[0]
    if mistakes is not None:
        cases = list(failures) + list(passed)
        candidates = [_entries(mistakes, case[1]) for case in cases]
        for index, entry in enumerate(candidates[0]):
            if explains(index, failures, passed, candidates, same):
                message = entry.message(got) if callable(entry.message) else entry.message
                return f"on {description}: {message}"
    if render_pair is not None:
        shown_expected, shown_got = render_pair(expected, got)
    elif render is not None:
        shown_expected, shown_got = render(expected), render(got)
    else:
        shown_expected, shown_got = _render_default(expected, got), _render_default(got, expected)
    return f"on {description}: expected\n{shown_expected}\ngot\n{shown_got}{nan_note(got, expected)}"


def _render_default(value, other):
    try:
        return render_array(value, other)
    except (TypeError, ValueError):
        return describe_array(value)
