"""Baseline distillation losses compared against ADD on the same backbones (float32 scalars)."""

import keras
import tensorflow as tf

from add_tf.core.config import LossConfig


def fitnet_loss(student, teacher):
    """FitNet hint (Romero et al., ICLR 2015) on the penultimate embedding: `mean (S - T)^2`.
    student, teacher: `(B, D)` (same backbone, so no regressor is needed)."""
    student = tf.cast(student, tf.float32)
    teacher = tf.cast(teacher, tf.float32)
    if student.shape[-1] != teacher.shape[-1]:
        raise ValueError(f"FitNet needs equal widths. Received: {student.shape} vs {teacher.shape}")
    return tf.reduce_mean(tf.square(student - teacher))


def _attention_map(features):
    a = tf.cast(features, tf.float32)
    q = tf.reshape(tf.reduce_mean(tf.square(a), axis=-1), (tf.shape(a)[0], -1))  # (B, H*W)
    return q / tf.maximum(tf.norm(q, axis=1, keepdims=True), 1e-12)


def attention_transfer_loss(student, teacher):
    """Attention Transfer (Zagoruyko & Komodakis, ICLR 2017), p = 2:
    `Q = vec(mean_c A^2) / ||vec(mean_c A^2)||_2`, loss `mean_{b, hw} (Q_S - Q_T)^2`
    (the `.mean()` form of the authors' and RepDistiller's code). `(B, H, W, C)` each."""
    return tf.reduce_mean(tf.square(_attention_map(student) - _attention_map(teacher)))


@keras.saving.register_keras_serializable(package="add_tf")
class NonLocalBlock(keras.layers.Layer):
    """Embedded-Gaussian non-local block (Wang et al., CVPR 2018): `z = x + W softmax(theta(x)
    phi(x)^T) g(x)` with 1x1 projections to `inter_channels` (default C/2); W starts at zero so the
    block starts as the identity. Trainable: it belongs to the Distiller, not to the student."""

    def __init__(self, inter_channels=None, **kwargs):
        super().__init__(**kwargs)
        self.inter_channels = inter_channels

    def build(self, input_shape):
        channels = int(input_shape[-1])
        inner = int(self.inter_channels or max(channels // 2, 1))
        self.theta = keras.layers.Dense(inner, use_bias=False, name="theta", dtype="float32")
        self.phi = keras.layers.Dense(inner, use_bias=False, name="phi", dtype="float32")
        self.g = keras.layers.Dense(inner, use_bias=False, name="g", dtype="float32")
        self.out = keras.layers.Dense(channels, kernel_initializer="zeros", name="w",
                                      dtype="float32")
        flat = (None, None, channels)
        for layer in (self.theta, self.phi, self.g):
            layer.build(flat)
        self.out.build((None, None, inner))
        self.built = True

    def call(self, x):
        x = tf.cast(x, tf.float32)
        shape = tf.shape(x)
        flat = tf.reshape(x, (shape[0], shape[1] * shape[2], x.shape[-1]))
        logits = tf.matmul(self.theta(flat), self.phi(flat), transpose_b=True)
        y = tf.matmul(tf.nn.softmax(logits, axis=-1), self.g(flat))
        return tf.reshape(flat + self.out(y), shape)

    def get_config(self):
        return {**super().get_config(), "inter_channels": self.inter_channels}


def nonlocal_loss(student, teacher, block):
    """Non-local distillation: `mean (NL(S) - NL(T))^2` with one trainable `NonLocalBlock` applied
    to both `(B, H, W, C)` maps (gradients reach the block through both branches)."""
    return tf.reduce_mean(tf.square(block(student) - block(tf.cast(teacher, tf.float32))))


def hinton_kd_loss(student_logits, teacher_logits, temperature=LossConfig.kd_temperature):
    """Hinton et al. 2015: `T^2 * mean_b KL(softmax(t/T) || softmax(s/T))`. `(B, classes)` each."""
    t = float(temperature)
    s = tf.cast(student_logits, tf.float32) / t
    p_t = tf.nn.softmax(tf.cast(teacher_logits, tf.float32) / t)
    kl = tf.reduce_sum(p_t * (tf.math.log(tf.maximum(p_t, 1e-30)) - tf.nn.log_softmax(s)), axis=-1)
    return t * t * tf.reduce_mean(kl)
