"""The root conftest.py fails an nbval cell that writes to stderr, and passes a clean one."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def test_a_cell_writing_to_stderr_fails_under_nbval(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("print('to stdout')"),
            nbformat.v4.new_code_cell("import sys\nprint('to stderr', file=sys.stderr)"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "demo.ipynb")
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "-q",
            "demo.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "The cell wrote to stderr" in result.stdout and "to stderr" in result.stdout
