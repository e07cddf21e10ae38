import keras
import pytest

from add_tf.models import backbones


def test_registry_lists_the_backbones_in_order_and_refuses_unknown_ones():
    assert backbones.names() == ("resnet50", "resnet18", "resnet34", "efficientnet_b0")
    with pytest.raises(ValueError, match=r"Valid: resnet50, resnet18, resnet34, efficientnet_b0\. "
                                         r"Received: backbone='vgg'"):
        backbones.build_backbone(keras.Input((32, 32, 3)), "vgg")
