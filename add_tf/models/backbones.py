"""Backbones of the paper (Tables 1 and 3) as flat Keras Functional graphs.

Every backbone maps a `(None, S, S, 3)` float tensor of **pixels in 0..255** (RGB) to four stage
feature maps, channels-last, which the classifier exposes as layers named `layer1` .. `layer4`
(strides 4, 8, 16, 32 — ResNet naming; the Keras-applications layers that produce them are renamed):

* `resnet50`: `keras.applications.ResNet50(include_top=False)`; normalisation is the Caffe-style
  mean subtraction of its ImageNet weights (a `Normalization` layer on RGB; when the `imagenet`
  weights are loaded, the input-channel axis of `conv1_conv` is flipped so the model stays RGB).
* `efficientnet_b0`: `keras.applications.EfficientNetB0(include_top=False)` with its own
  built-in preprocessing (Rescaling + Normalization, inputs 0..255). Stage outputs: `block2b_add`
  (24 ch), `block3b_add` (40), `block5c_add` (112), `top_activation` (1280, the map that is pooled).
* `resnet18`, `resnet34`: a small hand-written Functional ResNet (basic blocks, torchvision / He et
  al. 2016 layout: 7x7/2 stem, 3x3/2 max-pool, [2,2,2,2] or [3,4,6,3] blocks of 64..512 filters,
  1x1 projection shortcuts), ImageNet mean/std normalisation inside. **Why not keras-cv's
  `ResNetBackbone`**: keras-cv 0.9 does build and save under Keras 3.15, but importing it costs ~27 s
  per process here (measured on the shared 2-core machine) and the package is archived; its basic-block
  ResNet consists of exactly the same core layers (Conv2D/BN/ReLU/Add), so writing the ~40 lines
  keeps every saved model free of keras-cv and loadable by plain Keras. No ImageNet weights are
  available for these two through Keras; use a local weights file instead.

Only core Keras layers are used, so `.keras` files load without importing add_tf.
"""

import keras

from add_tf.config import BACKBONES

IMAGENET_MEAN_RGB = (0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0)
IMAGENET_STD_RGB = (0.229 * 255.0, 0.224 * 255.0, 0.225 * 255.0)
CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)

_STAGE_LAYERS = {
    "resnet50": ("conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out"),
    "efficientnet_b0": ("block2b_add", "block3b_add", "block5c_add", "top_activation"),
}
_BASIC_BLOCKS = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}


def _normalization(mean, std, name="normalization"):
    return keras.layers.Normalization(
        axis=-1, mean=list(mean), variance=[s * s for s in std], name=name
    )


def _basic_block(x, filters, stride, prefix):
    shortcut = x
    y = keras.layers.Conv2D(filters, 3, stride, padding="same", use_bias=False, name=f"{prefix}_conv1")(x)
    y = keras.layers.BatchNormalization(epsilon=1e-5, name=f"{prefix}_bn1")(y)
    y = keras.layers.ReLU(name=f"{prefix}_relu1")(y)
    y = keras.layers.Conv2D(filters, 3, 1, padding="same", use_bias=False, name=f"{prefix}_conv2")(y)
    y = keras.layers.BatchNormalization(epsilon=1e-5, name=f"{prefix}_bn2")(y)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, stride, use_bias=False, name=f"{prefix}_down_conv")(x)
        shortcut = keras.layers.BatchNormalization(epsilon=1e-5, name=f"{prefix}_down_bn")(shortcut)
    y = keras.layers.Add(name=f"{prefix}_add")([y, shortcut])
    return y


def _basic_resnet(inputs, blocks):
    x = _normalization(IMAGENET_MEAN_RGB, IMAGENET_STD_RGB)(inputs)
    x = keras.layers.ZeroPadding2D(3, name="stem_pad")(x)
    x = keras.layers.Conv2D(64, 7, 2, use_bias=False, name="stem_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=1e-5, name="stem_bn")(x)
    x = keras.layers.ReLU(name="stem_relu")(x)
    x = keras.layers.ZeroPadding2D(1, name="stem_pool_pad")(x)
    x = keras.layers.MaxPooling2D(3, 2, name="stem_pool")(x)
    stages = []
    for i, (n, filters) in enumerate(zip(blocks, (64, 128, 256, 512))):
        for j in range(n):
            stride = 2 if (i > 0 and j == 0) else 1
            x = _basic_block(x, filters, stride, prefix=f"stage{i + 1}_block{j + 1}")
            # The last ReLU of a stage is its named output.
            x = keras.layers.ReLU(name=f"layer{i + 1}" if j == n - 1 else f"stage{i + 1}_block{j + 1}_out")(x)
        stages.append(x)
    return stages


def build_backbone(inputs, backbone="resnet50", weights=None):
    """Return the four stage tensors `[s1, s2, s3, s4]` of `backbone` applied to `inputs`.

    `inputs` is a symbolic `(None, S, S, 3)` tensor of 0..255 RGB pixels. `weights` is None or
    "imagenet" (Keras applications only); local files are loaded by `build_classifier`.
    The weightless layer producing each stage output is named `layer1..4` (Keras applications'
    `conv2_block3_out`, `block2b_add`, ... are renamed), so the stages stay on the classifier's path.
    """
    if backbone not in BACKBONES:
        raise ValueError(f"Unknown backbone. Valid: {', '.join(BACKBONES)}. Received: backbone={backbone!r}")
    if weights not in (None, "imagenet"):
        raise ValueError(f"build_backbone takes weights None or 'imagenet'. Received: weights={weights!r}")
    if backbone in _BASIC_BLOCKS:
        if weights == "imagenet":
            raise ValueError(
                f"No ImageNet weights are available through Keras for {backbone}; pass a local "
                f"weights file instead. Received: backbone={backbone!r}, weights='imagenet'"
            )
        return _basic_resnet(inputs, _BASIC_BLOCKS[backbone])
    if backbone == "resnet50":
        x = _normalization(CAFFE_MEAN_RGB, (1.0, 1.0, 1.0))(inputs)
        net = keras.applications.ResNet50(include_top=False, weights=weights, input_tensor=x)
        if weights == "imagenet":  # weights expect BGR: flip the kernel's input channels instead
            conv = net.get_layer("conv1_conv")
            kernel, bias = conv.get_weights()
            conv.set_weights([kernel[:, :, ::-1, :], bias])
    else:
        net = keras.applications.EfficientNetB0(
            include_top=False, weights=weights, input_tensor=inputs
        )
    stages = []
    for i, layer_name in enumerate(_STAGE_LAYERS[backbone]):
        layer = net.get_layer(layer_name)  # weightless (Add / Activation): renaming is safe
        layer.name = f"layer{i + 1}"
        stages.append(layer.output)
    return stages
