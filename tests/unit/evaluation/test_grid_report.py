"""add_tf.evaluation.grid_report: mean ± std tables and paired differences seed by seed."""

import csv
import math

import pytest

from add_tf.evaluation import grid_report
from grid_rows import grid_row


def test_aggregate_mean_std_and_tables(tmp_path):
    rows = [grid_row("add", seed, acc) for seed, acc in enumerate([0.8, 0.9, 1.0])]
    rows.append(grid_row("none", 0, None))
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


def test_paired_differences_seed_by_seed_with_missing_seeds():
    rows = [grid_row("none", 0, 0.70, 0.80), grid_row("none", 1, 0.75, 0.85),
            grid_row("none", 2, 0.60, None), grid_row("none", 3, None),
            grid_row("add", 0, 0.80, 0.90), grid_row("add", 1, 0.70, 0.95),
            grid_row("add", 2, 0.65, 0.70), grid_row("add", 3, 0.90, 0.90),
            grid_row("add", 4, 0.90, 0.90),
            grid_row("add", 0, 0.50, 0.50, point="beta=8")]  # a sweep point without its own none
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
