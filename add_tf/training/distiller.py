"""The Distiller: a keras.Model that trains a student from a frozen teacher (ADD and baselines).

Fed `((teacher_image, student_image), label)`. The teacher runs outside the gradient tape with
`training=False` on the raw image; the student on the compressed one. Loss: `CE + sum of the
terms` of method `loss_config.method` (`add_tf.core.methods.METHODS`), e.g. eq. 10
`CE + alpha * sum_l w_fr[l] FR_l + beta * sum_l w_mv[l] MV_l` for "add", `CE + baseline_weight *
term` for "fitnet" / "at" / "nl" / "kd", plain `CE` for "none" (no teacher needed). Each term
(`add_tf.losses.terms`) names the layers it reads and computes itself; the Distiller builds one
feature extractor per model from the union of those names. Every loss is computed in float32,
also under mixed precision.

Metrics: "loss", "ce", one per term ("fr", "mv", "fitnet", "at", "nl", "kd", the weighted
contribution of the term to "loss"), "acc" and "auc" (streaming ROC AUC of p(fake) over the
epoch's batches, 1000 thresholds). Validation (`test_step`) costs one student forward pass and
reports loss (= CE), ce, acc and auc; with `validate_losses=True` it also runs the teacher and
reports every term. Both steps are plain graph code (no Python control flow on tensors), so they
are traced without autograph: converting them and every function they call (the loss terms,
Keras' metrics) made the same graph at twice ADD's tracing time.

Under tf.distribute the per-replica loss is divided by the number of replicas (gradients are
summed across replicas), so a distributed step on a global batch equals a single-device step on
it when the model has no per-replica statistics (BatchNormalization's are, unless its
`synchronized` is set) and the loss terms are deterministic (`LossConfig.seed` set and no
contrastive term, e.g. "add_fr" or "add_mv_nocontrast": random pairs are drawn within each
replica).
"""

import dataclasses

import keras
import tensorflow as tf

from add_tf.core.config import LossConfig
from add_tf.losses import build_terms
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


def _layer_names(terms, *extra):
    """The sorted union of the layers the terms read, and `extra`."""
    return tuple(sorted({name for term in terms for name in term.features} | set(extra)))


@keras.saving.register_keras_serializable(package="add_tf")
class Distiller(keras.Model):
    """Student + frozen teacher + the loss terms of `loss_config.method` (see
    add_tf.core.methods)."""

    def __init__(self, student, teacher=None, loss_config=None, validate_losses=False, **kwargs):
        super().__init__(**kwargs)
        self.loss_config = _as_loss_config(loss_config)
        self.validate_losses = validate_losses
        self.terms = build_terms(self.loss_config, student)
        if self.terms and teacher is None:
            raise ValueError(
                f"Method {self.loss_config.method!r} needs a teacher. Received: teacher=None"
            )
        self.student = student
        self.teacher = teacher
        self._student_features = feature_model(student, _layer_names(self.terms, "logits"))
        self._teacher_features = None
        if teacher is not None:
            teacher.trainable = False
            if self.terms:
                self._teacher_features = feature_model(teacher, _layer_names(self.terms))
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.ce_tracker = keras.metrics.Mean(name="ce")
        self.term_trackers = [keras.metrics.Mean(name=term.name) for term in self.terms]
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="acc")
        self.auc = keras.metrics.AUC(num_thresholds=1000, name="auc")

    # -- Keras plumbing -------------------------------------------------------------------
    def call(self, inputs, training=False):
        if isinstance(inputs, (tuple, list)):
            inputs = inputs[-1]
        return self.student(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker, self.ce_tracker, *self.term_trackers, self.accuracy, self.auc]

    def get_config(self):
        config = super().get_config()
        config.update(
            student=keras.saving.serialize_keras_object(self.student),
            teacher=(None if self.teacher is None
                     else keras.saving.serialize_keras_object(self.teacher)),
            loss_config=dataclasses.asdict(self.loss_config),
            validate_losses=self.validate_losses,
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
        """Trainable variables updated by the optimizer: the student's and the terms' own (the
        non-local blocks of "nl")."""
        variables = list(self.student.trainable_variables)
        for term in self.terms:
            variables += term.trainable_variables
        return variables

    # -- losses ---------------------------------------------------------------------------
    def _teacher_forward(self, teacher_images):
        if self._teacher_features is None:
            return None
        features = self._teacher_features(teacher_images, training=False)
        return {k: tf.stop_gradient(v) for k, v in features.items()}

    def _distill_losses(self, teacher_features, student_images, labels, training):
        """(total, ce, [term values in self.terms' order], float32 logits)."""
        student_features = self._student_features(student_images, training=training)
        logits = tf.cast(student_features["logits"], tf.float32)
        ce = tf.reduce_mean(
            keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        )
        step = tf.cast(self.optimizer.iterations if self.optimizer is not None else 0, tf.int32)
        values = [
            tf.cast(term.compute_loss(teacher_features, student_features, labels, step), tf.float32)
            for term in self.terms
        ]
        total = ce + tf.add_n(values) if values else ce
        return total, ce, values, logits

    def _unpack(self, data):
        x, labels = data[0], data[1]
        if isinstance(x, (tuple, list)):
            teacher_images, student_images = x
        else:
            teacher_images = student_images = x
        return teacher_images, student_images, tf.reshape(tf.cast(labels, tf.int32), (-1,))

    def _update_metrics(self, total, ce, values, labels, logits):
        """Updates the trackers of the given terms and returns the logs of those (all metrics when
        every term is given, else loss, ce, acc and auc)."""
        metrics = self.metrics if len(values) == len(self.terms) else [
            self.loss_tracker, self.ce_tracker, self.accuracy, self.auc]
        self.loss_tracker.update_state(total)
        self.ce_tracker.update_state(ce)
        for tracker, value in zip(self.term_trackers, values):
            tracker.update_state(value)
        self.accuracy.update_state(labels, logits)
        self.auc.update_state(labels, tf.nn.softmax(logits)[:, 1])
        logs = {m.name: m.result() for m in metrics}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces a step's logs across workers with reduce("MEAN", axis=0), which a
            # scalar has not (keras-team/keras#20585): give each a batch axis of one.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Keras' version reduces a batch with strategy.reduce, which MultiWorkerMirroredStrategy
        cannot do for a nested batch (keras-team/keras#20585). add_tf.training.loop builds the model
        and the optimizer before fit, so there is nothing to build then."""
        if self.built and self.optimizer is not None and self.optimizer.built:
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    @tf.autograph.experimental.do_not_convert
    def train_step(self, data):
        teacher_images, student_images, labels = self._unpack(data)
        variables = self.distillation_variables
        teacher_features = self._teacher_forward(teacher_images)  # frozen, outside the tape
        with tf.GradientTape() as tape:
            total, ce, values, logits = self._distill_losses(
                teacher_features, student_images, labels, training=True
            )
            scaled = total / tf.cast(tf.distribute.get_strategy().num_replicas_in_sync, tf.float32)
            if hasattr(self.optimizer, "scale_loss"):
                scaled = self.optimizer.scale_loss(scaled)
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply(gradients, variables)
        return self._update_metrics(total, ce, values, labels, logits)

    @tf.autograph.experimental.do_not_convert
    def test_step(self, data):
        """Validation: one student forward pass for CE, accuracy and AUC ("loss" = CE); the
        teacher and the distillation terms too only with `validate_losses`."""
        teacher_images, student_images, labels = self._unpack(data)
        if not self.validate_losses:
            logits = tf.cast(self.student(student_images, training=False), tf.float32)
            ce = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                labels, logits, from_logits=True))
            return self._update_metrics(ce, ce, [], labels, logits)
        teacher_features = self._teacher_forward(teacher_images)
        total, ce, values, logits = self._distill_losses(
            teacher_features, student_images, labels, training=False
        )
        return self._update_metrics(total, ce, values, labels, logits)
