"""Where the course keeps its shipped data and its build outputs.

The course is used from a clone (an editable install), so both folders sit at
the repository root beside `course_lib/`. Two environment variables override
them for other layouts:

- `COURSE_DATA_DIR`: the folder that holds `manifest.json` and the `.npz` files.
- `COURSE_BUILD_DIR`: where results, executed and solved notebooks are written
  (default: `build/` at the repository root).
"""

import os
from pathlib import Path

__all__ = ["project_root", "data_dir", "build_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root():
    """Returns the repository root: the folder that holds `course_lib/` and `data/`.

    Returns:
        A `pathlib.Path`. Falls back to the current working directory's nearest
        ancestor that has a `data/manifest.json` when the package is installed
        outside a clone.
    """
    candidate = _PACKAGE_DIR.parent
    if (candidate / "data" / "manifest.json").is_file():
        return candidate
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "data" / "manifest.json").is_file():
            return folder
    return candidate


def data_dir():
    """Returns the folder with the shipped data (`COURSE_DATA_DIR` overrides it)."""
    override = os.environ.get("COURSE_DATA_DIR")
    return Path(override).expanduser().resolve() if override else project_root() / "data"


def build_dir():
    """Returns the folder for build outputs (`COURSE_BUILD_DIR` overrides it)."""
    override = os.environ.get("COURSE_BUILD_DIR")
    return Path(override).expanduser().resolve() if override else project_root() / "build"
