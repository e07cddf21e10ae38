"""add_tf.evaluation.grid_queue: every run attempted once by whoever is free, runs held by live
processes waited for, failures not retried in the same wave, status of each run."""

import os
import threading

from add_tf.core import atomic, claims
from add_tf.evaluation import grid_queue
from add_tf.training import runs


def _entries(tmp_path, n=3):
    return [{"run_dir": str(tmp_path / f"run{i}"), "teacher_dir": str(tmp_path / "teacher")}
            for i in range(n)]


def _finish(run_dir):
    os.makedirs(run_dir, exist_ok=True)
    atomic.write_text(os.path.join(run_dir, runs.MODEL), "model")
    atomic.write_json(os.path.join(run_dir, runs.STATE), {"done": True})
    atomic.write_json(os.path.join(run_dir, runs.METRICS),
                      {"test": {"acc": 1.0}, "training": {"done": True}})


def test_each_run_is_attempted_once_and_failures_are_not_retried(tmp_path):
    entries = _entries(tmp_path)
    attempts = []

    def run(entry):
        attempts.append(entry["run_dir"])
        if entry is entries[1]:
            os.makedirs(entry["run_dir"], exist_ok=True)
            atomic.write_text(os.path.join(entry["run_dir"], runs.ERROR), "boom")
            return grid_queue.FAILED
        _finish(entry["run_dir"])
        return grid_queue.DONE

    failed = grid_queue.work(entries, run, poll=0.01)
    assert failed == [entries[1]] and attempts == [e["run_dir"] for e in entries]
    assert [grid_queue.status(e) for e in entries] == ["finished", "failed", "finished"]
    assert grid_queue.work(entries, lambda e: attempts.append(e) or grid_queue.FAILED,
                           poll=0.01) == [entries[1]]  # a later command retries the failure


def test_a_run_held_by_a_live_process_is_waited_for_not_trained(tmp_path):
    entries = _entries(tmp_path, 2)
    os.makedirs(entries[0]["run_dir"])
    claim, _ = claims.try_take(runs.claim_path(entries[0]["run_dir"]))
    assert grid_queue.status(entries[0]) == "running"
    assert grid_queue.holder(entries[0]["run_dir"])["pid"] == os.getpid()

    def other_process_finishes():
        _finish(entries[0]["run_dir"])
        claim.release()

    timer = threading.Timer(0.3, other_process_finishes)
    timer.start()
    attempts = []
    grid_queue.work(entries, lambda e: attempts.append(e["run_dir"]) or (
        _finish(e["run_dir"]) or grid_queue.DONE), poll=0.05)
    timer.join()
    assert attempts == [entries[1]["run_dir"]]
    assert grid_queue.status(entries[0]) == "finished"


def test_a_held_teacher_sends_the_process_to_other_runs_then_back(tmp_path):
    entries = _entries(tmp_path, 2)
    results = {entries[0]["run_dir"]: [grid_queue.HELD, grid_queue.DONE]}
    order = []

    def run(entry):
        order.append(entry["run_dir"])
        result = results.get(entry["run_dir"], [grid_queue.DONE]).pop(0)
        if result == grid_queue.DONE:
            _finish(entry["run_dir"])
        return result

    assert grid_queue.work(entries, run, poll=0.01) == []
    assert order == [entries[0]["run_dir"], entries[1]["run_dir"], entries[0]["run_dir"]]


def test_a_run_whose_holder_died_is_taken_again(tmp_path):
    import json
    import subprocess
    import sys

    entries = _entries(tmp_path, 1)
    os.makedirs(entries[0]["run_dir"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with open(runs.claim_path(entries[0]["run_dir"]), "w") as f:
        json.dump({**claims.this_process(), "pid": dead.pid}, f)
    assert grid_queue.status(entries[0]) == "missing" and grid_queue.holder(
        entries[0]["run_dir"]) is None
    attempts = []
    grid_queue.work(entries, lambda e: attempts.append(e) or (
        _finish(e["run_dir"]) or grid_queue.DONE), poll=0.01)
    assert attempts == entries
