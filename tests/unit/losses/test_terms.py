"""add_tf.losses.terms: each term reads its layers and weighs its loss by the LossConfig."""

import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.config import Config, LossConfig
from add_tf.core.methods import METHODS
from add_tf.losses import (
    TERMS,
    attention_transfer_loss,
    build_terms,
    frequency_attention_loss,
    multi_view_attention_loss,
)

LAYERS = ("layer2", "layer3")


def _features(seed):
    rng = np.random.default_rng(seed)
    return {"layer2": tf.constant(rng.normal(size=(4, 4, 4, 8)), tf.float32),
            "layer3": tf.constant(rng.normal(size=(4, 2, 2, 16)), tf.float32)}


def _config(method, **values):
    return LossConfig(method=method, layers=LAYERS, fr_weights=(1.0, 3.0), mv_weights=(2.0, 0.5),
                      seed=7, **values)


def test_every_term_of_the_method_table_has_a_class():
    assert {name for terms in METHODS.values() for name in terms} == set(TERMS)


def test_fr_term_is_alpha_times_the_layer_weighted_sum():
    s, t = _features(0), _features(1)
    (term,) = build_terms(_config("add_fr", alpha=0.5, gamma_fr=0.1), student=None)
    assert term.name == "fr" and term.features == LAYERS
    expected = 0.5 * (frequency_attention_loss(s["layer2"], t["layer2"], gamma=0.1)
                      + 3.0 * frequency_attention_loss(s["layer3"], t["layer3"], gamma=0.1))
    value = float(term.compute_loss(t, s, None, tf.constant(0)))
    np.testing.assert_allclose(value, float(expected), rtol=1e-6)


def test_fr_term_is_off_before_its_start_step_gradient_included():
    s, t = _features(0), _features(1)
    (term,) = build_terms(_config("add_fr", fr_start_step=10), student=None)
    (always,) = build_terms(_config("add_fr"), student=None)
    student = {k: tf.Variable(v) for k, v in s.items()}
    for step, on in ((9, False), (10, True)):
        with tf.GradientTape() as tape:
            value = term.compute_loss(t, student, None, tf.constant(step))
        grads = tape.gradient(value, list(student.values()))
        expected = float(always.compute_loss(t, s, None, tf.constant(step))) if on else 0.0
        np.testing.assert_allclose(float(value), expected, rtol=1e-6)
        assert any(float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads) == on


def test_mv_term_with_and_without_the_contrastive_pairs():
    s, t = _features(2), _features(3)
    labels = tf.constant([0, 1, 0, 1])
    step = tf.constant(5, tf.int32)
    (plain,) = build_terms(_config("add_mv_nocontrast", beta=4.0), student=None)
    (contrastive,) = build_terms(_config("add_mv", beta=4.0), student=None)
    assert plain.name == contrastive.name == "mv"

    def layer_loss(layer, i, eta):
        seed = tf.constant([7 * 1000 + i, 5], tf.int32)
        return multi_view_attention_loss(s[layer], t[layer], labels, eta=eta, seed=seed)

    expected = 4.0 * (2.0 * layer_loss("layer2", 0, 0) + 0.5 * layer_loss("layer3", 1, 0))
    np.testing.assert_allclose(float(plain.compute_loss(t, s, labels, step)), float(expected),
                               rtol=1e-5)
    with_pairs = 4.0 * (2.0 * layer_loss("layer2", 0, 50.0) + 0.5 * layer_loss("layer3", 1, 50.0))
    value = float(contrastive.compute_loss(t, s, labels, step))
    np.testing.assert_allclose(value, float(with_pairs), rtol=1e-5)
    assert value > float(expected)


def test_mv_term_passes_its_binning_and_coordinates():
    s, t = _features(2), _features(3)
    labels = tf.constant([0, 1, 0, 1])
    (term,) = build_terms(_config("add_mv", mv_binning="interval", mv_coordinates="index"),
                          student=None)

    def layer_loss(layer, i, binning, coordinates):
        seed = tf.constant([7 * 1000 + i, 5], tf.int32)
        return multi_view_attention_loss(s[layer], t[layer], labels, seed=seed, binning=binning,
                                         coordinates=coordinates)

    value = float(term.compute_loss(t, s, labels, tf.constant(5)))
    for binning, coordinates, matches in (("interval", "index", True), ("count", "index", False),
                                          ("interval", "unit", False)):
        expected = 16.0 * (2.0 * layer_loss("layer2", 0, binning, coordinates)
                           + 0.5 * layer_loss("layer3", 1, binning, coordinates))
        assert np.isclose(value, float(expected), rtol=1e-5) == matches


@pytest.mark.parametrize("key, default, other, wrong", [
    ("mv_binning", "count", "interval", "quantile"),
    ("mv_coordinates", "unit", "index", "integer"),
])
def test_mv_options_from_the_command_line_and_their_choices(key, default, other, wrong):
    from add_tf import fit
    from add_tf.core import config as config_lib

    assert getattr(config_lib.resolve().loss, key) == default
    args = fit.build_parser().parse_args(["--set", f"loss.{key}={other}"])
    assert getattr(fit.resolve_config(args).loss, key) == other
    with pytest.raises(ValueError, match=f"Invalid loss.{key}: '{wrong}'. Valid: {default}, "
                                         f"{other}"):
        config_lib.resolve(overrides=[f"loss.{key}={wrong}"])


def test_baseline_terms_read_their_own_features():
    s, t = _features(4), _features(5)
    (at,) = build_terms(_config("at", baseline_weight=2.0), student=None)
    expected = 2.0 * (attention_transfer_loss(s["layer2"], t["layer2"])
                      + attention_transfer_loss(s["layer3"], t["layer3"]))
    np.testing.assert_allclose(float(at.compute_loss(t, s, None, 0)), float(expected), rtol=1e-6)
    (fitnet,) = build_terms(_config("fitnet"), student=None)
    (kd,) = build_terms(_config("kd"), student=None)
    assert fitnet.features == ("embedding",) and kd.features == ("logits",)


def test_layer_weights_must_match_the_layers_in_the_term_as_in_the_config():
    loss = LossConfig(method="add", layers=LAYERS, fr_weights=(1.0,))
    message = (r"^loss.fr_weights must hold one weight per layer of loss.layers \['layer2', "
               r"'layer3'\] \(method 'add'\). Received: \[1.0\]$")
    with pytest.raises(ValueError, match=message):
        build_terms(loss, student=None)
    with pytest.raises(ValueError, match=message):
        Config(loss=loss).validate()
