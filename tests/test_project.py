"""Project-level checks: the two install routes name the same packages, CI runs the README's command."""

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]

# PyPI distribution -> conda-forge package, where the names differ.
PYPI_TO_CONDA = {"tensorflow-cpu": "tensorflow"}
# Present in one route only by design: conda needs python and pip listed.
CONDA_ONLY = {"python", "pip"}


def _name(requirement):
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower()
    return PYPI_TO_CONDA.get(name, name)


def _pyproject_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    requirements = project["dependencies"] + extras["cpu"] + extras["dev"] + extras["search"]
    return {_name(requirement) for requirement in requirements}


def _conda_packages():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("dependencies:") + 1
    packages = set()
    for line in lines[start:]:
        if not line.startswith("  - "):
            break
        packages.add(_name(line[4:]))
    return packages - CONDA_ONLY


def test_environment_yml_and_pyproject_name_the_same_packages():
    pyproject, conda = _pyproject_packages(), _conda_packages()
    assert pyproject == conda, (
        f"only in pyproject.toml: {sorted(pyproject - conda)}; only in environment.yml: {sorted(conda - pyproject)}"
    )


def test_gpu_extra_is_tensorflow_with_cuda():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [r.split(">")[0] for r in project["optional-dependencies"]["gpu"]] == ["tensorflow[and-cuda]"]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme.split("\n## ")[0], "the README must give `make test` at the top"
    assert "make lab" in readme.split("\n## ")[0], "the README must give `make lab` at the top"
    assert re.search(r"^make test-all$", ci, flags=re.MULTILINE)
    assert "make test-all" in readme, "the README must say which target CI runs"


def _make_recipe_line(pattern):
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(pattern, makefile, flags=re.MULTILINE)
    assert match, f"no Makefile line matches {pattern!r}"
    return match


def test_binder_installs_what_make_setup_installs():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    install = _make_recipe_line(r'-m pip install --quiet -e "\.\[\$\(EXTRA\),(?P<extras>[\w,]+)\]"$')
    extras = [extra for extra in install["extras"].split(",") if extra != "dev"]
    assert f'python -m pip install --quiet -e ".[cpu,{",".join(extras)}]"' in post_build
    kernel = _make_recipe_line(
        r"-m ipykernel install --user --name \$\(KERNEL_NAME\) "
        r'--display-name "(?P<display>[^"]+)"'
    )
    assert (
        f'python -m ipykernel install --user --name deep-similarity --display-name "{kernel["display"]}"'
    ) in post_build
    assert "KERNEL_NAME ?= deep-similarity" in (ROOT / "Makefile").read_text()


def test_binder_uses_its_own_folder_not_the_conda_file():
    # repo2docker reads binder/ first and then ignores environment.yml at the root.
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")
    assert not (ROOT / "postBuild").exists(), "a root postBuild would be ignored; keep it in binder/"
    assert not any((ROOT / "binder" / name).exists() for name in ("environment.yml", "requirements.txt", "apt.txt"))


def test_the_package_version_is_pyprojects():
    import course_lib

    assert course_lib.__version__ == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
