"""add_tf.detection.scorer: the input size is read from the model, a model of unknown size is
an error naming it; the crop recipe comes with the model, the defaults at its size with a
warning when it records none, and a recipe cutting faces of another size is refused."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.detection.scorer import load_scorer
from add_tf.media.crop_recipe import CropRecipe
from add_tf.serving.export import METADATA_FILE


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
    scorer = load_scorer(_export(64, tmp_path / "fixed"))
    assert scorer.image_size == 64
    assert scorer(np.zeros((2, 64, 64, 3), np.uint8)).shape == (2,)


def test_a_model_of_unknown_size_is_an_error_naming_it(tmp_path):
    saved = _export(None, tmp_path / "any")
    with pytest.raises(UsageError, match=f"--model {saved}: its input size is unknown"):
        load_scorer(saved)
    inputs = keras.Input((None, None, 3))
    keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(inputs))) \
        .save(tmp_path / "any.keras")
    with pytest.raises(UsageError, match="any.keras: its input size is unknown"):
        load_scorer(tmp_path / "any.keras")


def _with_crop(saved, **crop):
    (saved / METADATA_FILE).parent.mkdir(exist_ok=True)
    (saved / METADATA_FILE).write_text(json.dumps({"crop": CropRecipe(**crop).to_dict()}))
    return saved


def test_the_recipe_comes_with_the_model(tmp_path):
    saved = _with_crop(_export(32, tmp_path / "fixed"), box_scale=1.5, size=32,
                       detector="full-frame")
    scorer = load_scorer(saved)
    assert scorer.recipe == CropRecipe(box_scale=1.5, size=32, detector="full-frame")
    assert scorer.warnings == []


def test_a_model_without_a_recipe_gets_the_defaults_and_one_warning(tmp_path):
    scorer = load_scorer(_export(48, tmp_path / "old"))
    assert scorer.recipe == CropRecipe(size=48)
    (line,) = scorer.warnings
    assert "\n" not in line and f"--model {tmp_path / 'old'}" in line
    assert CropRecipe(size=48).describe() in line


def test_a_recipe_of_another_size_than_the_model_is_refused(tmp_path):
    saved = _with_crop(_export(32, tmp_path / "fixed"), size=64)
    with pytest.raises(UsageError, match="cuts 64-px faces but the model takes 32 px"):
        load_scorer(saved)


def test_a_recipe_this_add_tf_cannot_reproduce_is_refused_in_one_line(tmp_path):
    saved = _export(32, tmp_path / "new")
    (saved / "assets.extra").mkdir()
    recipe = {**CropRecipe(size=32).to_dict(), "crop_version": 99, "detector": "retinaface"}
    (saved / METADATA_FILE).write_text(json.dumps({"crop": recipe}))
    with pytest.raises(UsageError) as info:
        load_scorer(saved)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"--model {saved}: ")
    assert "version 99" in message and "upgrade add_tf" in message
