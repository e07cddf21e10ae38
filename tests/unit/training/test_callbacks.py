"""add_tf.training.callbacks: the non-finite stop names the term."""

import numpy as np
import pytest

from add_tf.core.errors import NonFiniteLossError
from add_tf.training import callbacks
from tiny_models import tiny_distiller


@pytest.mark.parametrize("method, term", [("fitnet", "fitnet"), ("add", "mv"), ("kd", "kd")])
def test_non_finite_guard_names_the_term_that_broke(tmp_path, method, term):
    guard = callbacks.NonFiniteGuard(str(tmp_path))
    guard.set_model(tiny_distiller(method))
    logs = {"loss": float("nan"), "ce": 0.5, "acc": 0.5, term: float("nan")}
    with pytest.raises(NonFiniteLossError, match=f"'{term}' became nan"):
        guard.on_train_batch_end(0, logs)
    with pytest.raises(NonFiniteLossError, match="validation loss term 'loss'"):
        guard.on_epoch_end(0, {"loss": 1.0, "val_loss": float("inf")})


@pytest.mark.parametrize("monitor, best, stopped", [("val_acc", 1, True), ("val_auc", 2, False)])
def test_the_best_validation_is_the_monitors(tmp_path, monitor, best, stopped):
    """Accuracy rewards the first validation (every face called fake on a split of 4 fakes to 1
    real), AUC the second; patience counts validations without a gain in the monitor."""
    distiller = tiny_distiller()
    distiller(np.zeros((1, 16, 16, 3), np.float32))
    tracker = callbacks.ValidationTracker(distiller.student, str(tmp_path), 2, monitor=monitor)
    tracker.set_model(distiller)
    for epoch, (acc, auc) in enumerate([(0.8, 0.6), (0.7, 0.9), (0.75, 0.85)]):
        tracker.on_epoch_end(epoch, {"val_acc": acc, "val_auc": auc})
    assert tracker.state["best_epoch"] == best
    assert tracker.state["best_weights"] == f"best-v{best:03d}.weights.h5"
    assert bool(tracker.state.get("stopped_early")) == stopped
