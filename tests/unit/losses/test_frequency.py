import numpy as np
import pytest
import tensorflow as tf

from add_tf.losses import FR_EXPONENT_CAP, frequency_attention_loss


def numpy_fr(student, teacher, gamma):
    """Eqs. 1-3 written directly: per-channel DFT / (H W), d = |F_S - F_T|^2,
    w = exp(gamma mean_c d)."""
    b, h, w, c = student.shape
    total = 0.0
    for i in range(b):
        fs = np.fft.fft2(student[i].astype(np.float64), axes=(0, 1)) / (h * w)
        ft = np.fft.fft2(teacher[i].astype(np.float64), axes=(0, 1)) / (h * w)
        d = np.abs(fs - ft) ** 2  # (h, w, c)
        weight = np.exp(gamma * d.mean(axis=-1))  # (h, w)
        total += (weight[..., None] * d).sum()
    return total / b


@pytest.mark.parametrize("gamma", [0.0, 1.0, 3.0])
def test_matches_numpy_paper_equations(gamma):
    rng = np.random.default_rng(0)
    s = rng.normal(size=(3, 5, 6, 4)).astype("float32")
    t = rng.normal(size=(3, 5, 6, 4)).astype("float32")
    got = float(frequency_attention_loss(s, t, gamma=gamma))
    np.testing.assert_allclose(got, numpy_fr(s, t, gamma), rtol=1e-4)


def test_zero_for_identical():
    s = np.random.default_rng(1).normal(size=(2, 4, 4, 3)).astype("float32")
    assert float(frequency_attention_loss(s, s)) == 0.0


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    s = tf.constant(rng.normal(size=(2, 3, 4, 2)), tf.float64)
    t = tf.constant(rng.normal(size=(2, 3, 4, 2)), tf.float64)
    # the weight is a constant (no gradient through it): compare with finite differences of
    # sum(w_fixed * d)
    def f(x):
        return frequency_attention_loss(x, t, gamma=1.0)

    with tf.GradientTape() as tape:
        tape.watch(s)
        loss = f(s)
    grad = tape.gradient(loss, s).numpy()
    # numerical gradient with the weight frozen at s
    s_np, t_np = s.numpy(), t.numpy()
    b, h, wd, c = s_np.shape
    fs = np.fft.fft2(s_np - t_np, axes=(1, 2)) / (h * wd)
    weight = np.exp(np.mean(np.abs(fs) ** 2, axis=-1))[..., None]

    def frozen(x):
        d = np.abs(np.fft.fft2(x - t_np, axes=(1, 2)) / (h * wd)) ** 2
        return (weight * d).sum() / b

    eps = 1e-6
    num = np.zeros_like(s_np)
    for idx in np.ndindex(s_np.shape):
        e = np.zeros_like(s_np)
        e[idx] = eps
        num[idx] = (frozen(s_np + e) - frozen(s_np - e)) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-3, atol=1e-7)


def test_finite_for_huge_activations_and_zero_features():
    rng = np.random.default_rng(3)
    s = tf.constant(rng.normal(size=(2, 4, 4, 8)) * 1e4, tf.float32)
    t = tf.zeros_like(s)
    with tf.GradientTape() as tape:
        tape.watch(s)
        loss = frequency_attention_loss(s, t)
    grad = tape.gradient(loss, s)
    assert np.isfinite(float(loss)) and np.all(np.isfinite(grad.numpy()))
    assert float(frequency_attention_loss(t, t)) == 0.0


def test_weight_is_paper_value_below_cap_and_bounded_above():
    # one cell, one channel: d = |s - t|^2 (H = W = 1), loss = exp(gamma d) d below the cap
    zero = np.zeros((1, 1, 1, 1), "float32")
    for gamma, diff in [(1.0, 2.0), (1.0, 3.0)]:  # gamma d = 4, 9 < cap
        got = float(frequency_attention_loss(np.full((1, 1, 1, 1), diff, "float32"), zero, gamma))
        np.testing.assert_allclose(got, np.exp(gamma * diff**2) * diff**2, rtol=1e-5)
    got = float(frequency_attention_loss(np.full((1, 1, 1, 1), 100.0, "float32"), zero))
    assert got <= np.exp(FR_EXPONENT_CAP + 1) * 100.0**2 * (1 + 1e-5)
