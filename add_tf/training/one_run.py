"""One run as a library call: its checks before any work, its teacher (given, found, trained or
waited for) and the run itself, each trained by exactly one process.

    request = one_run.Request(config, run_dir, runs_root)
    one_run.check(request, inputs)                    # UsageError before any work
    outcome = one_run.train(request, strategy, inputs=inputs, score=score)

`add_tf.fit`, `add_tf.experiments` and `add_tf.demo --check` call these. Before a run or an
auto teacher trains, its run dir is claimed (`add_tf.core.claims`, `claim.json`): a run held by
a live process raises `claims.ClaimHeld` (fit: one line, exit 2; the grid moves on to other
work); an auto teacher held by a live process is waited for (`wait_for_teacher`), then used; a
claim whose holder died is taken over and the run resumes from its last committed validation.
Every training session (host, pid, start, end, outcome) is recorded in the run's state
(`runs.open_session`). Under MultiWorkerMirroredStrategy the chief claims and the workers join
its claim: all of them learn the chief's outcome through one collective before they train.

`inputs` (an `Inputs`) is how a run's records come to exist: the commands pass the demo's
(`add_tf.synthetic.demo_data.INPUTS`, which generates the demo records when they are missing);
this layer itself only reads prepared records. `score(run_dir)` is the caller's evaluation of a
run this process trained, called while the run is still claimed (by the chief only).
"""

from __future__ import annotations

import dataclasses
import os
import time

from add_tf import data
from add_tf.core import atomic, claims
from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError, message
from add_tf.core.methods import BASELINE, needs_teacher
from add_tf.training import runs
from add_tf.training.strategy import all_agree, sync_workers, task_info

POLL_SECONDS = 5.0  # how often a process waiting for a teacher looks at its claim again


@dataclasses.dataclass
class Request:
    """One run to train: `teacher` is a path (run dir or .keras) or "auto" (found in
    `runs_root` or the data dir, else trained there); `evaluate`: the test split will be scored
    after training, so its records must exist; `overwrite`: the run in `run_dir` is removed and
    trained again from scratch."""

    config: config_lib.Config
    run_dir: str
    runs_root: str
    teacher: str = "auto"
    evaluate: bool = True
    overwrite: bool = False


@dataclasses.dataclass
class Outcome:
    """What `train` did: the teacher it used (None for a method without one) and whether this
    process trained the teacher and the run now (False: found finished)."""

    run_dir: str
    teacher_path: str | None
    teacher_trained: bool
    trained: bool


class Inputs:
    """How a run's records come to exist. This base: records a user prepared (nothing to make,
    nothing to check); `add_tf.synthetic.demo_data.INPUTS` makes the demo's."""

    def ensure(self, config, run_dir=None):
        """Make the records `config` trains on (of the run in `run_dir`: the ones it was trained
        on) when they can be made."""

    def check_run(self, run_dir, config):
        """UsageError before any work when the finished run in `run_dir` was trained on other
        records than `config` would read."""


PREPARED = Inputs()


# --------------------------------------------------------------------------- the teacher
def uses_teacher(config):
    """True when the run reads a teacher: it distils from one or starts from its weights."""
    return needs_teacher(config.loss.method) or config.model.weights == "teacher"


def is_auto(teacher):
    """True when `teacher` asks for the auto teacher (found, or trained when missing)."""
    return teacher in (None, "", "auto")


def teacher_config(config):
    """The config of the teacher for `config`: method none on the teacher quality."""
    teacher = config_lib.Config.from_dict(config.to_dict())
    teacher.loss.method = BASELINE
    teacher.data.comp = config.data.teacher_comp
    teacher.train.epochs = config.train.teacher_epochs or config.train.epochs
    if teacher.model.weights == "teacher":
        teacher.model.weights = None
    return teacher


# --------------------------------------------------------------------------- checks
def _listed(differences):
    return "; ".join(f"{key}: {old!r} in the run, {new!r} requested"
                     for key, old, new in differences)


def check_reuse(config, run_dir, overwrite=False, inputs=PREPARED):
    """Before any work: UsageError when `run_dir` holds a run (finished or resumable) whose
    config.yaml differs from `config` in a key that changes the model or its metrics, naming
    each key with both values and the ways out. Nothing to check with `overwrite`."""
    if overwrite:
        return
    inputs.check_run(run_dir, config)
    differences = runs.config_differences(run_dir, config)
    if differences:
        state = "a trained run" if runs.is_complete(run_dir) else "a started (resumable) run"
        raise UsageError(
            f"{run_dir} holds {state} of another config ({_listed(differences)}). Give a new "
            "--run-dir to keep it, or --overwrite to remove its files and train again from "
            "scratch")


def check_teacher_reuse(config, runs_root, teacher="auto", inputs=PREPARED):
    """Before any work: UsageError when the auto teacher still to be trained for `config` would
    resume a started teacher of another config, or when the finished one found was trained on
    other records (a finished one is otherwise reused as it is)."""
    if not uses_teacher(config) or not is_auto(teacher):
        return
    found = runs.find_teacher(config, runs_root)
    if found is not None:
        inputs.check_run(found, config)
        return
    teacher_dir = runs.teacher_run_dir(config, runs_root)
    differences = runs.config_differences(teacher_dir, teacher_config(config))
    if differences:
        raise UsageError(
            f"{teacher_dir} holds a started teacher of another config "
            f"({_listed(differences)}). Remove that folder to train the teacher from scratch, "
            "or give --teacher PATH")


def check_inputs(config, run_dir, evaluate=True, fresh=False, inputs=PREPARED):
    """Before any work: the run dir can be written and claimed, and the records can train the
    run (add_tf.data.training_set.check) and hold the splits and qualities that training,
    validation and the final evaluation will read (`fresh`: the run is to be trained again from
    scratch, a finished one too). Returns the records' manifest, None for a finished run."""
    atomic.require_writable_dir(run_dir, "--run-dir")
    claims.check_storage(run_dir)
    if (not fresh and runs.is_complete(run_dir)
            and not (evaluate and runs.stored_test(run_dir) is None)):
        return None
    inputs.ensure(config, None if fresh else run_dir)
    records, manifest = data.training_set.check(config, uses_teacher(config))
    qualities = [config.data.comp]
    if uses_teacher(config):
        qualities.append(config.data.teacher_comp)
    data.require_records(records.records_dir, records.sets, ("train", "val"), qualities)
    if evaluate:
        try:
            data.require_records(records.records_dir, records.sets, ("test",), qualities)
        except (FileNotFoundError, UsageError) as error:
            raise UsageError(
                f"{error}. The final evaluation would fail after training: give --no-evaluate "
                "to train without it, then score the run with python -m add_tf.evaluate --run "
                "RUN --records DIR") from None
    return manifest


def check_teacher_size(teacher, manifest):
    """UsageError when the teacher run dir `teacher` takes crops of another size than the
    records of `manifest` hold (a .keras file is not opened here)."""
    size = data.manifest_image_size(manifest)
    if not size or not os.path.isfile(os.path.join(teacher, runs.CONFIG)):
        return
    taken = runs.read_config(teacher).model.image_size
    if taken != size:
        raise UsageError(
            f"--teacher {teacher} takes {taken}-pixel crops; the records hold {size}-pixel ones: "
            f"give a teacher trained on crops of {size} pixels, or the auto teacher")


def fetch_weights(config, run_dir, fresh=False):
    """Before any work of a run to train (`fresh`: trained again from scratch): the ImageNet
    weights of `config.model.weights` "imagenet" are downloaded now (or found in the cache), so
    that a failed download stops the command with a UsageError naming the ways out before a
    teacher or the student is trained or the run's files removed. An auto teacher starts from
    the same weights (`teacher_config`)."""
    if config.model.weights != "imagenet" or (not fresh and runs.is_complete(run_dir)):
        return
    from add_tf.models import classifier

    classifier.fetch_imagenet(config.model.backbone)


def check(request, inputs=PREPARED):
    """Every check of `request` before any work (UsageError naming the problem): the teacher
    path, the run's and the auto teacher's reuse, the records, the ImageNet weights."""
    if not is_auto(request.teacher) and not os.path.exists(request.teacher):
        raise UsageError(f"--teacher {request.teacher}: no such file or directory")
    check_reuse(request.config, request.run_dir, request.overwrite, inputs)
    check_teacher_reuse(request.config, request.runs_root, request.teacher, inputs)
    manifest = check_inputs(request.config, request.run_dir, request.evaluate, request.overwrite,
                            inputs)
    if manifest and uses_teacher(request.config) and not is_auto(request.teacher):
        check_teacher_size(request.teacher, manifest)
    fetch_weights(request.config, request.run_dir, request.overwrite)


# --------------------------------------------------------------------------- training
def train(request, strategy=None, verbose=2, inputs=PREPARED, score=None,
          wait_for_teacher=True):
    """Train the run of `request` (checked by `check`) and, first, its auto teacher when it is
    missing; each under its claim. `wait_for_teacher`: an auto teacher another live process
    trains is waited for, else `claims.ClaimHeld` is raised. Returns an `Outcome`."""
    config = request.config
    teacher_path, teacher_trained = None, False
    if uses_teacher(config):
        teacher_path, teacher_trained = _teacher(request, strategy, verbose, inputs, score,
                                                 wait_for_teacher)
    trained = _train_claimed(config, request.run_dir, teacher_path, strategy, verbose, inputs,
                             score, wait=False, overwrite=request.overwrite)
    return Outcome(request.run_dir, teacher_path, teacher_trained, trained)


def _teacher(request, strategy, verbose, inputs, score, wait):
    """(teacher path, whether this process trained it now)."""
    config = request.config
    if not is_auto(request.teacher):
        return request.teacher, False
    found = runs.find_teacher(config, request.runs_root)
    if found is not None:
        print(f"[fit] using teacher {found}", flush=True)
        return found, False
    teacher_dir = runs.teacher_run_dir(config, request.runs_root)
    print(f"[fit] no finished teacher for {config.data.dataset}/{config.model.backbone}/"
          f"{config.data.teacher_comp}: training it in {teacher_dir} (unless another process "
          "does)", flush=True)
    trained = _train_claimed(teacher_config(config), teacher_dir, None, strategy, verbose,
                             inputs, score, wait=wait)
    return teacher_dir, trained


def _claim(run_dir, wait):
    """The run's claim (a claims.Claim), or None when the run was finished by another process
    while this one waited. ClaimHeld when a live process holds it and not `wait`."""
    told = False
    while True:
        claim, holder = claims.try_take(runs.claim_path(run_dir))
        if claim is not None:
            return claim
        if not wait:
            raise claims.ClaimHeld(runs.claim_path(run_dir), holder)
        if not told:
            print(f"[fit] {run_dir} is being trained by {claims.describe(holder)}; waiting for "
                  "it", flush=True)
            told = True
        time.sleep(POLL_SECONDS)
        if runs.is_complete(run_dir):
            return None


def _train_claimed(config, run_dir, teacher_path, strategy, verbose, inputs, score, wait,
                   overwrite=False):
    """Train `config` into `run_dir` under its claim (the chief's, under multi-worker); True
    when this process trained it, False when it was finished already."""
    if runs.is_complete(run_dir) and not overwrite:
        print(f"[fit] {run_dir} is already trained; skipping training.", flush=True)
        return False
    os.makedirs(run_dir, exist_ok=True)
    if not task_info()[2]:  # a worker of a multi-worker job joins the chief's claim
        if not all_agree(strategy, True):
            raise UsageError(f"{run_dir}: the chief could not claim the run; see its output")
        sync_workers(strategy)
        return _train_session(config, run_dir, teacher_path, strategy, verbose, inputs)
    try:
        claim = _claim(run_dir, wait)
    except claims.ClaimHeld:
        all_agree(strategy, False)
        raise
    all_agree(strategy, True)
    if claim is None:
        sync_workers(strategy)
        return False
    with claims.kept(claim):
        if overwrite:
            if runs.remove_run(run_dir):
                print(f"[fit] --overwrite: removed the run in {run_dir}", flush=True)
        elif runs.is_complete(run_dir):
            sync_workers(strategy)
            return False
        if claim.replaced:
            print(f"[fit] {run_dir}: its claim by {claims.describe(claim.replaced)} expired "
                  "(that process is gone); resuming it", flush=True)
        runs.open_session(run_dir, claim.holder)
        sync_workers(strategy)  # no worker reads the run while the chief prepares it
        try:
            _train_session(config, run_dir, teacher_path, strategy, verbose, inputs, claim)
        except KeyboardInterrupt:
            runs.close_session(run_dir, "interrupted")
            raise
        except BaseException as error:
            runs.close_session(run_dir, f"failed: {type(error).__name__}: {message(error)}")
            raise
        runs.close_session(run_dir, runs.FINISHED)
        if score is not None:
            score(run_dir)
    return True


def _train_session(config, run_dir, teacher_path, strategy, verbose, inputs, claim=None):
    """One session of training: the records made when they can be, then the loop (which
    resumes from the last committed validation). True."""
    from add_tf.training import loop

    inputs.ensure(config)
    loop.train(config, run_dir, teacher_path=teacher_path, strategy=strategy, verbose=verbose,
               claim=claim)
    return True
