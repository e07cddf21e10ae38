import numpy as np
import pytest
import tensorflow as tf

from add_tf.losses import random_projections
from add_tf.losses.cell_rank import cell_rank


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
