"""The version of `course_lib`: one place, read by the package (`course_lib.__version__`),
the results files and `doctor`. It matches `[project] version` in `pyproject.toml`
(tests/test_project.py checks), and needs no import of the package itself.
"""

__all__ = ["__version__", "course_lib_version"]

__version__ = "0.1.0"


def course_lib_version():
    """The version of the `course_lib` that is imported, e.g. `"0.1.0"`.

    Example:

    >>> course_lib_version() == __version__
    True
    """
    return __version__
