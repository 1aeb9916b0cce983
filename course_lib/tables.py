"""Plain-text tables: the aligned tables of the results, the run summary and the benchmark."""

__all__ = ["format_table"]


def format_table(header, body, *, numeric=()):
    """Aligns a header and rows of strings into a plain-text table.

    Args:
        header: list of column titles (strings).
        body: list of rows, each a list of strings as long as `header`.
        numeric: indices of the columns to align right (numbers). Keyword-only.

    Returns:
        A string: the header, a rule of dashes, then one line per row.

    Example:

    >>> print(format_table(["name", "R@1"], [["raw", "0.81"], ["cnn", "0.9"]], numeric=(1,)))
    name   R@1
    ----  ----
    raw   0.81
    cnn    0.9
    """
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def render(line):
        cells = [
            cell.rjust(width) if index in numeric else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(line, widths))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in body)])
