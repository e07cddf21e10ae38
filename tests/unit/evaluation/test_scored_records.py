"""add_tf.evaluation.scored_records: the quality records are scored at, and the records refused
before any scoring because the model was trained on faces cut otherwise."""

import json

import pytest

from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.evaluation import scored_records
from add_tf.training import runs


def test_choose_quality():
    assert scored_records.choose_quality("c40", ["c23", "c40"])[0] == "c40"
    quality, note = scored_records.choose_quality("c40", ["raw", "c23"])
    assert quality == "raw" and "best the records hold" in note and "c40" in note
    assert scored_records.choose_quality("c40", ["c23", "c40"], comp="c23")[0] == "c23"
    with pytest.raises(UsageError, match="they hold: c23. Received: comp='c40'"):
        scored_records.choose_quality("c23", ["c23"], comp="c40")


def _records(path, **crop):
    """A records folder whose manifest records `crop` (32-px crops, c40, test faces)."""
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({
        "settings": {"size": 32, "qualities": ["c40"], **crop},
        "counts": {"test": {"original": {"examples": 1}, "Deepfakes": {"examples": 1}}}}))
    return path


def _run(tmp_path, trained_on):
    """A run dir (no model: nothing here loads one) trained on the records `trained_on`."""
    config = config_lib.Config.from_items([("data.records", str(trained_on)),
                                           ("data.comp", "c40"), ("model.image_size", 32)])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    runs.write_config(str(run_dir), config)
    return run_dir


def test_records_cut_otherwise_are_refused_naming_both_cuts(tmp_path):
    run_dir = _run(tmp_path, _records(tmp_path / "train", box_scale=1.5, detector="mtcnn"))
    other = _records(tmp_path / "other", box_scale=1.3, detector="mtcnn")
    with pytest.raises(UsageError) as info:
        scored_records.resolve(str(run_dir), str(other))
    message = str(info.value)
    assert "a 1.3x square box" in message and "a 1.5x square box" in message
    assert "--box-scale 1.5" in message and str(other) in message


def test_records_cut_alike_are_scored_whatever_their_face_search(tmp_path):
    run_dir = _run(tmp_path, _records(tmp_path / "train", box_scale=1.5, min_face_size=80))
    other = _records(tmp_path / "other", box_scale=1.5, min_face_size=40, detect_max_side=960)
    scored = scored_records.resolve(str(run_dir), str(other), checkpoint="last")
    assert (scored.name, scored.quality, scored.splits) == ("other", "c40", ["test"])
    assert scored.key == "test_other_c40@last"


def test_records_without_a_recipe_are_not_compared(tmp_path):
    run_dir = _run(tmp_path, _records(tmp_path / "train", box_scale=1.5))
    old = _records(tmp_path / "old")  # prepared before recipes were recorded
    assert scored_records.resolve(str(run_dir), str(old)).key == "test_old_c40"


def test_records_of_another_crop_size_are_refused(tmp_path):
    run_dir = _run(tmp_path, _records(tmp_path / "train", box_scale=1.3))
    other = _records(tmp_path / "other", box_scale=1.3)
    json_path = other / "manifest.json"
    manifest = json.loads(json_path.read_text())
    manifest["settings"]["size"] = 64
    json_path.write_text(json.dumps(manifest))
    with pytest.raises(UsageError, match="hold 64-pixel crops; the model takes 32.*--size 32"):
        scored_records.resolve(str(run_dir), str(other))
