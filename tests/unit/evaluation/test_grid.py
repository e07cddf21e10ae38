"""add_tf.evaluation.grid: the report of a grid's run dirs, and scoring each run's last checkpoint
(no training)."""

import csv
import json
import math
from pathlib import Path

import matplotlib.image
import pytest

from add_tf import experiments
from add_tf.core.names import LAST
from add_tf.evaluation import evaluator, grid, grid_plan, grid_report


def _args(argv):
    return experiments.build_parser().parse_args(argv)


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
    assert calls == [(scored, LAST)]  # not the unfinished run, not the stored one
    rows = grid.collect(entries, checkpoint="last")
    assert [r["metrics"] for r in rows] == [{"acc": 0.9, "auc": 1.0}, None,
                                            {"acc": 0.5, "auc": 0.6}]
    assert grid.collect(entries)[0]["metrics"] == {"acc": 0.7, "auc": 0.8}
    text = grid_report.write_report(rows, [], out, checkpoint="last")
    assert "the student of each run's last validation" in text
    assert "| demo | c40 | resnet18 | none | 2 (1 failed) | 70.00 ± 28.28 |" in text
