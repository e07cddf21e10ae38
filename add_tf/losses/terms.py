"""The loss terms of the Distiller, as Keras' distiller has its `DistillationLoss` objects.

Each term names the layers it reads in the student and the teacher (`features`, the same names in
both: the two share one backbone) and computes its weighted float32 contribution to the training
loss from those features (`compute_loss`). The Distiller builds one feature extractor per model
from the union of the names and adds the terms to the cross-entropy; it never looks at a term's
name. `TERMS` maps a term name (= its metric name, the keys of `add_tf.core.methods.METHODS`'
entries) to its class, registered with `@TERMS.register(name)`. Terms are Keras layers only so
that a term's own variables (the non-local blocks) are tracked, trained and checkpointed with the
Distiller; they are never called as layers.
"""

import keras
import tensorflow as tf

from add_tf.core.methods import method_terms
from add_tf.core.registry import Registry
from add_tf.losses.baselines import (
    NonLocalBlock,
    attention_transfer_loss,
    fitnet_loss,
    hinton_kd_loss,
    nonlocal_loss,
)
from add_tf.losses.frequency import frequency_attention_loss
from add_tf.losses.multiview import multi_view_attention_loss

TERMS = Registry("loss term")  # term name -> DistillationTerm subclass


class DistillationTerm(keras.layers.Layer):
    """One term of the training loss. `config`: the `LossConfig`; `features`: layer names."""

    def __init__(self, config, features, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.features = tuple(features)
        self.built = True

    def compute_loss(self, teacher, student, labels, step):
        """The weighted term, a float32 scalar. teacher, student: `{layer name: tensor}` (the
        teacher's without gradient); labels `(B,)` int32; step: the optimizer's step, int32."""
        raise NotImplementedError


@TERMS.register("fr")
class FrequencyTerm(DistillationTerm):
    """`alpha * sum_l w_fr[l] FR_l` (eqs. 1-3 and 10) over `config.layers`."""

    def __init__(self, config, student, **kwargs):
        super().__init__(config, config.layers, **kwargs)
        self.layer_weights = config.layer_weights("fr_weights")

    def compute_loss(self, teacher, student, labels, step):
        cfg = self.config
        total = cfg.alpha * tf.add_n([
            w * frequency_attention_loss(student[layer], teacher[layer], gamma=cfg.gamma_fr)
            for layer, w in zip(cfg.layers, self.layer_weights)
        ])
        if not cfg.fr_start_step:
            return total
        # the authors' schedule: FR off during the warm-up (its gradient too)
        return tf.where(step >= cfg.fr_start_step, total, tf.zeros_like(total))


@TERMS.register("mv")
class MultiViewTerm(DistillationTerm):
    """`beta * sum_l w_mv[l] MV_l` (eqs. 4-10, Algorithm 1) over `config.layers`.

    contrastive=False drops eq. 9's same / opposite-class pairs (eta_MV = 0); `config.mv_binning`
    picks the cell -> bin map ("count" | "interval", `add_tf.losses.multiview.BINNINGS`),
    `config.mv_coordinates` where the cells sit ("unit" | "index", `COORDINATES` there). With
    `config.seed` set, the projections and pairs of layer l at step s are drawn from the
    stateless seed `(1000 * seed + l, s)`; with None from the global RNG."""

    def __init__(self, config, student, contrastive=True, **kwargs):
        super().__init__(config, config.layers, **kwargs)
        self.layer_weights = config.layer_weights("mv_weights")
        self.contrastive = contrastive

    def _seed(self, salt, step):
        if self.config.seed is None:
            return None
        return tf.stack([tf.constant(int(self.config.seed) * 1000 + salt, tf.int32), step])

    def compute_loss(self, teacher, student, labels, step):
        cfg = self.config
        return cfg.beta * tf.add_n([
            w * multi_view_attention_loss(
                student[layer], teacher[layer], labels, num_projections=cfg.num_projections,
                gamma=cfg.gamma_mv, eta=cfg.eta_mv if self.contrastive else 0,
                margin=cfg.margin, seed=self._seed(i, step), binning=cfg.mv_binning,
                coordinates=cfg.mv_coordinates,
            )
            for i, (layer, w) in enumerate(zip(cfg.layers, self.layer_weights))
        ])


@TERMS.register("fitnet")
class FitNetTerm(DistillationTerm):
    """`baseline_weight * FitNet` on the pooled embedding `(B, D)`."""

    def __init__(self, config, student, **kwargs):
        super().__init__(config, ("embedding",), **kwargs)

    def compute_loss(self, teacher, student, labels, step):
        return self.config.baseline_weight * fitnet_loss(student["embedding"], teacher["embedding"])


@TERMS.register("at")
class AttentionTransferTerm(DistillationTerm):
    """`baseline_weight * sum_l AT_l` over `config.layers`."""

    def __init__(self, config, student, **kwargs):
        super().__init__(config, config.layers, **kwargs)

    def compute_loss(self, teacher, student, labels, step):
        return self.config.baseline_weight * tf.add_n([
            attention_transfer_loss(student[layer], teacher[layer]) for layer in self.features
        ])


@TERMS.register("nl")
class NonLocalTerm(DistillationTerm):
    """`baseline_weight * sum_l NL_l` over `config.layers`, one trainable `NonLocalBlock` per
    layer, built for the student's map shape (its variables are the term's)."""

    def __init__(self, config, student, **kwargs):
        super().__init__(config, config.layers, **kwargs)
        self.blocks = []
        for layer in config.layers:
            block = NonLocalBlock(name=f"nonlocal_{layer}")
            block.build(student.get_layer(layer).output.shape)
            self.blocks.append(block)

    def compute_loss(self, teacher, student, labels, step):
        return self.config.baseline_weight * tf.add_n([
            nonlocal_loss(student[layer], teacher[layer], block)
            for layer, block in zip(self.features, self.blocks)
        ])


@TERMS.register("kd")
class KnowledgeDistillationTerm(DistillationTerm):
    """`baseline_weight * Hinton KD` at temperature `config.kd_temperature` on the logits."""

    def __init__(self, config, student, **kwargs):
        super().__init__(config, ("logits",), **kwargs)

    def compute_loss(self, teacher, student, labels, step):
        cfg = self.config
        return cfg.baseline_weight * hinton_kd_loss(
            student["logits"], teacher["logits"], cfg.kd_temperature
        )


def build_terms(config, student):
    """The terms of method `config.method`, in the method table's order, named after their
    metric. student: the student classifier (the non-local blocks take its map shapes)."""
    return [
        TERMS.get(name)(config, student, name=name, **options)
        for name, options in method_terms(config.method).items()
    ]
