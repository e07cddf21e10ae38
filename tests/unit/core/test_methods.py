"""add_tf.core.methods: the method table, its errors; the method names import without TensorFlow."""

import subprocess
import sys

import pytest

from add_tf.core import methods


def test_ablations_are_methods_and_only_distillation_needs_a_teacher():
    assert methods.method_terms("add") == {"fr": {}, "mv": {}}
    assert methods.method_terms("add_fr") == {"fr": {}}
    assert methods.method_terms("add_mv") == {"mv": {}}
    assert methods.method_terms("add_mv_nocontrast") == {"mv": {"contrastive": False}}
    assert not methods.needs_teacher("none")
    assert all(methods.needs_teacher(m) for m in methods.METHODS if m != "none")


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(ValueError,
                       match=r"Valid: add, none, .*add_mv\. Received: method='add_fr_mv'"):
        methods.needs_teacher("add_fr_mv")


def test_method_names_import_without_tensorflow():
    code = ("import sys; from add_tf.core import config, methods; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; "
            "print(' '.join(config.METHODS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == list(methods.METHODS)
