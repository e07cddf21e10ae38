"""add_tf.evaluation.metrics_file: a result merged into a run's metrics.json under its key."""

import json
import math

from add_tf.core import config as config_lib
from add_tf.core.names import LAST, metrics_key
from add_tf.evaluation import metrics_file
from add_tf.training import runs


def _run(tmp_path):
    config = config_lib.Config()
    config.set("data.dataset", "demo")
    config.set("data.comp", "c40")
    runs.write_config(str(tmp_path), config)
    return config


def test_results_under_other_keys_are_kept_and_the_same_key_replaced(tmp_path):
    config = _run(tmp_path)
    metrics_file.store_metrics(str(tmp_path), metrics_key(), {"acc": 0.75}, config)
    metrics_file.store_metrics(str(tmp_path), metrics_key(checkpoint=LAST), {"acc": 0.5}, config)
    metrics_file.store_metrics(str(tmp_path), "test_dfdc_c23", {"acc": 0.25, "auc": math.nan},
                               config)
    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert (stored["test"], stored["test@last"]) == ({"acc": 0.75}, {"acc": 0.5})
    assert stored["test_dfdc_c23"] == {"acc": 0.25, "auc": None}  # nan: null in JSON
    assert stored["run"]["dataset"] == "demo" and stored["run"]["comp"] == "c40"
    metrics_file.store_metrics(str(tmp_path), metrics_key(checkpoint=LAST), {"acc": 0.625},
                               config)
    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert (stored["test"], stored["test@last"]) == ({"acc": 0.75}, {"acc": 0.625})
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["test_metrics"]["test@last"] == {"acc": 0.625}  # the card follows
