import keras
import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.config import LossConfig
from add_tf.training.distiller import Distiller
from tiny_models import separable, tiny_net


def test_validation_is_one_student_pass_unless_losses_are_asked_for():
    raw, comp, y = separable()

    def no_teacher(images):
        raise AssertionError("the teacher ran during validation")

    for validate_losses in (False, True):
        distiller = Distiller(tiny_net(1, "s"), tiny_net(2, "t"), LossConfig(method="add", seed=0),
                              validate_losses=validate_losses)
        distiller.compile(optimizer=keras.optimizers.SGD(0.0))
        if not validate_losses:
            distiller._teacher_forward = no_teacher
        val = distiller.evaluate((raw, comp), y, batch_size=8, verbose=0, return_dict=True)
        if validate_losses:
            assert {"fr", "mv"} <= set(val)
            assert val["loss"] == pytest.approx(val["ce"] + val["fr"] + val["mv"], rel=1e-5)
        else:
            assert set(val) == {"loss", "ce", "acc", "auc"} and val["loss"] == val["ce"]
    assert Distiller.from_config(distiller.get_config()).validate_losses


def test_features_come_from_the_terms_not_from_names(monkeypatch):
    """A new term in the table is trained without touching the Distiller."""
    from add_tf.core import methods
    from add_tf.losses import TERMS, DistillationTerm

    class FirstStageTerm(DistillationTerm):
        def __init__(self, config, student, **kwargs):
            super().__init__(config, ("layer1",), **kwargs)

        def compute_loss(self, teacher, student, labels, step):
            return 3.0 * tf.reduce_mean(tf.square(student["layer1"] - teacher["layer1"]))

    monkeypatch.setitem(TERMS.entries, "first", FirstStageTerm)
    monkeypatch.setitem(methods.METHODS, "first_only", {"first": {}})
    student, teacher = tiny_net(1, "s"), tiny_net(2, "t")
    distiller = Distiller(student, teacher, LossConfig(method="first_only"), validate_losses=True)
    raw, comp, y = separable(n=4)
    distiller.compile(optimizer=keras.optimizers.SGD(0.0))
    val = distiller.evaluate((raw, comp), y, batch_size=4, verbose=0, return_dict=True)
    def layer1(model, images):
        return keras.Model(model.input, model.get_layer("layer1").output)(images).numpy()

    expected = 3.0 * np.mean((layer1(student, comp) - layer1(teacher, raw)) ** 2)
    np.testing.assert_allclose(val["first"], expected, rtol=1e-5)
    np.testing.assert_allclose(val["loss"], val["ce"] + val["first"], rtol=1e-5)


def test_needs_teacher_and_valid_method():
    with pytest.raises(ValueError, match="needs a teacher"):
        Distiller(tiny_net(1, "s"), None, LossConfig(method="add"))
    with pytest.raises(ValueError, match="Valid: add"):
        Distiller(tiny_net(1, "s"), tiny_net(2, "t"), LossConfig(method="bogus"))
