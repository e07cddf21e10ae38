"""add_tf.evaluation.grid: the plan (variants, sweeps, the unswept baseline), the report of its
run dirs, and scoring each run's last checkpoint (no training)."""

import csv
import json
import math
import pathlib
from pathlib import Path

import matplotlib.image
import pytest

from add_tf import experiments
from add_tf.evaluation import evaluator, grid, grid_plan, grid_report, metrics_file
from grid_rows import grid_row


def _args(argv):
    return experiments.build_parser().parse_args(argv)


def test_plan_grid_and_shared_teacher_root(tmp_path):
    args = _args(["--datasets", "demo", "--comps", "c23", "c40", "--methods", "add", "none",
                  "--backbones", "resnet18", "--seeds", "0", "1", "2", "--out", str(tmp_path),
                  "--epochs", "2", "--set", "train.batch_size=8"])
    entries = grid_plan.plan(args)
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
    entries = grid_plan.plan(args)
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
    (entry,) = grid_plan.plan(args)
    config = fit.resolve_config(fit.build_parser().parse_args(entry["argv"]))
    assert config.loss.method == "add_mv_nocontrast" and config.loss.beta == 20
    assert config.train.seed == 4


def test_unswept_baseline_is_planned_once_and_compared_with_every_point(tmp_path):
    argv = ["--methods", "none", "add", "--seeds", "0", "1", "--out", str(tmp_path),
            "--sweep", "loss.alpha=0.02,0.1"]
    swept = grid_plan.plan(_args(argv))
    assert sorted({(e["method"], e["point"]) for e in swept}) == [
        ("add", "alpha=0.02"), ("add", "alpha=0.1"), ("none", "alpha=0.02"), ("none", "alpha=0.1")]
    entries = grid_plan.plan(_args(argv + ["--unswept-baseline"]))
    assert [(e["method"], e["point"], e["seed"]) for e in entries if e["method"] == "none"] == [
        ("none", "", 0), ("none", "", 1)]
    baseline = next(e for e in entries if e["method"] == "none")
    assert pathlib.Path(baseline["run_dir"]).parts[-2:] == ("none", "seed0")
    assert not any(a.startswith("loss.alpha") for a in baseline["argv"])
    rows = [grid_row(e["method"], e["seed"], 0.7 if e["method"] == "none" else 0.8,
                     point=e["point"]) for e in entries]
    differences = grid_report.paired_differences(rows)
    assert sorted(d["point"] for d in differences) == ["alpha=0.02", "alpha=0.1"]
    assert all(d["acc"]["wins"] == 2 for d in differences)
    other_cell = [dict(r, dataset="faceswap") for r in rows if r["method"] == "add"]
    assert len(grid_report.paired_differences(rows + other_cell)) == 2  # no none in that cell


def _write_metrics(run_dir, acc, auc):
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.json").write_text(json.dumps({"test": {"acc": acc, "auc": auc}}))


def test_report_from_run_dirs_with_teacher_row_and_chart(tmp_path):
    out = tmp_path / "out"
    entries = grid_plan.plan(_args(["--methods", "none", "add", "add_fr", "--seeds", "0", "1",
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
    entries = grid_plan.plan(_args(["--methods", "none", "--seeds", "0", "1", "2",
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
