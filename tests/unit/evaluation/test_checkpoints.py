"""add_tf.evaluation.checkpoints: which classifier a run is scored with."""

import numpy as np
import pytest

from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.core.names import LAST
from add_tf.evaluation import checkpoints
from add_tf.models import build_classifier
from add_tf.training import runs


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(run dir, config, student): a 32-px ResNet18 run whose student.keras has a head bias of
    (0, 1), and beside it a weights file whose head bias is (0, 2)."""
    run_dir = tmp_path_factory.mktemp("run")
    config = config_lib.Config.from_items([("model.backbone", "resnet18"),
                                           ("model.weights", None), ("model.image_size", 32)])
    runs.write_config(str(run_dir), config)
    student = build_classifier("resnet18", image_size=32, name="student")
    logits = student.get_layer("logits")
    kernel, _ = logits.get_weights()
    logits.set_weights([kernel, np.array([0.0, 1.0], np.float32)])
    runs.save_model(student, str(run_dir / runs.MODEL))
    logits.set_weights([kernel, np.array([0.0, 2.0], np.float32)])
    student.save_weights(str(run_dir / "other.weights.h5"))
    return run_dir, config


def _bias(model):
    return model.get_layer("logits").get_weights()[1].tolist()


def test_the_student_a_weights_file_and_a_keras_file(run):
    run_dir, config = run
    assert _bias(checkpoints.load_checkpoint(str(run_dir), config)) == [0.0, 1.0]
    weights = str(run_dir / "other.weights.h5")
    assert _bias(checkpoints.load_checkpoint(str(run_dir), config, weights)) == [0.0, 2.0]
    keras_file = str(run_dir / runs.MODEL)
    assert _bias(checkpoints.load_checkpoint(str(run_dir), config, keras_file)) == [0.0, 1.0]


def test_missing_checkpoints_are_named(run, tmp_path):
    run_dir, config = run
    with pytest.raises(UsageError, match=f"No checkpoint at {tmp_path}/gone.weights.h5"):
        checkpoints.load_checkpoint(str(run_dir), config, str(tmp_path / "gone.weights.h5"))
    with pytest.raises(UsageError, match="No committed backup in .*checkpoints/backup "
                                         r"\(--checkpoint last needs"):
        checkpoints.load_checkpoint(str(run_dir), config, LAST)
