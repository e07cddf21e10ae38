import numpy as np
import tensorflow as tf

from add_tf.losses import (
    NonLocalBlock,
    attention_transfer_loss,
    fitnet_loss,
    hinton_kd_loss,
    nonlocal_loss,
)


def test_fitnet_and_at_match_numpy():
    rng = np.random.default_rng(0)
    s, t = rng.normal(size=(3, 8)).astype("float32"), rng.normal(size=(3, 8)).astype("float32")
    np.testing.assert_allclose(float(fitnet_loss(s, t)), np.mean((s - t) ** 2), rtol=1e-5)
    a = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    b = rng.normal(size=(2, 3, 4, 5)).astype("float32")

    def q(x):
        m = (x.astype(np.float64) ** 2).mean(-1).reshape(x.shape[0], -1)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    np.testing.assert_allclose(float(attention_transfer_loss(a, b)), np.mean((q(a) - q(b)) ** 2),
                               rtol=1e-4)
    assert float(attention_transfer_loss(a, a)) == 0.0


def test_kd_matches_numpy_and_zero_for_identical():
    rng = np.random.default_rng(1)
    s, t = rng.normal(size=(4, 2)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")
    temp = 4.0

    def softmax(x):
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    ps, pt = softmax(s / temp), softmax(t / temp)
    expected = temp**2 * np.mean(np.sum(pt * (np.log(pt) - np.log(ps)), -1))
    np.testing.assert_allclose(float(hinton_kd_loss(s, t, temp)), expected, rtol=1e-4)
    assert abs(float(hinton_kd_loss(s, s))) < 1e-6


def test_nonlocal_block_is_trainable_and_starts_as_identity():
    x = tf.random.normal((2, 3, 3, 4))
    block = NonLocalBlock()
    np.testing.assert_allclose(block(x).numpy(), x.numpy(), atol=1e-6)
    with tf.GradientTape() as tape:
        loss = nonlocal_loss(x, tf.random.normal((2, 3, 3, 4)), block)
    grads = tape.gradient(loss, block.trainable_variables)
    assert len(block.trainable_variables) == 5
    assert any(float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads)

