"""Backbones of the paper (Tables 1 and 3) as flat Keras Functional graphs.

Every backbone maps a `(None, S, S, 3)` float tensor of **pixels in 0..255** (RGB) to four stage
feature maps, channels-last, which the classifier exposes as layers named `layer1` .. `layer4`
(strides 4, 8, 16, 32 — ResNet naming; the library layers that produce them are renamed):

* `resnet50`: `keras.applications.ResNet50(include_top=False)`; normalisation is the Caffe-style
  mean subtraction of its ImageNet weights (a `Normalization` layer on RGB; when the `imagenet`
  weights are loaded, the input-channel axis of `conv1_conv` is flipped so the model stays RGB).
* `efficientnet_b0`: `keras.applications.EfficientNetB0(include_top=False)` with its own
  built-in preprocessing (Rescaling + Normalization, inputs 0..255). Stage outputs: `block2b_add`
  (24 ch), `block3b_add` (40), `block5c_add` (112), `top_activation` (1280, the map that is pooled).
* `resnet18`, `resnet34`: keras-hub's `ResNetBackbone` (basic blocks, torchvision / He et al. 2016
  layout with PyTorch's symmetric padding: 7x7/2 stem, 3x3/2 max-pool, [2,2,2,2] or [3,4,6,3]
  blocks of 64..512 filters, 1x1 projection shortcuts); its `pyramid_outputs` P2..P5 are
  `layer1..4`. `imagenet` loads the keras-hub preset of `IMAGENET_PRESETS` (torchvision's ImageNet
  weights, what `pretrained=True` gives in PyTorch, the authors' framework; read by keras-hub's timm
  converter, downloaded from the Hugging Face Hub on first use and cached there); a local preset
  directory (`Backbone.save_to_preset` plus `ImageConverter.save_to_preset`) is read the same way.
  The preset's image converter (`x * scale + offset` on 0..255 pixels) becomes the `Normalization`
  layer, so callers keep feeding 0..255; without a preset it is ImageNet mean/std, the converter
  of those presets. The keras-hub layers are copied into the classifier's graph
  (`keras.models.clone_model`), so saved models hold core layers only and keras-hub is imported
  only to build these two (~1.5 s here).

Only core Keras layers are used, so `.keras` files load without importing add_tf or keras-hub.
"""

import os

import keras
import numpy as np

from add_tf.core.config import BACKBONES

IMAGENET_MEAN_RGB = (0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0)
IMAGENET_STD_RGB = (0.229 * 255.0, 0.224 * 255.0, 0.225 * 255.0)
CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)
# keras-hub presets that `weights="imagenet"` loads. keras-hub's own `resnet_18_imagenet` is timm's
# `a1_in1k` recipe and has no ResNet34 twin; these two are one recipe for both depths.
IMAGENET_PRESETS = {
    "resnet18": "hf://timm/resnet18.tv_in1k",
    "resnet34": "hf://timm/resnet34.tv_in1k",
}

_STAGE_LAYERS = {
    "resnet50": ("conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out"),
    "efficientnet_b0": ("block2b_add", "block3b_add", "block5c_add", "top_activation"),
}
_BASIC_BLOCKS = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}


def _normalization(mean, std, name="normalization"):
    return keras.layers.Normalization(
        axis=-1, mean=list(mean), variance=[s * s for s in std], name=name
    )


def resnet_config(backbone):
    """keras-hub `ResNetBackbone` arguments of `backbone` ("resnet18" or "resnet34")."""
    return {
        "input_conv_filters": [64],
        "input_conv_kernel_sizes": [7],
        "stackwise_num_filters": [64, 128, 256, 512],
        "stackwise_num_blocks": list(_BASIC_BLOCKS[backbone]),
        "stackwise_num_strides": [1, 2, 2, 2],
        "block_type": "basic_block",
        "use_pre_activation": False,
    }


def _per_channel(value, default):
    return np.broadcast_to(np.asarray(default if value is None else value, "float64"), (3,))


def _preset_mean_std(keras_hub, preset, received):
    """(mean, std) per RGB channel on 0..255 pixels from the preset's `x * scale + offset`."""
    converter = keras_hub.layers.ImageConverter.from_preset(preset)
    if converter is None:  # a timm checkpoint without `pretrained_cfg`
        raise ValueError(f"The preset has no image converter, so its input range is unknown. "
                         f"Received: {received}")
    scale, offset = _per_channel(converter.scale, 1.0), _per_channel(converter.offset, 0.0)
    return (-offset / scale).tolist(), (1.0 / scale).tolist()


def _keras_hub_resnet(inputs, backbone, weights):
    """keras-hub's ResNet18/34, random or from a preset, and its preprocessing on `inputs`."""
    import keras_hub

    received = f"backbone={backbone!r}, weights={weights!r}"
    expected = resnet_config(backbone)
    if weights is None:
        net = keras_hub.models.ResNetBackbone(**expected)
        mean, std = IMAGENET_MEAN_RGB, IMAGENET_STD_RGB
    else:
        preset = IMAGENET_PRESETS[backbone] if weights == "imagenet" else weights
        net = keras_hub.models.ResNetBackbone.from_preset(preset)
        found = {key: getattr(net, key) for key in expected}
        if found != expected:
            raise ValueError(f"The preset is not a {backbone}: it has {found}, a {backbone} has "
                             f"{expected}. Received: {received}")
        mean, std = _preset_mean_std(keras_hub, preset, received)
    normalization = _normalization(mean, std)
    tensors = {}

    def call(layer, *args, **kwargs):
        if layer.name == "conv1_pad":  # the backbone's first layer: preprocessing goes before it
            args = (normalization(args[0]), *args[1:])
        tensors[layer.name] = layer(*args, **kwargs)
        return tensors[layer.name]

    graph = keras.models.clone_model(net, input_tensors=inputs, call_function=call)
    for layer in net.layers:
        if layer.weights:
            graph.get_layer(layer.name).set_weights(layer.get_weights())
    stages = []
    for i, blocks in enumerate(expected["stackwise_num_blocks"]):  # pyramid_outputs P2..P5
        layer = graph.get_layer(f"stack{i}_block{blocks - 1}_out")  # weightless: renaming is safe
        layer.name = f"layer{i + 1}"
        stages.append(tensors[f"stack{i}_block{blocks - 1}_out"])
    return stages


def build_backbone(inputs, backbone="resnet50", weights=None):
    """Return the four stage tensors `[s1, s2, s3, s4]` of `backbone` applied to `inputs`.

    `inputs` is a symbolic `(None, S, S, 3)` Input of 0..255 RGB pixels. `weights` is None,
    "imagenet" (Keras applications for resnet50 / efficientnet_b0, the keras-hub preset of
    `IMAGENET_PRESETS` for resnet18 / resnet34) or, for resnet18 / resnet34, a local keras-hub
    preset directory; weights files are loaded by `build_classifier`.
    The weightless layer producing each stage output is named `layer1..4` (`conv2_block3_out`,
    `block2b_add`, `stack0_block1_out`, ... are renamed), so the stages stay on the classifier's
    path.
    """
    if backbone not in BACKBONES:
        raise ValueError(f"Unknown backbone. Valid: {', '.join(BACKBONES)}. "
                         f"Received: backbone={backbone!r}")
    preset_dir = weights not in (None, "imagenet") and os.path.isdir(weights)
    if weights not in (None, "imagenet") and not (preset_dir and backbone in _BASIC_BLOCKS):
        raise ValueError(
            f"build_backbone takes weights None, 'imagenet' or (resnet18 / resnet34) a keras-hub "
            f"preset directory. Received: backbone={backbone!r}, weights={weights!r}"
        )
    if backbone in _BASIC_BLOCKS:
        return _keras_hub_resnet(inputs, backbone, weights)
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
