"""What a check can say: the placeholder, the three verdicts and the exceptions that carry them.

`check()` prints one of three verdicts, once, and never raises on a wrong answer:

- **Correct**,
- **Incorrect**, with what was wrong and on which input,
- **Not attempted**, while the answer is still the placeholder `____`.

The checking code raises `Incorrect` or `NotAttempted` with the message for the
learner; `Exercise.evaluate` turns them into a `CheckResult`.
"""

__all__ = [
    "____",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "STATUSES",
    "CheckResult",
    "ExerciseExpectationError",
    "Incorrect",
    "NotAttempted",
]

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"
STATUSES = (CORRECT, INCORRECT, NOT_ATTEMPTED)


class _Placeholder:
    """The blank a learner replaces: a single inert object that only marks "not done yet"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "____"


#: The blank to fill in. A notebook that still holds it runs, and its check
#: reports "Not attempted".
____ = _Placeholder()


class Incorrect(Exception):
    """Raised by a checker with a message for the learner: what was wrong, on which input."""


class NotAttempted(Exception):
    """Raised by a checker when the answer still holds the placeholder."""


class ExerciseExpectationError(RuntimeError):
    """Raised by `check()` when `COURSE_EXERCISE_EXPECT` asks for another verdict."""


class CheckResult:
    """The verdict of one check: `status` (correct / incorrect / not attempted) and `message`."""

    def __init__(self, status, message, *, printed=False):
        if status not in STATUSES:
            raise ValueError(f"`status` must be one of {STATUSES}; received {status!r}.")
        self.status = status
        self.message = message
        #: True once `check()` has printed this verdict; a notebook then shows nothing more.
        self.printed = printed

    @property
    def correct(self):
        return self.status == CORRECT

    def __str__(self):
        heading = {CORRECT: "Correct", INCORRECT: "Incorrect", NOT_ATTEMPTED: "Not attempted"}
        return f"{heading[self.status]}: {self.message}" if self.message else heading[self.status]

    def __repr__(self):
        return f"CheckResult(status={self.status!r}, message={self.message!r})"

    def _ipython_display_(self):
        """IPython shows a cell's value through this: nothing when `check()` printed it already."""
        if not self.printed:
            print(self)
