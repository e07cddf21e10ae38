"""The experiment grid as a work queue: any number of processes, on one machine or many sharing
OUT, run the same grid together, each taking the next run nobody holds.

A process goes through the planned runs in order and attempts the first one that is neither
done nor held: it trains it under its claim (add_tf.training.one_run; the run's auto teacher
first, under the teacher's claim, when it is missing and nobody trains it) and then scores it
under the run's claim (test split, --checkpoint last, --eval-records sets; the auto teacher's
test split too). A run or a teacher another live process holds is left to it; when every run
left is held, the process waits for them (POLL_SECONDS) and takes over any whose holder died.
Each process attempts a run at most once; a run that failed (its RUN_DIR/error.txt written
since this process started, by any process) is not attempted again until the command is run
again.

An entry is one planned run of `add_tf.evaluation.grid_plan` with its resolved config under
"config" (what `add_tf.fit` resolves from the entry's argv).
"""

from __future__ import annotations

import os
import sys
import time
import traceback

from add_tf.core import atomic, claims, errors
from add_tf.core.names import BEST, LAST
from add_tf.evaluation import evaluator, grid
from add_tf.training import one_run, runs

POLL_SECONDS = 5.0
DONE, HELD, FAILED = "done", "held", "failed"


def is_scored(entry, eval_records=(), checkpoint=BEST):
    """Whether a finished run holds every score the grid reads (test split, last validation's
    student with `checkpoint` last, and each --eval-records set)."""
    run_dir = entry["run_dir"]
    if runs.stored_test(run_dir) is None:
        return False
    if checkpoint == LAST and grid.needs_last_score(run_dir):
        return False
    return not grid.unscored_records(run_dir, eval_records)


def is_done(entry, eval_records=(), checkpoint=BEST):
    return runs.is_complete(entry["run_dir"]) and is_scored(entry, eval_records, checkpoint)


def failed_since(entry, started):
    """Whether the run failed (its error.txt written) at or after `started` (a time.time())."""
    path = os.path.join(entry["run_dir"], runs.ERROR)
    return os.path.exists(path) and os.path.getmtime(path) >= started


def holder(run_dir):
    """The live process holding the run's claim, None when nobody (or a dead process) does."""
    path = runs.claim_path(run_dir)
    try:
        held = claims.read_holder(path)
    except errors.UsageError:
        return None
    return None if held is None or claims.is_stale(path, held) else held


def status(entry, started=None):
    """"finished", "running" (a live claim), "failed" (error.txt) or "missing"."""
    if runs.stored_test(entry["run_dir"]) is not None and runs.is_complete(entry["run_dir"]):
        return "finished"
    if holder(entry["run_dir"]) is not None:
        return "running"
    if os.path.exists(os.path.join(entry["run_dir"], runs.ERROR)):
        return "failed"
    return "missing"


def score(entry, eval_records, checkpoint, inputs):
    """Every score the grid reads of a finished run and of its auto teacher, each under its
    claim (a score held by another process is left to it)."""
    for run_dir in (entry["teacher_dir"], entry["run_dir"]):
        if not runs.is_complete(run_dir):
            continue
        claim, _ = claims.try_take(runs.claim_path(run_dir))
        if claim is None:
            continue
        with claims.kept(claim):
            evaluator.test_metrics(run_dir, inputs)
            if run_dir == entry["run_dir"]:
                if checkpoint == LAST and grid.needs_last_score(run_dir):
                    inputs.ensure(runs.read_config(run_dir), run_dir)
                    grid.score_last(run_dir)
                grid.evaluate_on_records(run_dir, eval_records)


def attempt(entry, strategy, inputs, eval_records=(), checkpoint=BEST, verbose=2):
    """Train and score one run: DONE, HELD (it, or its teacher, is another live process's) or
    FAILED (its error written to RUN_DIR/error.txt). A KeyboardInterrupt stops the grid."""
    import keras

    error_file = os.path.join(entry["run_dir"], runs.ERROR)
    request = one_run.Request(entry["config"], entry["run_dir"], entry["runs_root"])
    try:
        one_run.check(request, inputs)
        one_run.train(request, strategy, verbose, inputs=inputs, wait_for_teacher=False)
        score(entry, eval_records, checkpoint, inputs)
    except claims.ClaimHeld as held:
        print(f"[experiments] {held}", flush=True)
        return HELD
    except Exception as error:  # noqa: BLE001  (any failure of one run is recorded and skipped)
        text = f"{type(error).__name__}: {errors.message(error)}"
        os.makedirs(entry["run_dir"], exist_ok=True)
        atomic.write_text(error_file, text + "\n\n" + traceback.format_exc())
        print(f"[experiments] run failed: {text} ({error_file})", file=sys.stderr, flush=True)
        return FAILED
    finally:
        keras.backend.clear_session()
    if os.path.exists(error_file):
        os.remove(error_file)
    return DONE


def work(entries, run, eval_records=(), checkpoint=BEST, on_result=None, poll=None):
    """Attempt every entry nobody else holds with `run(entry)` (-> DONE, HELD or FAILED) until
    every entry is done, failed since this call started, or attempted by this process; waits
    while the only entries left are held by live processes. `on_result(entry, result)` after
    each attempt. Returns the entries that failed in this process."""
    started = time.time()
    attempted, failed = set(), []
    while True:
        left = [e for e in entries if e["run_dir"] not in attempted
                and not is_done(e, eval_records, checkpoint) and not failed_since(e, started)]
        if not left:
            return failed
        for entry in left:
            if holder(entry["run_dir"]) is not None:
                continue
            result = run(entry)
            if on_result is not None:
                on_result(entry, result)
            if result != HELD:
                attempted.add(entry["run_dir"])
                if result == FAILED:
                    failed.append(entry)
                break
        else:
            time.sleep(POLL_SECONDS if poll is None else poll)
