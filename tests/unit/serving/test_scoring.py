"""add_tf.serving.scoring: a score turns into a label by the rule of the metrics' accuracy."""

import numpy as np

from add_tf import media
from add_tf.evaluation import metrics
from add_tf.serving import scoring


class _Detector:
    """One face per image, scored `score`."""

    def __init__(self, score):
        self.score = score

    def crops(self, rgb):
        return [{"box": [0, 0, 8, 8], "confidence": 1.0}], np.zeros((1, 8, 8, 3), np.uint8)

    def scorer(self, crops):
        return np.full(len(crops), self.score, np.float32)


def test_a_score_at_the_threshold_is_fake_as_in_the_metrics(monkeypatch):
    monkeypatch.setattr(media, "read_image", lambda path: np.zeros((16, 16, 3), np.uint8))
    entry = scoring.analyse_image("face.png", _Detector(0.5), threshold=0.5)
    assert entry["label"] == "fake"
    assert metrics.accuracy([1], [entry["fake_probability"]], threshold=0.5) == 1.0
    assert scoring.analyse_image("face.png", _Detector(0.25), threshold=0.5)["label"] == "real"
