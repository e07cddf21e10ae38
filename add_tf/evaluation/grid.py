"""The experiment grid of `add_tf.experiments`: its planned runs (one per cell, method, sweep
point and seed, each with its add_tf.fit argv: add_tf.evaluation.grid_plan) and the collection
of their test metrics (best or last validation's student, and the --eval-records sets scored
once per finished run).

An entry: {"dataset", "comp", "backbone", "method", "point" (its sweep tag), "seed", "run_dir",
"argv", "teacher_comp", "teacher_dir"}; a row (`collect`, `teacher_rows`) adds "metrics" (None
for a run without test metrics), as `add_tf.evaluation.grid_report` reads them.
"""

from __future__ import annotations

import os
import sys

from add_tf.core.errors import UsageError
from add_tf.core.names import BEST, LAST, SUMMARY_METRICS, metrics_key
from add_tf.data import read_manifest, training_set
from add_tf.evaluation import evaluator, scored_records
from add_tf.training import runs


def read_metrics(run_dir, checkpoint=BEST):
    """The test metrics of a run with the `checkpoint` student (BEST or LAST), None when it
    has none."""
    key = metrics_key(checkpoint=LAST if checkpoint == LAST else None)
    return runs.read_json(os.path.join(run_dir, runs.METRICS), {}).get(key)


def needs_last_score(run_dir):
    """Whether `score_last` scores the run: finished, and not scored at its last validation."""
    return runs.is_complete(run_dir) and read_metrics(run_dir, LAST) is None


def score_last(run_dir):
    """Score a finished run with the student of its last committed validation, once; a run
    without a committed backup is reported and left without those metrics."""
    if needs_last_score(run_dir):
        try:
            evaluator.evaluate_run(run_dir, checkpoint=LAST)
        except UsageError as error:
            print(f"[experiments] {run_dir} not scored at its last validation: {error}",
                  file=sys.stderr)


def collect(entries, eval_records=(), checkpoint=BEST):
    """The planned runs with their test metrics with the `checkpoint` student (None for a run
    without any), with the `cross_metrics` of the --eval-records sets."""
    rows = [{**entry, "metrics": read_metrics(entry["run_dir"], checkpoint)} for entry in entries]
    for row in rows:
        if row["metrics"] and eval_records:
            row["metrics"] = {**row["metrics"], **cross_metrics(row["run_dir"], eval_records)}
    return rows


def cross_names(eval_records):
    """The column names of the --eval-records sets: `<set>.<metric>` for SUMMARY_METRICS."""
    sets = [training_set.set_name(d, read_manifest(d)) for d in eval_records]
    return tuple(f"{name}.{metric}" for name in sets for metric in SUMMARY_METRICS)


def unscored_records(run_dir, eval_records):
    """The --eval-records sets a finished run's metrics.json holds no score of; a set the run
    cannot be scored on (e.g. without its quality) is not among them."""
    stored = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
    missing = []
    for records in eval_records:
        try:
            scored = scored_records.resolve(run_dir, records)
        except UsageError:
            continue
        if scored.key not in stored:
            missing.append(records)
    return missing


def evaluate_on_records(run_dir, eval_records):
    """Score a finished run on each --eval-records set its metrics.json does not hold yet; a set
    it cannot be scored on is reported and skipped."""
    if not runs.is_complete(run_dir):
        return
    for records in eval_records:
        try:
            stored = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
            if scored_records.resolve(run_dir, records).key not in stored:
                _, _, notes = evaluator.evaluate_records(run_dir, records)
                print("\n".join(f"[experiments] {note}" for note in notes), flush=True)
        except UsageError as error:
            print(f"[experiments] {run_dir} not scored on {records}: {error}", file=sys.stderr)


def cross_metrics(run_dir, eval_records):
    """{`<set>.<metric>`: value} of a run's stored scores on the --eval-records sets."""
    stored = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
    out = {}
    for records in eval_records:
        try:
            scored = scored_records.resolve(run_dir, records)
        except UsageError:
            continue
        for metric in SUMMARY_METRICS:
            out[f"{scored.name}.{metric}"] = stored.get(scored.key, {}).get(metric)
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
