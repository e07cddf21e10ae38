"""Frequency attention distillation (ADD, Le & Woo, AAAI 2022, Sec. 3.2, eqs. 1-3)."""

import tensorflow as tf

from add_tf.core.config import LossConfig

# Exponent above which the paper's weight exp(x) is continued by a bounded soft cap.
FR_EXPONENT_CAP = 10.0


def soft_capped_exponent(x, cap=FR_EXPONENT_CAP):
    """`x` for `x <= cap`, `cap + tanh(x - cap)` beyond: continuous with a continuous slope at
    `cap`, strictly increasing (keeps the ordering of the attention), and below `cap + 1`."""
    return tf.where(x <= cap, x, cap + tf.tanh(tf.maximum(x - cap, 0.0)))


def frequency_attention_loss(student, teacher, gamma=LossConfig.gamma_fr):
    """Frequency attention loss L_FR, eqs. 1-3. Returns a float32 scalar.

    student, teacher: `(B, H, W, C)` feature maps (cast to float32).
    Eq. 1: `F(b,u,v,c) = (1 / (H W)) sum_{h,w} A(b,h,w,c) exp(-2 pi i (u h / H + v w / W))`
    (`tf.signal.rfft2d` over H, W of each channel, divided by `H*W`: the half spectrum, below).
    Eq. 2: `d(b,u,v,c) = |F_S - F_T|^2` (computed as |FFT(S - T)|^2: the DFT is linear).
    Eq. 3: `w(b,u,v) = exp(gamma * mean_c d(b,u,v,c))`, a constant (no gradient flows through it);
    `L = mean_b sum_{u,v,c} w(b,u,v) d(b,u,v,c)`.

    The maps are real, so `d` and `w` are symmetric, `(u, v) -> (-u, -v)`: only the half spectrum
    of `rfft2d` is computed, each column v counted twice except v = 0 and v = W/2, and the gradient
    `2 / B * irfft2d(w * F)` is written out (one inverse transform; no complex-valued autodiff).

    Stabilisation: the released code's unbounded weight has blown the loss up to ~1.4e7. Here the
    exponent `x = gamma * mean_c d` is used exactly while `x <= FR_EXPONENT_CAP` (= 10, weight up to
    e^10 ~ 2.2e4) and replaced beyond by `cap + tanh(x - cap)`, so the weight never exceeds
    e^11 ~ 6e4 and stays monotone in x. Loss and gradients are therefore finite whenever d is.
    """
    diff = tf.cast(student, tf.float32) - tf.cast(teacher, tf.float32)
    return _weighted_spectral_energy(tf.transpose(diff, (0, 3, 1, 2)), gamma)  # rfft2d: last 2 axes


def _weighted_spectral_energy(diff, gamma):
    """`mean_b sum_{u,v,c} w(b,u,v) |F(b,c,u,v)|^2` for `diff` `(B, C, H, W)`,
    F = rfft2d / (H W)."""
    height, width = diff.shape[2], diff.shape[3]
    if height is None or width is None:
        raise ValueError(
            f"frequency_attention_loss needs static H and W. Received: shape={diff.shape}"
        )
    counted = [1.0] + [2.0] * ((width - 1) // 2) + [1.0] * (1 - width % 2)  # v = 0, pairs, W/2

    @tf.custom_gradient
    def energy(x):
        spectrum = tf.signal.rfft2d(x) / complex(height * width)  # (B, C, H, W//2 + 1)
        d = tf.square(tf.math.real(spectrum)) + tf.square(tf.math.imag(spectrum))
        weight = tf.exp(soft_capped_exponent(gamma * tf.reduce_mean(d, axis=1)))  # (B, H, W//2 + 1)
        per_sample = tf.reduce_sum(weight * tf.reduce_sum(d, axis=1) * counted, axis=(1, 2))
        batch = tf.cast(tf.shape(x)[0], tf.float32)

        def grad(upstream):
            weighted = spectrum * tf.cast(weight[:, None] * (2.0 * upstream / batch), tf.complex64)
            return tf.signal.irfft2d(weighted, fft_length=[height, width])

        return tf.reduce_mean(per_sample), grad

    return energy(diff)
