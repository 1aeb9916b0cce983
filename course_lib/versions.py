"""The version of the imported `course_lib`, as recorded in results files and shown by `doctor`."""

__all__ = ["course_lib_version"]


def course_lib_version():
    """The version of the `course_lib` that is imported, or "unknown".

    Example:

    >>> course_lib_version() != ""
    True
    """
    import course_lib

    version = getattr(course_lib, "__version__", None)
    if version:
        return str(version)
    try:
        from importlib.metadata import version as distribution_version

        return distribution_version("course_lib")
    except Exception:  # not installed as a distribution
        return "unknown"
