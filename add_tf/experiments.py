"""`python -m add_tf.experiments`: a grid of fit runs and a results table (mean ± std over seeds).

    python -m add_tf.experiments --datasets demo --comps c40 \
        --methods add none fitnet at nl --backbones resnet18 --seeds 0 1 2 --out experiments/demo

Every cell (dataset, comp, backbone, sweep point) and method is trained once per seed, each
run as `add_tf.fit` would train it (the config its --plan command resolves to); teachers are
shared through OUT/runs (one teacher per dataset, backbone and teacher quality, trained by the
first run that needs it). Finished runs are not trained again, so an interrupted grid is
resumed by running the same command (a run whose dir holds another config fails: add_tf.fit).
A run that fails is reported, its error written to RUN_DIR/error.txt and counted as failed in
the tables; the grid goes on, and the command exits with 1 at the end naming the failed runs.
`--print-config` prints the resolved config of the first planned run (add_tf.fit
--print-config) without any work.

Many processes, one grid: the same command started in several processes, or as jobs on several
machines sharing OUT, shares the work (add_tf.evaluation.grid_queue): each takes the next run
nobody holds, trains a missing teacher when it claims it first, waits while the only runs left
are held by others, and writes the tables from what has finished when it ends. One machine with
several GPUs: one process per GPU (`CUDA_VISIBLE_DEVICES=0 python -m add_tf.experiments ...`,
`CUDA_VISIBLE_DEVICES=1 ...`). For a scheduler: `--plan` prints one complete add_tf.fit command
per run, the teachers' first (`--teacher-only`), for a SLURM array, a Kubernetes Indexed Job,
GNU parallel or `xargs -P`; `--collect` writes the tables from whatever has finished and names
the runs still missing, running (claimed by a live process) or failed.

Methods: the names of `add_tf.core.methods.METHODS`, the Table 2 ablation included (add_fr: FR only,
add_mv_nocontrast: MV without the contrastive term, add_mv: MV with it; FR + MV is `add`).
Sweeps (Fig. 5): `--sweep loss.alpha=0.5,1,2 --sweep loss.beta=8,16,23` adds every combination;
with `--unswept-baseline`, `none` is trained once per cell without the sweep (a distillation
setting does not change it) and every sweep point is compared with it.
`--set key=value ...` applies to every run. `--checkpoint last` scores every finished run with
the student of its last committed validation (`add_tf.evaluate --checkpoint last`, stored once
under "test@last" in its metrics.json) instead of the student.keras it keeps; the teachers'
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
import os
import shlex

from add_tf import fit
from add_tf.core import atomic, claims, console, errors
from add_tf.core import config as config_lib
from add_tf.core import methods as methods_lib
from add_tf.core.methods import BASELINE
from add_tf.core.names import BEST, DEMO, METRIC_NAMES
from add_tf.evaluation import grid_plan
from add_tf.models import backbones
from add_tf.synthetic import demo_data
from add_tf.training import one_run, runs
from add_tf.training.strategy import make_strategy


def build_parser():
    p = argparse.ArgumentParser(prog="python -m add_tf.experiments",
                                description=__doc__.split("\n")[0])
    sets = p.add_mutually_exclusive_group()
    sets.add_argument("--datasets", nargs="+", default=[DEMO],
                      choices=sorted(config_lib.DATASETS),
                      help="records in the data dir (ffpp: FaceForensics++ with every "
                      "manipulation prepared there)")
    sets.add_argument("--records", nargs="+", default=[], metavar="DIR",
                      help="or: folders of records of any layout (pipelines.prepare), each "
                      "named by its manifest in the run dirs and tables")
    p.add_argument("--comps", nargs="+", default=["c40"], choices=config_lib.QUALITIES)
    p.add_argument("--methods", nargs="+", default=["add", "none"],
                   help=f"from {', '.join(methods_lib.METHODS)}")
    p.add_argument("--backbones", nargs="+", choices=backbones.names(),
                   help=f"default: add_tf.fit's for each set "
                   f"({config_lib.DEMO_DEFAULTS['model.backbone']} on the demo, else "
                   f"{config_lib.ModelConfig.backbone})")
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
    p.add_argument("--checkpoint", choices=config_lib.CHECKPOINT_CHOICES, default=BEST,
                   help="score each run with the student it keeps (student.keras: its best "
                   "validation unless train.checkpoint=last) or of its last validation")
    p.add_argument("--plan", action="store_true",
                   help="print one complete add_tf.fit command per run, the auto teachers' "
                   "first, for a scheduler, and exit")
    p.add_argument("--collect", action="store_true",
                   help="write the tables from the runs finished so far and name the runs "
                   "missing, running or failed; no training")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config (YAML) of the first planned run, as "
                   "add_tf.fit --print-config does, and exit")
    p.add_argument("--eval-records", nargs="+", default=[], metavar="DIR",
                   help="records of other sets (pipelines.prepare, any layout): every run is "
                   "also scored on their test split, one column group per set")
    errors.add_debug_argument(p)
    return p


@errors.command
def main(argv=None):
    console.quiet()
    args = build_parser().parse_args(argv)
    atomic.require_writable_dir(args.out, "--out")
    try:
        entries = grid_plan.plan(args)
    except (ValueError, KeyError) as error:
        raise errors.UsageError(str(error.args[0] if error.args else error)) from None
    if args.print_config:
        fit.print_config(entries[0]["config"], [entries[0]["config"]])
        return entries[:1]
    from add_tf.evaluation import grid, grid_queue, grid_report  # TensorFlow: after --help

    try:
        columns = METRIC_NAMES + grid.cross_names(args.eval_records)
    except (ValueError, KeyError) as error:
        raise errors.UsageError(str(error.args[0] if error.args else error)) from None
    if args.plan:
        for line in plan_lines(entries):
            print(line)
        return entries
    os.makedirs(args.out, exist_ok=True)

    def report():
        rows = grid.collect(entries, args.eval_records, args.checkpoint)
        grid_report.write_runs_csv(rows, args.out)
        return rows, grid_report.write_report(
            rows, grid.teacher_rows(entries), args.out,
            command="python -m add_tf.experiments " + " ".join(argv),
            metric_names=columns, checkpoint=args.checkpoint)

    if args.collect:
        rows, text = report()
        print(text)
        print_status(entries, grid_queue)
        return rows
    strategy = make_strategy(entries[0]["config"].train.strategy)
    numbers = {entry["run_dir"]: i for i, entry in enumerate(entries, 1)}

    def run(entry):
        print(f"[experiments] run {numbers[entry['run_dir']]}/{len(entries)}: "
              f"{grid_report.label(entry)} {entry['dataset']}/{entry['comp']} "
              f"{entry['backbone']} seed {entry['seed']}", flush=True)
        return grid_queue.attempt(entry, strategy, demo_data.INPUTS, args.eval_records,
                                  args.checkpoint, args.verbose)

    def written(entry, result):
        if result != grid_queue.HELD:
            grid_report.write_runs_csv(grid.collect(entries, checkpoint=args.checkpoint),
                                       args.out)

    failed = grid_queue.work(entries, run, args.eval_records, args.checkpoint, written)
    rows, text = report()
    print(text)
    if failed:
        raise errors.WorkError(
            f"{len(failed)} of {len(entries)} runs failed (the error of each is in its run dir's "
            f"{runs.ERROR}; running the same command again retries them): "
            + ", ".join(entry["run_dir"] for entry in failed))
    return rows


def plan_lines(entries):
    """One `python -m add_tf.fit ...` command per run, preceded by one `--teacher-only` command
    per auto teacher the runs share."""
    teachers = {}
    for entry in entries:
        if one_run.uses_teacher(entry["config"]):
            argv = list(entry["argv"])
            del argv[argv.index("--run-dir"):argv.index("--run-dir") + 2]
            teachers.setdefault(entry["teacher_dir"], argv + ["--teacher-only"])
    return [shlex.join(["python", "-m", "add_tf.fit", *argv])
            for argv in [*teachers.values(), *(entry["argv"] for entry in entries)]]


def print_status(entries, grid_queue):
    """One line per run that is not finished: missing, running (its holder) or failed."""
    counts = {}
    for entry in entries:
        state = grid_queue.status(entry)
        counts[state] = counts.get(state, 0) + 1
        if state == "running":
            holder = grid_queue.holder(entry["run_dir"])
            print(f"running  {entry['run_dir']} ({claims.describe(holder)})")
        elif state != "finished":
            print(f"{state:8} {entry['run_dir']}")
    print("[experiments] " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))

if __name__ == "__main__":
    main()
