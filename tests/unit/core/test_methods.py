"""add_tf.core.methods: the method table, its errors, what a method means to the config."""

import pytest

from add_tf.core import config, methods


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


@pytest.mark.parametrize("method", list(methods.METHODS))
@pytest.mark.parametrize("term", ["fr", "mv"])
def test_a_method_is_a_config_choice_whose_terms_decide_the_weights_checked(method, term):
    """One layer and two weights of `term`: refused when the method uses the term."""
    overrides = [f"loss.method={method}", "loss.layers=[layer3]", "loss.fr_weights=[1]",
                 "loss.mv_weights=[1]", f"loss.{term}_weights=[1, 2]"]
    if term in methods.method_terms(method):
        with pytest.raises(ValueError, match=f"loss.{term}_weights must hold one weight per"):
            config.resolve(overrides=overrides)
    else:
        assert config.resolve(overrides=overrides).loss.method == method
