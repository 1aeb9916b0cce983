"""course_lib: the library behind the Deep Similarity course."""

__version__ = "0.1.0"
