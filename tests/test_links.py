"""The Colab and Binder links and the Colab lines of each setup cell come from pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.notebooks.links import (
    binder_url,
    colab_bootstrap,
    colab_url,
    repository_url,
    sync_links,
)

ROOT = Path(__file__).resolve().parents[1]


def test_the_course_is_in_sync_with_pyproject():
    assert sync_links(check=True, root=ROOT) == [], "run `python -m course_lib links`"


def test_every_notebook_has_its_links_and_the_colab_lines():
    repository = repository_url(ROOT)
    readme = (ROOT / "README.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert f"[Open in Colab]({colab_url(path.name, repository)})" in nb.cells[0].source
        assert f"[Open on Binder]({binder_url(path.name, repository)})" in nb.cells[0].source
        assert _setup(nb).source.startswith(colab_bootstrap(repository))
        assert f"[Colab]({colab_url(path.name, repository)})" in readme


def _setup(nb):
    return next(cell for cell in nb.cells if cell.cell_type == "code" and "setup_device(" in cell.source)


def _copy_course(tmp_path):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    return tmp_path


def test_a_fork_changes_one_line_and_every_link_follows(tmp_path):
    root = _copy_course(tmp_path)
    pyproject = root / "pyproject.toml"
    old = repository_url(ROOT)
    pyproject.write_text(pyproject.read_text().replace(old, "https://github.com/ann/similarity.git"))
    to_rewrite = sync_links(check=True, root=root)
    assert "README.md" in to_rewrite and len(to_rewrite) == 1 + len(list(root.glob("notebooks/0*")))
    assert sync_links(root=root) == to_rewrite
    assert sync_links(check=True, root=root) == []
    for path in [root / "README.md", *root.glob("notebooks/*.ipynb")]:
        text = path.read_text()
        assert old.split("github.com/")[1] not in text, path.name
    path = root / "notebooks" / "03_cnn_metric_learning.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert '"https://github.com/ann/similarity", "deep-similarity"' in _setup(nb).source
    assert "colab.research.google.com/github/ann/similarity/blob/main/notebooks/03_" in nb.cells[0].source
    # Rewriting again leaves one copy of the Colab lines and one link line.
    (root / "pyproject.toml").write_text(pyproject.read_text().replace("ann/similarity", "bo/sim"))
    sync_links(root=root)
    again = nbformat.read(path, as_version=4)
    assert _setup(again).source.count("google.colab") == 1 and "bo/sim" in _setup(again).source
    assert again.cells[0].source.count("[Open in Colab]") == 1
    assert _setup(again).source.split("\n\n", 1)[1] == _setup(nb).source.split("\n\n", 1)[1]


@pytest.mark.parametrize(
    "line, message",
    [
        (None, "Expected a line Repository ="),
        ('Repository = "https://gitlab.com/ann/course"', "Colab and Binder open notebooks from GitHub"),
        ('Repository = "https://github.com/ann"', "received 'https://github.com/ann'"),
    ],
)
def test_repository_url_explains_what_is_wrong(tmp_path, line, message):
    text = "[project]\nname = 'x'\n\n[project.urls]\n" + (line or 'Homepage = "https://x"') + "\n"
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        repository_url(tmp_path)


def test_the_colab_lines_do_nothing_elsewhere(tmp_path):
    code = colab_bootstrap("https://github.com/ann/course") + "print(sys.path[0] == '')"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "True"  # sys.path untouched
    assert list(tmp_path.iterdir()) == []  # nothing cloned


def test_the_colab_lines_clone_once_and_import_from_the_clone(tmp_path):
    # A stand-in for Colab and for GitHub: a tiny repository served through git's insteadOf.
    origin = tmp_path / "origin"
    (origin / "course_lib").mkdir(parents=True)
    (origin / "course_lib" / "__init__.py").write_text("WHERE = 'clone'\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(git + command, cwd=origin, check=True)
    content = tmp_path / "content"
    content.mkdir()
    url = "https://github.com/ann/course"
    code = (
        "import types, sys; sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
        + colab_bootstrap(url)
        + "import course_lib; print(course_lib.WHERE, course_lib.__file__)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.file://{origin}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }
    for _ in range(2):  # the second run finds the clone and does not clone again
        result = subprocess.run(
            [sys.executable, "-I", "-c", code], cwd=content, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        expected = "clone " + str(content / "deep-similarity" / "course_lib")
        assert result.stdout.startswith(expected)
        assert result.stderr == ""
