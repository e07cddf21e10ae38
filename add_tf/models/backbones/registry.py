"""The backbone registry: name -> builder, named stage layers and ImageNet source.

A family module (`resnet.py`, `efficientnet.py`) registers each of its backbones with
`register(name, stages=..., imagenet=...)` on its builder; adding a backbone touches that one
module (a new family adds its module and its import line in `add_tf.models.backbones`).

This module and the family modules import no TensorFlow or Keras at module level (the builders
import keras when called): the commands take their `--backbone` choices from `names()` without
paying for TensorFlow at `--help`, and `add_tf.core` stays below the model layer. The config
itself (`add_tf.core.config`) therefore does not know the names: the command hands them to
`config.resolve(choices=...)`, and `get` (what `build_backbone` and `build_classifier` call)
rejects an unknown name listing the registered ones.
"""

import dataclasses
import os
import types
from collections.abc import Callable, Mapping

from add_tf.core.errors import UsageError
from add_tf.core.registry import Registry

BACKBONES = Registry("backbone")  # name -> Backbone (the order of choices and messages)
# the names of the stage layers in every built backbone (strides 4, 8, 16, 32): what
# `loss.layers` may name
FEATURE_LAYERS = ("layer1", "layer2", "layer3", "layer4")


@dataclasses.dataclass(frozen=True)
class Backbone:
    """A registered backbone.

    name: the `model.backbone` value.
    build: `build(backbone, inputs, weights) -> keras.Model` on `inputs` (a `(None, S, S, 3)`
        Input of 0..255 RGB pixels), holding the `stages` layers; `weights` as `build_backbone`
        takes it, `backbone` this entry.
    stages: the four weightless layers whose outputs are the stage feature maps (strides 4, 8,
        16, 32), renamed `layer1..4` in the built graph.
    imagenet: where `weights="imagenet"` comes from (a Keras applications download or a
        keras-hub preset).
    preset_dirs: `weights` may also be a local keras-hub preset directory.
    options: family-specific arguments of the builder (e.g. blocks per stage).
    """

    name: str
    build: Callable
    stages: tuple
    imagenet: str
    preset_dirs: bool = False
    options: Mapping = dataclasses.field(default_factory=dict)


def register(name, *, stages, imagenet, preset_dirs=False, **options):
    """Decorator registering `build` as backbone `name` (see `Backbone` for the arguments)."""
    if len(stages) != 4:
        raise ValueError(f"A backbone has four stages. Received: name={name!r}, stages={stages!r}")

    options = types.MappingProxyType(dict(options))
    return BACKBONES.register(
        name, lambda build: Backbone(name, build, tuple(stages), imagenet, preset_dirs, options)
    )


names = BACKBONES.names  # the registered backbone names, in registration order
get = BACKBONES.get  # the `Backbone` registered as a name; ValueError listing the names


def download_failed(error):
    """Whether `error`, raised while building a backbone from its ImageNet source, is a failed
    download: an OSError (urllib's URLError / HTTPError, requests' and huggingface_hub's
    connection and HTTP errors, a socket timeout), an error of those libraries, the bare
    `Exception("URL fetch failure on URL: ...")` of `keras.utils.get_file`, or keras-hub's
    ValueError for a preset whose `config.json` could not be fetched."""
    text = str(error)
    return (isinstance(error, OSError)
            or type(error).__module__.split(".")[0] in ("huggingface_hub", "requests", "urllib3")
            or (type(error) is Exception and text.startswith("URL fetch failure"))
            or (isinstance(error, ValueError) and "config.json" in text))


def build_backbone(inputs, backbone="resnet50", weights=None):
    """Return the four stage tensors `[s1, s2, s3, s4]` of `backbone` applied to `inputs`.

    `inputs` is a symbolic `(None, S, S, 3)` Input of 0..255 RGB pixels. `weights` is None,
    "imagenet" (the backbone's `imagenet` source) or, for a backbone registered with
    `preset_dirs`, a local keras-hub preset directory; weights files are loaded by
    `build_classifier`. The weightless layer producing each stage output is named `layer1..4`
    (`conv2_block3_out`, `block2b_add`, `stack0_block1_out`, ... are renamed), so the stages stay
    on the classifier's path.
    """
    entry = get(backbone)
    preset_dir = weights not in (None, "imagenet") and os.path.isdir(weights)
    if weights not in (None, "imagenet") and not (preset_dir and entry.preset_dirs):
        with_presets = " / ".join(b.name for b in BACKBONES.entries.values() if b.preset_dirs)
        raise UsageError(
            f"build_backbone takes weights None, 'imagenet' or ({with_presets}) a keras-hub "
            f"preset directory. Received: backbone={backbone!r}, weights={weights!r}"
        )
    try:
        net = entry.build(entry, inputs, weights)
    except Exception as error:
        if weights != "imagenet" or not download_failed(error):
            raise
        raise UsageError(
            f"The ImageNet weights of {backbone} could not be fetched from {entry.imagenet} "
            f"({' '.join(str(error).split()) or type(error).__name__}). Give --set "
            "model.weights=null to start from random weights, or --set model.weights=PATH for "
            "a local weights file (.weights.h5 / .keras)"
            + (" or keras-hub preset directory" if entry.preset_dirs else "")) from error
    stages = []
    for i, layer_name in enumerate(entry.stages):
        layer = net.get_layer(layer_name)  # weightless (Add / Activation): renaming is safe
        layer.name = FEATURE_LAYERS[i]
        stages.append(layer.output)
    return stages
