"""Keras callbacks of a training run (add_tf.training.loop): non-finite stop, validation tracking
with early stopping, the resumable backup and the config in TensorBoard.

One Keras epoch ends with one validation (see add_tf.training.loop). At its end the callbacks run
in list order: NonFiniteGuard (raises before anything is written), ValidationTracker (best
weights, patience), TrainingBackup (commits everything).
"""

from __future__ import annotations

import glob
import math
import os

import keras
import numpy as np
import tensorflow as tf

from add_tf.core import atomic
from add_tf.core.config import TrainConfig
from add_tf.core.errors import NonFiniteLossError, WorkError
from add_tf.training import runs


class ClaimGuard(keras.callbacks.Callback):
    """Stops training at the end of a validation, before its commit, when the run's claim
    (add_tf.core.claims.Claim) was taken over by another process: this one's heartbeat had
    stopped for longer than the lease, and the run is now trained there."""

    def __init__(self, claim):
        super().__init__()
        self.claim = claim

    def on_epoch_end(self, epoch, logs=None):
        if self.claim.lost or not self.claim.touch():
            raise WorkError(
                f"{os.path.dirname(self.claim.path)}: another process took this run over (its "
                "claim had not been refreshed within the lease); this process stops and leaves "
                "the run to it")


class NonFiniteGuard(keras.callbacks.Callback):
    """Like TerminateOnNaN, but raises before any checkpoint of broken weights is written, and
    names the loss term that broke.

    Checks every loss term of the model's metrics ("loss", "ce" and one per distillation term:
    "fr", "mv", "fitnet", ...) after every batch and the validation terms at the end of every
    epoch (the last update of an epoch can break the weights while the loss of that batch,
    computed before it, is still finite)."""

    NOT_LOSSES = ("acc", "auc")

    def __init__(self, checkpoint_dir):
        super().__init__()
        self.checkpoint_dir = checkpoint_dir

    def _terms(self):
        names = [m.name for m in self.model.metrics if m.name not in self.NOT_LOSSES]
        return sorted(names, key=lambda name: name == "loss")  # a specific term first

    def _check(self, logs, prefix, what):
        for name in self._terms():
            value = (logs or {}).get(prefix + name)
            if value is None:
                continue
            value = float(np.asarray(value).reshape(-1)[0])
            if not math.isfinite(value):
                step = int(np.asarray(self.model.optimizer.iterations))
                raise NonFiniteLossError(
                    f"The {what} loss term {name!r} became {value} at step {step}; training "
                    f"stopped. The last good checkpoint is kept in {self.checkpoint_dir}. Lower "
                    "the learning rate (--set train.learning_rate=...) or the FR sharpness "
                    "(--set loss.gamma_fr=...) and start the same command again to resume from it."
                )

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, "", "training")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, "val_", "validation")


class ValidationTracker(keras.callbacks.Callback):
    """Best-validation weights and early stopping, with a state that a resume restores.

    After each validation: appends {epoch, step, logs...} to `state["history"]`, saves the
    student's weights as checkpoints/best-vNNN.weights.h5 when `monitor` improves (the state
    names the file), counts validations without a gain and stops after `patience`. The state is
    persisted by TrainingBackup, in the same commit as the weights it belongs to."""

    def __init__(self, student, checkpoint_dir, patience, state=None,
                 monitor=TrainConfig.monitor):
        super().__init__()
        self.student = student
        self.checkpoint_dir = checkpoint_dir
        self.patience = patience
        self.monitor = monitor
        self.state = state or {"best": None, "best_epoch": None, "best_weights": None, "wait": 0,
                               "history": []}

    @property
    def best_path(self):
        name = self.state.get("best_weights")
        return os.path.join(self.checkpoint_dir, name) if name else None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        entry = {"epoch": epoch + 1, "step": int(np.asarray(self.model.optimizer.iterations))}
        entry.update({k: float(np.asarray(v).reshape(-1)[0]) for k, v in logs.items()})
        self.state["history"].append(entry)
        if self.monitor not in logs:
            return
        value = entry[self.monitor]
        if self.state["best"] is None or value > self.state["best"]:
            name = f"best-v{epoch + 1:03d}.weights.h5"
            runs.save_weights(self.student, os.path.join(self.checkpoint_dir, name))
            self.state.update(best=value, best_epoch=epoch + 1, best_weights=name, wait=0)
            return
        self.state["wait"] += 1
        if self.state["wait"] >= self.patience:
            print(f"Early stopping: no {self.monitor} gain in {self.patience} validations (best "
                  f"{self.state['best']:.4f} at validation {self.state['best_epoch']}).",
                  flush=True)
            self.model.stop_training = True
            self.state["stopped_early"] = True


class TrainingBackup(keras.callbacks.Callback):
    """What keras.callbacks.BackupAndRestore does, committed atomically with the tracker state.

    After every epoch (= validation): the model's weights with the optimizer's state (step
    counter included) go to backup/epoch-NNN.weights.h5, then backup/state.json is replaced by
    {"epoch", "weights", "tracker", "previous"}: that rename is the commit, so a kill at any
    moment leaves a consistent earlier commit. The previous commit is kept, so that the workers
    of a multi-worker job can agree on the last epoch all of them committed (`restore`)."""

    STATE = "state.json"

    def __init__(self, backup_dir, tracker):
        super().__init__()
        self.backup_dir = backup_dir
        self.tracker = tracker
        os.makedirs(backup_dir, exist_ok=True)

    @classmethod
    def commits(cls, backup_dir):
        """The last commit and the one before it (each a dict, or absent)."""
        latest = runs.read_json(os.path.join(backup_dir, cls.STATE))
        if not latest:
            return []
        previous = latest.pop("previous", None)
        return [latest] + ([previous] if previous else [])

    @classmethod
    def restore(cls, model, backup_dir, epoch):
        """Load the commit of `epoch` into `model`; returns its tracker state (None for 0)."""
        if epoch == 0:
            return None
        for commit in cls.commits(backup_dir):
            if commit["epoch"] == epoch:
                model.load_weights(os.path.join(backup_dir, commit["weights"]))
                return commit["tracker"]
        raise RuntimeError(f"No backup of epoch {epoch} in {backup_dir}")

    def on_epoch_end(self, epoch, logs=None):
        name = f"epoch-{epoch + 1:03d}.weights.h5"
        runs.save_weights(self.model, os.path.join(self.backup_dir, name))
        previous = (self.commits(self.backup_dir) or [None])[0]
        commit = {"epoch": epoch + 1, "weights": name, "tracker": self.tracker.state}
        atomic.write_json(os.path.join(self.backup_dir, self.STATE),
                          {**commit, "previous": previous})
        self._remove_unreferenced([commit] + ([previous] if previous else []))

    def _remove_unreferenced(self, kept):
        keep = {c["weights"] for c in kept} | {c["tracker"].get("best_weights") for c in kept}
        checkpoint_dir = self.tracker.checkpoint_dir
        for path in (glob.glob(os.path.join(self.backup_dir, "epoch-*.weights.h5"))
                     + glob.glob(os.path.join(checkpoint_dir, "best-v*.weights.h5"))):
            if os.path.basename(path) not in keep:
                os.remove(path)


class ConfigText(keras.callbacks.Callback):
    """Writes the resolved config as text into the TensorBoard logs at the start."""

    def __init__(self, log_dir, text):
        super().__init__()
        self.log_dir, self.text = log_dir, text

    def on_train_begin(self, logs=None):
        writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))
        with writer.as_default():
            tf.summary.text("config", "```\n" + self.text + "\n```", step=0)
        writer.flush()
