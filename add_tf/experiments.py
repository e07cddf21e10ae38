"""`python -m add_tf.experiments`: a grid of fit runs and a results table (mean ± std over seeds).

    python -m add_tf.experiments --datasets demo --comps c40 \
        --methods add none fitnet at nl --backbones resnet18 --seeds 0 1 2 --out experiments/demo

Every cell (dataset, comp, backbone, sweep point) and method is trained once per seed with
`add_tf.fit` (in this process); teachers are shared through OUT/runs (one teacher per dataset,
backbone and teacher quality, trained by the first run that needs it). Finished runs are not
trained again, so an interrupted grid is resumed by running the same command (a run whose dir
holds another config fails: add_tf.fit). A run that fails is reported, its error written to
RUN_DIR/error.txt and counted as failed in the tables; the grid goes on, and the command exits
with 1 at the end naming the failed runs. `--print-config` prints the resolved config of the
first planned run (add_tf.fit --print-config) without any work.

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
import sys
import traceback

from add_tf import fit
from add_tf.core import atomic, console, errors
from add_tf.core import config as config_lib
from add_tf.core import methods as methods_lib
from add_tf.core.methods import BASELINE
from add_tf.core.names import METRIC_NAMES
from add_tf.evaluation import grid_plan
from add_tf.models import backbones
from add_tf.synthetic import demo_data
from add_tf.training import runs

CHECKPOINTS = ("best", "last")  # --checkpoint: the student each run is scored with
INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C (add_tf.core.errors.command)


def run_one(entry):
    """Train + evaluate one run in this process (its test metrics land in its metrics.json);
    True when it ran. A run that fails (fit exits non-zero or raises: out of memory, a
    TensorFlow error) is reported, its error text written to RUN_DIR/error.txt, and left without
    metrics; False. A KeyboardInterrupt is not a failed run: it stops the grid."""
    import keras

    error_file = os.path.join(entry["run_dir"], runs.ERROR)
    try:
        # fit's main without its error boundary, so that the error itself (not only an exit
        # status) reaches error.txt
        fit.main.__wrapped__(entry["argv"])
    except SystemExit as error:
        if error.code in (0, None):
            return _succeeded(error_file)
        if error.code == INTERRUPTED:
            raise
        text, details = f"fit exited with status {error.code}", ""
    except Exception as error:  # noqa: BLE001  (any failure of one run is recorded and skipped)
        text = f"{type(error).__name__}: {errors.message(error)}"
        details = traceback.format_exc()
    else:
        return _succeeded(error_file)
    finally:
        keras.backend.clear_session()
    os.makedirs(entry["run_dir"], exist_ok=True)
    atomic.write_text(error_file, text + "\n" + (details and "\n" + details))
    print(f"[experiments] run failed: {text} ({error_file})", file=sys.stderr, flush=True)
    return False


def _succeeded(error_file):
    """True, with the error.txt of an earlier failed attempt removed."""
    if os.path.exists(error_file):
        os.remove(error_file)
    return True


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
                   help="score each run with the student it keeps (student.keras: its best "
                   "validation unless train.checkpoint=last) or of its last validation")
    p.add_argument("--dry-run", action="store_true", help="print the fit commands only")
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
        fit.main(entries[0]["argv"] + ["--print-config"])
        return entries[:1]
    for entry in entries:  # every run's config valid before the first one trains
        fit.resolve_config(fit.build_parser().parse_args(entry["argv"]))
    from add_tf.evaluation import grid, grid_report  # TensorFlow: after --help

    try:
        columns = METRIC_NAMES + grid.cross_names(args.eval_records)
    except (ValueError, KeyError) as error:
        raise errors.UsageError(str(error.args[0] if error.args else error)) from None
    if args.dry_run:
        for e in entries:
            print("python -m add_tf.fit " + " ".join(e["argv"]))
        return entries
    os.makedirs(args.out, exist_ok=True)
    failed = []
    for i, entry in enumerate(entries, 1):
        print(f"[experiments] run {i}/{len(entries)}: {grid_report.label(entry)} "
              f"{entry['dataset']}/{entry['comp']} {entry['backbone']} seed {entry['seed']}",
              flush=True)
        if not run_one(entry):
            failed.append(entry["run_dir"])
        if args.checkpoint == "last":
            if grid.needs_last_score(entry["run_dir"]):
                config = runs.read_config(entry["run_dir"])
                demo_data.ensure_for_dataset(config.data.dataset, config.data.data_dir)
            grid.score_last(entry["run_dir"])
        grid.evaluate_on_records(entry["run_dir"], args.eval_records)
        grid_report.write_runs_csv(grid.collect(entries[:i], checkpoint=args.checkpoint), args.out)
    rows = grid.collect(entries, args.eval_records, args.checkpoint)
    text = grid_report.write_report(rows, grid.teacher_rows(entries), args.out,
                        command="python -m add_tf.experiments " + " ".join(argv),
                        metric_names=columns, checkpoint=args.checkpoint)
    print(text)
    if failed:
        raise errors.WorkError(
            f"{len(failed)} of {len(entries)} runs failed (the error of each is in its run dir's "
            f"{runs.ERROR}; running the same command again retries them): " + ", ".join(failed))
    return rows


if __name__ == "__main__":
    main()
