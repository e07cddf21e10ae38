"""A run dir's config.yaml is read and checked as the command line is
(`add_tf.training.runs.read_config` -> `add_tf.core.config.read_stored`): every key edited by
hand to a hostile value ends `evaluate --run` with one line naming the file, the key, the value
and what is valid (exit 2), before any work."""

import numpy as np
import pytest
import yaml
from PIL import Image

from add_tf import detect, evaluate, export, gradcam
from add_tf.core import config as config_lib
from add_tf.training import runs
from config_values import hostile_cases

# A path may name what is gone by now (a run's start weights) or what the command reading the
# run checks itself (its records): only values of another type are hostile there.
SPECIAL = {"data.data_dir": [""], "data.records": ["true", "123"],
           "model.weights": ["true", "123"]}
CASES = hostile_cases(SPECIAL)
EDITED = "HAND_EDITED_VALUE"


def _run_config():
    """The config of a finished demo run, as `add_tf.fit` writes it."""
    return config_lib.Config.from_items([
        ("model.backbone", "resnet18"), ("model.image_size", 32), ("model.weights", None),
        ("data.teacher_comp", "raw")])


def _edited(run_dir, key, text):
    """Write the run's config.yaml with `text` typed by hand as the value of `key`."""
    values = _run_config().to_dict()
    section, name = key.split(".")
    values[section][name] = EDITED
    path = run_dir / runs.CONFIG
    path.write_text(yaml.safe_dump(values, sort_keys=False).replace(EDITED, text))
    return path


def _refused(run_dir, capsys, main=evaluate.main, argv=("--run", "{run}")):
    """The one line `main(argv)` ends with (exit 2); "{run}" in argv is `run_dir`."""
    with pytest.raises(SystemExit) as info:
        main([arg.format(run=run_dir) for arg in argv])
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize("key, value", CASES)
def test_a_hand_edited_value_ends_evaluate_in_one_line(tmp_path, capsys, key, value):
    path = _edited(tmp_path, key, value)
    line = _refused(tmp_path, capsys)
    assert line.startswith(f"error: {path}: ") and key in line, line
    assert "Received: " in line or "Valid: " in line, line  # the value, or the valid names


@pytest.mark.parametrize("key, value, message", [
    ("loss.method", "foo", "Invalid loss.method: 'foo'. Valid: add, none, fitnet"),
    ("data.dataset", "nope", "Invalid data.dataset: 'nope'. Valid: demo, ffpp"),
    ("model.image_size", "16", "model.image_size must be an integer >= 32. Received: 16"),
    ("data.comp", "c99", "Invalid data.comp: 'c99'. Valid: raw, c23, c40"),
    ("train.batch_size", "abc", "train.batch_size expects an integer. Received: 'abc'"),
    ("train.beta_1", "1", "train.beta_1 must be a number >= 0 and < 1. Received: 1.0"),
    ("model.backbone", "vgg", "Invalid model.backbone: 'vgg'. Valid: resnet50"),  # registered
    ("loss.layers", "[layer2, conv9]",
     "Invalid loss.layers: ['layer2', 'conv9'] ('conv9' is unknown). Valid: each of layer1"),
])
def test_what_a_refusal_says(tmp_path, capsys, key, value, message):
    path = _edited(tmp_path, key, value)
    assert _refused(tmp_path, capsys).startswith(f"error: {path}: {message}")


def test_a_stored_config_reads_back_as_written_though_its_start_weights_are_gone(tmp_path):
    gone = str(tmp_path / "gone.weights.h5")
    _edited(tmp_path, "model.weights", gone)
    expected = _run_config()
    expected.model.weights = gone
    assert runs.read_config(str(tmp_path)) == expected
    with pytest.raises(ValueError, match="no such file"):  # asked for, it must exist
        config_lib.resolve(overrides=[f"model.weights={gone}"])


@pytest.mark.parametrize("main, argv", [
    (export.main, ["--run", "{run}", "--out", "{run}/exported"]),
    (detect.main, ["--model", "{run}", "{run}/face.png"]),
    (gradcam.main, ["--add-run", "{run}", "--images", "{run}/face.png", "--out", "{run}/g"]),
])
def test_every_command_that_reads_a_run_checks_its_config(tmp_path, capsys, main, argv):
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(tmp_path / "face.png")
    (tmp_path / runs.MODEL).write_bytes(b"")  # never loaded: the config is refused first
    path = _edited(tmp_path, "loss.method", "foo")
    line = _refused(tmp_path, capsys, main, argv)
    assert line.startswith(f"error: {path}: Invalid loss.method: 'foo'"), line
