"""add_tf.core.config: layering, value parsing and the one reader of every source."""

import pytest

from add_tf.core import config as config_lib
from add_tf.training.runs import CONFIG_CHOICES as CHOICES  # the names registered above core


def test_strings_are_parsed_as_yaml_except_for_string_keys():
    config = config_lib.resolve(overrides=["model.weights=null", "data.data_dir=123",
                                           "loss.layers=[layer3]", "loss.fr_weights=[1]",
                                           "loss.mv_weights=[2]", "train.mixed_precision=true"])
    assert config.model.weights is None  # YAML null
    assert config.data.data_dir == "123"  # a path stays a string
    assert config.loss.layers == ("layer3",) and config.train.mixed_precision is True


def test_demo_layer_only_for_the_demo_and_flags_win(tmp_path):
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("data:\n  dataset: faceswap\ntrain:\n  epochs: 7\n")
    config = config_lib.resolve(str(yaml_file), ["train.epochs=8"], {"train.epochs": 9,
                                                                    "data.comp": None})
    assert config.model.backbone == "resnet50" and config.train.epochs == 9
    assert config.data.comp == "c40"  # a flag of None is not given


@pytest.mark.parametrize("overrides, message", [
    (["train.epochs=0"], "train.epochs must be a positive integer"),
    (["train.strategy=tpu"], "Invalid train.strategy: 'tpu'. Valid: auto, default, mirrored"),
    (["model.backbone=vgg"], "Invalid model.backbone: 'vgg'. Valid: resnet50, resnet18"),
    (["nope.x=1"], "Unknown config key 'nope.x'"),
])
def test_invalid_values_name_the_key(overrides, message):
    with pytest.raises((KeyError, ValueError), match=message):
        config_lib.resolve(overrides=overrides, choices=CHOICES)


def test_registered_names_are_checked_after_cores_own():
    with pytest.raises(ValueError, match="Invalid loss.method"):
        config_lib.resolve(overrides=["model.backbone=vgg", "loss.method=x"], choices=CHOICES)


@pytest.mark.parametrize("key, text, message", [
    ("train.beta_2", "1", "train.beta_2 must be a number >= 0 and < 1. Received: 1.0"),
    ("loss.mv_binning", "quantile", "Invalid loss.mv_binning: 'quantile'. Valid: count, interval"),
    ("model.backbone", "vgg", "Invalid model.backbone: 'vgg'. Valid: resnet50"),
    ("train.seed", "1.5", "train.seed expects an integer. Received: '?1.5"),  # '1.5' from --set
])
def test_one_reader_for_the_command_line_a_yaml_file_and_a_run_dir(tmp_path, key, text, message):
    section, name = key.split(".")
    yaml_file = tmp_path / "config.yaml"
    yaml_file.write_text(f"{section}:\n  {name}: {text}\n")
    for read in (lambda: config_lib.resolve(overrides=[f"{key}={text}"], choices=CHOICES),
                 lambda: config_lib.resolve(str(yaml_file), choices=CHOICES),
                 lambda: config_lib.read_stored(str(yaml_file), CHOICES)):
        with pytest.raises(ValueError, match=f"^{message}"):
            read()


def test_a_stored_config_reads_past_retired_keys(tmp_path):
    stored = tmp_path / "config.yaml"
    stored.write_text("data:\n  frames: 64\n  comp: c23\n")
    assert config_lib.read_stored(str(stored)).data.comp == "c23"
    with pytest.raises(ValueError, match="data.fakes chooses among"):
        config_lib.resolve(overrides=["data.fakes=[Face2Face]"])
