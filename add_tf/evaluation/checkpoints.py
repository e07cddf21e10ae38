"""The classifier a run is scored with: its student.keras (the best validation's, or the last's
with train.checkpoint=last), another .keras file, a student .weights.h5, or `LAST`: the student
of the run's last committed validation, restored from its resumable backup."""

from __future__ import annotations

import os

import numpy as np

from add_tf.core.errors import UsageError
from add_tf.core.names import LAST
from add_tf.models import build_classifier, load_weights
from add_tf.training import runs
from add_tf.training.callbacks import TrainingBackup
from add_tf.training.distiller import Distiller


def _fresh_student(config):
    return build_classifier(config.model.backbone, image_size=config.model.image_size,
                            name="student")


def last_committed_student(run_dir, config):
    """The student as the run's last committed validation left it (its resumable backup,
    `add_tf.training.callbacks.TrainingBackup`), not the best-validation weights of
    student.keras."""
    backup = os.path.join(run_dir, runs.BACKUP)
    commits = TrainingBackup.commits(backup)
    if not commits:
        raise UsageError(f"No committed backup in {backup} (--checkpoint {LAST} needs the "
                         "checkpoints of a run trained by add_tf.fit)")
    student = _fresh_student(config)
    teacher_file = os.path.join(run_dir, runs.TEACHER_MODEL)
    teacher = runs.load_model(teacher_file) if os.path.exists(teacher_file) else None
    distiller = Distiller(student, teacher, loss_config=config.loss)
    size = config.model.image_size
    distiller(np.zeros((1, size, size, 3), np.float32))
    TrainingBackup.restore(distiller, backup, commits[0]["epoch"])
    return student


def load_checkpoint(run_dir, config, checkpoint=None):
    """The classifier of a run: student.keras (None), another .keras file, a student
    .weights.h5 or `LAST` (`last_committed_student`)."""
    if checkpoint == LAST:
        return last_committed_student(run_dir, config)
    if checkpoint and checkpoint.endswith(".weights.h5"):
        if not os.path.exists(checkpoint):
            raise UsageError(f"No checkpoint at {checkpoint}")
        return load_weights(_fresh_student(config), checkpoint)
    return runs.load_model(checkpoint or run_dir)
