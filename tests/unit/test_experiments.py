"""add_tf.experiments: plan errors exit 2; --dry-run prints the fit commands."""

import pytest

from add_tf import experiments


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
