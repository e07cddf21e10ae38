import numpy as np
import pytest
import tensorflow as tf

from add_tf.losses import random_projections
from add_tf.losses.cell_rank import cell_interval, cell_rank


@pytest.mark.parametrize("shape", [(2, 2, 1), (2, 2, 4), (5, 3, 8), (4, 4, 64), (2, 3, 130)])
def test_cell_rank_matches_a_float64_stable_sort(shape):
    h, w, c = shape
    axes = np.concatenate(
        [np.eye(3), -np.eye(3), [[0.0, 0.6, 0.8], [0.6, 0.0, -0.8], [0.0, 0.0, 0.0]]]
    )
    theta = np.concatenate([axes, random_projections(40, seed=3).numpy()]).astype(np.float32)
    hh, ww, cc = np.meshgrid((np.arange(h) + 0.5) / h, (np.arange(w) + 0.5) / w,
                             (np.arange(c) + 0.5) / c, indexing="ij")
    got = cell_rank(h, w, c, tf.constant(theta)).numpy()
    for k, t in enumerate(theta.astype(np.float64)):
        keys = (t[0] * cc + t[1] * hh + t[2] * ww).ravel()
        expected = np.empty(keys.size, np.int64)
        expected[np.argsort(keys, kind="stable")] = np.arange(keys.size)
        np.testing.assert_array_equal(got[k], expected, err_msg=f"theta={t}")


def test_too_large_grid_names_its_shape():
    with pytest.raises(ValueError, match="H, W, C = 256, 256, 512"):
        cell_rank(256, 256, 512, tf.constant([[1.0, 0.0, 0.0]]))


def numpy_intervals(h, w, c, theta, num_bins):
    """Equal-width intervals of `<theta, position>` between its min and max over the grid, cell
    by cell in row-major (H, W, C) order, the maximum in the last interval."""
    keys = [theta[0] * ((ci + 0.5) / c) + theta[1] * ((hi + 0.5) / h)
            + theta[2] * ((wi + 0.5) / w)
            for hi in range(h) for wi in range(w) for ci in range(c)]
    low, high = min(keys), max(keys)
    if high == low:
        return np.zeros(len(keys), np.int64)
    return np.array([min(int((k - low) / (high - low) * num_bins), num_bins - 1) for k in keys])


@pytest.mark.parametrize("shape, num_bins", [((2, 2, 1), 2), ((3, 4, 6), 3), ((3, 4, 6), 5),
                                             ((5, 3, 8), 4), ((1, 1, 4), 8), ((2, 3, 130), 65)])
def test_cell_interval_matches_numpy(shape, num_bins):
    h, w, c = shape
    axes = np.concatenate(
        [np.eye(3), -np.eye(3), [[0.0, 0.6, 0.8], [0.6, 0.0, -0.8], [0.0, 0.0, 0.0]]]
    )
    theta = np.concatenate([axes, random_projections(20, seed=4).numpy()]).astype(np.float32)
    got = cell_interval(h, w, c, tf.constant(theta), num_bins).numpy()
    assert got.shape == (len(theta), h * w * c) and got.dtype == np.int32
    for k, t in enumerate(theta.astype(np.float64)):
        np.testing.assert_array_equal(got[k], numpy_intervals(h, w, c, t, num_bins),
                                      err_msg=f"theta={t}")


def test_cell_interval_can_leave_bins_empty():
    # 4 channels at 1/8, 3/8, 5/8, 7/8 along theta = (1, 0, 0), 8 intervals of width 3/32
    got = cell_interval(1, 1, 4, tf.constant([[1.0, 0.0, 0.0]]), 8).numpy()
    np.testing.assert_array_equal(got, [[0, 2, 5, 7]])
