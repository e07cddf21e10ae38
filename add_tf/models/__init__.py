"""Backbones (ResNet18/34/50, EfficientNet-B0) and the 2-class classifier with named stages.

The classifier's names are loaded on first use (PEP 562 `__getattr__`): importing
`add_tf.models.backbones`, whose registry the commands read for their `--backbone` choices,
then does not import Keras.
"""

import importlib

_EXPORTS = {
    "FEATURE_NAMES": "add_tf.models.classifier",
    "build_classifier": "add_tf.models.classifier",
    "feature_model": "add_tf.models.classifier",
    "load_weights": "add_tf.models.classifier",
    "build_backbone": "add_tf.models.backbones",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
