"""add_tf.training.loop: schedule, validation plan, initial weights."""

import pytest

from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.training import loop


def test_one_cycle_schedule():
    schedule = loop.one_cycle_schedule(1e-3, total_steps=100, warmup_fraction=0.3)
    lr = [float(schedule(step)) for step in (0, 15, 30, 65, 100)]
    assert lr[0] == pytest.approx(1e-3 / 25)
    assert lr[0] < lr[1] < lr[2]
    assert lr[2] == pytest.approx(1e-3)
    assert lr[2] > lr[3] > lr[4]
    assert lr[4] == pytest.approx(0.0, abs=1e-9)


def test_plan_counts_validations_and_steps():
    config = config_lib.resolve(overrides=["train.epochs=3", "train.validations_per_epoch=4",
                                           "train.batch_size=10", "train.head_only_epochs=1"])
    plan = loop.Plan(config.train, n_train=95)  # 9 steps per pass
    assert (plan.steps, plan.epochs, plan.head_epochs, plan.total_steps) == (3, 12, 4, 36)


def test_students_can_start_from_the_teacher(tmp_path):
    from add_tf.training.one_run import teacher_config

    config = config_lib.resolve(overrides=["model.weights=teacher"])
    assert teacher_config(config).model.weights is None  # a teacher starts from random weights
    run_dir = tmp_path / "teacher"
    run_dir.mkdir()
    (run_dir / "student.keras").write_bytes(b"")
    assert loop.initial_weights(config, str(run_dir)) == str(run_dir / "student.keras")
    with pytest.raises(UsageError, match="model.weights=teacher needs a teacher"):
        loop.initial_weights(config, None)
    with pytest.raises(UsageError, match="No model at"):
        loop.initial_weights(config, str(tmp_path / "empty-run"))
    paper = config_lib.resolve(flags={"data.dataset": "deepfakes"})
    assert loop.initial_weights(paper, None) == "imagenet"
