"""add_tf.detection.analysis: a score turns into a label by the rule of the metrics' accuracy;
folders expand to their images and videos."""

import numpy as np

from add_tf.detection import analysis
from add_tf.evaluation import metrics


class _Cropper:
    """One face per image."""

    def crops(self, rgb):
        return [{"box": [0, 0, 8, 8], "confidence": 1.0}], np.zeros((1, 8, 8, 3), np.uint8)


def _scorer(score):
    return lambda crops: np.full(len(crops), score, np.float32)


def test_a_score_at_the_threshold_is_fake_as_in_the_metrics(monkeypatch):
    monkeypatch.setattr(analysis, "read_image", lambda path: np.zeros((16, 16, 3), np.uint8))
    entry = analysis.analyse_image("face.png", _Cropper(), _scorer(0.5), threshold=0.5)
    assert entry["label"] == "fake"
    assert metrics.accuracy([1], [entry["fake_probability"]], threshold=0.5) == 1.0
    entry = analysis.analyse_image("face.png", _Cropper(), _scorer(0.25), threshold=0.5)
    assert entry["label"] == "real"


def test_folders_expand_to_their_media_in_order(tmp_path):
    for name in ("b.mp4", "a/x.png", "a/notes.txt", ".hidden/y.png"):
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    items = analysis.expand_inputs([tmp_path / "in", tmp_path / "one.jpg", tmp_path / "empty"])
    assert items == [tmp_path / "in" / "a" / "x.png", tmp_path / "in" / "b.mp4",
                     tmp_path / "one.jpg", tmp_path / "empty"]
    assert analysis.units(items, frames=5) == 1 + 5 + 1 + 1
