"""add_tf.training.one_run: a run is trained under its claim: a held run is refused, a held auto
teacher waited for, a dead holder's run resumed; every session is recorded with its outcome."""

import json
import os
import subprocess
import sys
import threading

import pytest

from add_tf.core import atomic, claims
from add_tf.core import config as config_lib
from add_tf.training import one_run, runs


def _config(method="none"):
    config = config_lib.Config()
    config.loss.method = method
    config.data.dataset, config.data.teacher_comp = "demo", "raw"
    return config


@pytest.fixture
def trainings(monkeypatch):
    """The (config, run_dir, teacher_path) of every training session, each finishing its run."""
    calls = []

    def train_session(config, run_dir, teacher_path, *args, **kwargs):
        calls.append((config.loss.method, run_dir, teacher_path))
        atomic.write_text(os.path.join(run_dir, runs.MODEL), "model")
        state = runs.read_state(run_dir)
        atomic.write_json(os.path.join(run_dir, runs.STATE), {**state, "done": True})

    monkeypatch.setattr(one_run, "_train_session", train_session)
    monkeypatch.setattr(one_run, "POLL_SECONDS", 0.05)
    return calls


def _foreign_claim(run_dir, **changes):
    os.makedirs(run_dir, exist_ok=True)
    holder = {**claims.this_process(), **changes}
    with open(runs.claim_path(run_dir), "w") as f:
        json.dump(holder, f)
    return holder


def test_a_run_held_by_a_live_process_is_refused(tmp_path, trainings):
    run_dir = str(tmp_path / "run")
    _foreign_claim(run_dir)
    with pytest.raises(claims.ClaimHeld, match=f"run is being trained by pid {os.getpid()}"):
        one_run.train(one_run.Request(_config(), run_dir, str(tmp_path)))
    assert trainings == [] and runs.read_sessions(run_dir) == []


def test_a_held_auto_teacher_is_waited_for_then_used(tmp_path, trainings, capsys):
    config = _config("add")
    teacher_dir = runs.teacher_run_dir(config, str(tmp_path))
    _foreign_claim(teacher_dir)

    def other_process_finishes():
        atomic.write_text(os.path.join(teacher_dir, runs.MODEL), "teacher")
        atomic.write_json(os.path.join(teacher_dir, runs.STATE), {"done": True})
        os.remove(runs.claim_path(teacher_dir))

    threading.Timer(0.3, other_process_finishes).start()
    run_dir = str(tmp_path / "student")
    outcome = one_run.train(one_run.Request(config, run_dir, str(tmp_path)))
    assert "teacher is being trained by pid" in capsys.readouterr().out
    assert trainings == [("add", run_dir, teacher_dir)]
    assert outcome.teacher_path == teacher_dir and not outcome.teacher_trained and outcome.trained
    _foreign_claim(runs.teacher_run_dir(_config("at"), str(tmp_path / "other")))
    with pytest.raises(claims.ClaimHeld):  # the grid does not wait: it moves on
        one_run.train(one_run.Request(_config("at"), str(tmp_path / "s2"),
                                      str(tmp_path / "other")), wait_for_teacher=False)


def test_a_dead_holders_run_is_resumed_and_its_session_closed(tmp_path, trainings, capsys):
    run_dir = str(tmp_path / "run")
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    dead = _foreign_claim(run_dir, pid=process.pid)
    runs.open_session(run_dir, dead)
    one_run.train(one_run.Request(_config(), run_dir, str(tmp_path)))
    sessions = runs.read_sessions(run_dir)
    assert [(s["pid"], s["outcome"]) for s in sessions] == [
        (process.pid, runs.DIED), (os.getpid(), runs.FINISHED)]
    assert all(s["end"] for s in sessions)
    assert f"its claim by pid {process.pid}" in capsys.readouterr().out
    assert not os.path.exists(runs.claim_path(run_dir))
    assert one_run.train(one_run.Request(_config(), run_dir, str(tmp_path))).trained is False


@pytest.mark.parametrize("error, outcome", [
    (RuntimeError("out of memory"), "failed: RuntimeError: out of memory"),
    (KeyboardInterrupt(), "interrupted"),
])
def test_a_failed_or_interrupted_session_is_recorded_and_its_claim_released(
        tmp_path, monkeypatch, error, outcome):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(one_run, "_train_session", broken)
    run_dir = str(tmp_path / "run")
    with pytest.raises(type(error)):
        one_run.train(one_run.Request(_config(), run_dir, str(tmp_path)))
    assert [s["outcome"] for s in runs.read_sessions(run_dir)] == [outcome]
    assert not os.path.exists(runs.claim_path(run_dir))


def test_teacher_config_is_method_none_on_the_teacher_quality():
    config = _config("add")
    config.train.teacher_epochs, config.model.weights = 3, "teacher"
    teacher = one_run.teacher_config(config)
    assert (teacher.loss.method, teacher.data.comp, teacher.train.epochs) == ("none", "raw", 3)
    assert teacher.model.weights is None and config.loss.method == "add"
