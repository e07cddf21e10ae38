"""Choice of the tf.distribute strategy for add_tf.fit, a registry of strategy names.

- "auto": MultiWorkerMirroredStrategy when `TF_CONFIG` names a cluster with more than one
  task, MirroredStrategy when more than one GPU is visible, otherwise the default strategy.
- "default" / "mirrored" / "multiworker": forced.

A strategy is a function `() -> tf.distribute.Strategy` registered with
`@STRATEGIES.register(name)`. TensorFlow is imported by those functions, not at module level:
the commands take their `--strategy` choices from `STRATEGIES` (and hand them to
`add_tf.core.config.resolve`, which imports nothing above core) without loading TensorFlow at
`--help`.

MultiWorkerMirroredStrategy must be created before any other TensorFlow op runs in the
process; `add_tf.fit.main` creates the strategy first for that reason.
"""

from __future__ import annotations

import json
import os

from add_tf.core.errors import UsageError
from add_tf.core.registry import Registry

STRATEGIES = Registry("strategy")  # name -> () -> tf.distribute.Strategy


def tf_config():
    """The parsed `TF_CONFIG` environment variable, or {} when unset."""
    raw = os.environ.get("TF_CONFIG", "")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(f"TF_CONFIG is not valid JSON: {error}. Received: {raw!r}") from None


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


@STRATEGIES.register("auto")
def auto_strategy():
    """multiworker for a cluster of several tasks, mirrored for several GPUs, else default."""
    import tensorflow as tf

    if cluster_size() > 1:
        return STRATEGIES.get("multiworker")()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return STRATEGIES.get("mirrored")()
    return STRATEGIES.get("default")()


@STRATEGIES.register("default")
def default_strategy():
    import tensorflow as tf

    return tf.distribute.get_strategy()


@STRATEGIES.register("mirrored")
def mirrored_strategy():
    import tensorflow as tf

    return tf.distribute.MirroredStrategy()


@STRATEGIES.register("multiworker")
def multiworker_strategy():
    import tensorflow as tf

    return tf.distribute.MultiWorkerMirroredStrategy()


def make_strategy(name="auto"):
    """Return a tf.distribute.Strategy for `name` (see module docstring)."""
    return STRATEGIES.get(name)()


def is_multiworker(strategy):
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def sync_workers(strategy):
    """Returns once every worker of a multi-worker job has called it (one all-reduce)."""
    if is_multiworker(strategy):
        import tensorflow as tf

        strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)


def smallest(strategy, value):
    """The smallest of the workers' integer `value`s (`value` itself without several workers)."""
    if not is_multiworker(strategy):
        return value
    import tensorflow as tf

    local = strategy.run(lambda: tf.constant([int(value)], tf.int32))
    return int(tf.reduce_min(strategy.gather(local, axis=0)))


def all_agree(strategy, agreed):
    """True when every worker of a multi-worker job passes True (`agreed` without several)."""
    return bool(smallest(strategy, bool(agreed)))
