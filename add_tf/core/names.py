"""The project's names, one list each: qualities, data sets and the files of a run directory.

Every module that validates, orders or writes one of these takes it from here (no TensorFlow).
"""

QUALITIES = ("raw", "c23", "c40")  # best first: raw frames, then H.264 CRF 23 and CRF 40

# Dataset name -> (its records' folder in the data dir, the fake record sets it reads beside the
# reals; None: every one the records hold). add_tf.data.training_set reads it.
DATASETS = {
    "demo": ("demo", ("Demo",)),
    "ffpp": ("ffpp", None),
    "deepfakes": ("ffpp", ("Deepfakes",)),
    "face2face": ("ffpp", ("Face2Face",)),
    "faceswap": ("ffpp", ("FaceSwap",)),
    "neuraltextures": ("ffpp", ("NeuralTextures",)),
    "faceshifter": ("ffpp", ("FaceShifter",)),
}

# The metrics of a scored split (add_tf.evaluation.metrics), in the order tables show them.
METRIC_NAMES = ("acc", "auc", "r_at_1", "eer", "ap", "video_auc", "video_acc")

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
DEFAULT_RUNS_ROOT = "runs"
