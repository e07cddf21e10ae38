"""add_tf.models.backbones.registry: the names in order, the stages of any registered backbone
renamed layer1..4, the weights it takes, and a failed ImageNet download as one line."""

import keras
import pytest

from add_tf.core.errors import UsageError
from add_tf.models import backbones
from add_tf.models.backbones import registry


def test_registry_lists_the_backbones_in_order_and_refuses_unknown_ones():
    assert backbones.names() == ("resnet50", "resnet18", "resnet34", "efficientnet_b0")
    with pytest.raises(ValueError, match=r"Valid: resnet50, resnet18, resnet34, efficientnet_b0\. "
                                         r"Received: backbone='vgg'"):
        backbones.build_backbone(keras.Input((32, 32, 3)), "vgg")


@pytest.fixture
def tiny(monkeypatch):
    """A registered backbone "tiny": three strided convolutions, a weightless ReLU after each
    and after the input (its stages)."""
    def build(backbone, inputs, weights):
        x = keras.layers.ReLU(name="stem_relu")(inputs)
        for i in range(3):
            x = keras.layers.Conv2D(2, 3, strides=2, padding="same", name=f"conv{i}")(x)
            x = keras.layers.ReLU(name=f"relu{i}")(x)
        return keras.Model(inputs, x)

    stages = ("stem_relu", "relu0", "relu1", "relu2")
    entry = registry.Backbone("tiny", build, stages, imagenet="nowhere")
    monkeypatch.setitem(backbones.BACKBONES.entries, "tiny", entry)
    return entry


def test_the_stage_layers_of_a_backbone_are_renamed_layer1_to_4(tiny):
    inputs = keras.Input((16, 16, 3))
    stages = backbones.build_backbone(inputs, "tiny")
    model = keras.Model(inputs, stages)
    assert [model.get_layer(name).output for name in backbones.FEATURE_LAYERS] == stages
    assert [tuple(s.shape) for s in stages] == [(None, 16, 16, 3), (None, 8, 8, 2),
                                                (None, 4, 4, 2), (None, 2, 2, 2)]


def test_a_backbone_has_four_stages():
    with pytest.raises(ValueError, match=r"four stages\. Received: name='three'"):
        registry.register("three", stages=("a", "b", "c"), imagenet="nowhere")
    assert "three" not in backbones.BACKBONES


def test_weights_are_none_imagenet_or_a_preset_directory_of_a_backbone_that_reads_them(
        tiny, tmp_path):
    message = (r"weights None, 'imagenet' or \(resnet18 / resnet34\) a keras-hub preset "
               r"directory\. Received: backbone='{}', weights='{}'")
    weights_file = tmp_path / "w.weights.h5"
    with pytest.raises(UsageError, match=message.format("resnet18", weights_file)):
        backbones.build_backbone(keras.Input((32, 32, 3)), "resnet18", str(weights_file))
    with pytest.raises(UsageError, match=message.format("tiny", tmp_path)):
        backbones.build_backbone(keras.Input((32, 32, 3)), "tiny", str(tmp_path))


def test_an_imagenet_build_that_fails_otherwise_raises_its_own_error(tiny, monkeypatch):
    def broken(backbone, inputs, weights):
        raise TypeError("a bug")

    monkeypatch.setitem(backbones.BACKBONES.entries, "tiny",
                        registry.Backbone("tiny", broken, tiny.stages, imagenet="nowhere"))
    with pytest.raises(TypeError, match="a bug"):
        backbones.build_backbone(keras.Input((16, 16, 3)), "tiny", "imagenet")


def _offline_urlretrieve(url, *args, **kwargs):
    """What urllib raises for a download without network (no DNS)."""
    import socket
    import urllib.error

    raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """Keras applications and keras-hub downloads fail as they do without network; Keras' cache
    is an empty folder (nothing is fetched, nothing cached is found)."""
    import huggingface_hub
    from keras.src.utils import file_utils

    get_file = file_utils.get_file
    monkeypatch.setattr(file_utils, "get_file",
                        lambda *a, **k: get_file(*a, **{**k, "cache_dir": str(tmp_path)}))
    monkeypatch.setattr(file_utils, "urlretrieve", _offline_urlretrieve)

    def hf_offline(*args, **kwargs):
        raise huggingface_hub.errors.LocalEntryNotFoundError(
            "An error happened while trying to locate the file on the Hub")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hf_offline)


@pytest.mark.parametrize("backbone, source, preset", [
    ("resnet50", "keras.applications", False), ("resnet18", "hf://timm/resnet18.tv_in1k", True)])
def test_imagenet_download_failure_names_the_source_and_the_ways_out(offline, backbone, source,
                                                                    preset):
    with pytest.raises(UsageError) as info:
        backbones.build_backbone(keras.Input((32, 32, 3)), backbone, weights="imagenet")
    message = str(info.value)
    assert f"ImageNet weights of {backbone} could not be fetched from {source}" in message
    assert "--set model.weights=null" in message and "--set model.weights=PATH" in message
    assert ("preset directory" in message) == preset
    assert "\n" not in message


def test_other_errors_of_an_imagenet_build_are_not_download_failures():
    assert registry.download_failed(
        Exception("URL fetch failure on https://x: None -- [Errno -2] Name or service not known"))
    assert registry.download_failed(TimeoutError("timed out"))
    assert not registry.download_failed(TypeError("a bug"))
    assert not registry.download_failed(Exception("another bug"))
