import keras
import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.config import LossConfig
from add_tf.models import build_classifier
from add_tf.training.distiller import Distiller
from tiny_models import separable, tiny_net

TERM_METRICS = {"add": {"fr", "mv"}, "none": set(), "fitnet": {"fitnet"}, "at": {"at"},
                "nl": {"nl"}, "kd": {"kd"}, "add_fr": {"fr"}, "add_mv": {"mv"},
                "add_mv_nocontrast": {"mv"}}


@pytest.mark.parametrize(
    "method", ["add", "none"] + [m for m in sorted(TERM_METRICS) if m not in ("add", "none")]
)
def test_teacher_frozen_student_trained(method):
    student, teacher = tiny_net(1, "s"), tiny_net(2, "t")
    raw, comp, y = separable()
    distiller = Distiller(student, None if method == "none" else teacher,
                          LossConfig(method=method, seed=0))
    distiller.compile(optimizer=keras.optimizers.Adam(1e-2))
    t0, s0 = [w.copy() for w in teacher.get_weights()], [w.copy() for w in student.get_weights()]
    own = [v for term in distiller.terms for v in term.trainable_variables]  # the non-local blocks
    own0 = [v.numpy().copy() for v in own]
    hist = distiller.fit((raw, comp), y, batch_size=8, epochs=2, verbose=0)
    for a, b in zip(t0, teacher.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(s0, student.get_weights()))
    assert (len(own) > 0) == (method == "nl")
    assert method != "nl" or any(not np.array_equal(a, v.numpy()) for a, v in zip(own0, own))
    expected = {"loss", "ce", "acc", "auc"} | TERM_METRICS[method]
    assert set(hist.history) == expected
    val = distiller.evaluate((raw, comp), y, batch_size=8, verbose=0, return_dict=True)
    assert set(val) == {"loss", "ce", "acc", "auc"} and all(np.isfinite(v) for v in val.values())
    assert val["loss"] == val["ce"]


def test_loss_falls_on_separable_problem_with_resnet18():
    keras.utils.set_random_seed(0)  # not the random state earlier tests leave
    raw, comp, y = separable(n=16, size=32)
    teacher = build_classifier("resnet18", 32, name="teacher")
    student = build_classifier("resnet18", 32, name="student")
    distiller = Distiller(student, teacher, LossConfig(seed=0))
    distiller.compile(optimizer=keras.optimizers.Adam(1e-3))
    hist = distiller.fit((raw, comp), y, batch_size=16, epochs=6, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["ce"][-1] < hist.history["ce"][0]


@pytest.mark.parametrize("method", ["add_fr", "add_mv_nocontrast"])
def test_mirrored_step_equals_single_device_step(method):
    """One SGD step on a global batch of 8: two replicas of 4 (two logical CPU devices) make the
    update of one device of 8. Compared relative to the update's size, per weight tensor: the
    summation order differs between the two (and with or without oneDNN kernels), so the
    weights themselves agree to rounding only, while a wrong loss scaling or a missed
    all-reduce changes the update by 50 % or more. (Terms without random pairs: those are drawn
    within each replica.)"""
    raw, comp, y = separable(n=8)
    config = LossConfig(method=method, seed=3)

    def one_step(strategy):
        with strategy.scope():
            student, teacher = tiny_net(5, "s"), tiny_net(6, "t")
            distiller = Distiller(student, teacher, config)
            distiller.compile(optimizer=keras.optimizers.SGD(0.1))
        before = [w.copy() for w in student.get_weights()]
        distiller.fit((raw, comp), y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        return [after - w for after, w in zip(student.get_weights(), before)]

    devices = [d.name for d in tf.config.list_logical_devices("CPU")][:2]
    assert len(devices) == 2
    single = one_step(tf.distribute.OneDeviceStrategy(devices[0]))
    mirrored = one_step(tf.distribute.MirroredStrategy(devices))
    assert sum(float(np.linalg.norm(u)) for u in single) > 0
    for a, b in zip(single, mirrored):
        assert np.linalg.norm(b - a) <= 1e-3 * np.linalg.norm(a) + 1e-9, (
            np.linalg.norm(b - a), np.linalg.norm(a))


@pytest.fixture
def without_op_determinism():
    """Op determinism off for the test (an earlier fit in this process may have turned it on,
    and Keras then compiles without XLA), restored afterwards."""
    from tensorflow.python.framework import config

    enabled = config.is_op_determinism_enabled()
    config.disable_op_determinism()
    yield
    if enabled:
        config.enable_op_determinism()


def test_jit_compile_and_serialisation(tmp_path, without_op_determinism):
    raw, comp, y = separable(n=8)
    distiller = Distiller(tiny_net(1, "s"), tiny_net(2, "t"), LossConfig(seed=1))
    distiller.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=True)
    assert distiller.jit_compile is True  # XLA, not Keras' silent fallback
    hist = distiller.fit((raw, comp), y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][-1])
    clone = Distiller.from_config(distiller.get_config())
    assert clone.loss_config == distiller.loss_config
    assert [term.name for term in clone.terms] == ["fr", "mv"]
    assert clone.student.count_params() == distiller.student.count_params()
