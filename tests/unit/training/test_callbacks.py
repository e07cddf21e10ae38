"""add_tf.training.callbacks: the non-finite stop names the term."""

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
