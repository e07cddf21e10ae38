"""Backbones of the paper (Tables 1 and 3) as flat Keras Functional graphs, one module per family.

Every backbone maps a `(None, S, S, 3)` float tensor of **pixels in 0..255** (RGB) to four stage
feature maps, channels-last, which the classifier exposes as layers named `layer1` .. `layer4`
(strides 4, 8, 16, 32 — ResNet naming; the library layers that produce them are renamed).
`registry` holds the names, builders, stage layers and ImageNet sources; `resnet` (ResNet50 from
Keras applications, ResNet18/34 from keras-hub) and `efficientnet` (EfficientNet-B0) register
theirs. Nothing here imports TensorFlow until a backbone is built (see `registry`).

Only core Keras layers are used, so `.keras` files load without importing add_tf or keras-hub.
"""

from add_tf.models.backbones.registry import (
    BACKBONES,
    FEATURE_LAYERS,
    Backbone,
    build_backbone,
    get,
    names,
)

# The families register their backbones on import, in this order, which is the order of the
# choices: the paper's (Table 1, ResNet50) first, then Table 3's (ResNet18/34, EfficientNet-B0).
# isort: off
from add_tf.models.backbones import resnet  # noqa: F401
from add_tf.models.backbones import efficientnet  # noqa: F401
# isort: on

__all__ = ["BACKBONES", "FEATURE_LAYERS", "Backbone", "build_backbone", "get", "names"]
