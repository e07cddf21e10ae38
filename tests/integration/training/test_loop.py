"""add_tf.training.loop: a finished run is left alone."""

from add_tf.core import atomic
from add_tf.core import config as config_lib
from add_tf.training import loop, runs


def test_a_finished_run_keeps_the_config_of_its_model(tmp_path):
    """Running a finished run again with other settings neither trains nor rewrites config.yaml
    (evaluate, export and detect read it to describe student.keras)."""
    trained = config_lib.resolve(flags={"model.backbone": "resnet34"})
    runs.write_config(str(tmp_path), trained)
    atomic.write_json(tmp_path / runs.STATE, {"done": True, "best_val_acc": 0.9})
    (tmp_path / runs.MODEL).write_bytes(b"")
    before = (tmp_path / runs.CONFIG).read_text()
    other = config_lib.resolve(flags={"model.backbone": "resnet18"}, overrides=["loss.beta=3"])
    assert loop.train(other, str(tmp_path))["best_val_acc"] == 0.9
    assert (tmp_path / runs.CONFIG).read_text() == before
