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

Each run and auto teacher is trained by one process at a time (add_tf.training.one_run): a run
another live process trains stops the command with one line naming it (exit 2); an auto teacher
another process trains is waited for, then used; a run whose process died is resumed.

A run dir that already holds a run (finished or resumable) is reused only for the same config:
one that differs in a key that changes the model or its metrics (all but
add_tf.training.runs.UNCOMPARED_KEYS) stops the command before any work, unless --overwrite
removes the old run to train again from scratch; so does a finished run (or auto teacher)
trained on the demo of an earlier generator version (add_tf.synthetic.demo_data).
--print-config prints the resolved config (YAML) and exits without any work.

Configuration (add_tf.core.config.resolve): paper defaults <- demo defaults (only for --dataset
demo) <- --config FILE.yaml <- --set section.key=value ... <- the explicit flags. One run is
add_tf.training.one_run (checks, claims, teacher, training); the run directory's rules are
add_tf.training.runs.
"""

from __future__ import annotations

import argparse
import os

from add_tf import data
from add_tf.core import config as config_lib
from add_tf.core import console, errors, table
from add_tf.core.errors import UsageError
from add_tf.core.methods import METHODS
from add_tf.synthetic import demo_data
from add_tf.training import one_run, runs
from add_tf.training.strategy import make_strategy, task_info

FLAGS = {  # argparse destination -> config key
    "dataset": "data.dataset",
    "records": "data.records",
    "fakes": "data.fakes",
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

DEMO_METHODS = ("none", "add")


def build_parser():
    defaults = config_lib.Config()  # the defaults the help names
    p = argparse.ArgumentParser(
        prog="python -m add_tf.fit",
        description="Train a deepfake detector (teacher, ADD student or baseline) and evaluate it.",
    )
    p.add_argument("--dataset", choices=sorted(config_lib.DATASETS),
                   help=f"records in the data dir (default: {defaults.data.dataset}; ffpp: "
                   "FaceForensics++ with every manipulation prepared there)")
    p.add_argument("--records", metavar="DIR",
                   help="or: a folder of records of any layout (pipelines.prepare: ffpp, "
                   "celebdf, dfdc, folders), named by its manifest")
    p.add_argument("--fakes", nargs="+", metavar="NAME",
                   help="the fake sets to train on, by their manifest names (default: all of "
                   "--records or of --dataset ffpp)")
    p.add_argument("--comp", choices=config_lib.QUALITIES,
                   help=f"student quality (default {defaults.data.comp})")
    p.add_argument("--method", choices=tuple(METHODS), help=f"default: {defaults.loss.method}")
    p.add_argument("--backbone", choices=runs.CONFIG_CHOICES["model.backbone"])
    p.add_argument("--teacher", default="auto",
                   help="PATH (a run dir or a .keras file) or 'auto': find or train a teacher "
                   "(default)")
    p.add_argument("--teacher-comp", choices=config_lib.QUALITIES,
                   help="default: the best quality the records hold")
    p.add_argument("--data-dir",
                   help=f"root of the prepared data (default: {defaults.data.data_dir})")
    p.add_argument("--run-dir", help="default: RUNS_ROOT/DATASET/BACKBONE/COMP/METHOD-seedSEED")
    p.add_argument("--runs-root",
                   help="where default run dirs and auto teachers live (default: the root of "
                   f"--run-dir's layout, else '{runs.DEFAULT_RUNS_ROOT}')")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, help="global batch size (all replicas)")
    p.add_argument("--seed", type=int)
    p.add_argument("--config", help="YAML file with config overrides")
    p.add_argument("--set", dest="overrides", action="append", nargs="+", default=[],
                   metavar="KEY=VALUE",
                   help="config override, e.g. --set loss.beta=20 train.patience=5")
    p.add_argument("--strategy", choices=runs.CONFIG_CHOICES["train.strategy"])
    p.add_argument("--mixed-precision", action="store_true", default=None, help="mixed_float16")
    p.add_argument("--jit", action="store_true", default=None, help="XLA jit_compile")
    p.add_argument("--no-evaluate", action="store_true", help="skip the test evaluation")
    p.add_argument("--verbose", type=int, default=2, help="keras fit verbosity (0, 1, 2)")
    p.add_argument("--overwrite", action="store_true",
                   help="remove the run in the run dir (not an auto teacher) and train again "
                   "from scratch, e.g. after a change of config")
    p.add_argument("--teacher-only", action="store_true",
                   help="train the auto teacher of this configuration in RUNS_ROOT (or find it, "
                   "or wait while another process trains it) and stop; a scheduler's first jobs "
                   "(python -m add_tf.experiments --plan)")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config as YAML and exit (no data, no model)")
    errors.add_debug_argument(p)
    return p


def _layers(args):
    """(--set items, {config key: flag value}) of the parsed command line."""
    overrides = [item for group in args.overrides for item in group]
    return overrides, {key: getattr(args, dest) for dest, key in FLAGS.items()}


def resolve_config(args):
    """The run's config from the parsed command line, completed from its records
    (add_tf.data.training_set.complete: the set's name, the teacher's quality); UsageError
    naming what is wrong."""
    return data.training_set.complete(layered_config(args))


def layered_config(args):
    """The config the command line's layers give, before the records complete it."""
    overrides, flags = _layers(args)
    return _layered(args.config, overrides, flags)


def config_from(yaml_path=None, overrides=(), flags=None):
    """The config of these layers (add_tf.core.config.resolve with this command's choices),
    completed from its records; UsageError naming what is wrong."""
    return data.training_set.complete(_layered(yaml_path, overrides, flags))


def _layered(yaml_path, overrides, flags):
    if (flags or {}).get("data.dataset") and (flags or {}).get("data.records"):
        raise UsageError("Give --dataset (records in the data dir) or --records DIR, not both")
    try:
        return config_lib.resolve(yaml_path, overrides, flags, runs.CONFIG_CHOICES)
    except FileNotFoundError:
        raise UsageError(f"Config file not found: {yaml_path}") from None
    except (KeyError, ValueError) as error:
        raise UsageError(str(error.args[0] if error.args else error)) from None


def run_configs(config, args):
    """The configs of the runs the command line asks for: one per DEMO_METHODS (the demo
    comparison) on the demo data (--dataset demo, not a --records folder whatever its name)
    when no layer names loss.method and --run-dir is not given, else `config` alone.
    `config`: resolve_config(args)."""
    overrides, flags = _layers(args)
    named = {key for key, _ in config_lib.layer_items(args.config, overrides, flags)}
    if not config.data.is_demo or args.run_dir or "loss.method" in named:
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


def requests(args, configs, runs_root):
    """The one_run.Request of each config of the command line; with --teacher-only, of the
    auto teacher of each (once)."""
    if args.teacher_only:
        if args.run_dir or not one_run.is_auto(args.teacher):
            raise UsageError("--teacher-only trains the auto teacher in RUNS_ROOT: give "
                             "--runs-root, not --run-dir or --teacher")
        teachers = {runs.teacher_run_dir(c, runs_root): one_run.teacher_config(c)
                    for c in configs}
        return [one_run.Request(c, run_dir, runs_root, evaluate=not args.no_evaluate)
                for run_dir, c in teachers.items()]
    return [one_run.Request(c, args.run_dir or runs.default_run_dir(c, runs_root), runs_root,
                            teacher=args.teacher, evaluate=not args.no_evaluate,
                            overwrite=args.overwrite)
            for c in configs]


def train_and_score(request, strategy, verbose=2):
    """Train `request` (one_run.train, the demo records made when needed) and, on the chief,
    score the run and its teacher on the test split: {table row name: test metrics}."""
    from add_tf.evaluation import evaluator

    outcome = one_run.train(request, strategy, verbose, inputs=demo_data.INPUTS)
    if not request.evaluate or not task_info()[2]:
        return {}

    def score(run_dir):
        return evaluator.test_metrics(run_dir, demo_data.INPUTS)

    rows = {}
    config = request.config
    if outcome.teacher_path and os.path.isdir(outcome.teacher_path):
        rows[f"teacher ({config.data.teacher_comp})"] = score(outcome.teacher_path)
    rows[f"{config.loss.method} ({config.data.comp})"] = score(request.run_dir)
    return rows


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
    planned = requests(args, configs, runs_root)
    for request in planned:  # every run of the command, before the first one
        one_run.check_reuse(request.config, request.run_dir, request.overwrite, demo_data.INPUTS)
        one_run.check_teacher_reuse(request.config, runs_root, request.teacher, demo_data.INPUTS)
    strategy = make_strategy(config.train.strategy)  # first TF op (needed for multi-worker)
    print(f"[fit] strategy: {type(strategy).__name__} ({strategy.num_replicas_in_sync} replicas)",
          flush=True)
    results = {}
    for request in planned:
        one_run.check(request, demo_data.INPUTS)
        results.update(train_and_score(request, strategy, args.verbose))
    run_dir = planned[-1].run_dir
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
