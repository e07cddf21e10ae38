"""`python -m add_tf.fit`: train a teacher, an ADD student or a baseline, then evaluate it.

    python -m add_tf.fit --dataset deepfakes --comp c40            # teacher (auto) + ADD student
    python -m add_tf.fit                                           # the demo comparison
    python -m add_tf.fit --dataset deepfakes --method none --comp raw --run-dir runs/t  # a teacher
    python -m add_tf.fit --dataset deepfakes --comp c23 --teacher runs/t

The demo comparison: on the demo data when no layer of the configuration names a method
(--method, --set loss.method=..., `method:` in the YAML file) and without --run-dir, fit trains
the teacher on raw and one student per method of DEMO_METHODS on the student quality (each its
own run dir, all from the same initial weights) and prints one table, so a first run shows what
compression costs and what distillation gives back (or not).

A run dir that already holds a run (finished or resumable) is reused only for the same config:
one that differs in a key that changes the model or its metrics (all but
add_tf.training.runs.UNCOMPARED_KEYS) stops the command before any work, unless --overwrite
removes the old run to train again from scratch; so does a finished run (or auto teacher)
trained on the demo of an earlier generator version (add_tf.synthetic.demo_data).
--print-config prints the resolved config (YAML) and exits without any work.

Configuration (add_tf.core.config.resolve): paper defaults <- demo defaults (only for --dataset
demo) <- --config FILE.yaml <- --set section.key=value ... <- the explicit flags. The training
itself is add_tf.training.loop; the run directory's rules are add_tf.training.runs.
"""

from __future__ import annotations

import argparse
import os

from add_tf import data
from add_tf.core import atomic, console, errors, table
from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.core.methods import METHODS, needs_teacher
from add_tf.models import backbones
from add_tf.synthetic import demo_data
from add_tf.training import runs
from add_tf.training.strategy import STRATEGIES, make_strategy, sync_workers, task_info

FLAGS = {  # argparse destination -> config key
    "dataset": "data.dataset",
    "comp": "data.comp",
    "method": "loss.method",
    "backbone": "model.backbone",
    "teacher_comp": "data.teacher_comp",
    "data_dir": "data.data_dir",
    "epochs": "train.epochs",
    "batch_size": "train.batch_size",
    "seed": "train.seed",
    "strategy": "train.strategy",
    "mixed_precision": "train.mixed_precision",
    "jit": "train.jit_compile",
}
CHOICES = {  # config key -> the registered names `config_lib.resolve` checks it against
    "model.backbone": backbones.names(),
    "train.strategy": tuple(STRATEGIES),
    "loss.layers": backbones.FEATURE_LAYERS,  # each name of the tuple
}


DEMO_METHODS = ("none", "add")


def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m add_tf.fit",
        description="Train a deepfake detector (teacher, ADD student or baseline) and evaluate it.",
    )
    p.add_argument("--dataset", choices=sorted(config_lib.DATASETS), help="default: demo")
    p.add_argument("--comp", choices=config_lib.QUALITIES, help="student quality (default c40)")
    p.add_argument("--method", choices=tuple(METHODS), help="default: add")
    p.add_argument("--backbone", choices=CHOICES["model.backbone"])
    p.add_argument("--teacher", default="auto",
                   help="PATH (a run dir or a .keras file) or 'auto': find or train a teacher "
                   "(default)")
    p.add_argument("--teacher-comp", choices=config_lib.QUALITIES, help="default: raw")
    p.add_argument("--data-dir", help="root of the prepared data (default: data)")
    p.add_argument("--run-dir", help="default: RUNS_ROOT/DATASET/BACKBONE/COMP/METHOD-seedSEED")
    p.add_argument("--runs-root",
                   help="where default run dirs and auto teachers live (default: the root of "
                   "--run-dir's layout, else 'runs')")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, help="global batch size (all replicas)")
    p.add_argument("--seed", type=int)
    p.add_argument("--config", help="YAML file with config overrides")
    p.add_argument("--set", dest="overrides", action="append", nargs="+", default=[],
                   metavar="KEY=VALUE",
                   help="config override, e.g. --set loss.beta=20 train.patience=5")
    p.add_argument("--strategy", choices=CHOICES["train.strategy"])
    p.add_argument("--mixed-precision", action="store_true", default=None, help="mixed_float16")
    p.add_argument("--jit", action="store_true", default=None, help="XLA jit_compile")
    p.add_argument("--no-evaluate", action="store_true", help="skip the test evaluation")
    p.add_argument("--verbose", type=int, default=2, help="keras fit verbosity (0, 1, 2)")
    p.add_argument("--overwrite", action="store_true",
                   help="remove the run in the run dir (not an auto teacher) and train again "
                   "from scratch, e.g. after a change of config")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config as YAML and exit (no data, no model)")
    errors.add_debug_argument(p)
    return p


def _layers(args):
    """(--set items, {config key: flag value}) of the parsed command line."""
    overrides = [item for group in args.overrides for item in group]
    return overrides, {key: getattr(args, dest) for dest, key in FLAGS.items()}


def resolve_config(args):
    """The run's config from the parsed command line (UsageError naming what is wrong)."""
    overrides, flags = _layers(args)
    try:
        return config_lib.resolve(args.config, overrides, flags, CHOICES)
    except FileNotFoundError:
        raise UsageError(f"Config file not found: {args.config}") from None
    except (KeyError, ValueError) as error:
        raise UsageError(str(error.args[0] if error.args else error)) from None


def run_configs(config, args):
    """The configs of the runs the command line asks for: one per DEMO_METHODS (the demo
    comparison) on the demo data when no layer names loss.method and --run-dir is not given,
    else `config` alone. `config`: resolve_config(args)."""
    overrides, flags = _layers(args)
    named = {key for key, _ in config_lib.layer_items(args.config, overrides, flags)}
    if config.data.dataset != "demo" or args.run_dir or "loss.method" in named:
        return [config]
    configs = [config_lib.Config.from_dict(config.to_dict()) for _ in DEMO_METHODS]
    for method_config, method in zip(configs, DEMO_METHODS):
        method_config.loss.method = method
    return configs


def print_config(config, configs):
    """The resolved config as YAML on stdout; the demo comparison's methods and the image size
    of the prepared records (when it differs) as comments."""
    if len(configs) > 1:
        methods = ", ".join(c.loss.method for c in configs)
        print(f"# the demo comparison: one run per loss.method in {methods}, the rest as below")
    size = runs.as_stored(config).model.image_size
    if size != config.model.image_size:
        print(f"# training sets model.image_size to {size}, the side of the prepared crops")
    print(config.to_yaml(), end="", flush=True)


def check_reuse(config, run_dir, overwrite=False):
    """Before any work: UsageError when `run_dir` holds a run (finished or resumable) whose
    config.yaml differs from `config` in a key that changes the model or its metrics, naming
    each key with both values and the ways out. Nothing to check with `overwrite`."""
    if overwrite:
        return
    demo_data.check_trained_draw(run_dir, config)
    differences = runs.config_differences(run_dir, config)
    if differences:
        state = "a trained run" if runs.is_complete(run_dir) else "a started (resumable) run"
        raise UsageError(
            f"{run_dir} holds {state} of another config ({_listed(differences)}). Give a new "
            "--run-dir to keep it, or --overwrite to remove its files and train again from "
            "scratch")


def check_teacher_reuse(config, runs_root, teacher="auto"):
    """Before any work: UsageError when the auto teacher still to be trained for `config` would
    resume a started teacher of another config, or when the finished one found was trained on
    the demo of an earlier generator (a finished one is otherwise reused as it is)."""
    if not uses_teacher(config) or not is_auto(teacher):
        return
    found = runs.find_teacher(config, runs_root)
    if found is not None:
        demo_data.check_trained_draw(found, config)
        return
    teacher_dir = runs.teacher_run_dir(config, runs_root)
    differences = runs.config_differences(teacher_dir, teacher_config(config))
    if differences:
        raise UsageError(
            f"{teacher_dir} holds a started teacher of another config "
            f"({_listed(differences)}). Remove that folder to train the teacher from scratch, "
            "or give --teacher PATH")


def uses_teacher(config):
    """True when the run reads a teacher: it distils from one or starts from its weights."""
    return needs_teacher(config.loss.method) or config.model.weights == "teacher"


def is_auto(teacher):
    """True when --teacher asks for the auto teacher (found, or trained when missing)."""
    return teacher in (None, "", "auto")


def _listed(differences):
    return "; ".join(f"{key}: {old!r} in the run, {new!r} requested"
                     for key, old, new in differences)


def teacher_config(config):
    """The config of the teacher for `config`: method none on the teacher quality."""
    teacher = config_lib.Config.from_dict(config.to_dict())
    teacher.loss.method = "none"
    teacher.data.comp = config.data.teacher_comp
    teacher.train.epochs = config.train.teacher_epochs or config.train.epochs
    if teacher.model.weights == "teacher":
        teacher.model.weights = None
    return teacher


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


def check_inputs(config, run_dir, evaluate=True, fresh=False):
    """Before any work: the run dir can be written, and the records hold the splits and
    qualities that training, validation and the final evaluation will read (`fresh`: the run
    is to be trained again from scratch, a finished one too)."""
    atomic.require_writable_dir(run_dir, "--run-dir")
    if (not fresh and runs.is_complete(run_dir)
            and not (evaluate and _stored_test(run_dir) is None)):
        return
    if fresh:
        demo_data.ensure_for_dataset(config.data.dataset, config.data.data_dir)
    else:  # a finished run is scored on the draw it was trained on
        demo_data.ensure_for_run(run_dir, config)
    records_dir, method, _ = data.require_prepared(config.data.data_dir, config.data.dataset)
    qualities = [config.data.comp]
    if uses_teacher(config):
        qualities.append(config.data.teacher_comp)
    data.require_records(records_dir, method, ("train", "val"), qualities)
    if evaluate:
        try:
            data.require_records(records_dir, method, ("test",), qualities)
        except (FileNotFoundError, UsageError) as error:
            raise UsageError(
                f"{error}. The final evaluation would fail after training: give --no-evaluate "
                "to train without it, then score the run with python -m add_tf.evaluate --run "
                "RUN --records DIR") from None


def run(config, run_dir, runs_root, teacher="auto", strategy=None, verbose=2, evaluate=True,
        overwrite=False):
    """The teacher (found, given or trained when needed), the run itself and its evaluation.
    `overwrite`: the files of a run in `run_dir` are removed by the chief (once the inputs are
    checked) and it is trained from scratch. Returns {name: test metrics}."""
    if not is_auto(teacher) and not os.path.exists(teacher):
        raise UsageError(f"--teacher {teacher}: no such file or directory")
    check_reuse(config, run_dir, overwrite)
    check_teacher_reuse(config, runs_root, teacher)
    check_inputs(config, run_dir, evaluate, fresh=overwrite)
    fetch_weights(config, run_dir, fresh=overwrite)
    chief = task_info()[2]
    if overwrite:
        if chief and runs.remove_run(run_dir):
            print(f"[fit] --overwrite: removed the run in {run_dir}", flush=True)
        sync_workers(strategy)  # no worker reads the old run while the chief removes it
    results = {}
    teacher_path = None
    if uses_teacher(config):
        if not is_auto(teacher):
            teacher_path = teacher
        else:
            teacher_path = runs.find_teacher(config, runs_root)
            if teacher_path is not None:
                print(f"[fit] using teacher {teacher_path}", flush=True)
            else:
                teacher_path = runs.teacher_run_dir(config, runs_root)
                print(f"[fit] no teacher for {config.data.dataset}/{config.model.backbone}/"
                      f"{config.data.teacher_comp}: training one in {teacher_path}", flush=True)
                _train(teacher_config(config), teacher_path, strategy=strategy, verbose=verbose)
        if evaluate and chief and os.path.isdir(teacher_path):
            results[f"teacher ({config.data.teacher_comp})"] = _evaluate(teacher_path)
    _train(config, run_dir, teacher_path=teacher_path, strategy=strategy, verbose=verbose)
    if evaluate and chief:
        results[f"{config.loss.method} ({config.data.comp})"] = _evaluate(run_dir)
    return results


def _train(config, run_dir, **kwargs):
    """`add_tf.training.loop.train`, the demo records made first when the run is still to be
    trained."""
    from add_tf.training import loop

    if not runs.is_complete(run_dir):
        demo_data.ensure_for_dataset(config.data.dataset, config.data.data_dir)
    loop.train(config, run_dir, **kwargs)


def _stored_test(run_dir):
    """The test metrics metrics.json holds for a finished run, None when it holds none."""
    stored = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
    if stored.get("test") and stored.get("training", {}).get("done"):
        return {k: (float("nan") if v is None else v) for k, v in stored["test"].items()}
    return None


def _evaluate(run_dir):
    """Test metrics of a finished run (the stored ones when metrics.json already has them)."""
    from add_tf.evaluation import evaluator

    stored = _stored_test(run_dir)
    if stored is not None:
        return stored
    demo_data.ensure_for_run(run_dir, runs.read_config(run_dir))
    return evaluator.evaluate_run(run_dir)


@errors.command
def main(argv=None):
    """Entry point; returns the run dir. Usage errors exit with status 2, a NaN loss with 1."""
    console.quiet()
    args = build_parser().parse_args(argv)
    config = resolve_config(args)
    configs = run_configs(config, args)
    if args.print_config:
        print_config(config, configs)
        return None
    runs_root = args.runs_root or runs.default_runs_root(config, args.run_dir)
    planned = [(c, args.run_dir or runs.default_run_dir(c, runs_root)) for c in configs]
    for run_config, run_dir in planned:  # every run of the command, before the first one
        check_reuse(run_config, run_dir, args.overwrite)
        check_teacher_reuse(run_config, runs_root, args.teacher)
    strategy = make_strategy(config.train.strategy)  # first TF op (needed for multi-worker)
    print(f"[fit] strategy: {type(strategy).__name__} ({strategy.num_replicas_in_sync} replicas)",
          flush=True)
    results = {}
    for run_config, run_dir in planned:
        results.update(run(run_config, run_dir, runs_root, teacher=args.teacher,
                           strategy=strategy, verbose=args.verbose,
                           evaluate=not args.no_evaluate, overwrite=args.overwrite))
    if results:
        rows = sorted(results.items(), key=lambda item: not item[0].startswith("teacher"))
        print(f"\nTest results ({config.data.dataset}):", flush=True)
        print(table.format_metrics(dict(rows), title_column="model"), flush=True)
    if args.no_evaluate:
        print(f"[fit] not evaluated (--no-evaluate): python -m add_tf.evaluate --run {run_dir}",
              flush=True)
    print(f"[fit] run dir: {run_dir}", flush=True)
    return run_dir


if __name__ == "__main__":
    main()
