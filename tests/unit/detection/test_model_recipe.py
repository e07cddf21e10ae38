"""add_tf.detection.model_recipe: the recipe a SavedModel's metadata or a run's records record;
the defaults with one warning for a model that records none; models whose recipes differ, or a
recipe this add_tf cannot reproduce, refused."""

import json
import os

import pytest

from add_tf.core import atomic
from add_tf.core.config import Config
from add_tf.core.errors import UsageError
from add_tf.detection import model_recipe
from add_tf.media.crop_recipe import CropRecipe
from add_tf.serving.export import METADATA_FILE
from add_tf.training import runs


def _saved_model(path, crop):
    """A SavedModel version dir as far as its recipe goes: saved_model.pb and the metadata."""
    (path / "assets.extra").mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"")
    (path / METADATA_FILE).write_text(json.dumps({"image_size": 32, "crop": crop}))
    return path


def _run(path, settings):
    """A run dir (config.yaml) whose records' manifest holds `settings`."""
    records = path / "data" / "demo"
    os.makedirs(records)
    atomic.write_json(str(records / "manifest.json"), {"settings": settings})
    config = Config()
    config.data.data_dir = str(path / "data")
    os.makedirs(path / "run")
    runs.write_config(str(path / "run"), config)
    return path / "run"


def test_read_from_a_saved_model_and_from_a_runs_records(tmp_path):
    wide = CropRecipe(box_scale=1.5, size=32)
    saved = _saved_model(tmp_path / "saved" / "1", wide.to_dict())
    run = _run(tmp_path / "a", {"frames": 4, **wide.to_dict()})
    assert model_recipe.recorded(saved) == wide.to_dict()
    assert model_recipe.recorded(run) == wide.to_dict()
    assert model_recipe.for_models({"--model saved": saved, "--add-run a": run}, 32) == (wide, [])


def test_no_recipe_is_the_defaults_and_one_warning_naming_the_models(tmp_path):
    run = _run(tmp_path / "a", {"frames": 4, "size": 32})  # prepared before recipes were kept
    recipe, warnings = model_recipe.for_models({"--add-run a": run,
                                                "--baseline-run b": tmp_path / "nothing"}, 48)
    assert recipe == CropRecipe(size=48)
    (line,) = warnings
    assert "--add-run a and --baseline-run b" in line and "1.3x" in line and "\n" not in line


def test_models_cut_differently_are_refused(tmp_path):
    a = _run(tmp_path / "a", CropRecipe(size=32).to_dict())
    b = _run(tmp_path / "b", CropRecipe(size=32, box_scale=1.5).to_dict())
    with pytest.raises(UsageError, match=r"cut differently \(--add-run a: mtcnn faces, a 1.3x "
                                         r"square box, 32 px; --baseline-run b: mtcnn faces, a "
                                         r"1.5x square box, 32 px\)"):
        model_recipe.for_models({"--add-run a": a, "--baseline-run b": b}, 32)


def test_an_unknown_detector_is_refused_naming_the_model(tmp_path):
    saved = _saved_model(tmp_path / "1", {**CropRecipe().to_dict(), "detector": "blazeface"})
    with pytest.raises(UsageError, match="^--model m: crop recipe: Unknown detector"):
        model_recipe.for_models({"--model m": saved}, 32)
