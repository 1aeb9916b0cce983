"""The course practises what it teaches: the test set is used once, at the end.

These tests read every notebook's code (code cells, the exercise solutions that
`course_lib solve` puts in, and the inline code that markdown tells the learner
to run) and fail when a test array reaches training (`fit`), `validation_data`,
a callback, or a threshold search. The one exception is a line that says, in a
comment, that it computes an "upper bound": the best a choice made on the test
set could report, shown for comparison and never used. They also keep learner-facing text free of
words about how the course was made.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from course_lib.exercises import get_exercise
from course_lib.notebooks import find_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = find_notebooks(ROOT / "notebooks")

#: A name holds test data when "test" is one of its underscore-separated words:
#: x_test, y_test, test_pairs, x_test_input, test_is_similar, ...
TEST_NAME = re.compile(r"(^|_)test(_|$)")
FIT_METHODS = {"fit", "fit_transform", "partial_fit", "train_on_batch"}
CALLBACK_NAME = re.compile(r"(Monitor|Callback|EarlyStopping|ModelCheckpoint)$")
THRESHOLD_SEARCH = re.compile(r"threshold")
UPPER_BOUND = re.compile(r"#.*upper bound", re.IGNORECASE)
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def _called_name(call):
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _test_names(node):
    return sorted({name.id for name in ast.walk(node) if isinstance(name, ast.Name) and TEST_NAME.search(name.id)})


def leaks(source):
    """Lists `(what, names)` for every place in `source` where test data reaches a choice."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found, lines = [], source.splitlines()
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        if UPPER_BOUND.search(lines[call.lineno - 1]):
            continue
        name = _called_name(call)
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        if name in FIT_METHODS:
            kinds = {"training (`fit`)": arguments}
        elif CALLBACK_NAME.search(name):
            kinds = {f"a callback (`{name}`)": arguments}
        elif THRESHOLD_SEARCH.search(name):
            kinds = {f"a threshold search (`{name}`)": arguments}
        else:
            kinds = {}
        kinds["`validation_data`"] = [
            keyword.value for keyword in call.keywords if keyword.arg in ("validation_data", "callbacks")
        ]
        for what, nodes in kinds.items():
            names = sorted({n for node in nodes for n in _test_names(node)})
            if names:
                found.append((what, names))
    return found


def notebook_code(path):
    """Every piece of code a learner runs or is told to run in one notebook, shipped and solved."""
    pieces = []
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            pieces.append((f"cell {number}", cell.source))
            exercise_id = cell.metadata.get("exercise")
            if exercise_id:
                pieces.append((f"cell {number} solved", get_exercise(exercise_id).solution_code))
        else:
            pieces += [(f"cell {number} (markdown)", code) for code in INLINE_CODE.findall(cell.source)]
    return pieces


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_test_data_in_training_validation_callbacks_or_threshold_searches(path):
    problems = [
        f"{where}: test data {names} reaches {what}"
        for where, source in notebook_code(path)
        for what, names in leaks(source)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "model.fit(x_train, y_train, validation_data=(x_test, y_test))",
        "history = encoder.fit(x_test_input, y_train)",
        "siamese.fit(batches, callbacks=[RetrievalMonitor(encoder, x_test, y_test)])",
        "monitor = RetrievalMonitor(encoder, x_test, y_test)",
        "pair_threshold(pair_distances[name], test_is_similar)",
        "threshold, f1 = choose_threshold(test_scores, test_is_same)",
        "pca.fit(x_test.reshape(len(x_test), -1))",
        "autoencoder.fit(x, x, validation_data=(x_test, x_test, mask_test))",
    ],
)
def test_the_leak_detector_catches_each_kind_of_leak(source):
    assert leaks(source), source


@pytest.mark.parametrize(
    "source",
    [
        "model.fit(x_fit, y_fit, validation_data=(x_val, y_val))",
        "threshold, f1 = choose_threshold(val_scores, val_is_same)",
        "precision_recall_f1(test_scores, test_is_same, [threshold])",
        "rows.append(evaluate_retrieval(test_embeddings, y_test))",
        "equal_error_rate(*pair_scores(cosine_similarity(e_test), y_test))",
        "latest_results = contest(x)",  # 'contest' and 'latest' are not the word 'test'
        "best_accuracy_threshold(-test_distances, test_is_similar)  # upper bound, never a choice",
    ],
)
def test_the_leak_detector_accepts_honest_code(source):
    assert not leaks(source), source


# Learner-facing text speaks about the subject, never about how the course was made.
MAKING_OF = re.compile(
    r"seed (material|sketch|document)|the issue\b|an issue that|as in the issue|prompted this notebook",
    re.IGNORECASE,
)


def _learner_facing_texts():
    for path in NOTEBOOKS:
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
            yield f"{path.name} cell {number}", cell.source
    for path in [ROOT / "README.md", ROOT / "data" / "README.md", *sorted((ROOT / "course_lib").rglob("*.py"))]:
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def test_learner_facing_text_says_nothing_about_how_the_course_was_made():
    found = [
        f"{where}: {match.group(0)!r}" for where, text in _learner_facing_texts() for match in MAKING_OF.finditer(text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("text", ["The seed sketch fails", "as in the issue", "The issue that prompted this"])
def test_the_wording_check_catches_making_of_phrases(text):
    assert MAKING_OF.search(text)
