"""The tables and the chart of a grid of runs (`add_tf.experiments`): mean ± std over seeds per
cell and method, every method's per-seed paired difference against `none` with its paired t-test,
and a PNG with error bars. Every file is written to a temporary name and renamed.

A row is a run: {"dataset", "comp", "backbone", "method", "point" (its sweep tag), "seed",
"run_dir", "metrics" (the test metrics, None when it has none)}."""

from __future__ import annotations

import csv
import io
import math
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

from add_tf.core import atomic
from add_tf.core.methods import BASELINE
from add_tf.core.names import BEST, METRIC_NAMES

DIFFERENCE_METRICS = ("acc", "auc")  # paired differences against none, and the chart
# metrics are fractions: differences closer than this are rounding, not spread (a t-test on
# them would divide by rounding noise)
SPREAD_TOLERANCE = 1e-9


def label(row):
    """The method column: the method and its sweep point, e.g. "add[beta=8]"."""
    return row["method"] + (f"[{row['point']}]" if row["point"] else "")


def _finite(value):
    return value is not None and not math.isnan(value)


def _mean_std(values):
    """Mean and sample standard deviation (n - 1) of the finite values; std 0 for one value."""
    values = np.array([v for v in values if _finite(v)], np.float64)
    if not values.size:
        return None, None
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def aggregate(rows, metric_names=METRIC_NAMES):
    """Group rows by cell and method; mean and sample std over seeds of every metric."""
    cells = {}
    for row in rows:
        key = (row["dataset"], row["comp"], row["backbone"], row["method"], row["point"])
        cells.setdefault(key, []).append(row)
    table = []
    for key, group in cells.items():
        ok = [r for r in group if r.get("metrics")]
        out = dict(zip(("dataset", "comp", "backbone", "method", "point"), key))
        out["seeds"] = len(ok)
        out["failed"] = len(group) - len(ok)
        for name in metric_names:
            out[name] = _mean_std([r["metrics"].get(name) for r in ok])
        table.append(out)
    return table


def paired_t(differences):
    """Paired t-test of per-seed differences against 0 (`scipy.stats.ttest_1samp`):
    (t, two-sided p); (None, None) with fewer than two seeds or differences equal to within
    `SPREAD_TOLERANCE` (e.g. +1 point in every seed: no spread to test against). t = mean /
    (std / sqrt(n)), so "mean above its std" is t above sqrt(n)."""
    if len(differences) < 2 or max(differences) - min(differences) <= SPREAD_TOLERANCE:
        return None, None
    result = stats.ttest_1samp(differences, 0.0)
    return float(result.statistic), float(result.pvalue)


def paired_differences(rows, baseline=BASELINE, metric_names=DIFFERENCE_METRICS):
    """Per cell (dataset, comp, backbone, sweep point), every other method minus `baseline`,
    seed by seed: for each metric {"per_seed": {seed: diff}, "mean", "std" (sample, over
    seeds), "wins" (seeds where the method is above the baseline), "t", "p" (`paired_t`)}. Only
    seeds where both runs have the metric count. A sweep point without baseline runs of its own
    is compared with the unswept baseline of its cell (`--unswept-baseline`); with neither, it
    has no rows."""
    by_cell = {}
    for row in rows:
        if row.get("metrics"):
            cell = (row["dataset"], row["comp"], row["backbone"], row["point"])
            by_cell.setdefault(cell, {}).setdefault(row["method"], {})[row["seed"]] = row["metrics"]
    table = []
    for (dataset, comp, backbone, point), methods in by_cell.items():
        base = methods.get(baseline) or by_cell.get((dataset, comp, backbone, ""), {}).get(baseline)
        if base is None:
            continue
        for method, seeds in methods.items():
            if method == baseline:
                continue
            out = {"dataset": dataset, "comp": comp, "backbone": backbone, "method": method,
                   "point": point}
            for name in metric_names:
                per_seed = {
                    seed: metrics[name] - base[seed][name]
                    for seed, metrics in sorted(seeds.items())
                    if seed in base and _finite(metrics.get(name)) and _finite(base[seed].get(name))
                }
                mean, std = _mean_std(list(per_seed.values()))
                t, p = paired_t(list(per_seed.values()))
                out[name] = {"per_seed": per_seed, "mean": mean, "std": std,
                             "wins": sum(d > 0 for d in per_seed.values()), "t": t, "p": p}
            table.append(out)
    return table


def _pct(mean, std, sign=""):
    if mean is None:
        return "-"
    return f"{100 * mean:{sign}.2f} ± {100 * std:.2f}"


def _csv_text(header, lines):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


def write_runs_csv(rows, out_dir):
    """OUT/runs.csv: one line per run and its test metrics."""
    lines = [[r["dataset"], r["comp"], r["backbone"], label(r), r["seed"], r["run_dir"],
              *[(r["metrics"] or {}).get(n, "") for n in METRIC_NAMES]] for r in rows]
    atomic.write_text(os.path.join(out_dir, "runs.csv"), _csv_text(
        ["dataset", "comp", "backbone", "method", "seed", "run_dir", *METRIC_NAMES], lines))


def write_tables(table, out_dir, metric_names=METRIC_NAMES, command=None, differences=(),
                 checkpoint=BEST):
    """results.csv (mean and std columns), results.md (metrics in %) and, given `differences`
    (`paired_differences`), differences.csv and their table in results.md; returns results.md."""
    head = ["dataset", "comp", "backbone", "method", "seeds"]
    lines = [[row[h] for h in head[:3]] + [label(row), row["seeds"]]
             + ["" if v is None else f"{v:.6f}" for n in metric_names for v in row[n]]
             for row in table]
    atomic.write_text(os.path.join(out_dir, "results.csv"), _csv_text(
        head + [f"{n}_{s}" for n in metric_names for s in ("mean", "std")], lines))
    text = []
    if command:
        text += [f"Command: `{command}`", ""]
    scored = ("the student of each run's best validation" if checkpoint == BEST else
              "the student of each run's last validation (teachers: their best)")
    text += [f"Test split, {scored}; mean ± std over seeds, in %.", "",
             "| " + " | ".join(head + list(metric_names)) + " |",
             "|" + "---|" * (len(head) + len(metric_names))]
    for row in table:
        seeds = f"{row['seeds']}" + (f" ({row['failed']} failed)" if row["failed"] else "")
        cells = [row["dataset"], row["comp"], row["backbone"], label(row), seeds]
        text.append("| " + " | ".join(cells + [_pct(*row[n]) for n in metric_names]) + " |")
    if differences:
        text += _difference_lines(differences, out_dir)
    text = "\n".join(text) + "\n"
    atomic.write_text(os.path.join(out_dir, "results.md"), text)
    return text


def _difference_lines(differences, out_dir, names=DIFFERENCE_METRICS):
    """Writes differences.csv; returns the lines of the paired-difference table of results.md."""
    header = ["dataset", "comp", "backbone", "method"]
    for n in names:
        header += [f"{n}_seeds", f"{n}_diff_mean", f"{n}_diff_std", f"{n}_wins", f"{n}_t",
                   f"{n}_p", f"{n}_diff_per_seed"]
    lines, text = [], []
    for row in differences:
        line = [row["dataset"], row["comp"], row["backbone"], label(row)]
        cells = list(line)
        for n in names:
            d = row[n]
            mean, std = ("", "") if d["mean"] is None else (f"{d['mean']:.6f}", f"{d['std']:.6f}")
            t, p = ("", "") if d["t"] is None else (f"{d['t']:.4f}", f"{d['p']:.6g}")
            line += [len(d["per_seed"]), mean, std, d["wins"], t, p,
                     " ".join(f"{seed}:{v:.6f}" for seed, v in d["per_seed"].items())]
            cells += [_pct(d["mean"], d["std"], "+"), f"{d['wins']}/{len(d['per_seed'])}",
                      "-" if d["t"] is None else f"{d['t']:.2f} ({d['p']:.3g})",
                      " ".join(f"{100 * v:+.2f}" for v in d["per_seed"].values()) or "-"]
        lines.append(line)
        text.append("| " + " | ".join(cells) + " |")
    atomic.write_text(os.path.join(out_dir, "differences.csv"), _csv_text(header, lines))
    head = ["dataset", "comp", "backbone", "method"]
    for n in names:
        head += [f"{n} diff", f"{n} wins", f"{n} t (p)", f"{n} per seed"]
    return ["", "Paired difference against none (same cell, or its unswept none, and seed), mean "
            "± std over seeds, in points; wins: seeds where the method is above none; t (p): "
            "paired t-test of the differences against 0, two-sided p, uncorrected for the grid's "
            "many comparisons (only a test fixed before its runs is confirmatory); -: fewer "
            "than two seeds or no spread.", "",
            "| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + text


def write_chart(table, path, metric_names=DIFFERENCE_METRICS):
    """A PNG (Agg) of each metric per row of `table` (`aggregate`'s), mean with std error bars,
    in %; teacher grey, none dark grey. Written to a temporary name and renamed."""
    students = [r for r in table if r["method"] != "teacher"]
    several = (len({(r["dataset"], r["backbone"]) for r in table}) > 1
               or len({r["comp"] for r in students}) > 1)
    labels = [(f"teacher ({r['comp']})" if r["method"] == "teacher" else label(r))
              + (f"\n{r['dataset']}/{r['comp']}/{r['backbone']}" if several else "")
              for r in table]
    colours = ["0.7" if r["method"] == "teacher" else "0.35" if r["method"] == BASELINE else "C0"
               for r in table]
    figure = Figure(figsize=(len(metric_names) * max(4.0, 0.6 * len(table)), 4.5))
    FigureCanvasAgg(figure)
    for i, name in enumerate(metric_names):
        axes = figure.add_subplot(1, len(metric_names), i + 1)
        means = [math.nan if r[name][0] is None else 100 * r[name][0] for r in table]
        stds = [0.0 if r[name][1] is None else 100 * r[name][1] for r in table]
        axes.bar(range(len(table)), means, yerr=stds, capsize=3, color=colours)
        axes.set_xticks(range(len(table)), labels, rotation=45, ha="right", fontsize=8)
        axes.set_ylabel(f"{name} (%)" if "." in name else f"test {name} (%)")
        shown = [(m - s, m + s) for m, s in zip(means, stds) if not math.isnan(m)]
        low = min((lo for lo, _ in shown), default=0.0)
        high = max((hi for _, hi in shown), default=100.0)
        axes.set_ylim(max(0.0, low - 5.0), max(100.0, high) + 1.0)
        axes.set_title(f"test {name}, mean ± std over seeds", fontsize=9)
        axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    with atomic.replacing(path) as tmp:
        figure.savefig(tmp, format="png", dpi=120)


def write_report(rows, teachers, out_dir, command=None, metric_names=METRIC_NAMES,
                 checkpoint=BEST):
    """results.md / results.csv, differences.csv and results.png in `out_dir` from the runs'
    rows (scored with the `checkpoint` student) and the teachers' reference rows; returns the
    text of results.md."""
    os.makedirs(out_dir, exist_ok=True)
    table = aggregate(list(teachers) + list(rows), metric_names)
    text = write_tables(table, out_dir, metric_names, command=command,
                        differences=paired_differences(rows), checkpoint=checkpoint)
    cross_auc = tuple(name for name in metric_names if name.endswith(".auc"))  # --eval-records
    write_chart(table, os.path.join(out_dir, "results.png"), DIFFERENCE_METRICS + cross_auc)
    return text
