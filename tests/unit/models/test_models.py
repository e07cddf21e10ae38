"""add_tf.models: the classifier's names resolved on first use, so the backbone names (the
commands' choices) are read without Keras."""

import subprocess
import sys

import pytest

from add_tf import models
from add_tf.models import backbones, classifier


def test_the_names_are_the_classifiers_and_the_registrys():
    assert models.build_classifier is classifier.build_classifier
    assert models.FEATURE_NAMES is classifier.FEATURE_NAMES
    assert models.build_backbone is backbones.build_backbone
    assert set(models.__all__) <= set(dir(models))
    with pytest.raises(AttributeError, match="module 'add_tf.models' has no attribute 'vgg'"):
        models.vgg  # noqa: B018


def test_the_backbone_names_are_read_without_keras():
    code = ("import sys; from add_tf.models import backbones; print(*backbones.names()); "
            "print(*[m for m in ('keras', 'tensorflow', 'keras_hub') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [" ".join(backbones.names()), ""]
