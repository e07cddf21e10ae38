"""Distillation losses: ADD's frequency (FR) and multi-view (MV) attention, and the baselines.

The loss functions are pure (formula, shapes and paper reference in their docstrings); the terms
(`add_tf.losses.terms`) apply them to named features with the `LossConfig`'s weights. `TERMS`
maps a term name to its class and `build_terms` builds a method's terms from the method table
(`add_tf.core.methods.METHODS`); nothing else dispatches on names.
"""

from add_tf.losses.baselines import (
    NonLocalBlock,
    attention_transfer_loss,
    fitnet_loss,
    hinton_kd_loss,
    nonlocal_loss,
)
from add_tf.losses.frequency import FR_EXPONENT_CAP, frequency_attention_loss
from add_tf.losses.multiview import (
    multi_view_attention_loss,
    random_projections,
    sliced_wasserstein,
)
from add_tf.losses.terms import TERMS, DistillationTerm, build_terms

__all__ = [
    "FR_EXPONENT_CAP",
    "TERMS",
    "DistillationTerm",
    "NonLocalBlock",
    "attention_transfer_loss",
    "build_terms",
    "fitnet_loss",
    "frequency_attention_loss",
    "hinton_kd_loss",
    "multi_view_attention_loss",
    "nonlocal_loss",
    "random_projections",
    "sliced_wasserstein",
]
