"""add_tf.core.config: layering and value parsing."""

import pytest

from add_tf.core import config as config_lib
from add_tf.models import backbones
from add_tf.training.strategy import STRATEGIES

# the names registered above core, as the fit command hands them to `resolve`
CHOICES = {"model.backbone": backbones.names(), "train.strategy": tuple(STRATEGIES)}


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
