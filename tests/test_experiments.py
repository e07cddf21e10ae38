"""add_tf.experiments: the grid plan, variants, sweeps and the tables (no training)."""

import csv

import pytest

from add_tf import experiments


def _args(argv):
    return experiments.build_parser().parse_args(argv)


def test_plan_grid_and_shared_teacher_root(tmp_path):
    args = _args(["--datasets", "demo", "--comps", "c23", "c40", "--methods", "add", "none",
                  "--backbones", "resnet18", "--seeds", "0", "1", "2", "--out", str(tmp_path),
                  "--epochs", "2", "--set", "train.batch_size=8"])
    entries = experiments.plan(args)
    assert len(entries) == 2 * 2 * 3
    run_dirs = {e["run_dir"] for e in entries}
    assert len(run_dirs) == len(entries)
    for e in entries:
        argv = e["argv"]
        assert argv[argv.index("--runs-root") + 1] == str(tmp_path / "runs")
        assert argv[argv.index("--epochs") + 1] == "2"
        assert "train.batch_size=8" in argv


def test_ablation_methods_and_sweeps(tmp_path):
    args = _args(["--methods", "add_fr", "add_mv_nocontrast", "add_mv", "add", "--seeds",
                  "0", "--out", str(tmp_path), "--sweep", "loss.beta=8,16", "--sweep",
                  "loss.alpha=1,2"])
    entries = experiments.plan(args)
    assert len(entries) == 4 * 4
    by_name = {e["method"]: e["argv"] for e in entries}
    fr_only = by_name["add_fr[beta=8,alpha=1]"]
    assert fr_only[fr_only.index("--method") + 1] == "add_fr" and "loss.beta=8" in fr_only
    mv_nc = by_name["add_mv_nocontrast[beta=16,alpha=2]"]
    assert mv_nc[mv_nc.index("--method") + 1] == "add_mv_nocontrast" and "loss.alpha=2" in mv_nc


def test_fit_accepts_planned_argv(tmp_path):
    from add_tf import fit

    args = _args(["--methods", "add_mv_nocontrast", "--seeds", "4", "--out", str(tmp_path),
                  "--sweep", "loss.beta=20"])
    (entry,) = experiments.plan(args)
    config = fit.resolve_config(fit.build_parser().parse_args(entry["argv"]))
    assert config.loss.method == "add_mv_nocontrast" and config.loss.beta == 20
    assert config.train.seed == 4


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


def test_aggregate_mean_std_and_tables(tmp_path):
    rows = []
    for seed, acc in enumerate([0.8, 0.9, 1.0]):
        rows.append({"dataset": "demo", "comp": "c40", "backbone": "resnet18", "method": "add",
                     "seed": seed, "metrics": {"acc": acc, "auc": 0.5, "r_at_1": None}})
    rows.append({"dataset": "demo", "comp": "c40", "backbone": "resnet18", "method": "none",
                 "seed": 0, "metrics": None})
    table = experiments.aggregate(rows)
    add = next(r for r in table if r["method"] == "add")
    assert add["seeds"] == 3
    assert add["acc"][0] == pytest.approx(0.9) and add["acc"][1] == pytest.approx(0.1)
    assert add["r_at_1"] == (None, None)
    none = next(r for r in table if r["method"] == "none")
    assert none["failed"] == 1
    text = experiments.write_tables(table, tmp_path, command="python -m add_tf.experiments x")
    assert "| demo | c40 | resnet18 | add | 3 | 90.00 ± 10.00 | 50.00 ± 0.00 | - |" in text
    assert "1 failed" in text and "Command:" in text
    with open(tmp_path / "results.csv") as f:
        csv_rows = list(csv.DictReader(f))
    assert float(csv_rows[0]["acc_mean"]) == pytest.approx(0.9)
    assert (tmp_path / "results.md").read_text() == text
