"""Several processes, one set of runs: two `fit`s that need one auto teacher train it once; two
`experiments` processes share a grid, one of them killed in the middle of a run, and a third
command finishes nothing twice. Each run's state records its training sessions."""

import json
import pathlib
import signal
import subprocess
import sys
import time

from add_tf.training import runs
from console_output import REPO, command_env

GRID_SETS = ["train.epochs=1", "train.validations_per_epoch=4", "train.batch_size=16",
             "train.patience=20"]


def _start(module, argv, log_path):
    with open(log_path, "w") as log:  # the child keeps its own handle
        return subprocess.Popen([sys.executable, "-m", module, *argv], env=command_env(), cwd=REPO,
                                stdout=log, stderr=subprocess.STDOUT, text=True)


def _finish(process, log_path, timeout=600):
    process.wait(timeout=timeout)
    text = pathlib.Path(log_path).read_text()
    assert process.returncode == 0, text[-4000:]
    return text


def _outcomes(run_dir):
    return [session["outcome"] for session in runs.read_sessions(str(run_dir))]


def test_two_fits_train_their_shared_auto_teacher_once(tmp_path, tiny_data_dir):
    runs_root = tmp_path / "runs"
    common = ["--data-dir", str(tiny_data_dir), "--runs-root", str(runs_root), "--no-evaluate",
              "--verbose", "0", "--set", "train.epochs=1", "train.validations_per_epoch=2",
              "train.batch_size=16"]
    logs = [tmp_path / "add.log", tmp_path / "at.log"]
    processes = [_start("add_tf.fit", ["--method", method, *common], log)
                 for method, log in zip(("add", "at"), logs)]
    texts = [_finish(process, log) for process, log in zip(processes, logs)]
    teacher = runs_root / "demo" / "resnet18" / "raw" / "teacher"
    assert _outcomes(teacher) == ["finished"]
    assert sum("waiting for it" in text for text in texts) == 1, texts
    for method in ("add", "at"):
        student = runs_root / "demo" / "resnet18" / "c40" / f"{method}-seed0"
        assert runs.is_complete(str(student)) and _outcomes(student) == ["finished"]
    assert not list(runs_root.rglob(runs.CLAIM))


def _grid(out, data_dir):
    return ["--methods", "none", "add", "--seeds", "0", "1", "--out", str(out), "--data-dir",
            str(data_dir), "--verbose", "0", "--set", *GRID_SETS]


def _students(out):
    return sorted(p.parent for p in (out / "runs").rglob(runs.CONFIG) if "teacher" not in str(p))


def _kill_in_the_middle_of_a_run(out, processes, deadline):
    """SIGKILL the process that holds a student run with a committed validation, before the
    run finishes; its run dir."""
    pids = {process.pid: process for process in processes}
    while time.time() < deadline:
        for run_dir in _students(out):
            claim = run_dir / runs.CLAIM
            backup = run_dir / "checkpoints" / "backup" / "state.json"
            try:
                holder = json.loads(claim.read_text())
            except (OSError, ValueError):
                continue
            if backup.exists() and holder["pid"] in pids and not runs.is_complete(str(run_dir)):
                pids[holder["pid"]].send_signal(signal.SIGKILL)
                pids[holder["pid"]].wait()
                return run_dir, pids[holder["pid"]]
        time.sleep(0.05)
    raise AssertionError("no student run was seen between two validations")


def test_two_grid_processes_one_killed_then_the_command_again(tmp_path, tiny_data_dir):
    alone = tmp_path / "alone"
    log = tmp_path / "alone.log"
    _finish(_start("add_tf.experiments", _grid(alone, tiny_data_dir), log), log)

    shared = tmp_path / "shared"
    logs = [tmp_path / "p1.log", tmp_path / "p2.log"]
    processes = [_start("add_tf.experiments", _grid(shared, tiny_data_dir), path)
                 for path in logs]
    killed_dir, killed = _kill_in_the_middle_of_a_run(shared, processes, time.time() + 600)
    survivor = next(p for p in processes if p is not killed)
    _finish(survivor, logs[processes.index(survivor)])
    again = tmp_path / "again.log"
    text = _finish(_start("add_tf.experiments", _grid(shared, tiny_data_dir), again),
                   again)
    assert "[fit]" not in text.replace("[fit] using teacher", "")  # nothing trained again

    teacher = shared / "runs" / "demo" / "resnet18" / "raw" / "teacher"
    assert _outcomes(teacher) == ["finished"]
    students = _students(shared)
    assert len(students) == 4
    for run_dir in students:
        expected = ["died", "finished"] if run_dir == killed_dir else ["finished"]
        assert _outcomes(run_dir) == expected, run_dir
        if run_dir != killed_dir:
            alone_dir = alone / run_dir.relative_to(shared)
            assert runs.stored_test(str(run_dir)) == runs.stored_test(str(alone_dir)), run_dir
    assert not list((shared / "runs").rglob(runs.CLAIM))
    rows = (shared / "runs.csv").read_text().splitlines()
    assert len(rows) == 1 + 4
