"""A run's metrics.json: the key each result is stored under, and merging a result into it.

Keys: "test" for the run's own dataset, quality and model (student.keras);
`test_{dataset}_{comp}` for another set or quality; `test_{set}_{quality}[_all]` for records of
any layout (`add_tf.evaluation.evaluator.resolve_records`); each followed by `checkpoint_suffix`
for another checkpoint than student.keras ("test@last": the student of the last committed
validation).
"""

from __future__ import annotations

import os

from add_tf.core import atomic
from add_tf.evaluation import metrics as metrics_lib
from add_tf.training import model_card, runs

LAST = "last"  # --checkpoint: the student of the run's last committed validation


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


def metrics_key(config, dataset, comp, checkpoint=None):
    """Where metrics.json keeps a result: "test" for the run's own set, quality and model;
    `test_{dataset}_{comp}` for another set or quality; `checkpoint_suffix` appended."""
    own = dataset == config.data.dataset and comp == config.data.comp
    return ("test" if own else f"test_{dataset}_{comp}") + checkpoint_suffix(checkpoint)


def checkpoint_suffix(checkpoint=None):
    """"" for student.keras, `@last` or `@{checkpoint file}` for another checkpoint."""
    if not checkpoint:
        return ""
    return "@" + (LAST if checkpoint == LAST else os.path.basename(checkpoint))
