"""The planned runs of the experiment grid (`add_tf.experiments`): one per cell, method, sweep
point and seed, each with its add_tf.fit argv. No TensorFlow: `--dry-run` and `--print-config`
plan the grid without loading it.

An entry: {"dataset", "comp", "backbone", "method", "point" (its sweep tag), "seed", "run_dir",
"runs_root", "argv", "teacher_comp", "teacher_dir", "config" (the run's, as add_tf.fit reads
its argv: checked and completed from the records)}.
"""

from __future__ import annotations

import itertools
import os

from add_tf.core import config as config_lib
from add_tf.core import methods as methods_lib
from add_tf.core.methods import BASELINE
from add_tf.data import training_set
from add_tf.training import runs


def parse_sweeps(items):
    """["loss.beta=8,16"] -> [("loss.beta", ["8", "16"])]."""
    sweeps = []
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--sweep expects key=v1,v2,..., received: {item!r}")
        config_lib.Config().set(key, values.split(",")[0])  # validates the key
        sweeps.append((key, values.split(",")))
    return sweeps


def sweep_points(sweeps):
    """Every combination as a list of (key, value); [[]] when there is no sweep."""
    if not sweeps:
        return [[]]
    keys = [k for k, _ in sweeps]
    return [list(zip(keys, combo)) for combo in itertools.product(*[v for _, v in sweeps])]


def point_tag(point):
    """[("loss.beta", "8"), ("loss.alpha", "1")] -> "beta=8,alpha=1"."""
    return ",".join(f"{k.split('.')[-1]}={v}" for k, v in point)


def run_config(args, sets, flags):
    """The config of one planned run, read and checked as add_tf.fit reads its command line
    (add_tf.core.config.resolve, then the records complete it); ValueError naming the key."""
    try:
        config = config_lib.resolve(args.config, sets, flags, runs.CONFIG_CHOICES)
    except FileNotFoundError:
        raise ValueError(f"Config file not found: {args.config}") from None
    return training_set.complete(config)


def plan(args):
    """The list of runs: dicts with the cell keys (dataset: the set's name, comp, backbone,
    sweep point), the method, the seed, the run dir, the fit argv and the dir of the auto
    teacher it shares. `args`: the parsed command line of add_tf.experiments (its sets:
    `--datasets` names, or `--records` folders, named by their manifests)."""
    sweeps = parse_sweeps(args.sweep)
    for method in args.methods:
        methods_lib.method_terms(method)  # validates the name
    runs_root = os.path.join(args.out, "runs")
    sources = ([("--records", records) for records in args.records] if args.records
               else [("--dataset", dataset) for dataset in args.datasets])
    entries, planned = [], set()
    for (flag, source), comp, backbone, method, point, seed in itertools.product(
        sources, args.comps, args.backbones or [None], args.methods, sweep_points(sweeps),
        args.seeds,
    ):
        if args.unswept_baseline and method == BASELINE:
            point = []
        tag = point_tag(point)
        if (source, comp, backbone, method, tag, seed) in planned:
            continue
        planned.add((source, comp, backbone, method, tag, seed))
        sets = list(args.set_values) + [f"{k}={v}" for k, v in point]
        config = run_config(args, sets, {
            "data.dataset" if flag == "--dataset" else "data.records": source,
            "data.comp": comp, "loss.method": method, "model.backbone": backbone,
            "train.seed": seed, "data.data_dir": args.data_dir, "train.epochs": args.epochs,
            "train.batch_size": args.batch_size})
        backbone = config.model.backbone  # None above: the config's for this set
        run_dir = os.path.join(runs_root, *runs.cell_parts(config),
                               method + (f"-{tag}" if tag else ""), f"seed{seed}")
        argv = [
            flag, source, "--comp", comp, "--method", method, "--backbone", backbone,
            "--seed", str(seed), "--run-dir", run_dir, "--runs-root", runs_root,
            "--verbose", str(args.verbose),
        ]
        for option, value in (("--data-dir", args.data_dir), ("--epochs", args.epochs),
                              ("--batch-size", args.batch_size), ("--config", args.config)):
            if value is not None:
                argv += [option, str(value)]
        if sets:
            argv += ["--set", *sets]
        entries.append({
            "dataset": training_set.of(config).label, "comp": comp, "backbone": backbone,
            "method": method, "point": tag, "seed": seed, "run_dir": run_dir,
            "runs_root": runs_root, "argv": argv,
            "teacher_comp": config.data.teacher_comp,
            "teacher_dir": runs.teacher_run_dir(config, runs_root), "config": config,
        })
    return entries
