"""`python -m add_tf.experiments`: a grid of fit runs and a results table (mean ± std over seeds).

    python -m add_tf.experiments --datasets demo --comps c40 \
        --methods add none fitnet at nl --backbones resnet18 --seeds 0 1 2 --out experiments/demo

Every cell (dataset, comp, backbone, method variant, sweep point) is trained once per seed with
`add_tf.fit` (in this process); teachers are shared through OUT/runs (one teacher per dataset,
backbone and teacher quality, trained by the first run that needs it). Finished runs are not
trained again, so an interrupted grid is resumed by running the same command.

Methods: the names of `add_tf.methods.METHODS`, the Table 2 ablation included (add_fr: FR only,
add_mv_nocontrast: MV without the contrastive term, add_mv: MV with it; FR + MV is `add`).
Sweeps (Fig. 5): `--sweep loss.alpha=0.5,1,2 --sweep loss.beta=8,16,23` adds every combination.
`--set key=value ...` applies to every run.

Outputs in OUT: runs/ (every run dir), runs.csv (one line per run), results.csv and results.md
(mean ± std over seeds, metrics in %).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import sys

from add_tf import config as config_lib
from add_tf import methods as methods_lib
from add_tf.metrics import METRIC_NAMES


def parse_sweeps(items):
    """["loss.beta=8,16"] -> [("loss.beta", ["8", "16"])]."""
    sweeps = []
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--sweep expects key=v1,v2,..., received: {item!r}")
        config_lib.Config().set(key, values.split(",")[0])  # validates the key
        sweeps.append((key, values.split(",")))
    return sweeps


def sweep_points(sweeps):
    """Every combination as a list of (key, value); [[]] when there is no sweep."""
    if not sweeps:
        return [[]]
    keys = [k for k, _ in sweeps]
    return [list(zip(keys, combo)) for combo in itertools.product(*[v for _, v in sweeps])]


def point_tag(point):
    return ",".join(f"{k.split('.')[-1]}={v}" for k, v in point)


def plan(args):
    """The list of runs: dicts with the cell keys, the seed and the fit argv."""
    sweeps = parse_sweeps(args.sweep)
    for method in args.methods:
        methods_lib.method_terms(method)  # validates the name
    runs_root = os.path.join(args.out, "runs")
    entries = []
    for dataset, comp, backbone, method, point, seed in itertools.product(
        args.datasets, args.comps, args.backbones, args.methods, sweep_points(sweeps), args.seeds
    ):
        tag = point_tag(point)
        name = method + (f"[{tag}]" if tag else "")
        run_dir = os.path.join(
            runs_root, dataset, backbone, comp, method + (f"-{tag}" if tag else ""), f"seed{seed}"
        )
        argv = [
            "--dataset", dataset, "--comp", comp, "--method", method, "--backbone", backbone,
            "--seed", str(seed), "--run-dir", run_dir, "--runs-root", runs_root,
            "--verbose", str(args.verbose),
        ]
        for flag, value in (("--data-dir", args.data_dir), ("--epochs", args.epochs),
                            ("--batch-size", args.batch_size), ("--config", args.config)):
            if value is not None:
                argv += [flag, str(value)]
        sets = list(args.set_values) + [f"{k}={v}" for k, v in point]
        if sets:
            argv += ["--set", *sets]
        entries.append({
            "dataset": dataset, "comp": comp, "backbone": backbone, "method": name,
            "seed": seed, "run_dir": run_dir, "argv": argv,
        })
    return entries


def run_one(entry):
    """Train + evaluate one run in this process; returns its test metrics or None on failure."""
    import keras

    from add_tf import fit

    metrics_path = os.path.join(entry["run_dir"], "metrics.json")
    try:
        fit.main(entry["argv"])
    except SystemExit as error:
        print(f"[experiments] run failed ({error.code}): {entry['run_dir']}", file=sys.stderr)
        return None
    finally:
        keras.backend.clear_session()
    with open(metrics_path) as f:
        return json.load(f).get("test")


def _mean_std(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


def aggregate(rows, metric_names=METRIC_NAMES):
    """Group rows by cell; mean and sample std over seeds of every metric."""
    cells = {}
    for row in rows:
        key = (row["dataset"], row["comp"], row["backbone"], row["method"])
        cells.setdefault(key, []).append(row)
    table = []
    for key, group in cells.items():
        ok = [r for r in group if r.get("metrics")]
        out = dict(zip(("dataset", "comp", "backbone", "method"), key))
        out["seeds"] = len(ok)
        out["failed"] = len(group) - len(ok)
        for name in metric_names:
            out[name] = _mean_std([r["metrics"].get(name) for r in ok])
        table.append(out)
    return table


def _pct(pair):
    mean, std = pair
    if mean is None:
        return "-"
    return f"{100 * mean:.2f} ± {100 * std:.2f}"


def write_tables(table, out_dir, metric_names=METRIC_NAMES, command=None):
    os.makedirs(out_dir, exist_ok=True)
    head = ["dataset", "comp", "backbone", "method", "seeds"]
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(head + [f"{n}_{s}" for n in metric_names for s in ("mean", "std")])
        for row in table:
            cells = [row[h] for h in head]
            for n in metric_names:
                cells += ["" if v is None else f"{v:.6f}" for v in row[n]]
            writer.writerow(cells)
    lines = []
    if command:
        lines += [f"Command: `{command}`", ""]
    lines.append("Test split, mean ± std over seeds, in %.")
    lines.append("")
    lines.append("| " + " | ".join(head + list(metric_names)) + " |")
    lines.append("|" + "---|" * (len(head) + len(metric_names)))
    for row in table:
        seeds = f"{row['seeds']}" + (f" ({row['failed']} failed)" if row["failed"] else "")
        cells = [row["dataset"], row["comp"], row["backbone"], row["method"], seeds]
        cells += [_pct(row[n]) for n in metric_names]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(text)
    return text


def build_parser():
    p = argparse.ArgumentParser(prog="python -m add_tf.experiments", description=__doc__.split("\n")[0])
    p.add_argument("--datasets", nargs="+", default=["demo"], choices=sorted(config_lib.DATASETS))
    p.add_argument("--comps", nargs="+", default=["c40"], choices=config_lib.QUALITIES)
    p.add_argument("--methods", nargs="+", default=["add", "none"],
                   help=f"from {', '.join(methods_lib.METHODS)}")
    p.add_argument("--backbones", nargs="+", default=["resnet18"], choices=config_lib.BACKBONES)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--out", default="experiments/latest")
    p.add_argument("--data-dir")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--config")
    p.add_argument("--set", dest="set_values", nargs="+", default=[], metavar="KEY=VALUE")
    p.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2,...")
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument("--dry-run", action="store_true", help="print the fit commands only")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        entries = plan(args)
    except (ValueError, KeyError) as error:
        print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.dry_run:
        for e in entries:
            print("python -m add_tf.fit " + " ".join(e["argv"]))
        return entries
    rows = []
    runs_csv = os.path.join(args.out, "runs.csv")
    os.makedirs(args.out, exist_ok=True)
    for i, entry in enumerate(entries, 1):
        print(f"[experiments] run {i}/{len(entries)}: {entry['method']} {entry['dataset']}/"
              f"{entry['comp']} {entry['backbone']} seed {entry['seed']}", flush=True)
        rows.append({**entry, "metrics": run_one(entry)})
        with open(runs_csv, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["dataset", "comp", "backbone", "method", "seed", "run_dir",
                             *METRIC_NAMES])
            for r in rows:
                m = r["metrics"] or {}
                writer.writerow([r["dataset"], r["comp"], r["backbone"], r["method"], r["seed"],
                                 r["run_dir"], *[m.get(n, "") for n in METRIC_NAMES]])
    table = aggregate(rows)
    text = write_tables(table, args.out, command="python -m add_tf.experiments " + " ".join(argv))
    print(text)
    return table


if __name__ == "__main__":
    main()
