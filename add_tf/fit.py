"""`python -m add_tf.fit`: train a teacher, an ADD student or a baseline, then evaluate it.

    python -m add_tf.fit --dataset deepfakes --comp c40            # teacher (auto) + ADD student
    python -m add_tf.fit                                           # demo data, < 10 min on a CPU
    python -m add_tf.fit --dataset deepfakes --method none --comp raw --run-dir runs/t  # a teacher
    python -m add_tf.fit --dataset deepfakes --comp c23 --teacher runs/t

Configuration: paper defaults (add_tf.config) <- demo defaults (only for --dataset demo)
<- --config FILE.yaml <- --set section.key=value ... <- the explicit flags.

Training schedule
- Adam(2e-4, 0.9, 0.999, 1e-8); one-cycle learning rate: linear warm-up from lr/25 to lr over
  `train.warmup_fraction` of the steps, then cosine decay to 0 (keras CosineDecay with
  warmup_target).
- Validation `train.validations_per_epoch` times per epoch (paper: 10): the training set is
  repeated and one Keras "epoch" is 1/validations_per_epoch of a pass over the data, so Keras
  runs validations_per_epoch * epochs of them; every Keras epoch ends with a validation.
- Early stopping after `train.patience` validations without a gain in validation accuracy; the
  weights of the best validation are restored at the end (the test split is never used for
  this). The best value and the patience counter are stored in checkpoints/ so that they survive
  a resume.
- `train.head_only_epochs` > 0: the authors' code trains only the classifier head for the first
  epochs (backbone frozen), then everything. Off by default (0): the paper does not mention it
  and, from random initialisation, a frozen random backbone teaches the head nothing useful; it
  makes sense with `model.weights=imagenet`.
- Resume: keras BackupAndRestore in checkpoints/backup saves model + optimizer (step counter
  included) after every validation; starting the command again with the same --run-dir
  continues from there. A finished run (student.keras + state "done") is not retrained.
- A NaN / infinite training loss raises NonFiniteLossError before the broken weights can be
  saved: the last good checkpoint stays in checkpoints/.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from add_tf import config as config_lib

DEMO_DEFAULTS = {
    # The demo must train a teacher and an ADD student in < 10 min on 2 CPU cores.
    "model.backbone": "resnet18",
    "train.epochs": 4,
    "train.batch_size": 32,
    "train.validations_per_epoch": 2,
    "train.patience": 6,
    "train.learning_rate": 1e-3,
    # Every student starts from the teacher's weights, as the paper's students and teacher all start
    # from the same ImageNet weights (which cannot be downloaded here). From random weights the
    # demo's ADD student failed: FR (1e4-6e5, its weight at the cap) swamped the cross-entropy; it
    # ended at test accuracy 0.56, where a plain student reached 0.97.
    "model.weights": "teacher",
}
NEEDS_TEACHER = ("add", "fitnet", "at", "nl", "kd")
DONE_STATE = "training_state.json"


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite."""


class UsageError(Exception):
    """A problem with the command line or the inputs; main() prints it and exits with 2."""


# --------------------------------------------------------------------------- command line
def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m add_tf.fit",
        description="Train a deepfake detector (teacher, ADD student or baseline) and evaluate it.",
    )
    p.add_argument("--dataset", choices=sorted(config_lib.DATASETS), help="default: demo")
    p.add_argument("--comp", choices=config_lib.QUALITIES, help="student quality (default c40)")
    p.add_argument("--method", choices=config_lib.METHODS, help="default: add")
    p.add_argument("--backbone", choices=config_lib.BACKBONES)
    p.add_argument(
        "--teacher",
        default="auto",
        help="PATH (a run dir or a .keras file) or 'auto': find or train a teacher (default)",
    )
    p.add_argument("--teacher-comp", choices=config_lib.QUALITIES, help="default: raw")
    p.add_argument("--data-dir", help="root of the prepared data (default: data)")
    p.add_argument("--run-dir", help="default: RUNS_ROOT/DATASET/BACKBONE/COMP/METHOD-seedSEED")
    p.add_argument(
        "--runs-root",
        help="where default run dirs and auto teachers live (default: the parent of --run-dir, "
        "else 'runs')",
    )
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, help="global batch size (all replicas)")
    p.add_argument("--seed", type=int)
    p.add_argument("--config", help="YAML file with config overrides")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="config override, e.g. --set loss.beta=20 train.patience=5",
    )
    p.add_argument("--strategy", choices=("auto", "default", "mirrored", "multiworker"))
    p.add_argument("--mixed-precision", action="store_true", default=None, help="mixed_float16")
    p.add_argument("--jit", action="store_true", default=None, help="XLA jit_compile")
    p.add_argument("--no-evaluate", action="store_true", help="skip the test evaluation")
    p.add_argument("--verbose", type=int, default=2, help="keras fit verbosity (0, 1, 2)")
    return p


def _flat_overrides(args):
    return [item for group in args.overrides for item in group]


def resolve_config(args):
    """Config from the paper defaults, demo defaults, YAML, --set and the flags (in that order)."""
    overrides = _flat_overrides(args)
    for item in overrides:
        if "=" not in item:
            raise UsageError(f"--set expects key=value, received: {item!r}")
    try:
        probe = config_lib.load_config(args.config, overrides)
    except FileNotFoundError:
        raise UsageError(f"Config file not found: {args.config}") from None
    except (KeyError, ValueError) as error:
        raise UsageError(str(error.args[0] if error.args else error)) from None
    dataset = args.dataset or probe.data.dataset
    config = config_lib.Config()
    if dataset == "demo":
        for key, value in DEMO_DEFAULTS.items():
            config.set(key, value)
    if args.config:
        import yaml

        with open(args.config) as f:
            for section, entries in (yaml.safe_load(f) or {}).items():
                for key, value in (entries or {}).items():
                    config.set(f"{section}.{key}", value)
    for item in overrides:
        key, _, value = item.partition("=")
        config.set(key.strip(), value)
    flags = {
        "data.dataset": args.dataset,
        "data.comp": args.comp,
        "loss.method": args.method,
        "model.backbone": args.backbone,
        "data.teacher_comp": args.teacher_comp,
        "data.data_dir": args.data_dir,
        "train.epochs": args.epochs,
        "train.batch_size": args.batch_size,
        "train.seed": args.seed,
        "train.strategy": args.strategy,
        "train.mixed_precision": args.mixed_precision,
        "train.jit_compile": args.jit,
    }
    for key, value in flags.items():
        if value is not None:
            setattr(getattr(config, key.split(".")[0]), key.split(".")[1], value)
    validate_config(config)
    return config


def validate_config(config):
    checks = [
        ("data.dataset", config.data.dataset, tuple(config_lib.DATASETS)),
        ("data.comp", config.data.comp, config_lib.QUALITIES),
        ("data.teacher_comp", config.data.teacher_comp, config_lib.QUALITIES),
        ("loss.method", config.loss.method, config_lib.METHODS),
        ("model.backbone", config.model.backbone, config_lib.BACKBONES),
        ("train.strategy", config.train.strategy, ("auto", "default", "mirrored", "multiworker")),
    ]
    for key, value, valid in checks:
        if value not in valid:
            raise UsageError(f"Invalid {key}: {value!r}. Valid: {', '.join(valid)}")
    positive = {
        "train.epochs": config.train.epochs,
        "train.batch_size": config.train.batch_size,
        "train.validations_per_epoch": config.train.validations_per_epoch,
        "train.patience": config.train.patience,
    }
    for key, value in positive.items():
        if not isinstance(value, int) or value < 1:
            raise UsageError(f"{key} must be a positive integer. Received: {value!r}")
    if not config.train.learning_rate > 0:
        raise UsageError(f"train.learning_rate must be > 0. Received: {config.train.learning_rate}")


def default_run_dir(config, runs_root):
    return os.path.join(
        runs_root,
        config.data.dataset,
        config.model.backbone,
        config.data.comp,
        f"{config.loss.method}-seed{config.train.seed}",
    )


def teacher_run_dir(config, runs_root):
    return os.path.join(
        runs_root, config.data.dataset, config.model.backbone, config.data.teacher_comp, "teacher"
    )


def teacher_config(config):
    """The config of the teacher for `config`: method none on the teacher quality."""
    teacher = config_lib.Config.from_dict(config.to_dict())
    teacher.loss.method = "none"
    teacher.data.comp = config.data.teacher_comp
    if teacher.model.weights == "teacher":
        teacher.model.weights = None
    return teacher


# --------------------------------------------------------------------------- data
def prepare_command(config, records_dir):
    return (
        "python -m pipelines.prepare --ffpp-root /path/to/FaceForensics++ "
        f"--out {records_dir} --methods {config_lib.DATASETS[config.data.dataset]}"
    )


def locate_data(config):
    """(records_dir, method folder, manifest); demo data is generated when absent."""
    from add_tf import data as data_lib

    if config.data.dataset == "demo":
        from add_tf import demo

        demo.ensure_demo_records(config.data.data_dir)
    records_dir, method_folder = data_lib.records_location(
        config.data.data_dir, config.data.dataset
    )
    manifest_path = os.path.join(records_dir, "manifest.json")
    if not os.path.exists(manifest_path):
        raise UsageError(
            f"No prepared data for dataset {config.data.dataset!r}: expected {manifest_path} "
            f"(data dir {config.data.data_dir!r}). Prepare it first with:\n  "
            + prepare_command(config, records_dir)
        )
    manifest = data_lib.read_manifest(records_dir)
    return records_dir, method_folder, manifest


def manifest_image_size(manifest):
    settings = manifest.get("settings", {}) if isinstance(manifest, dict) else {}
    size = settings.get("size", manifest.get("size") if isinstance(manifest, dict) else None)
    return int(size) if size else None


def _shard_by_data(ds):
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


# --------------------------------------------------------------------------- callbacks
def _callbacks_module():
    import keras

    class NonFiniteGuard(keras.callbacks.Callback):
        """Like TerminateOnNaN, but raises before any checkpoint of broken weights is written.

        Checks the training loss terms after every batch and the validation loss terms at the
        end of every epoch (the last update of an epoch can break the weights while the loss of
        that batch, computed before it, is still finite); it runs before the other callbacks."""

        TERMS = ("loss", "ce", "fr", "mv")

        def __init__(self, checkpoint_dir):
            super().__init__()
            self.checkpoint_dir = checkpoint_dir

        def _check(self, logs, names, what):
            import numpy as np

            for name in names:
                if name not in (logs or {}):
                    continue
                value = float(np.asarray(logs[name]))
                if not math.isfinite(value):
                    step = int(np.asarray(self.model.optimizer.iterations))
                    raise NonFiniteLossError(
                        f"The {what} loss term {name!r} became {value} at step {step}; "
                        f"training stopped. The last good checkpoint is kept in "
                        f"{self.checkpoint_dir} (best weights: best.weights.h5). Lower the "
                        "learning rate (--set train.learning_rate=...) or the FR sharpness "
                        "(--set loss.gamma_fr=...) and start the same command again to resume "
                        "from it."
                    )

        def on_train_batch_end(self, batch, logs=None):
            self._check(logs, self.TERMS, "training")

        def on_epoch_end(self, epoch, logs=None):
            self._check(logs, [f"val_{name}" for name in self.TERMS], "validation")

    class ValidationTracker(keras.callbacks.Callback):
        """Best-val-acc checkpoint + early stopping whose state survives a resume.

        After each validation: saves the student's weights when val acc improves, counts
        validations without a gain and stops after `patience`; appends
        {epoch, step, val_acc, ...} to checkpoints/tracker.json.
        """

        def __init__(self, student, checkpoint_dir, patience, monitor="val_acc"):
            super().__init__()
            self.student = student
            self.patience = patience
            self.monitor = monitor
            self.best_path = os.path.join(checkpoint_dir, "best.weights.h5")
            self.state_path = os.path.join(checkpoint_dir, "tracker.json")
            self.writable = True
            self.state = {"best": None, "best_epoch": None, "wait": 0, "history": []}
            if os.path.exists(self.state_path):
                with open(self.state_path) as f:
                    self.state = json.load(f)

        def on_epoch_end(self, epoch, logs=None):
            import numpy as np

            logs = logs or {}
            value = logs.get(self.monitor)
            entry = {"epoch": epoch + 1, "step": int(np.asarray(self.model.optimizer.iterations))}
            entry.update({k: float(np.asarray(v)) for k, v in logs.items()})
            self.state["history"].append(entry)
            if value is not None:
                value = float(np.asarray(value))
                if self.state["best"] is None or value > self.state["best"]:
                    self.state.update(best=value, best_epoch=epoch + 1, wait=0)
                    self.student.save_weights(self.best_path)
                else:
                    self.state["wait"] += 1
                    if self.state["wait"] >= self.patience:
                        print(
                            f"Early stopping: no val acc gain in {self.patience} validations "
                            f"(best {self.state['best']:.4f} at validation {self.state['best_epoch']}).",
                            flush=True,
                        )
                        self.model.stop_training = True
                        self.state["stopped_early"] = True
            tmp = self.state_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.state, f, indent=1)
            os.replace(tmp, self.state_path)

    class ConfigText(keras.callbacks.Callback):
        """Writes the resolved config as text into the TensorBoard logs at the start."""

        def __init__(self, log_dir, text):
            super().__init__()
            self.log_dir, self.text = log_dir, text

        def on_train_begin(self, logs=None):
            import tensorflow as tf

            writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))
            with writer.as_default():
                tf.summary.text("config", "```\n" + self.text + "\n```", step=0)
            writer.flush()

    class AUCLogger(keras.callbacks.Callback):
        """Adds `auc` (on a fixed sample of the training split, eval mode) and `val_auc` (whole
        validation split) to the logs after each validation, for TensorBoard and the tracker.
        The Distiller's own metrics carry loss terms and accuracy; AUC needs all the scores."""

        def __init__(self, student, val_ds, train_sample_ds):
            super().__init__()
            self.student = student
            self.sets = (("val_auc", val_ds), ("auc", train_sample_ds))
            self.infer = None

        def on_epoch_end(self, epoch, logs=None):
            import numpy as np
            import tensorflow as tf

            from add_tf.metrics import auc

            if logs is None:
                return
            if self.infer is None:
                self.infer = tf.function(lambda x: tf.nn.softmax(
                    tf.cast(self.student(x, training=False), tf.float32))[:, 1])
            for name, ds in self.sets:
                if ds is None:
                    continue
                probs, labels = [], []
                for (_, images), label in ds:
                    probs.append(np.asarray(self.infer(images)))
                    labels.append(np.asarray(label))
                if labels:
                    logs[name] = auc(np.concatenate(labels), np.concatenate(probs))

    return NonFiniteGuard, ValidationTracker, ConfigText, AUCLogger


# --------------------------------------------------------------------------- model
def model_file(path):
    """The .keras file of a trained classifier: `path` itself or a run dir's student.keras."""
    if os.path.isdir(path):
        path = os.path.join(path, "student.keras")
    if not os.path.exists(path):
        raise UsageError(f"No model at {path} (give a run dir with student.keras or a .keras file)")
    return path


def load_model_file(path):
    """A trained classifier from a .keras file or a run dir (its student.keras)."""
    import keras

    return keras.models.load_model(model_file(path), compile=False)


def initial_weights(config, teacher_path):
    """`config.model.weights`, with "teacher" replaced by the teacher's .keras file."""
    if config.model.weights != "teacher":
        return config.model.weights
    if not teacher_path:
        raise UsageError("model.weights=teacher needs a teacher (--teacher PATH or auto)")
    return model_file(teacher_path)


def one_cycle_schedule(learning_rate, total_steps, warmup_fraction):
    import keras

    warmup = int(round(total_steps * warmup_fraction))
    decay = max(1, total_steps - warmup)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=learning_rate / 25.0,
        decay_steps=decay,
        alpha=0.0,
        warmup_target=learning_rate if warmup > 0 else None,
        warmup_steps=warmup,
    )


def _set_head_only(student, head_only):
    """Freeze (head_only=True) or unfreeze every student layer except the classifier head."""
    for layer in student.layers:
        if layer.name != "logits":
            layer.trainable = not head_only


# --------------------------------------------------------------------------- training
def _read_state(run_dir):
    path = os.path.join(run_dir, DONE_STATE)
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def _write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=2)
    os.replace(tmp, path)


def is_complete(run_dir):
    return _read_state(run_dir).get("done") and os.path.exists(os.path.join(run_dir, "student.keras"))


def train(config, run_dir, teacher_path=None, strategy=None, verbose=2, chief=True):
    """Train one model as described by `config` into `run_dir`; returns a summary dict.

    teacher_path: a frozen teacher (.keras or run dir) for distillation methods, and the
    student's initial weights when `model.weights` is "teacher"."""
    import keras
    import numpy as np
    import tensorflow as tf

    from add_tf import data as data_lib
    from add_tf.distiller import Distiller
    from add_tf.models import build_classifier
    from add_tf.strategy import is_multiworker

    strategy = strategy or tf.distribute.get_strategy()
    os.makedirs(run_dir, exist_ok=True)
    if chief:
        with open(os.path.join(run_dir, "config.yaml"), "w") as f:
            f.write(config.to_yaml())
    if is_complete(run_dir):
        print(f"[fit] {run_dir} is already trained; skipping training.", flush=True)
        return _read_state(run_dir)

    records_dir, method_folder, manifest = locate_data(config)
    size = manifest_image_size(manifest)
    if size and size != config.model.image_size:
        print(
            f"[fit] model.image_size {config.model.image_size} -> {size} (size of the prepared "
            "crops)",
            flush=True,
        )
        config.model.image_size = size
        if chief:
            with open(os.path.join(run_dir, "config.yaml"), "w") as f:
                f.write(config.to_yaml())

    t = config.train
    keras.utils.set_random_seed(t.seed)
    n_train = data_lib.count_examples(records_dir, method_folder, "train")
    batch = t.batch_size
    epoch_steps = max(1, n_train // batch)
    steps_per_validation = max(1, math.ceil(epoch_steps / t.validations_per_epoch))
    keras_epochs = t.epochs * t.validations_per_epoch
    head_epochs = min(t.head_only_epochs, t.epochs) * t.validations_per_epoch
    total_steps = keras_epochs * steps_per_validation

    teacher_quality = config.data.teacher_comp if config.loss.method in NEEDS_TEACHER else None

    def dataset(split, training):
        ds = data_lib.make_dataset(
            records_dir,
            method_folder,
            split,
            student_quality=config.data.comp,
            teacher_quality=teacher_quality or config.data.comp,
            batch_size=batch,
            training=training,
            seed=t.seed,
            repeat=training,
        )
        return _shard_by_data(ds) if is_multiworker(strategy) else ds

    train_ds, val_ds = dataset("train", True), dataset("val", False)

    if t.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    from add_tf.strategy import task_info

    task_type, task_index, _ = task_info()
    # Non-chief workers of a multi-worker job keep their checkpoints and logs apart.
    worker_dir = run_dir if chief else os.path.join(run_dir, "workers", f"{task_type}-{task_index}")
    checkpoint_dir = os.path.join(worker_dir, "checkpoints")
    log_dir = os.path.join(worker_dir, "logs")
    os.makedirs(checkpoint_dir, exist_ok=True)
    try:
        with strategy.scope():
            student = build_classifier(
                config.model.backbone,
                image_size=config.model.image_size,
                weights=initial_weights(config, teacher_path),
                name="student",
            )
            teacher = None
            if config.loss.method in NEEDS_TEACHER:
                if not teacher_path:
                    raise UsageError(f"Method {config.loss.method!r} needs a teacher (--teacher)")
                teacher = load_model_file(teacher_path)
                teacher.trainable = False
            distiller = Distiller(student, teacher, loss_config=config.loss)
            schedule = one_cycle_schedule(t.learning_rate, total_steps, t.warmup_fraction)
            optimizer = keras.optimizers.Adam(
                learning_rate=schedule, beta_1=t.beta_1, beta_2=t.beta_2, epsilon=t.epsilon
            )
            _compile(distiller, optimizer, t.jit_compile)
            _build(distiller, config.model.image_size)
            # Build the optimizer on every trainable variable now, so that a head-only phase
            # (a subset) and the later full phase share its slots and step counter.
            optimizer.build(distiller.distillation_variables)

        NonFiniteGuard, ValidationTracker, ConfigText, AUCLogger = _callbacks_module()
        tracker = ValidationTracker(student, checkpoint_dir, t.patience)
        train_sample = dataset("train", False).unbatch().take(512).batch(batch)
        callbacks = [
            NonFiniteGuard(checkpoint_dir),
            AUCLogger(student, dataset("val", False), train_sample),
            tracker,
            keras.callbacks.BackupAndRestore(
                os.path.join(checkpoint_dir, "backup"), delete_checkpoint=False
            ),
            keras.callbacks.TensorBoard(log_dir, update_freq="epoch"),
            ConfigText(log_dir, config.to_yaml()),
        ]
        started = time.time()
        print(
            f"[fit] {config.loss.method} on {config.data.dataset}/{config.data.comp} "
            f"({config.model.backbone}, {n_train} train faces, batch {batch}): {t.epochs} epochs x "
            f"{t.validations_per_epoch} validations x {steps_per_validation} steps -> {run_dir}",
            flush=True,
        )
        if head_epochs and not tracker.state.get("head_done"):
            # Head-only warm-up: backbone frozen for the first head_only_epochs epochs.
            _set_head_only(student, True)
            _compile(distiller, optimizer, t.jit_compile)
            distiller.fit(
                train_ds,
                validation_data=val_ds,
                epochs=head_epochs,
                steps_per_epoch=steps_per_validation,
                callbacks=callbacks,
                verbose=verbose,
            )
            tracker.state["head_done"] = True
            _set_head_only(student, False)
            _compile(distiller, optimizer, t.jit_compile)
        if not tracker.state.get("stopped_early"):
            distiller.fit(
                train_ds,
                validation_data=val_ds,
                epochs=keras_epochs,
                steps_per_epoch=steps_per_validation,
                callbacks=callbacks,
                verbose=verbose,
            )
        elapsed = time.time() - started
        if os.path.exists(tracker.best_path):
            student.load_weights(tracker.best_path)
        summary = {
            "done": True,
            "best_val_acc": tracker.state["best"],
            "best_validation": tracker.state["best_epoch"],
            "validations": len(tracker.state["history"]),
            "steps": int(np.asarray(optimizer.iterations)),
            "train_seconds_last_session": round(elapsed, 1),
            "stopped_early": bool(tracker.state.get("stopped_early")),
        }
        if chief:
            student.save(os.path.join(run_dir, "student.keras"))
            if teacher is not None:
                teacher.save(os.path.join(run_dir, "teacher.keras"))
            _write_json(os.path.join(run_dir, DONE_STATE), summary)
        return summary
    finally:
        if t.mixed_precision:
            keras.mixed_precision.set_global_policy("float32")


def _compile(distiller, optimizer, jit):
    distiller.compile(optimizer=optimizer, jit_compile=bool(jit))


def _build(distiller, size):
    """BackupAndRestore needs a built model: run the student once on a dummy batch."""
    import numpy as np

    dummy = np.zeros((1, size, size, 3), np.float32)
    distiller(dummy)


# --------------------------------------------------------------------------- teacher
def find_teacher(config, runs_root):
    """Path of an existing teacher for the dataset/backbone/teacher quality, or None.

    Looked for in the data dir (`{records_dir}/teachers/{backbone}-{teacher_comp}.keras`) and in
    the runs dir (`{runs_root}/{dataset}/{backbone}/{teacher_comp}/teacher`, finished runs only).
    """
    from add_tf import data as data_lib

    candidates = []
    try:
        records_dir, _ = data_lib.records_location(config.data.data_dir, config.data.dataset)
        candidates.append(
            os.path.join(
                records_dir, "teachers", f"{config.model.backbone}-{config.data.teacher_comp}.keras"
            )
        )
    except Exception:  # noqa: BLE001 - an unknown data dir just means no teacher there
        pass
    for path in candidates:
        if os.path.exists(path):
            return path
    run = teacher_run_dir(config, runs_root)
    if is_complete(run):
        return run
    return None


# --------------------------------------------------------------------------- main
def run(config, run_dir, runs_root, teacher="auto", strategy=None, verbose=2, evaluate=True,
        chief=True):
    """Teacher (when needed) + the run itself + evaluation. Returns {name: test metrics}."""
    results = {}
    teacher_path = None
    if config.loss.method in NEEDS_TEACHER or config.model.weights == "teacher":
        if teacher in (None, "", "auto"):
            teacher_path = find_teacher(config, runs_root)
            if teacher_path is None:
                teacher_path = teacher_run_dir(config, runs_root)
                print(
                    f"[fit] no teacher for {config.data.dataset}/{config.model.backbone}/"
                    f"{config.data.teacher_comp}: training one in {teacher_path}",
                    flush=True,
                )
                tconfig = teacher_config(config)
                train(tconfig, teacher_path, strategy=strategy, verbose=verbose, chief=chief)
                if evaluate and chief:
                    results[f"teacher ({tconfig.data.comp})"] = _evaluate(teacher_path)
            else:
                print(f"[fit] using teacher {teacher_path}", flush=True)
        else:
            teacher_path = teacher
            if not os.path.exists(teacher_path):
                raise UsageError(f"--teacher {teacher_path}: no such file or directory")
    train(config, run_dir, teacher_path=teacher_path, strategy=strategy, verbose=verbose,
          chief=chief)
    if evaluate and chief:
        name = f"{config.loss.method} ({config.data.comp})"
        results[name] = _evaluate(run_dir)
    return results


def _evaluate(run_dir):
    """Test metrics of a finished run (stored ones when metrics.json already has them)."""
    from add_tf import evaluate as evaluate_lib

    path = os.path.join(run_dir, "metrics.json")
    if os.path.exists(path):
        with open(path) as f:
            stored = json.load(f)
        if stored.get("test") and stored.get("training", {}).get("done"):
            return {k: (float("nan") if v is None else v) for k, v in stored["test"].items()}
    return evaluate_lib.evaluate_run(run_dir)


def main(argv=None):
    """Entry point; returns the run dir. Usage errors exit with status 2."""
    args = build_parser().parse_args(argv)
    try:
        config = resolve_config(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None

    from add_tf.strategy import make_strategy, task_info

    strategy = make_strategy(config.train.strategy)  # first TF op (needed for multi-worker)
    _, _, chief = task_info()
    print(
        f"[fit] strategy: {type(strategy).__name__} ({strategy.num_replicas_in_sync} replicas)",
        flush=True,
    )
    runs_root = args.runs_root or (os.path.dirname(os.path.abspath(args.run_dir)) if args.run_dir
                                   else "runs")
    run_dir = args.run_dir or default_run_dir(config, runs_root)
    try:
        results = run(
            config,
            run_dir,
            runs_root,
            teacher=args.teacher,
            strategy=strategy,
            verbose=args.verbose,
            evaluate=not args.no_evaluate,
            chief=chief,
        )
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except NonFiniteLossError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    if results:
        from add_tf.metrics import format_table

        print("\nTest results (" + config.data.dataset + "):", flush=True)
        print(format_table(results, title_column="model"), flush=True)
    print(f"[fit] run dir: {run_dir}", flush=True)
    return run_dir


if __name__ == "__main__":
    main()
