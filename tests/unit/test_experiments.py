"""add_tf.experiments: plan errors exit 2; --dry-run prints the fit commands; a failed run is
recorded and skipped, and the grid exits 1 at the end."""

import json
import os

import pytest

from add_tf import experiments, fit
from add_tf.core import errors
from add_tf.training import runs


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


def test_dry_run_prints_fit_commands(capsys, tmp_path):
    experiments.main(["--methods", "add", "none", "--seeds", "0", "--dry-run", "--out",
                      str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("python -m add_tf.fit ") for line in lines)


def _grid(tmp_path):
    return ["--methods", "none", "--seeds", "0", "1", "--out", str(tmp_path)]


def test_failed_run_is_recorded_and_the_grid_goes_on(monkeypatch, capsys, tmp_path):
    calls = []

    def fake_fit(argv):
        run_dir = argv[argv.index("--run-dir") + 1]
        calls.append(run_dir)
        if len(calls) == 1:
            raise RuntimeError("out of memory")
        os.makedirs(run_dir, exist_ok=True)
        with open(os.path.join(run_dir, runs.METRICS), "w") as f:
            json.dump({"test": {"acc": 0.9, "auc": 0.95}}, f)

    monkeypatch.setattr(fit, "main", errors.command(fake_fit))
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


def test_keyboard_interrupt_stops_the_grid(monkeypatch, tmp_path):
    calls = []

    def fake_fit(argv):
        calls.append(argv)
        raise KeyboardInterrupt

    monkeypatch.setattr(fit, "main", errors.command(fake_fit))
    with pytest.raises(SystemExit) as info:
        experiments.main(_grid(tmp_path))
    assert info.value.code == 130 and len(calls) == 1


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
