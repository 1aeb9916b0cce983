"""Tests for course_lib.interactions: leave-last-out, the sparse matrix and the history windows."""

import numpy as np
import pytest
from scipy import sparse

from course_lib.interactions import (
    LeaveLastOut,
    interaction_matrix,
    latest_items,
    leave_last_out,
    previous_items,
)


def _interactions(seed=0, n_users=30, n_items=50):
    rng = np.random.default_rng(seed)
    counts = rng.integers(3, 12, size=n_users)
    user = np.repeat(np.arange(n_users), counts)
    item = rng.integers(0, n_items, size=len(user))
    timestamp = rng.integers(0, 20, size=len(user))  # many ties
    shuffle = rng.permutation(len(user))
    return user[shuffle], item[shuffle], timestamp[shuffle]


def test_leave_last_out_holds_out_each_users_last_two_in_time_order():
    user, item, timestamp = _interactions()
    split = leave_last_out(user, item, timestamp, seed=0)
    assert isinstance(split, LeaveLastOut) and "LeaveLastOut(train=" in repr(split)
    everything = np.sort(np.concatenate(split))
    np.testing.assert_array_equal(everything, np.arange(len(user)))  # a partition
    np.testing.assert_array_equal(user[split.validation], np.arange(30))
    np.testing.assert_array_equal(user[split.test], np.arange(30))
    for u in range(30):
        mine = split.train[user[split.train] == u]
        assert np.all(np.diff(timestamp[mine]) >= 0)  # time order within a user
        assert timestamp[mine].max() <= timestamp[split.validation[u]] <= timestamp[split.test[u]]
    assert np.all(np.diff(user[split.train]) >= 0)  # grouped by user


def test_ties_are_ordered_by_the_seed_not_by_position():
    user = np.zeros(6, dtype=int)
    item = np.arange(6)
    timestamp = np.zeros(6, dtype=int)  # all at once
    held_out = {int(item[leave_last_out(user, item, timestamp, seed=seed).test[0]]) for seed in range(20)}
    assert len(held_out) > 2  # not always the last row
    first = leave_last_out(user, item, timestamp, seed=3)
    again = leave_last_out(user, item, timestamp, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_leave_last_out_needs_three_interactions_per_user():
    with pytest.raises(ValueError, match="at least 3 interactions.*user 1 with 2"):
        leave_last_out([0, 0, 0, 1, 1], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5])


@pytest.mark.parametrize(
    "args, error, match",
    [
        (([0, 0, 0], [1, 2], [1, 2, 3]), ValueError, "one entry per interaction"),
        (([0, 0, -1], [1, 2, 3], [1, 2, 3]), ValueError, "indices >= 0"),
        (([0.5, 0, 0], [1, 2, 3], [1, 2, 3]), TypeError, "user indices"),
        (([], [], []), ValueError, "no interactions"),
        (([[0, 0, 0]], [[1, 2, 3]], [[1, 2, 3]]), ValueError, "must be 1-D"),
    ],
)
def test_leave_last_out_checks_its_inputs(args, error, match):
    with pytest.raises(error, match=match):
        leave_last_out(*args)


def test_interaction_matrix_is_sparse_binary_and_counts_repeats_once():
    matrix = interaction_matrix([0, 0, 0, 2], [1, 1, 3, 0], shape=(3, 4))
    assert sparse.issparse(matrix) and matrix.format == "csr" and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix.toarray(), [[0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])
    with pytest.raises(ValueError, match="inside `shape`"):
        interaction_matrix([0, 5], [1, 1], shape=(3, 4))
    with pytest.raises(TypeError, match=r"tuple \(n_users, n_items\)"):
        interaction_matrix([0], [1], shape=[3, 4])


def test_previous_and_latest_items_read_each_users_past():
    user = np.array([0, 0, 0, 0, 2, 2])
    item = np.array([10, 11, 12, 13, 20, 21])
    windows = previous_items(user, item, length=3, padding=-1)
    np.testing.assert_array_equal(
        windows, [[-1, -1, -1], [-1, -1, 10], [-1, 10, 11], [10, 11, 12], [-1, -1, -1], [-1, -1, 20]]
    )
    latest = latest_items(user, item, n_users=3, length=3, padding=-1)
    np.testing.assert_array_equal(latest, [[11, 12, 13], [-1, -1, -1], [-1, 20, 21]])
    # the latest window of a user is the window a next interaction would see
    np.testing.assert_array_equal(latest_items(user, item, n_users=3, length=2, padding=-1)[0], [12, 13])


def test_history_windows_need_rows_grouped_by_user():
    with pytest.raises(ValueError, match="grouped by user"):
        previous_items([1, 0, 1], [1, 2, 3], length=2, padding=0)
    with pytest.raises(ValueError, match="below n_users=2"):
        latest_items([0, 2], [1, 2], n_users=2, length=2, padding=0)


def test_the_split_and_the_windows_work_together():
    user, item, timestamp = _interactions(seed=1)
    split = leave_last_out(user, item, timestamp, seed=0)
    train_user, train_item = user[split.train], item[split.train]
    windows = previous_items(train_user, train_item, length=4, padding=-1)
    latest = latest_items(train_user, train_item, n_users=30, length=4, padding=-1)
    last_rows = np.flatnonzero(np.r_[train_user[1:] != train_user[:-1], True])
    np.testing.assert_array_equal(latest[train_user[last_rows], :-1], windows[last_rows, 1:])
    np.testing.assert_array_equal(latest[train_user[last_rows], -1], train_item[last_rows])
