"""course_lib.notebooks.make_targets: `make help` and docs/contributing.md list the Makefile's targets."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from course_lib.notebooks.make_targets import GROUPS, help_text, make_targets, make_targets_table

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"


def test_every_target_says_who_runs_it_and_what_it_does():
    """Each target line ends in `## <group>: <text>`, so that `make help` lists it."""
    targets = re.findall(r"^([a-z][a-zA-Z_-]*):(?!=)(.*)$", MAKEFILE.read_text(), flags=re.MULTILINE)
    unannotated = [name for name, rest in targets if not re.search(r"## (" + "|".join(GROUPS) + r"): \S", rest)]
    assert not unannotated, f"Makefile targets without '## <group>: <what it does>': {unannotated}"
    listed = {name for entries in make_targets(MAKEFILE).values() for name, _ in entries}
    assert listed == {name for name, _ in targets}
    assert ("test-unit", "the fast loop: the unit tests and doctests") in make_targets(MAKEFILE)["contributor"]


def test_the_contributor_page_lists_the_targets_as_the_makefile_says():
    page = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    assert make_targets_table(MAKEFILE) in page, "run `python -m course_lib headers`"
    assert page.index("## The fast loop") < page.index("## What the tests guard")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_help_prints_the_same_list():
    printed = subprocess.run(["make", "-s", "-C", str(ROOT), "help"], capture_output=True, text=True, check=True)
    assert printed.stdout == help_text(MAKEFILE)


def test_an_unknown_group_is_refused(tmp_path):
    makefile = tmp_path / "Makefile"
    makefile.write_text("lab: setup ## learners: open the course\n")
    with pytest.raises(ValueError, match=r"'lab' names the group 'learners'; expected one of learner, contributor, ci"):
        make_targets(makefile)
