"""Plots for similarity learning: neighbours, similarity matrices, embeddings, training, leaderboard.

Every function draws into the `ax` it is given (or a new figure's axes when
`ax=None`), returns that axes, and leaves global matplotlib state alone: no
`rcParams` edits, no style changes, no `plt.show()`. Call `plt.show()` or
`fig.savefig(...)` yourself; in Jupyter the figure appears at the end of the cell.
"""

from course_lib.plotting._common import (
    DIFFERENT_LABEL_COLOR,
    DIFFERENT_LABEL_LINESTYLE,
    SAME_LABEL_COLOR,
    SAME_LABEL_LINESTYLE,
)
from course_lib.plotting.curves import plot_training_curves
from course_lib.plotting.embeddings import plot_embedding_2d
from course_lib.plotting.leaderboard import plot_domain, plot_leaderboard
from course_lib.plotting.matrices import plot_similarity_matrix
from course_lib.plotting.neighbours import plot_neighbours

__all__ = [
    "DIFFERENT_LABEL_COLOR",
    "DIFFERENT_LABEL_LINESTYLE",
    "SAME_LABEL_COLOR",
    "SAME_LABEL_LINESTYLE",
    "plot_domain",
    "plot_embedding_2d",
    "plot_leaderboard",
    "plot_neighbours",
    "plot_similarity_matrix",
    "plot_training_curves",
]
