"""Runs every notebook the way Google Colab would, without Colab.

Run it with the interpreter of an environment that holds Colab's packages and
NOT the course (`make test-colab` builds one in build/colab/.venv):

    build/colab/.venv/bin/python scripts/check_colab.py [--solved DIR] [NN ...]

With `--solved DIR` it runs the solved copies in DIR (written by `python -m
course_lib solve --out DIR`) and expects every exercise check to say "correct";
without it, the notebooks as shipped, every check "not attempted". `make
test-colab` runs the solved copies: one run of each notebook then checks both
Colab's packages and the solutions. Numbers (`07 08`) limit the run to those
notebooks.

What it imitates:

- `google.colab` is imported when the kernel starts (an IPython start-up file
  and a stand-in `google.colab` module), so each setup cell takes its Colab
  branch;
- the setup cell's `git clone` of the repository's GitHub address is served
  from a snapshot of this working tree (git's `url.<base>.insteadOf`), so no
  network is used and uncommitted changes are what gets tested;
- the notebooks run from a folder of their own, as Colab's `/content`.

It fails when a notebook fails under nbval (or an exercise check says
something other than expected), when a cell writes to stderr, when the course was not cloned, or
when the notebooks installed or upgraded any package (Colab's TensorFlow must
be the only one).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _repository_url():
    sys.path.insert(0, str(ROOT))
    try:
        from course_lib.notebooks.links import repository_url
    finally:
        sys.path.pop(0)
    for name in [name for name in sys.modules if name.startswith("course_lib")]:
        del sys.modules[name]  # the notebooks must find the course only through their clone
    return repository_url(ROOT)


def _snapshot(destination):
    """A one-commit git repository of the working tree (tracked and untracked, not ignored)."""
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git = ["git", "-c", "user.name=check", "-c", "user.email=check@localhost"]
    for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "snapshot"]):
        subprocess.run(git + command, cwd=destination, check=True)


def _freeze():
    return subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True
    ).stdout


def _arguments(argv):
    parser = argparse.ArgumentParser(description="Runs every notebook the way Google Colab would.")
    parser.add_argument(
        "--solved",
        metavar="DIR",
        type=Path,
        help="run the solved copies in DIR (python -m course_lib solve --out DIR); every check must say 'correct'",
    )
    parser.add_argument("numbers", nargs="*", metavar="NN", help="only these notebooks (e.g. 07 08); all by default")
    return parser.parse_args(argv)


def _notebooks(solved):
    """The notebooks to run and the verdict every exercise check must give."""
    if solved is None:
        return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), "not attempted"
    shipped = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    found = sorted(path.name for path in solved.glob("[0-9][0-9]_*.ipynb"))
    if found != shipped:
        sys.exit(
            f"Expected a solved copy of each of the {len(shipped)} notebooks in {solved}; found {len(found)} "
            f"(missing: {sorted(set(shipped) - set(found)) or 'none'}). Write them with "
            f"`python -m course_lib solve --out {solved}` first."
        )
    return [solved / name for name in found], "correct"


def main(argv=None):
    arguments = _arguments(argv)
    notebooks, expect = _notebooks(arguments.solved)
    if arguments.numbers:
        unknown = sorted(set(arguments.numbers) - {path.name[:2] for path in notebooks})
        if unknown:
            sys.exit(f"Expected notebook numbers such as 07; received {unknown}, which name no notebook.")
        notebooks = [path for path in notebooks if path.name[:2] in arguments.numbers]
    try:
        import course_lib  # noqa: F401
    except ImportError:
        pass
    else:
        sys.exit(
            "This environment has course_lib installed; Colab does not. Run this with an "
            "environment that lacks it (make test-colab builds one)."
        )
    repository = _repository_url()
    with tempfile.TemporaryDirectory(prefix="colab-") as folder:
        folder = Path(folder)
        origin, content, fake, ipython = (folder / name for name in ("origin", "content", "fake", "ipython"))
        for path in (origin, content, fake / "google" / "colab", ipython / "profile_default" / "startup"):
            path.mkdir(parents=True)
        _snapshot(origin)
        # A stand-in for Colab's module; `google` stays a namespace package (protobuf lives there).
        (fake / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Google Colab."""\n')
        (ipython / "profile_default" / "startup" / "00-colab.py").write_text("import google.colab\n")
        for path in notebooks:
            shutil.copy2(path, content / path.name)
        shutil.copy2(ROOT / "conftest.py", content / "conftest.py")  # the stderr check
        env = dict(
            os.environ,
            PYTHONPATH=str(fake),
            IPYTHONDIR=str(ipython),
            COURSE_EXERCISE_EXPECT=expect,
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0=f"url.file://{origin}.insteadOf",
            GIT_CONFIG_VALUE_0=repository,
        )
        env.pop("COURSE_DATA_DIR", None)
        env.pop("COURSE_BUILD_DIR", None)
        before = _freeze()
        kind = "solved" if arguments.solved is not None else "as shipped"
        print(
            f"Colab check: {len(notebooks)} notebooks {kind}, cloning {repository} from a snapshot of {ROOT}",
            flush=True,
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "--nbval-lax",
                "--nbval-current-env",
                "--nbval-cell-timeout=300",
                "-q",
                "--rootdir",
                str(content),
                *[str(content / path.name) for path in notebooks],
            ],
            cwd=content,
            env=env,
        )
        problems = []
        if result.returncode:
            problems.append(f"nbval failed (exit code {result.returncode}); see above")
        if not (content / "deep-similarity" / "course_lib").is_dir():
            problems.append("the setup cell did not clone the course into deep-similarity/")
        if _freeze() != before:
            problems.append("the notebooks installed or changed packages; Colab's must stay as they are")
    if problems:
        sys.exit("Colab check failed: " + "; ".join(problems))
    print(
        f"Colab check passed: every notebook ran from the cloned course with Colab's packages, "
        f"every exercise check '{expect}'."
    )


if __name__ == "__main__":
    main()
