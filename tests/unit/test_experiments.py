"""add_tf.experiments: plan errors exit 2; --plan prints the fit commands, the teachers' first;
a failed run is recorded and skipped, and the grid exits 1 at the end; --collect names what is
not finished."""

import os
import shlex

import pytest

from add_tf import experiments, fit
from add_tf.core import atomic
from add_tf.training import one_run, runs


@pytest.mark.parametrize("argv, message", [
    (["--methods", "add_fr_mv"], "Valid: add, none"),
    (["--sweep", "loss.nothing=1,2"], "Unknown config key"),
    (["--sweep", "loss.beta"], "--sweep expects"),
])
def test_plan_errors(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        experiments.main(argv + ["--out", str(tmp_path)])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_plan_prints_one_fit_command_per_run_teachers_first(capsys, tmp_path):
    experiments.main(["--methods", "add", "none", "--seeds", "0", "1", "--plan", "--out",
                      str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 + 4 and all(line.startswith("python -m add_tf.fit ") for line in lines)
    teacher = fit.build_parser().parse_args(shlex.split(lines[0])[3:])
    assert teacher.teacher_only and teacher.run_dir is None
    assert teacher.runs_root == str(tmp_path / "runs")
    students = [fit.build_parser().parse_args(shlex.split(line)[3:]) for line in lines[1:]]
    assert sorted((a.method, a.seed) for a in students) == [
        ("add", 0), ("add", 1), ("none", 0), ("none", 1)]
    assert len({a.run_dir for a in students}) == 4
    assert not os.listdir(tmp_path)


def _grid(tmp_path):
    return ["--methods", "none", "--seeds", "0", "1", "--out", str(tmp_path)]


def finish_fake_run(run_dir, acc=0.9):
    """The files of a finished, scored run."""
    os.makedirs(run_dir, exist_ok=True)
    atomic.write_json(os.path.join(run_dir, runs.STATE), {"done": True})
    atomic.write_text(os.path.join(run_dir, runs.MODEL), "model")
    atomic.write_json(os.path.join(run_dir, runs.METRICS),
                      {"test": {"acc": acc, "auc": 0.95}, "training": {"done": True}})


def test_failed_run_is_recorded_and_the_grid_goes_on(monkeypatch, capsys, tmp_path):
    calls = []

    def fake_train(request, *args, **kwargs):
        calls.append(request.run_dir)
        if len(calls) == 1:
            raise RuntimeError("out of memory")
        finish_fake_run(request.run_dir)

    monkeypatch.setattr(one_run, "check", lambda request, inputs: None)
    monkeypatch.setattr(one_run, "train", fake_train)
    with pytest.raises(SystemExit) as info:
        experiments.main(_grid(tmp_path))
    assert info.value.code == 1
    assert len(calls) == 2
    with open(os.path.join(calls[0], runs.ERROR)) as f:
        assert f.read().startswith("RuntimeError: out of memory\n")
    assert not os.path.exists(os.path.join(calls[1], runs.ERROR))
    err = capsys.readouterr().err
    assert "error: 1 of 2 runs failed" in err and calls[0] in err
    with open(tmp_path / "results.md") as f:
        assert "1 (1 failed)" in f.read()
    experiments.main(_grid(tmp_path) + ["--collect"])
    out = capsys.readouterr().out
    assert f"failed   {calls[0]}" in out and "1 failed, 1 finished" in out


def test_keyboard_interrupt_stops_the_grid(monkeypatch, tmp_path):
    calls = []

    def fake_train(request, *args, **kwargs):
        calls.append(request)
        raise KeyboardInterrupt

    monkeypatch.setattr(one_run, "check", lambda request, inputs: None)
    monkeypatch.setattr(one_run, "train", fake_train)
    with pytest.raises(SystemExit) as info:
        experiments.main(_grid(tmp_path))
    assert info.value.code == 130 and len(calls) == 1


def test_collect_names_missing_and_running_runs(capsys, tmp_path):
    entries = experiments.main(_grid(tmp_path) + ["--plan"])
    capsys.readouterr()
    finish_fake_run(entries[0]["run_dir"], acc=0.75)
    os.makedirs(entries[1]["run_dir"])
    claim, _ = experiments.claims.try_take(runs.claim_path(entries[1]["run_dir"]))
    try:
        rows = experiments.main(_grid(tmp_path) + ["--collect"])
    finally:
        claim.release()
    out = capsys.readouterr().out
    assert f"running  {entries[1]['run_dir']} (pid {os.getpid()} on host" in out
    assert "1 finished, 1 running" in out
    assert [row["metrics"] and row["metrics"]["acc"] for row in rows] == [0.75, None]
    assert (tmp_path / "results.md").exists() and (tmp_path / "runs.csv").exists()
    experiments.main(_grid(tmp_path) + ["--collect"])
    assert f"missing  {entries[1]['run_dir']}" in capsys.readouterr().out


def test_print_config_prints_the_first_planned_run(capsys, tmp_path):
    import yaml

    entries = experiments.main(["--methods", "fitnet", "none", "--seeds", "4", "5",
                                "--epochs", "2", "--set", "loss.beta=9", "--print-config",
                                "--out", str(tmp_path / "out")])
    printed = yaml.safe_load(capsys.readouterr().out)
    assert len(entries) == 1
    assert printed["loss"]["method"] == "fitnet" and printed["train"]["seed"] == 4
    assert printed["train"]["epochs"] == 2 and printed["loss"]["beta"] == 9
    assert printed["model"]["backbone"] == "resnet18"  # the demo defaults
    assert not (tmp_path / "out").exists()
