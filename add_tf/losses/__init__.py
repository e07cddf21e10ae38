"""Distillation losses: ADD's frequency (FR) and multi-view (MV) attention, and the baselines.

Two name tables, nothing else dispatches on names: `LOSSES` maps a loss term to its function,
`METHODS` maps a distillation method (`LossConfig.method`) to the terms it adds to the
cross-entropy. Unknown names raise a ValueError listing the valid ones.
"""

from add_tf.losses.baselines import (
    NonLocalBlock,
    attention_transfer_loss,
    fitnet_loss,
    hinton_kd_loss,
    nonlocal_loss,
)
from add_tf.losses.frequency import FR_EXPONENT_CAP, frequency_attention_loss
from add_tf.losses.multiview import multi_view_attention_loss, random_projections, sliced_wasserstein

LOSSES = {
    "fr": frequency_attention_loss,
    "mv": multi_view_attention_loss,
    "fitnet": fitnet_loss,
    "at": attention_transfer_loss,
    "nl": nonlocal_loss,
    "kd": hinton_kd_loss,
}

METHODS = {
    "add": ("fr", "mv"),
    "none": (),
    "fitnet": ("fitnet",),
    "at": ("at",),
    "nl": ("nl",),
    "kd": ("kd",),
}


def get_loss(name):
    """The loss function called `name` (a key of LOSSES)."""
    if name not in LOSSES:
        raise ValueError(f"Unknown loss. Valid: {', '.join(LOSSES)}. Received: name={name!r}")
    return LOSSES[name]


def get_method(name):
    """The loss terms of distillation method `name` (a key of METHODS)."""
    if name not in METHODS:
        raise ValueError(f"Unknown distillation method. Valid: {', '.join(METHODS)}. Received: method={name!r}")
    return METHODS[name]


__all__ = [
    "FR_EXPONENT_CAP",
    "LOSSES",
    "METHODS",
    "NonLocalBlock",
    "attention_transfer_loss",
    "fitnet_loss",
    "frequency_attention_loss",
    "get_loss",
    "get_method",
    "hinton_kd_loss",
    "multi_view_attention_loss",
    "nonlocal_loss",
    "random_projections",
    "sliced_wasserstein",
]
