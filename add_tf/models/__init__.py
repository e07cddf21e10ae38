"""Backbones (ResNet18/34/50, EfficientNet-B0) and the 2-class classifier with named stages."""

from add_tf.models.backbones import build_backbone
from add_tf.models.classifier import (
    FEATURE_NAMES,
    build_classifier,
    feature_model,
    load_weights,
    synchronize_batchnorm,
)

__all__ = [
    "FEATURE_NAMES",
    "build_backbone",
    "build_classifier",
    "feature_model",
    "load_weights",
    "synchronize_batchnorm",
]
