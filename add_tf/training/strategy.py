"""Choice of the tf.distribute strategy for add_tf.fit.

- "auto": MultiWorkerMirroredStrategy when `TF_CONFIG` names a cluster with more than one
  task, MirroredStrategy when more than one GPU is visible, otherwise the default strategy.
- "default" / "mirrored" / "multiworker": forced.

MultiWorkerMirroredStrategy must be created before any other TensorFlow op runs in the
process; `add_tf.fit.main` creates the strategy first for that reason.
"""

from __future__ import annotations

import json
import os

import tensorflow as tf

from add_tf.core.config import STRATEGIES


def tf_config():
    """The parsed `TF_CONFIG` environment variable, or {} when unset."""
    raw = os.environ.get("TF_CONFIG", "")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON: {error}. Received: {raw!r}") from None


def cluster_size(config=None):
    config = tf_config() if config is None else config
    cluster = config.get("cluster", {})
    return sum(len(v) for v in cluster.values())


def task_info(config=None):
    """(task type, task index, is chief) from TF_CONFIG (('worker', 0, True) when unset)."""
    config = tf_config() if config is None else config
    task = config.get("task", {})
    task_type, index = task.get("type", "worker"), int(task.get("index", 0))
    cluster = config.get("cluster", {})
    if "chief" in cluster:
        chief = task_type == "chief"
    else:
        chief = task_type == "worker" and index == 0
    return task_type, index, chief


def make_strategy(name="auto"):
    """Return a tf.distribute.Strategy for `name` (see module docstring)."""
    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown strategy. Valid: {', '.join(STRATEGIES)}. Received: name={name!r}"
        )
    if name == "auto":
        if cluster_size() > 1:
            name = "multiworker"
        elif len(tf.config.list_physical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def is_multiworker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
