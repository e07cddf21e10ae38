"""add_tf.core.threshold: one rule, fake at or above the threshold, for floats and arrays."""

import numpy as np

from add_tf.core import threshold


def test_a_score_at_the_threshold_is_fake():
    assert threshold.is_fake(0.5) and not threshold.is_fake(0.4999)
    assert threshold.label(0.5) == "fake" and threshold.label(0.2) == "real"
    assert threshold.label(0.7, threshold=0.8) == "real"
    assert threshold.is_fake(np.array([0.2, 0.5, 0.9])).tolist() == [False, True, True]
