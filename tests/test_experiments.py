"""add_tf.experiments and add_tf.evaluation.grid_report: the grid plan, variants, sweeps and the
tables (no training)."""

import csv
import json
import math
import pathlib
from pathlib import Path

import matplotlib.image
import pytest

from add_tf import experiments
from add_tf.evaluation import evaluator, grid, grid_report, metrics_file


def _args(argv):
    return experiments.build_parser().parse_args(argv)


def test_plan_grid_and_shared_teacher_root(tmp_path):
    args = _args(["--datasets", "demo", "--comps", "c23", "c40", "--methods", "add", "none",
                  "--backbones", "resnet18", "--seeds", "0", "1", "2", "--out", str(tmp_path),
                  "--epochs", "2", "--set", "train.batch_size=8"])
    entries = grid.plan(args)
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
    entries = grid.plan(args)
    assert len(entries) == 4 * 4
    by_name = {grid_report.label(e): e["argv"] for e in entries}
    fr_only = by_name["add_fr[beta=8,alpha=1]"]
    assert fr_only[fr_only.index("--method") + 1] == "add_fr" and "loss.beta=8" in fr_only
    mv_nc = by_name["add_mv_nocontrast[beta=16,alpha=2]"]
    assert mv_nc[mv_nc.index("--method") + 1] == "add_mv_nocontrast" and "loss.alpha=2" in mv_nc


def test_fit_accepts_planned_argv(tmp_path):
    from add_tf import fit

    args = _args(["--methods", "add_mv_nocontrast", "--seeds", "4", "--out", str(tmp_path),
                  "--sweep", "loss.beta=20"])
    (entry,) = grid.plan(args)
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


def _row(method, seed, acc, auc=0.5, point=""):
    metrics = None if acc is None else {"acc": acc, "auc": auc, "r_at_1": None}
    return {"dataset": "demo", "comp": "c40", "backbone": "resnet18", "method": method,
            "point": point, "seed": seed, "metrics": metrics}


def test_aggregate_mean_std_and_tables(tmp_path):
    rows = [_row("add", seed, acc) for seed, acc in enumerate([0.8, 0.9, 1.0])]
    rows.append(_row("none", 0, None))
    table = grid_report.aggregate(rows)
    add = next(r for r in table if r["method"] == "add")
    assert add["seeds"] == 3
    assert add["acc"][0] == pytest.approx(0.9) and add["acc"][1] == pytest.approx(0.1)
    assert add["r_at_1"] == (None, None)
    none = next(r for r in table if r["method"] == "none")
    assert none["failed"] == 1
    text = grid_report.write_tables(table, tmp_path, command="python -m add_tf.experiments x")
    assert "| demo | c40 | resnet18 | add | 3 | 90.00 ± 10.00 | 50.00 ± 0.00 | - |" in text
    assert "1 failed" in text and "Command:" in text
    with open(tmp_path / "results.csv") as f:
        csv_rows = list(csv.DictReader(f))
    assert float(csv_rows[0]["acc_mean"]) == pytest.approx(0.9)
    assert (tmp_path / "results.md").read_text() == text


def test_unswept_baseline_is_planned_once_and_compared_with_every_point(tmp_path):
    argv = ["--methods", "none", "add", "--seeds", "0", "1", "--out", str(tmp_path),
            "--sweep", "loss.alpha=0.02,0.1"]
    swept = grid.plan(_args(argv))
    assert sorted({(e["method"], e["point"]) for e in swept}) == [
        ("add", "alpha=0.02"), ("add", "alpha=0.1"), ("none", "alpha=0.02"), ("none", "alpha=0.1")]
    entries = grid.plan(_args(argv + ["--unswept-baseline"]))
    assert [(e["method"], e["point"], e["seed"]) for e in entries if e["method"] == "none"] == [
        ("none", "", 0), ("none", "", 1)]
    baseline = next(e for e in entries if e["method"] == "none")
    assert pathlib.Path(baseline["run_dir"]).parts[-2:] == ("none", "seed0")
    assert not any(a.startswith("loss.alpha") for a in baseline["argv"])
    rows = [_row(e["method"], e["seed"], 0.7 if e["method"] == "none" else 0.8, point=e["point"])
            for e in entries]
    differences = grid_report.paired_differences(rows)
    assert sorted(d["point"] for d in differences) == ["alpha=0.02", "alpha=0.1"]
    assert all(d["acc"]["wins"] == 2 for d in differences)
    other_cell = [dict(r, dataset="faceswap") for r in rows if r["method"] == "add"]
    assert len(grid_report.paired_differences(rows + other_cell)) == 2  # no none in that cell


def test_paired_differences_seed_by_seed_with_missing_seeds():
    rows = [_row("none", 0, 0.70, 0.80), _row("none", 1, 0.75, 0.85), _row("none", 2, 0.60, None),
            _row("none", 3, None),
            _row("add", 0, 0.80, 0.90), _row("add", 1, 0.70, 0.95), _row("add", 2, 0.65, 0.70),
            _row("add", 3, 0.90, 0.90), _row("add", 4, 0.90, 0.90),
            _row("add", 0, 0.50, 0.50, point="beta=8")]  # a sweep point without its own none
    diff, swept = grid_report.paired_differences(rows)
    assert (diff["method"], diff["point"]) == ("add", "")
    # the sweep point is compared with the unswept none of its cell
    assert swept["point"] == "beta=8" and swept["acc"]["per_seed"] == pytest.approx({0: -0.20})
    # acc: seeds 0, 1, 2 are paired (none has no seed 3 or 4): +0.10, -0.05, +0.05
    assert diff["acc"]["per_seed"] == pytest.approx({0: 0.10, 1: -0.05, 2: 0.05})
    assert diff["acc"]["mean"] == pytest.approx(0.1 / 3)
    assert diff["acc"]["std"] == pytest.approx(0.076376, abs=1e-6)  # sqrt(0.035 / 3 / 2)
    assert diff["acc"]["wins"] == 2
    # auc: seed 2 of none has no AUC: +0.10, +0.10
    assert diff["auc"]["per_seed"] == pytest.approx({0: 0.10, 1: 0.10})
    assert diff["auc"]["std"] == pytest.approx(0.0, abs=1e-12) and diff["auc"]["wins"] == 2
    # paired t: t = mean / (std / sqrt(3)); with 2 degrees of freedom p = 1 - t / sqrt(t^2 + 2)
    t = (0.1 / 3) / (0.076376 / math.sqrt(3))
    assert diff["acc"]["t"] == pytest.approx(t, rel=1e-4)
    assert diff["acc"]["p"] == pytest.approx(1 - t / math.sqrt(t * t + 2), rel=1e-4)
    assert (diff["auc"]["t"], diff["auc"]["p"]) == (None, None)  # no spread
    assert (swept["acc"]["t"], swept["acc"]["p"]) == (None, None)  # one seed
    # differences equal up to rounding have no spread to test against
    assert grid_report.paired_t([0.75 - 0.7, 0.85 - 0.8]) == (None, None)


def _write_metrics(run_dir, acc, auc):
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.json").write_text(json.dumps({"test": {"acc": acc, "auc": auc}}))


def test_report_from_run_dirs_with_teacher_row_and_chart(tmp_path):
    out = tmp_path / "out"
    entries = grid.plan(_args(["--methods", "none", "add", "add_fr", "--seeds", "0", "1",
                                      "--out", str(out)]))
    accs = {("none", 0): 0.70, ("none", 1): 0.80, ("add", 0): 0.75, ("add", 1): 0.90,
            ("add_fr", 0): 0.60}  # add_fr seed 1 failed: no metrics.json
    for e in entries:
        if (e["method"], e["seed"]) in accs:
            acc = accs[e["method"], e["seed"]]
            _write_metrics(Path(e["run_dir"]), acc, acc + 0.1)
    teacher_dir = out / "runs" / "demo" / "resnet18" / "raw" / "teacher"
    assert {e["teacher_dir"] for e in entries} == {str(teacher_dir)}
    _write_metrics(teacher_dir, 0.99, 1.0)
    rows = grid.collect(entries)
    text = grid_report.write_report(rows, grid.teacher_rows(entries), out)
    lines = text.splitlines()
    assert "| demo | raw | resnet18 | teacher | 1 | 99.00 ± 0.00 | 100.00 ± 0.00 |" in lines[4]
    assert "| demo | c40 | resnet18 | add_fr | 1 (1 failed) | 60.00 ± 0.00 |" in text
    # acc: none 0.70 / 0.80, add 0.75 / 0.90 -> +0.05, +0.10: mean 0.075, std sqrt(2 * 0.025^2)
    # t = 7.5 / (3.54 / sqrt(2)) = 3; with 1 degree of freedom p = 1 - 2 atan(3) / pi = 0.205
    add_line = "| demo | c40 | resnet18 | add | +7.50 ± 3.54 | 2/2 | 3.00 (0.205) | +5.00 +10.00 |"
    assert add_line in text
    assert "| demo | c40 | resnet18 | add_fr | -10.00 ± 0.00 | 0/1 | - | -10.00 |" in text
    with open(out / "differences.csv") as f:
        diffs = {r["method"]: r for r in csv.DictReader(f)}
    assert float(diffs["add"]["acc_diff_mean"]) == pytest.approx(0.075)
    assert diffs["add"]["acc_wins"] == "2" and diffs["add_fr"]["acc_seeds"] == "1"
    assert float(diffs["add"]["acc_p"]) == pytest.approx(1 - 2 * math.atan(3) / math.pi, rel=1e-4)
    assert diffs["add_fr"]["acc_t"] == diffs["add_fr"]["acc_p"] == ""
    image = matplotlib.image.imread(out / "results.png")
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert not list(out.glob("*.tmp"))


def test_checkpoint_last_scores_each_finished_run_once_and_tabulates_it(tmp_path, monkeypatch):
    from add_tf.training import runs

    out = tmp_path / "out"
    entries = grid.plan(_args(["--methods", "none", "--seeds", "0", "1", "2",
                                      "--out", str(out), "--checkpoint", "last"]))
    scored, unfinished, stored = (Path(e["run_dir"]) for e in entries)
    for run_dir in (scored, unfinished, stored):
        _write_metrics(run_dir, 0.7, 0.8)  # the best validation's scores
    stored_metrics = json.loads((stored / "metrics.json").read_text())
    stored_metrics["test@last"] = {"acc": 0.5, "auc": 0.6}
    (stored / "metrics.json").write_text(json.dumps(stored_metrics))
    monkeypatch.setattr(runs, "is_complete", lambda run_dir: Path(run_dir) != unfinished)
    calls = []

    def fake_evaluate_run(run_dir, checkpoint=None):
        calls.append((Path(run_dir), checkpoint))
        path = Path(run_dir) / "metrics.json"
        path.write_text(json.dumps({**json.loads(path.read_text()),
                                    "test@last": {"acc": 0.9, "auc": 1.0}}))

    monkeypatch.setattr(evaluator, "evaluate_run", fake_evaluate_run)
    for entry in entries:
        grid.score_last(entry["run_dir"])
    assert calls == [(scored, metrics_file.LAST)]  # not the unfinished run, not the stored one
    rows = grid.collect(entries, checkpoint="last")
    assert [r["metrics"] for r in rows] == [{"acc": 0.9, "auc": 1.0}, None,
                                            {"acc": 0.5, "auc": 0.6}]
    assert grid.collect(entries)[0]["metrics"] == {"acc": 0.7, "auc": 0.8}
    text = grid_report.write_report(rows, [], out, checkpoint="last")
    assert "the student of each run's last validation" in text
    assert "| demo | c40 | resnet18 | none | 2 (1 failed) | 70.00 ± 28.28 |" in text
