"""The Distiller: a keras.Model that trains a student from a frozen teacher (ADD and baselines).

Fed `((teacher_image, student_image), label)`. The teacher runs outside the gradient tape with
`training=False` on the raw image; the student on the compressed one. Loss (eq. 10):
`CE + alpha * sum_l w_fr[l] FR_l + beta * sum_l w_mv[l] MV_l` for method "add", or
`CE + baseline_weight * term` for "fitnet" / "at" / "nl" / "kd", or plain `CE` for "none" (no
teacher needed). Every loss is computed in float32, also under mixed precision.

Metrics: "loss", "ce", one per term ("fr", "mv", "fitnet", "at", "nl", "kd", the weighted
contribution of the term to "loss") and "acc". Under tf.distribute the per-replica loss is divided
by the number of replicas (gradients are summed across replicas), so a distributed step on a
global batch equals a single-device step on it when the model has no per-replica statistics
(use `add_tf.models.synchronize_batchnorm` for BatchNorm) and the loss terms are deterministic
(`LossConfig.seed` set, `contrastive=False`: random pairs are drawn within each replica).
"""

import dataclasses

import keras
import tensorflow as tf

from add_tf.config import LossConfig
from add_tf.losses import (
    NonLocalBlock,
    attention_transfer_loss,
    fitnet_loss,
    frequency_attention_loss,
    get_method,
    hinton_kd_loss,
    multi_view_attention_loss,
    nonlocal_loss,
)
from add_tf.models import feature_model


def _as_loss_config(loss_config):
    if loss_config is None:
        return LossConfig()
    if isinstance(loss_config, LossConfig):
        return loss_config
    config = LossConfig()
    for key, value in dict(loss_config).items():
        if isinstance(value, list):
            value = tuple(value)
        setattr(config, key, value)
    return config


@keras.saving.register_keras_serializable(package="add_tf")
class Distiller(keras.Model):
    """Student + frozen teacher + loss set chosen by `loss_config.method` (see add_tf.losses.METHODS)."""

    def __init__(self, student, teacher=None, loss_config=None, **kwargs):
        super().__init__(**kwargs)
        self.loss_config = _as_loss_config(loss_config)
        cfg = self.loss_config
        self.terms = get_method(cfg.method)
        if self.terms and teacher is None:
            raise ValueError(f"Method {cfg.method!r} needs a teacher. Received: teacher=None")
        if "fr" in self.terms and len(cfg.fr_weights) != len(cfg.layers):
            raise ValueError(f"fr_weights {cfg.fr_weights} must match layers {cfg.layers}")
        if "mv" in self.terms and len(cfg.mv_weights) != len(cfg.layers):
            raise ValueError(f"mv_weights {cfg.mv_weights} must match layers {cfg.layers}")
        self.student = student
        self.teacher = teacher
        names = set()
        if {"fr", "mv", "at", "nl"} & set(self.terms):
            names |= set(cfg.layers)
        if "fitnet" in self.terms:
            names.add("embedding")
        if "kd" in self.terms:
            names.add("logits")
        self._feature_names = tuple(sorted(names))
        self._student_features = feature_model(student, self._feature_names + ("logits",) * ("logits" not in names))
        if teacher is not None:
            teacher.trainable = False
            self._teacher_features = feature_model(teacher, self._feature_names) if self.terms else None
        else:
            self._teacher_features = None
        self.nl_blocks = []
        if "nl" in self.terms:
            for layer in cfg.layers:
                block = NonLocalBlock(name=f"nonlocal_{layer}")
                block.build(student.get_layer(layer).output.shape)
                self.nl_blocks.append(block)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.ce_tracker = keras.metrics.Mean(name="ce")
        self.term_trackers = {t: keras.metrics.Mean(name=t) for t in self.terms}
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="acc")

    # -- Keras plumbing -------------------------------------------------------------------
    def call(self, inputs, training=False):
        if isinstance(inputs, (tuple, list)):
            inputs = inputs[-1]
        return self.student(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker, self.ce_tracker, *self.term_trackers.values(), self.accuracy]

    def get_config(self):
        config = super().get_config()
        config.update(
            student=keras.saving.serialize_keras_object(self.student),
            teacher=None if self.teacher is None else keras.saving.serialize_keras_object(self.teacher),
            loss_config=dataclasses.asdict(self.loss_config),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        student = keras.saving.deserialize_keras_object(config.pop("student"))
        teacher = config.pop("teacher", None)
        teacher = None if teacher is None else keras.saving.deserialize_keras_object(teacher)
        return cls(student, teacher, config.pop("loss_config", None), **config)

    @property
    def distillation_variables(self):
        """Trainable variables updated by the optimizer: the student's and the non-local blocks'."""
        variables = list(self.student.trainable_variables)
        for block in self.nl_blocks:
            variables += block.trainable_variables
        return variables

    # -- losses ---------------------------------------------------------------------------
    def _seed(self, salt):
        if self.loss_config.seed is None:
            return None
        step = tf.cast(self.optimizer.iterations if self.optimizer is not None else 0, tf.int32)
        return tf.stack([tf.constant(int(self.loss_config.seed) * 1000 + salt, tf.int32), step])

    def _term(self, name, s, t, labels):
        cfg = self.loss_config
        if name == "fr":
            if not cfg.use_fr:
                return tf.constant(0.0)
            total = tf.add_n([
                w * frequency_attention_loss(s[layer], t[layer], gamma=cfg.gamma_fr)
                for layer, w in zip(cfg.layers, cfg.fr_weights)
            ])
            return cfg.alpha * total
        if name == "mv":
            if not cfg.use_mv:
                return tf.constant(0.0)
            total = tf.add_n([
                w * multi_view_attention_loss(
                    s[layer], t[layer], labels, num_projections=cfg.num_projections, gamma=cfg.gamma_mv,
                    eta=cfg.eta_mv if cfg.contrastive else 0, margin=cfg.margin, seed=self._seed(i),
                )
                for i, (layer, w) in enumerate(zip(cfg.layers, cfg.mv_weights))
            ])
            return cfg.beta * total
        if name == "fitnet":
            return cfg.baseline_weight * fitnet_loss(s["embedding"], t["embedding"])
        if name == "at":
            return cfg.baseline_weight * tf.add_n([attention_transfer_loss(s[l], t[l]) for l in cfg.layers])
        if name == "nl":
            return cfg.baseline_weight * tf.add_n([
                nonlocal_loss(s[l], t[l], block) for l, block in zip(cfg.layers, self.nl_blocks)
            ])
        if name == "kd":
            return cfg.baseline_weight * hinton_kd_loss(s["logits"], t["logits"], cfg.kd_temperature)
        raise ValueError(f"Unknown loss term {name!r}")

    def _teacher_forward(self, teacher_images):
        if self._teacher_features is None:
            return None
        features = self._teacher_features(teacher_images, training=False)
        return {k: tf.stop_gradient(v) for k, v in features.items()}

    def _distill_losses(self, teacher_features, student_images, labels, training):
        student_features = self._student_features(student_images, training=training)
        logits = tf.cast(student_features["logits"], tf.float32)
        ce = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
        terms = {n: tf.cast(self._term(n, student_features, teacher_features, labels), tf.float32) for n in self.terms}
        total = ce + tf.add_n(list(terms.values())) if terms else ce
        return total, ce, terms, logits

    def _unpack(self, data):
        x, labels = data[0], data[1]
        if isinstance(x, (tuple, list)):
            teacher_images, student_images = x
        else:
            teacher_images = student_images = x
        return teacher_images, student_images, tf.reshape(tf.cast(labels, tf.int32), (-1,))

    def _update_metrics(self, total, ce, terms, labels, logits):
        self.loss_tracker.update_state(total)
        self.ce_tracker.update_state(ce)
        for name, value in terms.items():
            self.term_trackers[name].update_state(value)
        self.accuracy.update_state(labels, logits)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        teacher_images, student_images, labels = self._unpack(data)
        variables = self.distillation_variables
        teacher_features = self._teacher_forward(teacher_images)  # frozen, outside the tape
        with tf.GradientTape() as tape:
            total, ce, terms, logits = self._distill_losses(teacher_features, student_images, labels, training=True)
            scaled = total / tf.cast(tf.distribute.get_strategy().num_replicas_in_sync, tf.float32)
            if hasattr(self.optimizer, "scale_loss"):
                scaled = self.optimizer.scale_loss(scaled)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply(gradients, variables)
        return self._update_metrics(total, ce, terms, labels, logits)

    def test_step(self, data):
        teacher_images, student_images, labels = self._unpack(data)
        teacher_features = self._teacher_forward(teacher_images)
        total, ce, terms, logits = self._distill_losses(teacher_features, student_images, labels, training=False)
        return self._update_metrics(total, ce, terms, labels, logits)
