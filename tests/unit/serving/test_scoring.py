"""add_tf.serving.scoring: a score turns into a label by the rule of the metrics' accuracy; the
input size is read from the model, and a model of unknown size is an error naming it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.errors import UsageError
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
    monkeypatch.setattr(scoring, "read_image", lambda path: np.zeros((16, 16, 3), np.uint8))
    entry = scoring.analyse_image("face.png", _Detector(0.5), threshold=0.5)
    assert entry["label"] == "fake"
    assert metrics.accuracy([1], [entry["fake_probability"]], threshold=0.5) == 1.0
    assert scoring.analyse_image("face.png", _Detector(0.25), threshold=0.5)["label"] == "real"


class _Exported(tf.Module):
    """A SavedModel without the image_size variable and without assets.extra/add_tf.json."""

    def __init__(self, size):
        super().__init__()
        self.scale = tf.Variable(1.0)
        spec = tf.TensorSpec([None, size, size, 3], tf.uint8, name="images")
        self.serve = tf.function(self._serve, input_signature=[spec])

    def _serve(self, images):
        mean = tf.reduce_mean(tf.cast(images, tf.float32), axis=(1, 2, 3)) / 255.0
        return {"fake_probability": self.scale * mean}


def _export(size, path):
    module = _Exported(size)
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return path


def test_a_saved_model_size_comes_from_its_input_shape(tmp_path):
    scorer = scoring.load_scorer(_export(64, tmp_path / "fixed"))
    assert scorer.image_size == 64
    assert scorer(np.zeros((2, 64, 64, 3), np.uint8)).shape == (2,)


def test_a_model_of_unknown_size_is_an_error_naming_it(tmp_path):
    saved = _export(None, tmp_path / "any")
    with pytest.raises(UsageError, match=f"--model {saved}: its input size is unknown"):
        scoring.load_scorer(saved)
    inputs = keras.Input((None, None, 3))
    keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(inputs))) \
        .save(tmp_path / "any.keras")
    with pytest.raises(UsageError, match="any.keras: its input size is unknown"):
        scoring.load_scorer(tmp_path / "any.keras")
