"""The Makefile's targets, grouped by who runs them, for `make help` and docs/contributing.md.

Each target line of the Makefile ends in `## <group>: <what it does>`, the groups being
`learner`, `contributor` and `ci`. `make help` prints them with awk; `make_targets_table`
writes the same list as Markdown between the `make-targets` markers of
`docs/contributing.md` (`python -m course_lib headers` rewrites it, `headers --check`
and tests/test_make_targets.py compare), so the page cannot drift from the Makefile.
"""

import re
from pathlib import Path

__all__ = ["GROUPS", "make_targets", "make_targets_table", "help_text"]

#: The groups, in the order `make help` shows them, with their headings.
GROUPS = {"learner": "For learners", "contributor": "For contributors", "ci": "What CI runs (make test-all)"}

_TARGET_LINE = re.compile(r"^(?P<target>[a-z][a-zA-Z_-]*):.*## (?P<group>[a-z]+): (?P<text>.+)$")


def make_targets(makefile):
    """`{group: [(target, what it does), ...]}` from a Makefile's `## group: text` lines, in file order.

    Raises:
        ValueError: if a line names a group other than those of `GROUPS`.

    Example:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "Makefile"
    ...     _ = path.write_text("lab: setup ## learner: open the course\\nx := 1\\n")
    ...     make_targets(path)
    {'learner': [('lab', 'open the course')], 'contributor': [], 'ci': []}
    """
    targets = {group: [] for group in GROUPS}
    for line in Path(makefile).read_text(encoding="utf-8").splitlines():
        match = _TARGET_LINE.match(line)
        if match is None:
            continue
        if match["group"] not in GROUPS:
            raise ValueError(
                f"{makefile}: target {match['target']!r} names the group {match['group']!r}; "
                f"expected one of {', '.join(GROUPS)}."
            )
        targets[match["group"]].append((match["target"], match["text"].strip()))
    return targets


def help_text(makefile):
    """What `make help` prints: each group's heading, then `  make <target>  <what it does>` lines."""
    blocks = []
    for group, heading in GROUPS.items():
        lines = [f"  make {target:<16s} {text}" for target, text in make_targets(makefile)[group]]
        blocks.append(heading + ":\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def make_targets_table(makefile):
    """The targets as a Markdown table per group, for docs/contributing.md."""
    sections = []
    for group, heading in GROUPS.items():
        rows = [f"| `make {target}` | {text} |" for target, text in make_targets(makefile)[group]]
        sections.append(f"**{heading}**\n\n| target | what it does |\n|---|---|\n" + "\n".join(rows))
    return "\n\n".join(sections)
