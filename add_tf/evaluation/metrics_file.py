"""A run's metrics.json: merging a result into it under its key (`add_tf.core.names.metrics_key`:
"test" for the run's own records, quality and student.keras; `test_{set}_{quality}[_all]` for
another set or quality; "@last" or "@{file}" after it for another checkpoint).
"""

from __future__ import annotations

import os

from add_tf.core import atomic
from add_tf.evaluation import metrics as metrics_lib
from add_tf.training import model_card, runs


def store_metrics(run_dir, key, result, config):
    """Merge `result` into run_dir/metrics.json under `key` (with the run's description)."""
    path = os.path.join(run_dir, runs.METRICS)
    stored = runs.read_json(path, {})
    stored[key] = metrics_lib.to_jsonable(result)
    state = runs.read_state(run_dir)
    if state:
        stored["training"] = state
    stored["run"] = {
        "dataset": config.data.dataset,
        "comp": config.data.comp,
        "method": config.loss.method,
        "backbone": config.model.backbone,
        "seed": config.train.seed,
    }
    atomic.write_json(path, stored)
    model_card.write_card(run_dir)
