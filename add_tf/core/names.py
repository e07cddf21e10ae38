"""The project's names, one list each: qualities, record sets, data sets, the files of a run
directory and the keys of its metrics.json.

Every module that validates, orders or writes one of these takes it from here (no TensorFlow).
"""

import os

QUALITIES = ("raw", "c23", "c40")  # best first: raw frames, then H.264 CRF 23 and CRF 40


def best_quality(qualities):
    """The best of `qualities` in the order of QUALITIES (one it does not know comes after)."""
    return next(q for q in QUALITIES + tuple(qualities) if q in qualities)


ORIGINAL = "original"  # the reals' method and record set in every layout and in the records
# The FaceForensics++ manipulation folders (manipulated_sequences/<Method>), the paper's four
# and FaceShifter; "Demo" is the demo's fake folder in the same layout.
FFPP_METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")
DEMO_METHOD = "Demo"
DEMO = "demo"  # the data set the demo generates (add_tf.synthetic)

# Dataset name -> (its records' folder in the data dir, the fake record sets it reads beside the
# reals; None: every one the records hold). add_tf.data.training_set reads it.
DATASETS = {
    DEMO: (DEMO, (DEMO_METHOD,)),
    "ffpp": ("ffpp", None),
    **{method.lower(): ("ffpp", (method,)) for method in FFPP_METHODS},
}

# The metrics of a scored split (add_tf.evaluation.metrics), in the order tables show them.
METRIC_NAMES = ("acc", "auc", "r_at_1", "eer", "ap", "video_auc", "video_acc")
# Those a one-line summary shows: a model card's, a grid's column group per --eval-records set.
SUMMARY_METRICS = ("acc", "auc", "video_auc")

# The files of a run directory (add_tf.training.runs holds the rules that use them).
CONFIG = "config.yaml"
STATE = "training_state.json"
MODEL = "student.keras"
TEACHER_MODEL = "teacher.keras"
METRICS = "metrics.json"
MODEL_CARD = "model_card.json"
ERROR = "error.txt"  # why the run failed in add_tf.experiments (its error text)
CLAIM = "claim.json"  # the process that trains the run now (add_tf.core.claims)
CHECKPOINTS = "checkpoints"  # best weights, and BACKUP
BACKUP = CHECKPOINTS + "/backup"  # add_tf.training.callbacks.TrainingBackup's commits
LOGS = "logs"  # TensorBoard's event files
WORKERS = "workers"  # the checkpoints and logs of multi-worker training's other workers
DEFAULT_RUNS_ROOT = "runs"
SAVED_MODEL_EXTRAS = "assets.extra"  # a SavedModel's folder of files TF Serving ignores

# The student a run keeps or is scored with, and the key of a result in its METRICS
# (add_tf.evaluation.metrics_file stores it).
BEST = "best"  # the student of the run's best validation (train.monitor)
LAST = "last"  # the student of the run's last committed validation


def metrics_key(scored=None, quality=None, split="test", checkpoint=None):
    """Where a run's METRICS keeps a result: "test" for the run's own records and quality
    (`scored` None), `test_{scored}_{quality}` for the data set or record set `scored` at
    `quality`; then `_all` when every split was scored, and `@last` (LAST) or `@{file name}`
    when the model was another checkpoint than MODEL."""
    key = "test" if scored is None else f"test_{scored}_{quality}"
    if split == "all":
        key += "_all"
    if checkpoint:
        key += "@" + (LAST if checkpoint == LAST else
                      os.path.basename(os.path.normpath(checkpoint)))
    return key
