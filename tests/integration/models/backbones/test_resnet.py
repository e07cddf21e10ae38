"""add_tf.models.backbones.resnet: ResNet18/34 from keras-hub presets (their weights and
preprocessing, another architecture refused) with torchvision's sizes; ResNet50's ImageNet
kernel turned to RGB."""

import dataclasses

import keras
import numpy as np
import pytest

from add_tf.core.errors import UsageError
from add_tf.models import backbones, build_classifier, feature_model
from add_tf.models.backbones import resnet

STAGES = ("layer1", "layer2", "layer3", "layer4")


@pytest.fixture(scope="module")
def resnet18_preset(tmp_path_factory):
    """A keras-hub ResNet18 preset with random weights and a non-ImageNet converter (x / 127.5 - 1),
    saved with keras-hub's API; returns (directory, backbone)."""
    import keras_hub

    net = keras_hub.models.ResNetBackbone(**resnet.resnet_config("resnet18"))
    rng = np.random.default_rng(0)
    for layer in net.layers:  # batch-norm statistics unlike a fresh layer's, so loading shows
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, c), rng.normal(0, 0.1, c),
                               rng.normal(0, 0.1, c), rng.uniform(0.5, 2.0, c)])
    directory = str(tmp_path_factory.mktemp("resnet18_preset"))
    net.save_to_preset(directory)
    keras_hub.layers.ResNetImageConverter(scale=1 / 127.5, offset=-1.0).save_to_preset(directory)
    return directory, net


def test_imagenet_reads_the_preset_with_its_weights_and_preprocessing(resnet18_preset, monkeypatch):
    import keras_hub

    directory, net = resnet18_preset
    resnet18 = dataclasses.replace(backbones.get("resnet18"), imagenet=directory)
    monkeypatch.setitem(backbones.BACKBONES.entries, "resnet18", resnet18)
    model = build_classifier("resnet18", image_size=32, weights="imagenet")
    np.testing.assert_array_equal(model.get_layer("conv1_conv").kernel.numpy(),
                                  net.get_layer("conv1_conv").kernel.numpy())
    images = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    converter = keras_hub.layers.ImageConverter.from_preset(directory)
    pyramid = keras.Model(net.inputs, net.pyramid_outputs)(converter(images))  # keras-hub's way
    ours = feature_model(model, STAGES)(images)  # 0..255 pixels, the converter is inside
    for i, name in enumerate(STAGES):
        np.testing.assert_allclose(ours[name], pyramid[f"P{i + 2}"], atol=1e-4)
    assert {layer.momentum for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)} == {0.9}

    monkeypatch.undo()  # a preset directory as `weights` is the same path
    again = build_classifier("resnet18", image_size=32, weights=directory)
    for name in ("conv1_conv", "stack3_block1_2_bn"):
        for a, b in zip(model.get_layer(name).get_weights(), again.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_preset_of_another_architecture_is_refused(resnet18_preset):
    directory, _ = resnet18_preset
    with pytest.raises(UsageError, match=r"not a resnet34.*Received: backbone='resnet34'"):
        build_classifier("resnet34", image_size=32, weights=directory)
    with pytest.raises(UsageError, match="preset directory. Received: backbone='resnet50'"):
        build_classifier("resnet50", image_size=32, weights=directory)


@pytest.mark.parametrize("backbone, trainable", [("resnet18", 11_689_512 - 513_000),
                                                 ("resnet34", 21_797_672 - 513_000)])
def test_keras_hub_resnets_named_stage_outputs(backbone, trainable):
    # torchvision's parameter counts without the 1000-class fc layer: the same architecture
    inputs = keras.Input((64, 64, 3))
    stages = backbones.build_backbone(inputs, backbone)
    model = keras.Model(inputs, stages)
    assert [model.get_layer(n).output for n in STAGES] == stages
    assert [tuple(t.shape) for t in stages] == [(None, 16, 16, 64), (None, 8, 8, 128),
                                                (None, 4, 4, 256), (None, 2, 2, 512)]
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == trainable


def test_resnet50_imagenet_kernel_is_flipped_to_rgb_inputs(monkeypatch):
    """ImageNet's ResNet50 expects BGR: its first kernel's input channels are reversed (the
    download replaced by random weights, kept before the flip)."""
    made = {}
    resnet50 = keras.applications.ResNet50

    def random_resnet50(*, weights, **kwargs):
        net = resnet50(weights=None, **kwargs)
        made["kernel"] = net.get_layer("conv1_conv").kernel.numpy()
        return net

    monkeypatch.setattr(keras.applications, "ResNet50", random_resnet50)
    inputs = keras.Input((32, 32, 3))
    stages = backbones.build_backbone(inputs, "resnet50", weights="imagenet")
    model = keras.Model(inputs, stages)
    np.testing.assert_array_equal(model.get_layer("conv1_conv").kernel.numpy(),
                                  made["kernel"][:, :, ::-1, :])
    assert [t.shape[-1] for t in stages] == [256, 512, 1024, 2048]
