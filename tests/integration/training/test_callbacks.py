"""add_tf.training.callbacks: the backup commits the tracker with the weights, so a kill between
the two never replays a validation twice."""

import json

import keras
import numpy as np
import pytest

from add_tf.training import callbacks
from tiny_models import separable, tiny_distiller


class Kill(keras.callbacks.Callback):
    """Raises at the end of epoch `at`, after the callbacks before it ran."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.at:
            raise KeyboardInterrupt


def _fit(distiller, checkpoint_dir, epochs, kill_at=None, resume=True):
    backup_dir = checkpoint_dir / "backup"
    commits = callbacks.TrainingBackup.commits(backup_dir)
    epoch = commits[0]["epoch"] if (commits and resume) else 0
    state = callbacks.TrainingBackup.restore(distiller, backup_dir, epoch)
    tracker = callbacks.ValidationTracker(distiller.student, str(checkpoint_dir), 10, state)
    between = [Kill(kill_at)] if kill_at else []
    raw, comp, y = separable()
    distiller.fit((raw, comp), y, batch_size=8, epochs=epochs, initial_epoch=epoch, verbose=0,
                  validation_data=((raw, comp), y),
                  callbacks=[tracker, *between, callbacks.TrainingBackup(str(backup_dir), tracker)])
    return tracker


def test_a_kill_between_tracker_and_backup_replays_that_validation_once(tmp_path):
    distiller = tiny_distiller()
    distiller(np.zeros((1, 16, 16, 3), np.float32))
    distiller.optimizer.build(distiller.distillation_variables)
    with pytest.raises(KeyboardInterrupt):
        _fit(distiller, tmp_path, epochs=4, kill_at=3)
    commit = json.loads((tmp_path / "backup" / "state.json").read_text())
    assert commit["epoch"] == 2 and len(commit["tracker"]["history"]) == 2
    assert commit["previous"]["epoch"] == 1

    resumed = tiny_distiller()
    resumed(np.zeros((1, 16, 16, 3), np.float32))
    resumed.optimizer.build(resumed.distillation_variables)
    tracker = _fit(resumed, tmp_path, epochs=4)
    assert [entry["epoch"] for entry in tracker.state["history"]] == [1, 2, 3, 4]
    assert [entry["step"] for entry in tracker.state["history"]] == [2, 4, 6, 8]
    # only the files of the last two commits stay
    kept = sorted(p.name for p in tmp_path.rglob("*.weights.h5"))
    assert kept == sorted({"epoch-003.weights.h5", "epoch-004.weights.h5",
                           tracker.state["best_weights"]} | {
        json.loads((tmp_path / "backup" / "state.json").read_text())["previous"]["tracker"][
            "best_weights"]})


def test_restore_loads_weights_and_optimizer_step(tmp_path):
    distiller = tiny_distiller()
    distiller(np.zeros((1, 16, 16, 3), np.float32))
    distiller.optimizer.build(distiller.distillation_variables)
    _fit(distiller, tmp_path, epochs=2)
    fresh = tiny_distiller()
    fresh(np.zeros((1, 16, 16, 3), np.float32))
    fresh.optimizer.build(fresh.distillation_variables)
    callbacks.TrainingBackup.restore(fresh, tmp_path / "backup", 2)
    assert int(fresh.optimizer.iterations) == 4
    for a, b in zip(distiller.student.get_weights(), fresh.student.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="No backup of epoch 7"):
        callbacks.TrainingBackup.restore(fresh, tmp_path / "backup", 7)
