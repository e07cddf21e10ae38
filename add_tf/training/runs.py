"""The run directory's rules: where a run, its teacher, its state and its model live, how a
finished run is recognised, and how its files are written. Every command that reads or writes
a run goes through this module.

    RUNS_ROOT/DATASET/BACKBONE/COMP/METHOD-seedSEED/   a run (default layout)
        config.yaml            the resolved config (written before training; add_tf.fit refuses
                               a run dir whose config differs: config_differences)
        checkpoints/           resumable state (training.callbacks.TrainingBackup), best weights
        logs/                  TensorBoard
        student.keras          the trained classifier (written last, with training_state.json)
        teacher.keras          the frozen teacher a distilled student learnt from
        training_state.json    {"done": true, ...}: the run is finished; "sessions": every
                               process that trained it (host, pid, start, end, outcome)
        metrics.json           test metrics (add_tf.evaluate)
        model_card.json        what a user needs to trust the model (add_tf.training.model_card)
        claim.json             the process training the run now (add_tf.core.claims)
        workers/worker-N/      checkpoints and logs of the non-chief workers of a multi-worker job
    RUNS_ROOT/DATASET/BACKBONE/TEACHER_COMP/teacher/   the auto teacher of that dataset and backbone

Every file is written through `add_tf.core.atomic` (a temporary name, then a rename), so a killed
process leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
import time

from add_tf.core import atomic
from add_tf.core import config as config_lib
from add_tf.core.atomic import read_json  # noqa: F401  (runs.read_json: a run's JSON files)
from add_tf.core.errors import UsageError
from add_tf.core.methods import needs_teacher
from add_tf.core.names import (  # noqa: F401  (the run dir's file names, used as runs.NAME)
    BACKUP,
    CHECKPOINTS,
    CLAIM,
    CONFIG,
    DEFAULT_RUNS_ROOT,
    ERROR,
    LOGS,
    METRICS,
    MODEL,
    MODEL_CARD,
    STATE,
    TEACHER_MODEL,
    WORKERS,
    metrics_key,
)
from add_tf.data import training_set
from add_tf.models import backbones
from add_tf.training.strategy import STRATEGIES

# Keys that change neither the trained model nor its test metrics, with the reason: a run dir
# whose config.yaml differs from a request only in these holds the run that was asked for.
UNCOMPARED_KEYS = {
    "data.data_dir": "where the records live, not what they hold (a moved data dir is the same "
                     "data)",
    "train.strategy": "how the same global batches are spread over devices",
    "train.jit_compile": "XLA compiles the same computation, for speed",
    "train.deterministic": "makes reruns bit-exact; the model learnt is the same kind",
    "train.validate_losses": "validation also logs every loss term; the best validation is still "
                             "chosen by train.monitor alone",
}
# The files and folders of a run, removed by `remove_run` in this order: the state first (the
# run is then no longer finished), the config last (a half-removed run still names its config).
RUN_ENTRIES = (STATE, MODEL, TEACHER_MODEL, METRICS, MODEL_CARD, ERROR, CHECKPOINTS, LOGS,
               WORKERS, CONFIG)


def cell_parts(config, comp=None):
    """[DATASET, BACKBONE, COMP]: the folders of a run's cell under the runs root (the set's
    label, `comp` or the student quality)."""
    return [training_set.of(config).label, config.model.backbone, comp or config.data.comp]


def default_run_dir(config, runs_root):
    return os.path.join(runs_root, *cell_parts(config),
                        f"{config.loss.method}-seed{config.train.seed}")


def teacher_run_dir(config, runs_root):
    return os.path.join(runs_root, *cell_parts(config, config.data.teacher_comp), "teacher")


def default_runs_root(config, run_dir=None):
    """Where auto teachers are looked for when only --run-dir is given: the root of the default
    layout when `run_dir` follows it (.../DATASET/BACKBONE/COMP/NAME), else the run dir's parent;
    DEFAULT_RUNS_ROOT without a run dir."""
    if not run_dir:
        return DEFAULT_RUNS_ROOT
    path = os.path.abspath(run_dir)
    parent = os.path.dirname(path)
    layout = cell_parts(config)
    parts = parent.split(os.sep)
    if parts[-3:] == layout:
        return os.sep.join(parts[:-3]) or os.sep
    return parent


def worker_dir(run_dir, task_type, task_index, chief):
    """Where a worker keeps its checkpoints and logs: the run dir for the chief, else
    run_dir/workers/TYPE-INDEX."""
    return run_dir if chief else os.path.join(run_dir, WORKERS, f"{task_type}-{task_index}")


# --------------------------------------------------------------------------- files
def save_model(model, path):
    with atomic.replacing(path) as tmp:
        model.save(tmp)


def save_weights(model, path):
    with atomic.replacing(path) as tmp:
        model.save_weights(tmp)


# --------------------------------------------------------------------------- state
def read_state(run_dir):
    return read_json(os.path.join(run_dir, STATE), {})


def is_complete(run_dir):
    return bool(read_state(run_dir).get("done")) and os.path.exists(os.path.join(run_dir, MODEL))


def finish(run_dir, student, teacher, summary):
    """Write the trained models, then the state that marks the run finished (its sessions
    kept)."""
    save_model(student, os.path.join(run_dir, MODEL))
    if teacher is not None:
        save_model(teacher, os.path.join(run_dir, TEACHER_MODEL))
    sessions = read_state(run_dir).get(SESSIONS, [])
    if sessions and sessions[-1].get("end") is None:
        sessions[-1].update(end=_now(), outcome=FINISHED)
    atomic.write_json(os.path.join(run_dir, STATE), {**summary, SESSIONS: sessions})


# --------------------------------------------------------------------------- sessions
SESSIONS = "sessions"  # the state's list of training sessions
FINISHED = "finished"  # the outcome of the session that finished the run
DIED = "died"  # the outcome of a session whose process ended without recording one


def claim_path(run_dir):
    return os.path.join(run_dir, CLAIM)


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def open_session(run_dir, holder):
    """Record in the run's state that the process `holder` (add_tf.core.claims) starts training
    it; a session left open by an earlier process is closed as DIED."""
    state = read_state(run_dir)
    sessions = state.get(SESSIONS, [])
    for session in sessions:
        if session.get("end") is None:
            session.update(end=_now(), outcome=DIED)
    sessions.append({"host": holder["host"], "pid": holder["pid"], "start": _now(), "end": None,
                     "outcome": None})
    atomic.write_json(os.path.join(run_dir, STATE), {**state, SESSIONS: sessions})


def close_session(run_dir, outcome):
    """Record the end of this process's session ("interrupted", "failed: ..."; `finish`
    records FINISHED)."""
    state = read_state(run_dir)
    sessions = state.get(SESSIONS, [])
    if sessions and sessions[-1].get("end") is None:
        sessions[-1].update(end=_now(), outcome=outcome)
        atomic.write_json(os.path.join(run_dir, STATE), {**state, SESSIONS: sessions})


def read_sessions(run_dir):
    """The training sessions a run's state records, oldest first."""
    return read_state(run_dir).get(SESSIONS, [])


def write_config(run_dir, config):
    atomic.write_text(os.path.join(run_dir, CONFIG), config.to_yaml())


# config key -> the names registered above core that its value is one of (each name of a tuple):
# every config, from the command line or a run dir, is checked against them
CONFIG_CHOICES = {
    "model.backbone": backbones.names(),
    "train.strategy": tuple(STRATEGIES),
    "loss.layers": backbones.FEATURE_LAYERS,
}


def read_config(run_dir):
    """The add_tf.core.config.Config a run was trained with, checked as a command line's is
    (with CONFIG_CHOICES); UsageError naming the file, the key and the value."""
    path = os.path.join(run_dir, CONFIG)
    if not os.path.exists(path):
        raise UsageError(f"{run_dir} is not a run dir (no {CONFIG})")
    try:
        return config_lib.read_stored(path, CONFIG_CHOICES)
    except (KeyError, ValueError) as error:  # e.g. a hand-edited value, a key no longer known
        raise UsageError(f"{path}: {error.args[0] if error.args else error}") from None


def as_stored(config):
    """A copy of `config` as the training loop writes it to config.yaml: `model.image_size` set
    to the side of the prepared crops when the records are there."""
    stored = config_lib.Config.from_dict(config.to_dict())
    size = training_set.prepared_image_size(config)
    if size:
        stored.model.image_size = size
    return stored


def unread_keys(config):
    """The keys `config`'s method never reads: a method without a teacher (no loss term) reads
    no `loss.*` key but the method, no `train.fr_warmup_epochs`, and no `data.teacher_comp` or
    `train.teacher_epochs` unless it starts from the teacher's weights."""
    if needs_teacher(config.loss.method):
        return set()
    unread = {f"loss.{key}" for key in config.to_dict()["loss"] if key != "method"}
    unread.add("train.fr_warmup_epochs")
    if config.model.weights != "teacher":
        unread.update({"data.teacher_comp", "train.teacher_epochs"})
    return unread


def config_differences(run_dir, config):
    """[(section.key, stored value, requested value)] of the keys where the config.yaml of
    `run_dir` differs from `config` (compared as `as_stored` writes it), UNCOMPARED_KEYS and
    the keys the method does not read (`unread_keys`) left out; [] when the run dir holds no
    config.yaml."""
    if not os.path.exists(os.path.join(run_dir, CONFIG)):
        return []
    stored = read_config(run_dir).to_dict()
    requested = as_stored(config).to_dict()
    skipped = set(UNCOMPARED_KEYS) | unread_keys(config)
    if not training_set.prepared_image_size(config):
        skipped.add("model.image_size")  # set from the records, which are not there yet
    return [(f"{section}.{key}", stored[section][key], value)
            for section, entries in requested.items() for key, value in entries.items()
            if f"{section}.{key}" not in skipped and stored[section][key] != value]


def remove_run(run_dir):
    """Remove the files of a run (RUN_ENTRIES) from `run_dir`; any other file stays. Returns the
    names removed. UsageError when `run_dir` holds no run (neither config.yaml nor the state):
    its other files are never touched."""
    if not any(os.path.exists(os.path.join(run_dir, name)) for name in (CONFIG, STATE)):
        if os.path.isdir(run_dir) and any(not name.startswith(CLAIM)
                                          for name in os.listdir(run_dir)):
            raise UsageError(f"--overwrite: {run_dir} holds no run (no {CONFIG}, no {STATE}); "
                             "nothing was removed: choose the run dir itself")
        return []
    removed = []
    for name in RUN_ENTRIES:
        path = os.path.join(run_dir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
        else:
            continue
        removed.append(name)
    return removed


def stored_test(run_dir):
    """The test metrics metrics.json holds for a finished run, None when it holds none."""
    stored = read_json(os.path.join(run_dir, METRICS), {})
    test = stored.get(metrics_key())
    if test and stored.get("training", {}).get("done"):
        return {k: (float("nan") if v is None else v) for k, v in test.items()}
    return None


# --------------------------------------------------------------------------- models
def model_file(path, which=MODEL):
    """The .keras file of a trained classifier: `path` itself or a run dir's `which` file."""
    if os.path.isdir(path):
        path = os.path.join(path, which)
    if not os.path.exists(path):
        run_dir = os.path.dirname(path)
        present = (sorted(f for f in os.listdir(run_dir) if f.endswith(".keras"))
                   if os.path.isdir(run_dir) else [])
        raise UsageError(f"No model at {path} (found: {', '.join(present) or 'no .keras file'}; "
                         f"give a run dir with {which} or a .keras file)")
    return path


def teacher_file(path):
    """The .keras file of a teacher: `path` itself, the teacher.keras of a distilled run's dir,
    or the student.keras of a teacher's own run dir (a plain run on the teacher quality)."""
    if os.path.isdir(path) and not os.path.exists(os.path.join(path, TEACHER_MODEL)):
        return model_file(path, MODEL)
    return model_file(path, TEACHER_MODEL)


def load_model(path, which=MODEL):
    """A trained classifier from a .keras file or a run dir (its student.keras)."""
    import keras

    path = model_file(path, which)
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as error:  # noqa: BLE001  (a damaged or foreign file is the user's input)
        raise UsageError(f"{path} cannot be loaded as a Keras model ({type(error).__name__}: "
                         f"{error}); it may be damaged or incomplete: copy or train it again") \
            from None


def load_run(path, which=MODEL):
    """`(model, config dict)` of a run dir or a .keras file; the config is the model's run's
    config.yaml as `read_config` reads and checks it (before the model is loaded), `{}` when
    there is none."""
    run_dir = os.path.dirname(model_file(path, which))
    config = read_config(run_dir).to_dict() if os.path.exists(os.path.join(run_dir, CONFIG)) else {}
    return load_model(path, which), config


def find_teacher(config, runs_root):
    """An existing teacher for the config's dataset, backbone and teacher quality, or None.

    Looked for in the data dir (`{records_dir}/teachers/{backbone}-{teacher_comp}.keras`), then in
    the runs dir (`teacher_run_dir`, finished runs only)."""
    shipped = os.path.join(training_set.of(config).records_dir, "teachers",
                           f"{config.model.backbone}-{config.data.teacher_comp}.keras")
    if os.path.exists(shipped):
        return shipped
    run = teacher_run_dir(config, runs_root)
    return run if is_complete(run) else None
