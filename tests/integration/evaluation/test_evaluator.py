"""add_tf.evaluation.evaluator: what a scored split holds, and where evaluate_run stores it."""

import json
import math

import numpy as np
import pytest

from add_tf.core import config as config_lib
from add_tf.evaluation import evaluator
from add_tf.models import build_classifier
from add_tf.training import runs

FAKE_BIAS = 1.0  # logits (0, FAKE_BIAS) for every face: p(fake) = 0.73, every face called fake


def _set_bias(model, bias):
    """Logits (0, `bias`) for every face: a zero kernel."""
    logits = model.get_layer("logits")
    kernel, _ = logits.get_weights()
    logits.set_weights([np.zeros_like(kernel), np.array([0.0, bias], np.float32)])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny_data_dir):
    """A run on the tiny demo records (c40) whose student calls every face fake, and beside it
    the weights of one that calls every face real."""
    run = tmp_path_factory.mktemp("run")
    config = config_lib.Config.from_items([
        ("model.backbone", "resnet18"), ("model.weights", None), ("model.image_size", 32),
        ("data.data_dir", str(tiny_data_dir)), ("data.dataset", "demo"), ("data.comp", "c40"),
        ("train.batch_size", 8)])
    runs.write_config(str(run), config)
    model = build_classifier("resnet18", image_size=32, name="student")
    _set_bias(model, FAKE_BIAS)
    runs.save_model(model, str(run / runs.MODEL))
    _set_bias(model, -FAKE_BIAS)
    model.save_weights(str(run / "real.weights.h5"))
    return run


def test_a_split_scored_with_its_counts_and_without_a_gallery(run_dir, tiny_data_dir):
    records = str(tiny_data_dir / "demo")
    manifest = json.loads((tiny_data_dir / "demo" / "manifest.json").read_text())
    test = manifest["counts"]["test"]
    result = evaluator.evaluate_model(runs.load_model(str(run_dir)), records, "all", "c40",
                                      batch_size=8, gallery=None)
    assert (result["real_frames"], result["fake_frames"]) == (
        test["original"]["examples"], test["Demo"]["examples"])
    assert result["acc"] == pytest.approx(result["fake_frames"] / result["frames"])
    assert result["auc"] == 0.5  # one score for every face: no ranking
    assert math.isnan(result["r_at_1"])  # no gallery


def test_evaluate_run_keys_another_checkpoint_beside_the_students_result(run_dir):
    kept = evaluator.evaluate_run(str(run_dir))
    other = evaluator.evaluate_run(str(run_dir), checkpoint=str(run_dir / "real.weights.h5"))
    stored = json.loads((run_dir / "metrics.json").read_text())
    assert stored["test"]["acc"] == pytest.approx(kept["acc"])
    assert stored["test@real.weights.h5"]["acc"] == pytest.approx(other["acc"])
    assert kept["acc"] + other["acc"] == pytest.approx(1.0)  # all fake, then all real
    raw = evaluator.evaluate_run(str(run_dir), comp="raw")
    assert json.loads((run_dir / "metrics.json").read_text())["test_demo_raw"]["acc"] == \
        pytest.approx(raw["acc"])


def test_the_runs_own_key_is_for_its_own_records_only(run_dir, tiny_data_dir, tmp_path):
    """The same set's name in another data dir is other records: its result does not replace
    the run's own ("test")."""
    evaluator.evaluate_run(str(run_dir))
    own = json.loads((run_dir / "metrics.json").read_text())["test"]
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "demo").symlink_to(tiny_data_dir / "demo")
    stored = json.loads((run_dir / "metrics.json").read_text())
    stored["test"] = {**own, "acc": -1.0}  # a mark: what evaluate_run must leave as it is
    (run_dir / "metrics.json").write_text(json.dumps(stored))
    other = evaluator.evaluate_run(str(run_dir), data_dir=str(tmp_path / "copy"))
    stored = json.loads((run_dir / "metrics.json").read_text())
    assert stored["test"]["acc"] == -1.0
    assert stored["test_demo_c40"]["acc"] == pytest.approx(other["acc"])
    evaluator.evaluate_run(str(run_dir), data_dir=f"{tiny_data_dir}/./")  # the same folder
    assert json.loads((run_dir / "metrics.json").read_text())["test"] == own
