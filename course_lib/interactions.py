"""Implicit feedback: who met which item when, split by time and laid out for models.

A recommender learns from interactions, `(user, item, timestamp)` triples: a
rating, a purchase, a click. Treated as *implicit* feedback, an interaction
says only "this user chose this item"; how much they liked it is set aside.
This module holds the three steps every model in the course shares:

- `leave_last_out`: for each user, the last interaction (by time) is the test
  item, the one before it the validation item, the rest are training data, so
  that every model is measured on what came *next*;
- `interaction_matrix`: the training interactions as a sparse user x item
  matrix of ones (SciPy CSR), the input of the classic recommenders;
- `previous_items` and `latest_items`: each interaction's recent history (the
  items the same user met just before), the input of a history tower.

NumPy and SciPy only.
"""

import numpy as np

from course_lib._validation import as_integers, check_positive_int, check_seed

__all__ = ["LeaveLastOut", "leave_last_out", "interaction_matrix", "previous_items", "latest_items"]


class LeaveLastOut(tuple):
    """The result of `leave_last_out`: `(train, validation, test)` index arrays.

    - `train`: int64, every interaction but each user's last two, grouped by
      user (ascending) and in time order within each user;
    - `validation`: int64 `(n_users,)`, each user's second-to-last interaction;
    - `test`: int64 `(n_users,)`, each user's last interaction.

    `validation` and `test` list the users in ascending order. The indices
    point into the arrays given to `leave_last_out`.
    """

    __slots__ = ()

    def __new__(cls, train, validation, test):
        return super().__new__(cls, (train, validation, test))

    @property
    def train(self):
        return self[0]

    @property
    def validation(self):
        return self[1]

    @property
    def test(self):
        return self[2]

    def __repr__(self):
        return f"LeaveLastOut(train={len(self[0])}, validation={len(self[1])}, test={len(self[2])} interactions)"


def _check_interactions(user, item, timestamp=None):
    user = as_integers(user, "user", what="user indices")
    item = as_integers(item, "item", what="item indices")
    arrays = {"user": user, "item": item}
    if timestamp is not None:
        arrays["timestamp"] = as_integers(timestamp, "timestamp", what="integer timestamps")
    for name, array in arrays.items():
        if array.ndim != 1:
            raise ValueError(f"`{name}` must be 1-D, one entry per interaction; received shape {array.shape}.")
        if array.size and array.min() < 0:
            raise ValueError(f"`{name}` must hold indices >= 0; received {int(array.min())}.")
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"`user`, `item` (and `timestamp`) must have one entry per interaction; received {lengths}.")
    if not len(user):
        raise ValueError("there are no interactions: `user` and `item` are empty.")
    return tuple(arrays.values())


def leave_last_out(user, item, timestamp, *, seed=0):
    """Splits each user's interactions by time: last = test, the one before = validation.

    Each user's interactions are put in time order. Interactions with the same
    timestamp (users often rate several movies in one second) are put in a
    random order drawn with `seed`, so that the held-out item is not chosen by
    its item index. Choices are then made on the validation items and the
    test items are used once, at the end.

    Args:
        user: int array `(n,)`, the user of each interaction.
        item: int array `(n,)`, the item of each interaction.
        timestamp: int array `(n,)`, when it happened (any increasing unit).
        seed: non-negative int, for the order of tied timestamps. Keyword-only.
            Defaults to `0`.

    Returns:
        A `LeaveLastOut` tuple `(train, validation, test)` of int64 index arrays
        into the inputs (see `LeaveLastOut`).

    Raises:
        TypeError: if an input does not hold integers.
        ValueError: if the lengths differ, an index is negative, or a user has
            fewer than 3 interactions (one to train on, one to validate, one to test).

    Example:

    >>> user = np.array([0, 0, 0, 1, 1, 1, 1])
    >>> item = np.array([5, 6, 7, 5, 8, 9, 6])
    >>> timestamp = np.array([30, 10, 20, 1, 2, 3, 4])
    >>> split = leave_last_out(user, item, timestamp)
    >>> item[split.train].tolist(), item[split.validation].tolist(), item[split.test].tolist()
    ([6, 5, 8], [7, 9], [5, 6])
    """
    user, item, timestamp = _check_interactions(user, item, timestamp)
    tie_breaker = np.random.default_rng(check_seed(seed)).random(len(user))
    order = np.lexsort((tie_breaker, timestamp, user))
    sorted_user = user[order]
    is_last = np.r_[sorted_user[1:] != sorted_user[:-1], True]
    users, counts = np.unique(sorted_user, return_counts=True)
    if counts.min() < 3:
        short = users[counts < 3]
        raise ValueError(
            f"every user needs at least 3 interactions (train, validation, test); {len(short)} "
            f"user(s) have fewer, e.g. user {int(short[0])} with {int(counts[counts < 3][0])}. "
            f"Drop them first, e.g. keep = np.isin(user, users_with_3_or_more)."
        )
    is_second = np.r_[is_last[1:], False]
    return LeaveLastOut(order[~(is_last | is_second)], order[is_second], order[is_last])


def interaction_matrix(user, item, *, shape):
    """The interactions as a sparse user x item matrix: 1 where the user met the item, else 0.

    Repeated interactions of one user with one item count once.

    Args:
        user: int array `(n,)`, row indices.
        item: int array `(n,)`, column indices.
        shape: `(n_users, n_items)`. Keyword-only.

    Returns:
        A `scipy.sparse.csr_array` of float32, `shape`, with ones where a user met an item.

    Raises:
        TypeError, ValueError: for non-integer or mismatched inputs, or an index
            outside `shape`.

    Example:

    >>> matrix = interaction_matrix([0, 0, 1, 1], [2, 2, 0, 1], shape=(2, 3))
    >>> matrix.toarray().tolist()
    [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    """
    from scipy import sparse

    user, item = _check_interactions(user, item)
    if not (isinstance(shape, tuple) and len(shape) == 2):
        raise TypeError(f"`shape` must be a tuple (n_users, n_items); received {shape!r}.")
    n_users = check_positive_int(shape[0], "shape[0]")
    n_items = check_positive_int(shape[1], "shape[1]")
    if user.max() >= n_users or item.max() >= n_items:
        raise ValueError(
            f"indices must lie inside `shape` {shape}; received a largest user of {int(user.max())} "
            f"and a largest item of {int(item.max())}."
        )
    matrix = sparse.csr_array((np.ones(len(user), np.float32), (user, item)), shape=(n_users, n_items))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _window_starts(user):
    """For rows grouped by user: the index of each user's first row, for every row."""
    if np.any(np.diff(user) < 0):
        raise ValueError(
            "the interactions must be grouped by user in ascending order, each user's in time "
            "order: index them with leave_last_out(...).train."
        )
    new_user = np.r_[True, user[1:] != user[:-1]]
    return np.maximum.accumulate(np.where(new_user, np.arange(len(user)), 0))


def previous_items(user, item, *, length, padding):
    """For each interaction, the `length` items its user met just before it (most recent last).

    This is the training input of a history tower: the item a user chose next,
    seen from the items they had chosen before. Rows with a shorter past are
    filled on the left with `padding`.

    Args:
        user: int array `(n,)`, grouped by user in ascending order, each user's
            interactions in time order (as `leave_last_out(...).train` orders them).
        item: int array `(n,)`.
        length: int >= 1, the number of past items per row. Keyword-only.
        padding: int, the id that fills missing positions (e.g. `n_items`).
            Keyword-only.

    Returns:
        An int32 array `(n, length)`.

    Raises:
        ValueError: if the rows are not grouped by user, or lengths differ.

    Example:

    >>> previous_items([0, 0, 0, 1, 1], [4, 5, 6, 7, 8], length=2, padding=9).tolist()
    [[9, 9], [9, 4], [4, 5], [9, 9], [9, 7]]
    """
    user, item = _check_interactions(user, item)
    length = check_positive_int(length, "length")
    starts = _window_starts(user)
    rows = np.arange(len(user))
    windows = np.full((len(user), length), padding, dtype=np.int32)
    for back in range(1, length + 1):
        has = rows - back >= starts
        windows[has, length - back] = item[rows[has] - back]
    return windows


def latest_items(user, item, *, n_users, length, padding):
    """For each user, the last `length` items of their interactions (most recent last).

    The history a history tower reads to recommend what comes next.

    Args:
        user, item: as `previous_items` (grouped by user, in time order).
        n_users: int, the number of users (rows of the result). Keyword-only.
        length, padding: as `previous_items`. Keyword-only.

    Returns:
        An int32 array `(n_users, length)`; a user without interactions gets
        a row of `padding`.

    Example:

    >>> latest_items([0, 0, 0, 1], [4, 5, 6, 7], n_users=3, length=2, padding=9).tolist()
    [[5, 6], [9, 7], [9, 9]]
    """
    user, item = _check_interactions(user, item)
    n_users = check_positive_int(n_users, "n_users")
    if user.max() >= n_users:
        raise ValueError(f"`user` must lie below n_users={n_users}; received {int(user.max())}.")
    windows = np.full((n_users, length), padding, dtype=np.int32)
    last_rows = np.flatnonzero(np.r_[user[1:] != user[:-1], True])
    history = previous_items(user, item, length=length, padding=padding)[last_rows]
    windows[user[last_rows], :-1] = history[:, 1:]
    windows[user[last_rows], -1] = item[last_rows]
    return windows
