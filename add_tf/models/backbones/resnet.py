"""The ResNets of the paper (Table 1: ResNet50; Table 3: ResNet18, ResNet34).

* `resnet50`: `keras.applications.ResNet50(include_top=False)`; normalisation is the Caffe-style
  mean subtraction of its ImageNet weights (a `Normalization` layer on RGB; when the `imagenet`
  weights are loaded, the input-channel axis of `conv1_conv` is flipped so the model stays RGB).
* `resnet18`, `resnet34`: keras-hub's `ResNetBackbone` (basic blocks, torchvision / He et al. 2016
  layout with PyTorch's symmetric padding: 7x7/2 stem, 3x3/2 max-pool, [2,2,2,2] or [3,4,6,3]
  blocks of 64..512 filters, 1x1 projection shortcuts); its `pyramid_outputs` P2..P5 are
  `layer1..4`. `imagenet` loads the registered keras-hub preset (torchvision's ImageNet weights,
  what `pretrained=True` gives in PyTorch, the authors' framework; read by keras-hub's timm
  converter, downloaded from the Hugging Face Hub on first use and cached there); a local preset
  directory (`Backbone.save_to_preset` plus `ImageConverter.save_to_preset`) is read the same way.
  The preset's image converter (`x * scale + offset` on 0..255 pixels) becomes the `Normalization`
  layer, so callers keep feeding 0..255; without a preset it is ImageNet mean/std, the converter
  of those presets. The keras-hub layers are copied into the classifier's graph
  (`keras.models.clone_model`), so saved models hold core layers only and keras-hub is imported
  only to build these two (~1.5 s here).

Keras, keras-hub and numpy are imported by the builders (see `registry`).
"""

from add_tf.core.errors import UsageError
from add_tf.models.backbones.registry import get, register

IMAGENET_MEAN_RGB = (0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0)
IMAGENET_STD_RGB = (0.229 * 255.0, 0.224 * 255.0, 0.225 * 255.0)
CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)


def normalization(mean, std, name="normalization"):
    """`Normalization` layer `(x - mean) / std` per RGB channel."""
    import keras

    return keras.layers.Normalization(
        axis=-1, mean=list(mean), variance=[s * s for s in std], name=name
    )


@register("resnet50", imagenet="keras.applications",
          stages=("conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out"))
def keras_resnet50(backbone, inputs, weights):
    """Keras applications' ResNet50 behind the Caffe mean subtraction, on RGB inputs."""
    import keras

    x = normalization(CAFFE_MEAN_RGB, (1.0, 1.0, 1.0))(inputs)
    net = keras.applications.ResNet50(include_top=False, weights=weights, input_tensor=x)
    if weights == "imagenet":  # weights expect BGR: flip the kernel's input channels instead
        conv = net.get_layer("conv1_conv")
        kernel, bias = conv.get_weights()
        conv.set_weights([kernel[:, :, ::-1, :], bias])
    return net


def resnet_config(backbone):
    """keras-hub `ResNetBackbone` arguments of the basic-block ResNet `backbone` (a name)."""
    return {
        "input_conv_filters": [64],
        "input_conv_kernel_sizes": [7],
        "stackwise_num_filters": [64, 128, 256, 512],
        "stackwise_num_blocks": list(get(backbone).options["blocks"]),
        "stackwise_num_strides": [1, 2, 2, 2],
        "block_type": "basic_block",
        "use_pre_activation": False,
    }


def _per_channel(value, default):
    import numpy as np

    return np.broadcast_to(np.asarray(default if value is None else value, "float64"), (3,))


def _preset_mean_std(keras_hub, preset, received):
    """(mean, std) per RGB channel on 0..255 pixels from the preset's `x * scale + offset`."""
    converter = keras_hub.layers.ImageConverter.from_preset(preset)
    if converter is None:  # a timm checkpoint without `pretrained_cfg`
        raise ValueError(f"The preset has no image converter, so its input range is unknown. "
                         f"Received: {received}")
    scale, offset = _per_channel(converter.scale, 1.0), _per_channel(converter.offset, 0.0)
    return (-offset / scale).tolist(), (1.0 / scale).tolist()


def keras_hub_resnet(backbone, inputs, weights):
    """keras-hub's basic-block ResNet, random or from a preset, behind its preprocessing, copied
    into a graph on `inputs`."""
    import keras
    import keras_hub

    received = f"backbone={backbone.name!r}, weights={weights!r}"
    expected = resnet_config(backbone.name)
    if weights is None:
        net = keras_hub.models.ResNetBackbone(**expected)
        mean, std = IMAGENET_MEAN_RGB, IMAGENET_STD_RGB
    else:
        preset = backbone.imagenet if weights == "imagenet" else weights
        net = keras_hub.models.ResNetBackbone.from_preset(preset)
        found = {key: getattr(net, key) for key in expected}
        if found != expected:
            raise UsageError(f"The preset is not a {backbone.name}: it has {found}, a "
                             f"{backbone.name} has {expected}. Received: {received}")
        mean, std = _preset_mean_std(keras_hub, preset, received)
    preprocess = normalization(mean, std)

    def call(layer, *args, **kwargs):
        if layer.name == "conv1_pad":  # the backbone's first layer: preprocessing goes before it
            args = (preprocess(args[0]), *args[1:])
        return layer(*args, **kwargs)

    graph = keras.models.clone_model(net, input_tensors=inputs, call_function=call)
    for layer in net.layers:
        if layer.weights:
            graph.get_layer(layer.name).set_weights(layer.get_weights())
    return graph


def register_basic_resnet(name, blocks, imagenet):
    """Register keras-hub's basic-block ResNet `name` with `blocks` per stage; its stages are the
    last block of each stack (`pyramid_outputs` P2..P5)."""
    stages = tuple(f"stack{i}_block{n - 1}_out" for i, n in enumerate(blocks))
    register(name, stages=stages, imagenet=imagenet, preset_dirs=True,
             blocks=tuple(blocks))(keras_hub_resnet)


# keras-hub's own `resnet_18_imagenet` is timm's `a1_in1k` recipe and has no ResNet34 twin; these
# two are one recipe for both depths.
register_basic_resnet("resnet18", (2, 2, 2, 2), "hf://timm/resnet18.tv_in1k")
register_basic_resnet("resnet34", (3, 4, 6, 3), "hf://timm/resnet34.tv_in1k")
