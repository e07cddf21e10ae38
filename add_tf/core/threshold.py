"""The one rule that turns a fake probability into a label: fake at or above the threshold.

`>=` is the rule of the metrics' accuracy (`add_tf.evaluation.metrics.accuracy`), so a score
that `detect` and its report call fake is the score the tables count as predicted fake; a score
of exactly 0.5 (a model with no preference) is fake, the cautious side for a detector.
"""

THRESHOLD = 0.5  # the default threshold of the metrics, detect and its report


def is_fake(probability, threshold=THRESHOLD):
    """Whether a fake probability (a float, or element-wise for a NumPy array) is fake."""
    return probability >= threshold


def label(probability, threshold=THRESHOLD):
    """"fake" or "real" for one fake probability."""
    return "fake" if is_fake(probability, threshold) else "real"
