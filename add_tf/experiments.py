"""`python -m add_tf.experiments`: a grid of fit runs and a results table (mean ± std over seeds).

    python -m add_tf.experiments --datasets demo --comps c40 \
        --methods add none fitnet at nl --backbones resnet18 --seeds 0 1 2 --out experiments/demo

Every cell (dataset, comp, backbone, sweep point) and method is trained once per seed with
`add_tf.fit` (in this process); teachers are shared through OUT/runs (one teacher per dataset,
backbone and teacher quality, trained by the first run that needs it). Finished runs are not
trained again, so an interrupted grid is resumed by running the same command.

Methods: the names of `add_tf.core.methods.METHODS`, the Table 2 ablation included (add_fr: FR only,
add_mv_nocontrast: MV without the contrastive term, add_mv: MV with it; FR + MV is `add`).
Sweeps (Fig. 5): `--sweep loss.alpha=0.5,1,2 --sweep loss.beta=8,16,23` adds every combination;
with `--unswept-baseline`, `none` is trained once per cell without the sweep (a distillation
setting does not change it) and every sweep point is compared with it.
`--set key=value ...` applies to every run. `--checkpoint last` scores every finished run with
the student of its last committed validation (`add_tf.evaluate --checkpoint last`, stored once
under "test@last" in its metrics.json) instead of its best-validation student.keras; the teachers'
reference rows keep their best-validation scores (the teacher every student learns from), and
so do the --eval-records columns.

Outputs in OUT: runs/ (every run dir, the auto teachers included), runs.csv (one line per run),
results.csv and results.md (test metrics, mean ± std over seeds, in %, with each auto teacher's
own test metrics as a reference row), differences.csv and a table in results.md (every method
minus `none` in the same cell (or the unswept one) and seed: mean ± std of the differences over
seeds, the seeds it wins and a paired t-test, for test accuracy and AUC), results.png (test
accuracy and AUC per method, std error bars); written by `add_tf.evaluation.grid_report`.

Cross-dataset (`--eval-records DIR ...`, records of any pipelines.prepare layout: Celeb-DF v2,
DFDC, folders, FF++): every finished run is also scored on the test split of each (add_tf.evaluate
--records: at the run's quality when they hold it, else their best), once; its tables get a
column group per set, `<set>.acc`, `<set>.auc`, `<set>.video_auc` (the set named by its manifest).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys

from add_tf.core import config as config_lib
from add_tf.core import methods as methods_lib
from add_tf.evaluation.grid_report import BASELINE, label, write_report, write_runs_csv
from add_tf.evaluation.metrics import METRIC_NAMES
from add_tf.models import backbones
from add_tf.training import runs

CHECKPOINTS = ("best", "last")  # --checkpoint: the student each run is scored with
CROSS_METRICS = ("acc", "auc", "video_auc")  # the column group of each --eval-records set


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
    return ",".join(f"{k.split('.')[-1]}={v}" for k, v in point)


def plan(args):
    """The list of runs: dicts with the cell keys (dataset, comp, backbone, sweep point), the
    method, the seed, the run dir, the fit argv and the dir of the auto teacher it shares."""
    sweeps = parse_sweeps(args.sweep)
    for method in args.methods:
        methods_lib.method_terms(method)  # validates the name
    runs_root = os.path.join(args.out, "runs")
    entries, planned = [], set()
    for dataset, comp, backbone, method, point, seed in itertools.product(
        args.datasets, args.comps, args.backbones, args.methods, sweep_points(sweeps), args.seeds
    ):
        if args.unswept_baseline and method == BASELINE:
            point = []
        tag = point_tag(point)
        if (dataset, comp, backbone, method, tag, seed) in planned:
            continue
        planned.add((dataset, comp, backbone, method, tag, seed))
        run_dir = os.path.join(
            runs_root, dataset, backbone, comp, method + (f"-{tag}" if tag else ""), f"seed{seed}"
        )
        argv = [
            "--dataset", dataset, "--comp", comp, "--method", method, "--backbone", backbone,
            "--seed", str(seed), "--run-dir", run_dir, "--runs-root", runs_root,
            "--verbose", str(args.verbose),
        ]
        for flag, value in (("--data-dir", args.data_dir), ("--epochs", args.epochs),
                            ("--batch-size", args.batch_size), ("--config", args.config)):
            if value is not None:
                argv += [flag, str(value)]
        sets = list(args.set_values) + [f"{k}={v}" for k, v in point]
        if sets:
            argv += ["--set", *sets]
        config = config_lib.load_config(args.config, sets)
        config.data.dataset, config.model.backbone = dataset, backbone
        entries.append({
            "dataset": dataset, "comp": comp, "backbone": backbone, "method": method,
            "point": tag, "seed": seed, "run_dir": run_dir, "argv": argv,
            "teacher_comp": config.data.teacher_comp,
            "teacher_dir": runs.teacher_run_dir(config, runs_root),
        })
    return entries


def run_one(entry):
    """Train + evaluate one run in this process (its test metrics land in its metrics.json); a
    run that fails is reported and left without metrics."""
    import keras

    from add_tf import fit

    try:
        fit.main(entry["argv"])
    except SystemExit as error:
        print(f"[experiments] run failed ({error.code}): {entry['run_dir']}", file=sys.stderr)
    finally:
        keras.backend.clear_session()


def test_key(checkpoint="best"):
    """The metrics.json key of a run's test metrics with the `checkpoint` student."""
    from add_tf import evaluate

    return "test" + evaluate.checkpoint_suffix(evaluate.LAST if checkpoint == "last" else None)


def read_metrics(run_dir, checkpoint="best"):
    """The test metrics of a run with the `checkpoint` student, None when it has none."""
    return runs.read_json(os.path.join(run_dir, runs.METRICS), {}).get(test_key(checkpoint))


def score_last(run_dir):
    """Score a finished run with the student of its last committed validation, once; a run
    without a committed backup is reported and left without those metrics."""
    from add_tf import evaluate
    from add_tf.core.errors import UsageError

    if runs.is_complete(run_dir) and read_metrics(run_dir, "last") is None:
        try:
            evaluate.evaluate_run(run_dir, checkpoint=evaluate.LAST)
        except UsageError as error:
            print(f"[experiments] {run_dir} not scored at its last validation: {error}",
                  file=sys.stderr)


def collect(entries, eval_records=(), checkpoint="best"):
    """The planned runs with their test metrics with the `checkpoint` student (None for a run
    without any), with the `cross_metrics` of the --eval-records sets."""
    rows = [{**entry, "metrics": read_metrics(entry["run_dir"], checkpoint)} for entry in entries]
    for row in rows:
        if row["metrics"] and eval_records:
            row["metrics"] = {**row["metrics"], **cross_metrics(row["run_dir"], eval_records)}
    return rows


def cross_names(eval_records):
    """The column names of the --eval-records sets: `<set>.<metric>` for CROSS_METRICS."""
    from add_tf import evaluate
    from add_tf.data import read_manifest

    sets = [evaluate.set_name(d, read_manifest(d)) for d in eval_records]
    return tuple(f"{name}.{metric}" for name in sets for metric in CROSS_METRICS)


def evaluate_on_records(run_dir, eval_records):
    """Score a finished run on each --eval-records set its metrics.json does not hold yet; a set
    it cannot be scored on is reported and skipped."""
    from add_tf import evaluate
    from add_tf.core.errors import UsageError

    if not runs.is_complete(run_dir):
        return
    stored = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
    for records in eval_records:
        try:
            plan = evaluate.resolve_records(runs.read_config(run_dir), records)
            if plan["key"] not in stored:
                _, _, notes = evaluate.evaluate_records(run_dir, records)
                print("\n".join(f"[experiments] {note}" for note in notes), flush=True)
        except UsageError as error:
            print(f"[experiments] {run_dir} not scored on {records}: {error}", file=sys.stderr)


def cross_metrics(run_dir, eval_records):
    """{`<set>.<metric>`: value} of a run's stored scores on the --eval-records sets."""
    from add_tf import evaluate
    from add_tf.core.errors import UsageError

    stored = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
    out = {}
    for records in eval_records:
        try:
            plan = evaluate.resolve_records(runs.read_config(run_dir), records)
        except UsageError:
            continue
        for metric in CROSS_METRICS:
            out[f"{plan['name']}.{metric}"] = stored.get(plan["key"], {}).get(metric)
    return out


def teacher_rows(entries):
    """One reference row per auto teacher of the grid that has test metrics (method "teacher",
    comp its quality); a teacher found elsewhere (e.g. in the data dir) has no row."""
    rows, seen = [], set()
    for entry in entries:
        if entry["teacher_dir"] in seen:
            continue
        seen.add(entry["teacher_dir"])
        metrics = read_metrics(entry["teacher_dir"])
        if metrics:
            rows.append({"dataset": entry["dataset"], "comp": entry["teacher_comp"],
                         "backbone": entry["backbone"], "method": "teacher", "point": "",
                         "seed": None, "metrics": metrics})
    return rows


def build_parser():
    p = argparse.ArgumentParser(prog="python -m add_tf.experiments",
                                description=__doc__.split("\n")[0])
    p.add_argument("--datasets", nargs="+", default=["demo"], choices=sorted(config_lib.DATASETS))
    p.add_argument("--comps", nargs="+", default=["c40"], choices=config_lib.QUALITIES)
    p.add_argument("--methods", nargs="+", default=["add", "none"],
                   help=f"from {', '.join(methods_lib.METHODS)}")
    p.add_argument("--backbones", nargs="+", default=["resnet18"], choices=backbones.names())
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--out", default="experiments/latest")
    p.add_argument("--data-dir")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--config")
    p.add_argument("--set", dest="set_values", nargs="+", default=[], metavar="KEY=VALUE")
    p.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...")
    p.add_argument("--unswept-baseline", action="store_true",
                   help=f"run {BASELINE!r} once per cell, without the sweep, and compare every "
                   "sweep point with it (for sweeps of distillation settings, which it ignores)"),
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument("--checkpoint", choices=CHECKPOINTS, default="best",
                   help="score each run with the student of its best validation (student.keras) "
                   "or of its last one")
    p.add_argument("--dry-run", action="store_true", help="print the fit commands only")
    p.add_argument("--eval-records", nargs="+", default=[], metavar="DIR",
                   help="records of other sets (pipelines.prepare, any layout): every run is "
                   "also scored on their test split, one column group per set")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        entries = plan(args)
        columns = METRIC_NAMES + cross_names(args.eval_records)
    except (ValueError, KeyError, FileNotFoundError) as error:
        print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.dry_run:
        for e in entries:
            print("python -m add_tf.fit " + " ".join(e["argv"]))
        return entries
    os.makedirs(args.out, exist_ok=True)
    for i, entry in enumerate(entries, 1):
        print(f"[experiments] run {i}/{len(entries)}: {label(entry)} {entry['dataset']}/"
              f"{entry['comp']} {entry['backbone']} seed {entry['seed']}", flush=True)
        run_one(entry)
        if args.checkpoint == "last":
            score_last(entry["run_dir"])
        evaluate_on_records(entry["run_dir"], args.eval_records)
        write_runs_csv(collect(entries[:i], checkpoint=args.checkpoint), args.out)
    rows = collect(entries, args.eval_records, args.checkpoint)
    text = write_report(rows, teacher_rows(entries), args.out,
                        command="python -m add_tf.experiments " + " ".join(argv),
                        metric_names=columns, checkpoint=args.checkpoint)
    print(text)
    return rows


if __name__ == "__main__":
    main()
