import keras
import pytest

from add_tf.models import backbones


def test_registry_lists_the_backbones_in_order_and_refuses_unknown_ones():
    assert backbones.names() == ("resnet50", "resnet18", "resnet34", "efficientnet_b0")
    with pytest.raises(ValueError, match=r"Valid: resnet50, resnet18, resnet34, efficientnet_b0\. "
                                         r"Received: backbone='vgg'"):
        backbones.build_backbone(keras.Input((32, 32, 3)), "vgg")


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
    from add_tf.core.errors import UsageError

    with pytest.raises(UsageError) as info:
        backbones.build_backbone(keras.Input((32, 32, 3)), backbone, weights="imagenet")
    message = str(info.value)
    assert f"ImageNet weights of {backbone} could not be fetched from {source}" in message
    assert "--set model.weights=null" in message and "--set model.weights=PATH" in message
    assert ("preset directory" in message) == preset
    assert "\n" not in message


def test_other_errors_of_an_imagenet_build_are_not_download_failures():
    assert backbones.registry.download_failed(
        Exception("URL fetch failure on https://x: None -- [Errno -2] Name or service not known"))
    assert backbones.registry.download_failed(TimeoutError("timed out"))
    assert not backbones.registry.download_failed(TypeError("a bug"))
    assert not backbones.registry.download_failed(Exception("another bug"))
