"""Conceptual questions: one of several choices, or a number, with why each wrong choice is wrong."""

import textwrap

import numpy as np

from course_lib.exercises.base import Exercise
from course_lib.exercises.values import as_numbers, render_number, type_name
from course_lib.exercises.verdicts import Incorrect

__all__ = ["Question"]


def _normalise_choice(answer):
    text = answer.strip().strip("()").strip().lower()
    return text[:1] if text[1:] in ("", ")", ".") else text


class Question(Exercise):
    """A conceptual question with a checked answer: one of several choices, or a number.

    The learner writes the answer in a tagged cell, `<answer_name> = "b"` or
    `<answer_name> = 0.5`; `check()` says whether it is right and, for a wrong
    choice, why that choice is wrong. A choice is a letter, as text; a number is
    a number, not text: `"1"` for a number, or `1` for a letter, is told so.

    Args:
        exercise_id, title, hint: as `Exercise`.
        prompt: the question, in Markdown.
        answer: the right choice (a letter) or the right number.
        answer_name: the variable the learner assigns.
        choices: for a multiple-choice question, `{letter: text}`; None for a number.
        explanations: `{letter: why it is wrong}` for the wrong choices, or, for a
            number, `((wrong_value, why), ...)`.
        tolerance: for a number, the absolute tolerance. Defaults to `1e-3`.
        why: one or two sentences printed with a right answer.
    """

    def __init__(
        self,
        exercise_id,
        *,
        title,
        prompt,
        answer,
        answer_name,
        hint,
        why,
        choices=None,
        explanations=(),
        tolerance=1e-3,
    ):
        self.prompt = textwrap.dedent(prompt).strip()
        self.choices = dict(choices) if choices else None
        self.answer = answer
        self.explanations = explanations
        self.tolerance = tolerance
        self.why = why
        if self.choices is not None and answer not in self.choices:
            raise ValueError(f"`answer` must be one of the choices {sorted(self.choices)}; received {answer!r}.")
        if self.choices is None and (isinstance(answer, bool) or not isinstance(answer, (int, float))):
            raise TypeError(f"`answer` of a question without choices must be a number; received {type_name(answer)}.")
        super().__init__(
            exercise_id,
            title=title,
            checker=self._check_answer,
            hint=hint,
            solution_code=f"{answer_name} = {answer!r}",
            answer_name=answer_name,
        )

    def _check_answer(self, answer):
        if answer is None:
            raise Incorrect("your answer is None: write the answer after the `=` sign.")
        if self.choices is not None:
            return self._check_choice(answer)
        return self._check_number(answer)

    def _check_choice(self, answer):
        letters = ", ".join(f'"{letter}"' for letter in self.choices)
        if not isinstance(answer, str):
            raise Incorrect(
                f"answer with one of the letters {letters}, as text in quotes; your answer is "
                f"{type_name(answer)}{f' {answer!r}' if isinstance(answer, (int, float)) else ''}."
            )
        choice = _normalise_choice(answer)
        if choice not in self.choices:
            raise Incorrect(f"answer with one of the letters {letters}; received {answer!r}.")
        if choice != self.answer:
            reason = dict(self.explanations).get(choice, "")
            raise Incorrect(f"({choice}) is not right. {reason}".strip())
        return self.why

    def _check_number(self, answer):
        if isinstance(answer, (str, bytes)):
            raise Incorrect(
                f"answer with a number; your answer is the text {answer!r} ({type(answer).__name__}). "
                f"Write the number itself, without quotes: {self.answer_name} = 0.25, for example."
            )
        if isinstance(answer, (bool, np.bool_)):
            raise Incorrect(f"answer with a number; your answer is {type_name(answer)}, a yes/no value.")
        value = as_numbers(answer, "a number", subject="your answer is")
        if value.size != 1:
            raise Incorrect(f"answer with one number; received an array of shape {value.shape}.")
        value = float(value.reshape(()))
        if abs(value - self.answer) <= self.tolerance:
            return self.why
        for wrong, reason in self.explanations:
            if abs(value - wrong) <= self.tolerance:
                raise Incorrect(f"{render_number(value)} is not right. {reason}")
        raise Incorrect(f"{render_number(value)} is not right.")

    def markdown(self):
        """The question as Markdown, with its choices: the text a notebook shows."""
        lines = [self.prompt]
        if self.choices is not None:
            lines.append("")
            lines.extend(f"- **({letter})** {text}" for letter, text in self.choices.items())
        return "\n".join(lines)
