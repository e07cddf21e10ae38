"""Frequency attention distillation (ADD, Le & Woo, AAAI 2022, Sec. 3.2, eqs. 1-3)."""

import tensorflow as tf

# Exponent above which the paper's weight exp(x) is continued by a bounded soft cap.
FR_EXPONENT_CAP = 10.0


def soft_capped_exponent(x, cap=FR_EXPONENT_CAP):
    """`x` for `x <= cap`, `cap + tanh(x - cap)` beyond: continuous with a continuous slope at
    `cap`, strictly increasing (keeps the ordering of the attention), and below `cap + 1`."""
    return tf.where(x <= cap, x, cap + tf.tanh(tf.maximum(x - cap, 0.0)))


def frequency_attention_loss(student, teacher, gamma=1.0):
    """Frequency attention loss L_FR, eqs. 1-3. Returns a float32 scalar.

    student, teacher: `(B, H, W, C)` feature maps (cast to float32).
    Eq. 1: `F(b,u,v,c) = (1 / (H W)) sum_{h,w} A(b,h,w,c) exp(-2 pi i (u h / H + v w / W))` (tf fft2d
    over H, W of each channel, divided by `H*W`).
    Eq. 2: `d(b,u,v,c) = |F_S - F_T|^2` (computed as |FFT(S - T)|^2: the DFT is linear).
    Eq. 3: `w(b,u,v) = exp(gamma * mean_c d(b,u,v,c))`, a constant (no gradient flows through it);
    `L = mean_b sum_{u,v,c} w(b,u,v) d(b,u,v,c)`.

    Stabilisation: the released code's unbounded weight has blown the loss up to ~1.4e7. Here the
    exponent `x = gamma * mean_c d` is used exactly while `x <= FR_EXPONENT_CAP` (= 10, weight up to
    e^10 ~ 2.2e4) and replaced beyond by `cap + tanh(x - cap)`, so the weight never exceeds
    e^11 ~ 6e4 and stays monotone in x. Loss and gradients are therefore finite whenever d is.
    """
    student = tf.cast(student, tf.float32)
    teacher = tf.cast(teacher, tf.float32)
    height, width = tf.shape(student)[1], tf.shape(student)[2]
    diff = tf.transpose(student - teacher, (0, 3, 1, 2))  # (B, C, H, W): fft2d is on the last 2 axes
    spectrum = tf.signal.fft2d(tf.complex(diff, tf.zeros_like(diff)))
    scale = tf.cast(height * width, tf.float32)
    d = tf.square(tf.math.real(spectrum) / scale) + tf.square(tf.math.imag(spectrum) / scale)
    exponent = gamma * tf.reduce_mean(d, axis=1)  # (B, H, W)
    weight = tf.stop_gradient(tf.exp(soft_capped_exponent(exponent)))
    per_sample = tf.reduce_sum(weight * tf.reduce_sum(d, axis=1), axis=(1, 2))
    return tf.reduce_mean(per_sample)
