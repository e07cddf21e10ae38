"""The 2-class classifier (class 1 = fake) and the named-feature view used by the distillers."""

import os

import keras

from add_tf.core.config import MIN_IMAGE_SIZE
from add_tf.core.errors import UsageError
from add_tf.models import backbones

FEATURE_NAMES = ("layer1", "layer2", "layer3", "layer4", "embedding", "logits")
# PyTorch's default (momentum 0.1 there), which the authors trained with. Keras' 0.99 leaves the
# moving statistics far behind the weights for the first few hundred steps, so a short run
# (the demo, early validations) scores every face as one class at inference.
BATCHNORM_MOMENTUM = 0.9


def build_classifier(backbone, image_size, weights=None, name=None):
    """Functional classifier: `(None, S, S, 3)` pixels 0..255 -> logits `(None, 2)`.

    Layers `layer1`..`layer4` are the stage outputs `(B, h, w, c)`, `embedding` the global-average
    pooled last stage `(B, D)` and `logits` a Dense(2) kept in float32 under mixed precision.
    Every BatchNormalization uses momentum `BATCHNORM_MOMENTUM` (PyTorch's default).
    `weights`: None (random); "imagenet" (downloaded on first use: by Keras for ResNet50 /
    EfficientNet-B0, from the keras-hub preset `backbones.get(backbone).imagenet` for ResNet18 /
    34); a local keras-hub preset directory (ResNet18 / 34, read like the "imagenet" one, e.g. that
    preset downloaded once for offline machines); or a local file: `*.weights.h5` saved from a
    classifier of the same backbone (loaded as is), or a `*.keras` model whose layers are copied by
    name where the shapes match (all but the head `logits` must match, e.g. a backbone trained with
    another head).
    """
    backbones.get(backbone)  # ValueError listing the registered names
    image_size = int(image_size)
    if image_size < MIN_IMAGE_SIZE:
        raise ValueError(f"image_size must be at least {MIN_IMAGE_SIZE}. Received: "
                         f"image_size={image_size}")
    local = weights is not None and weights != "imagenet" and not os.path.isdir(weights)
    if local and not os.path.isfile(weights):
        raise UsageError(
            f"No weights file or preset directory. Received: weights={weights!r}")
    inputs = keras.Input((image_size, image_size, 3), name="image")
    stages = backbones.build_backbone(inputs, backbone, weights=None if local else weights)
    embedding = keras.layers.GlobalAveragePooling2D(name="embedding")(stages[-1])
    logits = keras.layers.Dense(2, name="logits", dtype="float32")(embedding)
    model = keras.Model(inputs, logits, name=name or f"{backbone}_classifier")
    for layer in batchnorm_layers(model):
        layer.momentum = BATCHNORM_MOMENTUM
    if local:
        load_weights(model, weights)
    return model


def fetch_imagenet(backbone):
    """Build `backbone` once from its ImageNet source (on a 32x32 input, then dropped), so that its
    weights are downloaded and cached by Keras / keras-hub; UsageError naming the source and the
    ways out when the download fails (see `backbones.build_backbone`)."""
    backbones.build_backbone(keras.Input((32, 32, 3)), backbone, weights="imagenet")


def load_weights(model, path):
    """Load `path` into `model`: `.weights.h5` directly, `.keras` layer by layer by name and shape
    (every layer with weights must be found there, except the head `logits`)."""
    if path.endswith(".keras"):
        source = keras.models.load_model(path, compile=False)
        copied = set()
        for layer in source.layers:
            try:
                target = model.get_layer(layer.name)
            except ValueError:
                continue
            src, dst = layer.get_weights(), target.get_weights()
            if src and len(src) == len(dst) and all(a.shape == b.shape for a, b in zip(src, dst)):
                target.set_weights(src)
                copied.add(layer.name)
        missing = [layer.name for layer in model.layers
                   if layer.weights and layer.name not in copied and layer.name != "logits"]
        if missing:
            raise UsageError(
                f"{len(missing)} layers of {model.name!r} have no match by name and shape in the "
                f"file (another backbone, or a ResNet18/34 saved before they were keras-hub's), "
                f"first: {missing[:3]}. Received: path={path!r}")
    else:
        try:
            model.load_weights(path)
        except (ValueError, OSError) as error:  # another architecture, a damaged file
            raise UsageError(f"{path} does not hold the weights of {model.name!r} ({error}); "
                             "give the weights of the same backbone and image size") from None
    return model


def feature_model(classifier, names=("layer2", "layer3", "layer4", "embedding", "logits")):
    """Same weights as `classifier`, outputs `{name: tensor}` for the named layers."""
    valid = [layer.name for layer in classifier.layers]
    missing = [n for n in names if n not in valid]
    if missing:
        raise ValueError(f"Layers {missing} not in {classifier.name!r}. "
                         f"Valid names include {FEATURE_NAMES}.")
    outputs = {n: classifier.get_layer(n).output for n in names}
    return keras.Model(classifier.input, outputs, name=f"{classifier.name}_features")


def batchnorm_layers(model):
    """Every BatchNormalization layer of `model`, nested backbones included."""
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.BatchNormalization)]
