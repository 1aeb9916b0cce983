"""Helpers shared by the plotting modules (a private module: not part of the course's API)."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps

# Neighbour frames: colours from the Okabe-Ito palette, told apart by the common forms of
# colour blindness, and a second cue that needs no colour at all: solid against dashed.
SAME_LABEL_COLOR = "#0072B2"  # blue
DIFFERENT_LABEL_COLOR = "#D55E00"  # vermillion
SAME_LABEL_LINESTYLE = "solid"
DIFFERENT_LABEL_LINESTYLE = "dashed"
TEXT_SIZE = 8

__all__ = [
    "DIFFERENT_LABEL_COLOR",
    "DIFFERENT_LABEL_LINESTYLE",
    "SAME_LABEL_COLOR",
    "SAME_LABEL_LINESTYLE",
    "TEXT_SIZE",
    "class_colours",
    "label_text",
    "new_axes",
]


def new_axes(figsize):
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def label_text(label, class_names, name):
    if class_names is None:
        return str(label)
    if not 0 <= label < len(class_names):
        raise ValueError(
            f"`{name}` holds label {label}, but `class_names` has {len(class_names)} "
            f"entries (valid labels 0..{len(class_names) - 1}). Pass one name per class."
        )
    return str(class_names[label])


def class_colours(n_classes):
    if n_classes <= 10:
        return [colormaps["tab10"](i) for i in range(n_classes)]
    if n_classes <= 20:
        return [colormaps["tab20"](i) for i in range(n_classes)]
    return [colormaps["turbo"](x) for x in np.linspace(0.05, 0.95, n_classes)]
