"""The workshop plans of the instructor guide add up, and every slot names what exists.

`docs/instructors.md` gives each plan as timed agendas: Markdown tables whose columns are
`time | min | slot | live | assigned`, each under a line that states the agenda's span,
`**Day** (08:30–17:00, 510 min)` or `**Session 1** (0:00–2:00, 120 min)`. These tests read
them, and the notebooks, and check:

- the arithmetic: each slot starts where the last ended, its `min` is its end minus its
  start, and the slots fill the stated span;
- every notebook section (`01 §1–8`) is a `## N.` heading of that notebook, every exercise
  id exists in that notebook, and a live exercise sits in a live section;
- a notebook slot is long enough for what it covers live, by the rule of the study-time
  table (`course_lib.notebooks.run_times`: words at 200 a minute, 10 minutes per coding
  exercise, 3 per question), and each homework time it states ("about N min") is what the
  same rule gives for the sections, exercises and whole notebooks assigned (whole notebooks
  from the study-time table, so the check follows the table as notebooks are added);
- each taught notebook's slot starts with *Run All*, teaches or assigns the section that
  saves its results (for the leaderboard), and the plan drops none of its exercises;
- notebook 03 quotes notebook 01's section 7 (the raw-pixel baseline per class), so a plan
  that teaches 03 covers it first;
- each plan has buffers; the one-day plan opens with a set-up clinic; every break the
  plan's text mentions is a slot of its agenda.
"""

import math
import re
from pathlib import Path

import nbformat
import pytest

from course_lib.exercises import get_exercise
from course_lib.exercises.core import Question
from course_lib.notebooks.run_times import (
    MINUTES_PER_CODE_EXERCISE,
    MINUTES_PER_QUESTION,
    RUN_TIME_PATTERN,
    STUDY_TIME_PATTERN,
    WORDS_PER_MINUTE,
)

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructors.md"
NOTEBOOKS = {path.name[:2]: path for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}

SPAN = re.compile(r"^\*\*(?P<name>[^*]+)\*\* \((?P<start>\d+:\d\d)–(?P<end>\d+:\d\d), (?P<minutes>\d+) min\)", re.M)
# "01 §1–8", "09 §1–5 and §7–8", "04 §1–4, 7"
SECTIONS = re.compile(r"\b(\d\d) (§\d+(?:–\d+)?(?:(?:, | and )§?\d+(?:–\d+)?)*)")
WHOLE = re.compile(r"\b(\d\d) \(all\)")
EXERCISE = re.compile(r"`(\d\d\.[a-z_0-9]+)`")
ABOUT = re.compile(r"about (\d+) min\b")
#: Sections a notebook quotes from an earlier one: {notebook: {earlier notebook: sections}}.
BUILDS_ON = {"03": {"01": {7}}}  # 03: "the class raw pixels confuse most (notebook 01)"


def _minutes(clock):
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _rule(words, code, questions):
    raw = words / WORDS_PER_MINUTE + code * MINUTES_PER_CODE_EXERCISE + questions * MINUTES_PER_QUESTION
    return 5 * math.ceil(round(raw, 6) / 5)


class Notebook:
    """A notebook's numbered sections: words and exercises of each, and where results are saved.

    Section 0 holds what comes before `## 1.` (title, objectives, setup); the cells after the
    numbered sections (summary, things to try) count with the last one.
    """

    def __init__(self, path):
        self.words, self.exercises, self.section_of = {}, {}, {}
        self.saves = None
        section = 0
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    match = re.match(r"^## (\d+)\. ", line)
                    if match:
                        section = int(match.group(1))
            text = cell.source
            if index == 0:
                text = STUDY_TIME_PATTERN.sub("", RUN_TIME_PATTERN.sub("", text))
            self.words[section] = self.words.get(section, 0) + len(text.split())
            exercise_id = cell.metadata.get("exercise")
            if exercise_id:
                self.exercises[exercise_id] = isinstance(get_exercise(exercise_id), Question)
                self.section_of[exercise_id] = section
            if cell.cell_type == "code" and "save_results(" in cell.source:
                self.saves = section
        self.numbered = sorted(number for number in self.words if number)

    def words_of(self, sections):
        counted = set(sections)
        if self.numbered and self.numbered[0] in counted:
            counted.add(0)
        return sum(self.words[number] for number in counted)

    def minutes(self, sections, exercises):
        questions = sum(self.exercises[exercise] for exercise in exercises)
        return _rule(self.words_of(sections), len(exercises) - questions, questions)


NOTEBOOK_DATA = {number: Notebook(path) for number, path in NOTEBOOKS.items()}


def study_table():
    """`{notebook number: study minutes}` from the guide's generated study-time table."""
    table = re.search(r"<!-- study-time-table.*?-->(.*?)<!-- /study-time-table -->", GUIDE.read_text(), re.S)
    return {
        row[0][:2]: int(row[-1].split()[0])
        for row in (line.strip("|").split("|") for line in table.group(1).splitlines() if line.startswith("| 0"))
        for row in [[cell.strip() for cell in row]]
    }


def _section_numbers(text):
    """The sections a reference names.

    >>> sorted(_section_numbers("§1–3 and §7, 9"))
    [1, 2, 3, 7, 9]
    """
    numbers = set()
    for first, last in re.findall(r"(\d+)(?:–(\d+))?", text):
        numbers.update(range(int(first), int(last or first) + 1))
    return numbers


def references(cell):
    """`({notebook: sections}, [exercise ids], [whole notebooks])` named in one cell of an agenda."""
    sections = {}
    for notebook, text in SECTIONS.findall(cell):
        sections.setdefault(notebook, set()).update(_section_numbers(text))
    return sections, EXERCISE.findall(cell), WHOLE.findall(cell)


def plans():
    """`{plan title: (plan text, [(agenda name, span line match, [row dicts])])}`."""
    found = {}
    for part in re.split(r"^## ", GUIDE.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title, _, body = part.partition("\n")
        if not title.startswith("Workshop plan"):
            continue
        agendas = []
        for span in SPAN.finditer(body):
            lines = body[span.end() :].splitlines()
            while lines and not lines[0].startswith("|"):  # the rest of the span's paragraph
                lines.pop(0)
            table = []
            for line in lines:
                if not line.startswith("|"):
                    break
                table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            assert table and table[0] == ["time", "min", "slot", "live", "assigned"], (title, span.group(0), table[:1])
            rows = [dict(zip(table[0], row)) for row in table[2:]]
            agendas.append((span.group("name"), span, rows))
        found[title] = (body, agendas)
    return found


PLANS = plans()


def test_the_guide_has_both_plans_with_agendas():
    assert [title.split(":")[0] for title in PLANS] == ["Workshop plan A", "Workshop plan B"]
    assert all(agendas for _, agendas in PLANS.values())


@pytest.mark.parametrize("title", PLANS)
def test_each_agenda_adds_up(title):
    for name, span, rows in PLANS[title][1]:
        clock = _minutes(span.group("start"))
        for row in rows:
            start, end = (_minutes(part) for part in row["time"].split("–"))
            assert start == clock, f"{title}, {name}: {row['slot']!r} starts at {row['time']}, not where the last ended"
            assert int(row["min"]) == end - start, (
                f"{title}, {name}: {row['slot']!r} is {end - start} min, not {row['min']}"
            )
            clock = end
        assert clock == _minutes(span.group("end")), f"{title}, {name}: the slots end at {clock // 60}:{clock % 60:02d}"
        assert _minutes(span.group("end")) - _minutes(span.group("start")) == int(span.group("minutes")), name


@pytest.mark.parametrize("title", PLANS)
def test_every_slot_names_sections_and_exercises_that_exist_in_time_enough(title):
    table = study_table()
    _, agendas = PLANS[title]
    covered = {}  # notebook -> sections covered so far, in plan order
    for _, _, rows in agendas:
        for row in rows:
            live_sections, live_exercises, live_whole = references(row["live"])
            for notebook, sections in live_sections.items():
                data = NOTEBOOK_DATA[notebook]
                assert sections <= set(data.numbered), (
                    f"{title}: {notebook} has no section(s) {sections - set(data.numbered)}"
                )
                for earlier, needed in BUILDS_ON.get(notebook, {}).items():
                    assert needed <= covered.get(earlier, set()), (
                        f"{title}: {notebook} is taught before {earlier} §{needed}"
                    )
            for exercise in live_exercises:
                notebook = exercise[:2]
                assert exercise in NOTEBOOK_DATA[notebook].exercises, f"{title}: no exercise {exercise}"
                assert NOTEBOOK_DATA[notebook].section_of[exercise] in live_sections.get(notebook, set()), (
                    f"{title}: live exercise {exercise} sits in §{NOTEBOOK_DATA[notebook].section_of[exercise]}, "
                    f"outside the slot's live sections"
                )
            if row["slot"][:2].isdigit():
                notebook = row["slot"][:2]
                data = NOTEBOOK_DATA[notebook]
                needed = data.minutes(
                    live_sections.get(notebook, set()), [e for e in live_exercises if e[:2] == notebook]
                )
                assert int(row["min"]) >= needed, (
                    f"{title}: {row['slot']!r} has {row['min']} min for {needed} min of study"
                )
                assert "Run All" in row["live"], f"{title}: {row['slot']!r} does not start with Run All"
            assigned_sections, assigned_exercises, assigned_whole = references(row["assigned"])
            if row["slot"][:2].isdigit():
                assert data.saves in live_sections.get(notebook, set()) | assigned_sections.get(notebook, set()), (
                    f"{title}: {row['slot']!r} neither teaches nor assigns §{data.saves}, where {notebook} saves "
                    f"its results"
                )
            for notebook, sections in assigned_sections.items():
                assert sections <= set(NOTEBOOK_DATA[notebook].numbered), f"{title}: {notebook} §{sections}"
            for exercise in assigned_exercises:
                assert exercise in NOTEBOOK_DATA[exercise[:2]].exercises, f"{title}: no exercise {exercise}"
            stated = ABOUT.search(row["assigned"])
            if stated:
                minutes = 0
                for notebook in {*assigned_sections, *(exercise[:2] for exercise in assigned_exercises)}:
                    exercises = [exercise for exercise in assigned_exercises if exercise[:2] == notebook]
                    questions = sum(NOTEBOOK_DATA[notebook].exercises[exercise] for exercise in exercises)
                    words = sum(NOTEBOOK_DATA[notebook].words[number] for number in assigned_sections.get(notebook, ()))
                    minutes += _rule(words, len(exercises) - questions, questions)
                for notebook in assigned_whole:
                    assert notebook in table, f"{title}: {notebook} (all) has no row in the study-time table"
                    minutes += table[notebook]
                assert int(stated.group(1)) == minutes, (
                    f"{title}: {row['slot']!r} assigns {minutes} min, says {stated.group(0)}"
                )
            for notebook, sections in (*live_sections.items(), *assigned_sections.items()):
                covered.setdefault(notebook, set()).update(sections)
            for notebook in (*live_whole, *assigned_whole):
                if notebook in NOTEBOOK_DATA:
                    covered.setdefault(notebook, set()).update(NOTEBOOK_DATA[notebook].numbered)
    taught = {row["slot"][:2] for _, _, rows in agendas for row in rows if row["slot"][:2].isdigit()}
    for notebook in taught:
        named = {e for _, _, rows in agendas for row in rows for e in EXERCISE.findall(row["live"] + row["assigned"])}
        whole = {n for _, _, rows in agendas for row in rows for n in WHOLE.findall(row["assigned"])}
        dropped = set(NOTEBOOK_DATA[notebook].exercises) - named
        assert notebook in whole or not dropped, f"{title}: {notebook}'s exercises {sorted(dropped)} are in no slot"


@pytest.mark.parametrize("title", PLANS)
def test_buffers_clinic_and_the_breaks_the_text_mentions(title):
    body, agendas = PLANS[title]
    slots = [row["slot"].lower() for _, _, rows in agendas for row in rows]
    assert any(slot.startswith("buffer") for slot in slots), f"{title} has no buffer"
    if title.startswith("Workshop plan A"):
        assert slots[0].startswith("set-up clinic"), f"{title} does not open with a set-up clinic"
    for kind in ("morning break", "afternoon break", "lunch"):
        if kind in body.lower():
            assert any(slot.startswith(kind) for slot in slots), f"{title} mentions a {kind} its agenda lacks"
