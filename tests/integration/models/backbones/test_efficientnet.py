"""add_tf.models.backbones.efficientnet: EfficientNet-B0's four stages at strides 4 to 32, the
architecture of Keras applications' B0 (its parameter count), pixels in 0..255."""

import keras
import numpy as np

from add_tf.models import backbones


def test_efficientnet_b0_stages_and_size():
    inputs = keras.Input((64, 64, 3))
    stages = backbones.build_backbone(inputs, "efficientnet_b0")
    model = keras.Model(inputs, stages)
    assert [model.get_layer(name).output for name in backbones.FEATURE_LAYERS] == stages
    assert [tuple(t.shape) for t in stages] == [(None, 16, 16, 24), (None, 8, 8, 40),
                                                (None, 4, 4, 112), (None, 2, 2, 1280)]
    assert model.count_params() == 4_049_571  # EfficientNet-B0 without its top
    # its own preprocessing: 0..255 pixels are rescaled inside the graph
    rescaling = next(layer for layer in model.layers
                     if isinstance(layer, keras.layers.Rescaling))
    assert np.isclose(float(rescaling(np.float32([[255.0]]))[0, 0]), 1.0)
