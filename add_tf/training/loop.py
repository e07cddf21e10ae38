"""One training run: a teacher, an ADD student or a baseline, trained into its run dir.

Schedule
- Adam(lr, 0.9, 0.999, 1e-8); one-cycle learning rate: linear warm-up from lr/25 to lr over
  `train.warmup_fraction` of the steps, then cosine decay to 0 (keras CosineDecay with
  warmup_target).
- Validation `train.validations_per_epoch` times per epoch (paper: 10): the training set is
  repeated and one Keras "epoch" is 1/validations_per_epoch of a pass over the data, so Keras
  runs validations_per_epoch * epochs of them; every Keras epoch ends with a validation.
- Early stopping after `train.patience` validations without a gain in `train.monitor`
  (validation accuracy, the paper's rule, or AUC); the run keeps the student of its best
  validation (`train.checkpoint` "best": its weights are restored at the end; the test split is
  never used for it) or of its last ("last").
- `train.head_only_epochs` > 0: the authors' code trains only the classifier head for the first
  epochs (backbone frozen), then everything. Off by default: from random initialisation a frozen
  random backbone teaches the head nothing useful; it makes sense with `model.weights=imagenet`.
- `train.fr_warmup_epochs` > 0: the authors' loop also switches FR on only after its warm-up
  epochs (MV runs from the start); FR is then 0, its gradient too, before that step.

Resume: after every validation callbacks.TrainingBackup commits the model, the optimizer (step
counter included) and the tracker state (best value, patience, history) in one atomic rename;
starting the same command again continues from the last commit (`initial_epoch`). A finished run
(runs.is_complete) is not trained again and its config is left as it is. That the run dir holds
a run of the same config is the caller's check (add_tf.fit, runs.config_differences): an auto
teacher's run dir is reused by its finished state alone.

Distribution: any tf.distribute strategy (training.strategy). Under MultiWorkerMirroredStrategy
every worker runs this function; the chief writes the run dir, the others keep their checkpoints
and logs in run_dir/workers/TYPE-INDEX, the workers resume from the last epoch all of them
committed, and all of them wait for the chief's models before returning (a teacher trained by
the chief is then read by every worker: the run dirs must be on storage all workers see).

Reproducibility: `train.seed` seeds the initial weights, the input order, the flips and (unless
`loss.seed` is set) the MV projections and pairs; `train.deterministic` also turns on
TensorFlow's op determinism (for the rest of the process), for bit-exact reruns at some cost in
speed.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from add_tf import data as data_lib
from add_tf.core.errors import UsageError
from add_tf.core.methods import needs_teacher
from add_tf.core.names import BEST
from add_tf.models import build_classifier
from add_tf.training import callbacks as callbacks_lib
from add_tf.training import model_card, runs
from add_tf.training.distiller import Distiller
from add_tf.training.strategy import is_multiworker, smallest, sync_workers, task_info


def one_cycle_schedule(learning_rate, total_steps, warmup_fraction):
    warmup = int(round(total_steps * warmup_fraction))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=learning_rate / 25.0,
        decay_steps=max(1, total_steps - warmup),
        alpha=0.0,
        warmup_target=learning_rate if warmup > 0 else None,
        warmup_steps=warmup,
    )


def set_head_only(student, head_only):
    """Freeze (head_only=True) or unfreeze every student layer except the classifier head."""
    for layer in student.layers:
        if layer.name != "logits":
            layer.trainable = not head_only


def initial_weights(config, teacher_path):
    """`config.model.weights`, with "teacher" replaced by the teacher's .keras file."""
    if config.model.weights != "teacher":
        return config.model.weights
    if not teacher_path:
        raise UsageError("model.weights=teacher needs a teacher (--teacher PATH or auto)")
    return runs.model_file(teacher_path)


def shard_by_data(ds):
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


class Plan:
    """Steps and epochs of a run: Keras epochs of `steps` steps, each ending with a validation."""

    def __init__(self, train_config, n_train):
        t = train_config
        epoch_steps = max(1, n_train // t.batch_size)
        self.steps = max(1, math.ceil(epoch_steps / t.validations_per_epoch))
        self.epochs = t.epochs * t.validations_per_epoch
        self.head_epochs = min(t.head_only_epochs, t.epochs) * t.validations_per_epoch
        self.total_steps = self.epochs * self.steps


def adopt_data(config, run_dir, chief):
    """(TrainingSet, whether training batches balance the classes) of the run;
    `config.model.image_size` set to the size of the prepared crops, and the config written to
    the run dir by the chief."""
    training_set, manifest = data_lib.training_set.require(config)
    size = data_lib.manifest_image_size(manifest)
    if size and size != config.model.image_size:
        print(f"[fit] model.image_size {config.model.image_size} -> {size} (size of the prepared "
              "crops)", flush=True)
        config.model.image_size = size
    if chief:
        runs.write_config(run_dir, config)
    return training_set, data_lib.training_set.balances(config, manifest)


def make_split(config, training_set, split, training, strategy, balance=False):
    """Batches of `split`, sharded over the workers of a multi-worker job (else the validation
    split's number of batches is known to tf.data: its cardinality). Validation decodes
    the teacher's images only when it runs the teacher (`train.validate_losses`) and keeps the
    decoded split in memory when it fits (add_tf.data.reader.CACHE_BYTES). `balance`: training
    batches draw the classes equally (add_tf.data.reader)."""
    t = config.train
    teacher_images = needs_teacher(config.loss.method) and (training or t.validate_losses)
    ds = data_lib.make_dataset(
        training_set.records_dir, training_set.sets, split, student_quality=config.data.comp,
        teacher_quality=config.data.teacher_comp if teacher_images else config.data.comp,
        batch_size=t.batch_size, training=training, seed=t.seed, repeat=training,
        cache=not training, balance=balance and training,
    )
    if is_multiworker(strategy):
        return shard_by_data(ds)
    if not training:
        # The number of batches, from the manifest: Keras then reads the split to its end each
        # validation instead of learning its length from the first one running out of data.
        examples = data_lib.count_examples(training_set.records_dir, training_set.sets, split)
        ds = ds.apply(tf.data.experimental.assert_cardinality(math.ceil(examples / t.batch_size)))
    return ds


@dataclasses.dataclass
class Folders:
    """Where one worker keeps its checkpoints, its resumable backup and its TensorBoard logs."""

    checkpoints: str
    backup: str
    logs: str

    @classmethod
    def of(cls, run_dir, task_type, task_index, chief):
        own_dir = runs.worker_dir(run_dir, task_type, task_index, chief)
        return cls(os.path.join(own_dir, runs.CHECKPOINTS), os.path.join(own_dir, runs.BACKUP),
                   os.path.join(own_dir, runs.LOGS))


def build_models(config, plan, teacher_path):
    """(student, teacher or None, compiled Distiller, Adam optimizer), built and called once so
    that every variable exists; under the strategy's scope."""
    t = config.train
    student = build_classifier(config.model.backbone, image_size=config.model.image_size,
                               weights=initial_weights(config, teacher_path), name="student")
    teacher = None
    if needs_teacher(config.loss.method):
        if not teacher_path:
            raise UsageError(f"Method {config.loss.method!r} needs a teacher (--teacher)")
        teacher = runs.load_model(teacher_path)
        teacher.trainable = False
    loss_config = dataclasses.replace(
        config.loss, seed=t.seed if config.loss.seed is None else config.loss.seed,
        fr_start_step=(t.fr_warmup_epochs * t.validations_per_epoch * plan.steps
                       or config.loss.fr_start_step))
    distiller = Distiller(student, teacher, loss_config=loss_config,
                          validate_losses=t.validate_losses)
    optimizer = keras.optimizers.Adam(
        learning_rate=one_cycle_schedule(t.learning_rate, plan.total_steps, t.warmup_fraction),
        beta_1=t.beta_1, beta_2=t.beta_2, epsilon=t.epsilon)
    distiller.compile(optimizer=optimizer, jit_compile=bool(t.jit_compile))
    distiller(np.zeros((1, config.model.image_size, config.model.image_size, 3), np.float32))
    # Every trainable variable now, so that a head-only phase (a subset) and the full phase
    # share the optimizer's slots and step counter.
    optimizer.build(distiller.distillation_variables)
    return student, teacher, distiller, optimizer


def resume(strategy, distiller, student, folders, patience, monitor):
    """(epoch, tracker): the last epoch every worker committed (0 for a new run), the
    distiller restored to it and the validation tracker with its state."""
    commits = callbacks_lib.TrainingBackup.commits(folders.backup)
    epoch = smallest(strategy, commits[0]["epoch"] if commits else 0)  # every worker has it
    state = callbacks_lib.TrainingBackup.restore(distiller, folders.backup, epoch)
    tracker = callbacks_lib.ValidationTracker(student, folders.checkpoints, patience, state,
                                              monitor)
    return epoch, tracker


def make_callbacks(config, folders, tracker, claim=None):
    """Keras callbacks of a run: claim guard, NaN guard, validation tracker, backup,
    TensorBoard, config."""
    return [
        *([callbacks_lib.ClaimGuard(claim)] if claim is not None else []),
        callbacks_lib.NonFiniteGuard(folders.checkpoints),
        tracker,
        callbacks_lib.TrainingBackup(folders.backup, tracker),
        keras.callbacks.TensorBoard(folders.logs, update_freq="epoch"),
        callbacks_lib.ConfigText(folders.logs, config.to_yaml()),
    ]


def fit_phases(fit, distiller, student, optimizer, tracker, plan, epoch, jit_compile):
    """The head-only phase (backbone frozen) while `epoch` < plan.head_epochs, then every layer
    up to plan.epochs unless stopped early. fit(initial_epoch, epochs): one Keras fit."""
    if epoch < plan.head_epochs:
        set_head_only(student, True)
        distiller.compile(optimizer=optimizer, jit_compile=jit_compile)
        fit(epoch, plan.head_epochs)
        epoch = tracker.state["history"][-1]["epoch"]
        set_head_only(student, False)
        distiller.compile(optimizer=optimizer, jit_compile=jit_compile)
    if not tracker.state.get("stopped_early") and epoch < plan.epochs:
        fit(epoch, plan.epochs)


def summarise(tracker, optimizer, started, checkpoint):
    """The summary of a finished training (training_state.json); `kept`: the validation whose
    student the run keeps (`train.checkpoint`)."""
    return {
        "done": True,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        f"best_{tracker.monitor}": tracker.state["best"],
        "best_validation": tracker.state["best_epoch"],
        "kept": checkpoint,
        "validations": len(tracker.state["history"]),
        "steps": int(np.asarray(optimizer.iterations)),
        "train_seconds_last_session": round(time.time() - started, 1),
        "stopped_early": bool(tracker.state.get("stopped_early")),
    }


def train(config, run_dir, teacher_path=None, strategy=None, verbose=2, claim=None):
    """Train one model as described by `config` into `run_dir`; returns the summary dict.

    teacher_path: the frozen teacher (.keras or run dir) of a distillation method, and the
    student's initial weights when `model.weights` is "teacher". claim: the run's
    add_tf.core.claims.Claim (add_tf.training.one_run): training stops at the next validation,
    before its commit, once another process has taken it over."""
    strategy = strategy or tf.distribute.get_strategy()
    task_type, task_index, chief = task_info()
    os.makedirs(run_dir, exist_ok=True)
    if runs.is_complete(run_dir):
        print(f"[fit] {run_dir} is already trained; skipping training.", flush=True)
        return runs.read_state(run_dir)

    training_set, balance = adopt_data(config, run_dir, chief)
    t = config.train
    if t.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(t.seed)
    plan = Plan(t, data_lib.count_examples(training_set.records_dir, training_set.sets, "train"))
    folders = Folders.of(run_dir, task_type, task_index, chief)
    os.makedirs(folders.checkpoints, exist_ok=True)
    if t.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with strategy.scope():
            student, teacher, distiller, optimizer = build_models(config, plan, teacher_path)
        epoch, tracker = resume(strategy, distiller, student, folders, t.patience, t.monitor)
        train_ds = make_split(config, training_set, "train", True, strategy, balance)
        val_ds = make_split(config, training_set, "val", False, strategy)
        callbacks = make_callbacks(config, folders, tracker, claim)
        print(f"[fit] {config.loss.method} on {training_set.label}/{config.data.comp} "
              f"({config.model.backbone}, batch {t.batch_size}): {t.epochs} epochs x "
              f"{t.validations_per_epoch} validations x {plan.steps} steps -> {run_dir}"
              + (f" (resumed after validation {epoch})" if epoch else ""), flush=True)
        started = time.time()

        def fit(initial_epoch, epochs):
            with data_lib.report_damaged_shards(training_set.records_dir, training_set.sets,
                                                ("train", "val")):
                distiller.fit(train_ds, validation_data=val_ds, epochs=epochs,
                              initial_epoch=initial_epoch, steps_per_epoch=plan.steps,
                              shuffle=False,  # train_ds is shuffled by the reader
                              callbacks=callbacks, verbose=verbose)

        fit_phases(fit, distiller, student, optimizer, tracker, plan, epoch, bool(t.jit_compile))
        if tracker.best_path and t.checkpoint == BEST:
            student.load_weights(tracker.best_path)
        summary = summarise(tracker, optimizer, started, t.checkpoint)
        if chief:
            runs.finish(run_dir, student, teacher, summary)
            model_card.write_card(run_dir)
        sync_workers(strategy)
        return summary
    finally:
        if t.mixed_precision:
            keras.mixed_precision.set_global_policy("float32")
