"""add_tf.evaluation.grid_plan: the runs of a grid (cells, methods, sweeps, seeds, the unswept
baseline), their fit argv, run dirs and shared teachers; records folders as cells."""

import json
import pathlib

import pytest

from add_tf import experiments
from add_tf.evaluation import grid_plan, grid_report
from grid_rows import grid_row


def _args(argv):
    return experiments.build_parser().parse_args(argv)


def test_plan_grid_and_shared_teacher(tmp_path):
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
    # every run of the cell, whatever its quality, distils from one raw teacher under the root
    assert {(e["teacher_dir"], e["teacher_comp"]) for e in entries} == {
        (str(tmp_path / "runs" / "demo" / "resnet18" / "raw" / "teacher"), "raw")}


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


@pytest.mark.parametrize("item, error, message", [
    ("loss.beta", ValueError, "--sweep expects key=v1,v2,..., received: 'loss.beta'"),
    ("loss.beta=", ValueError, "--sweep expects key=v1,v2"),
    ("loss.gamma=1,2", KeyError, "loss.gamma"),
])
def test_a_sweep_item_is_checked_before_planning(item, error, message):
    with pytest.raises(error, match=message):
        grid_plan.parse_sweeps([item])


def test_sweep_points_are_every_combination_tagged_by_their_short_keys():
    sweeps = grid_plan.parse_sweeps(["loss.beta=8,16", "train.seed=1,2,3"])
    points = grid_plan.sweep_points(sweeps)
    assert len(points) == 6 and points[0] == [("loss.beta", "8"), ("train.seed", "1")]
    assert [grid_plan.point_tag(p) for p in points[:2]] == ["beta=8,seed=1", "beta=8,seed=2"]
    assert grid_plan.sweep_points([]) == [[]] and grid_plan.point_tag([]) == ""


def test_an_unknown_method_is_refused_before_planning(tmp_path):
    with pytest.raises(ValueError, match="Received: method='add_fr_mv'"):
        grid_plan.plan(_args(["--methods", "none", "add_fr_mv", "--out", str(tmp_path)]))


def test_a_records_folder_is_a_cell_named_by_its_manifest(tmp_path):
    records = tmp_path / "celeb"
    records.mkdir()
    counts = {"original": {"examples": 8}, "CelebDF": {"examples": 8}}
    (records / "manifest.json").write_text(json.dumps({
        "settings": {"methods": ["original", "CelebDF"], "qualities": ["c23", "c40"],
                     "size": 32, "set": "celebdf"},
        "counts": {split: counts for split in ("train", "val", "test")}}))
    (entry,) = grid_plan.plan(_args(["--records", str(records), "--comps", "c40", "--methods",
                                     "add", "--seeds", "0", "--out", str(tmp_path / "out")]))
    runs = tmp_path / "out" / "runs" / "celebdf" / "resnet50"  # add_tf.fit's default
    assert entry["dataset"] == "celebdf" and entry["run_dir"] == str(runs / "c40" / "add" / "seed0")
    assert entry["argv"][:2] == ["--records", str(records)] and "--dataset" not in entry["argv"]
    # no raw crops in these records: the teacher trains on their best quality
    assert (entry["teacher_comp"], entry["teacher_dir"]) == ("c23", str(runs / "c23" / "teacher"))


def test_without_backbones_each_set_trains_fits_default(tmp_path):
    """No --backbones: each set's runs use the backbone add_tf.fit would (the demo's resnet18,
    resnet50 elsewhere), in the run dir and the argv alike; a run's data.* checked at planning."""
    args = _args(["--datasets", "demo", "faceswap", "--methods", "none", "--seeds", "0",
                  "--out", str(tmp_path), "--set", "model.weights=null"])
    by_set = {e["dataset"]: e for e in grid_plan.plan(args)}
    for dataset, backbone in (("demo", "resnet18"), ("faceswap", "resnet50")):
        entry = by_set[dataset]
        assert entry["backbone"] == backbone
        assert pathlib.Path(entry["run_dir"]).parts[-4] == backbone
        assert entry["argv"][entry["argv"].index("--backbone") + 1] == backbone
    with pytest.raises(ValueError, match="data.fakes"):
        grid_plan.plan(_args(["--datasets", "demo", "--out", str(tmp_path),
                              "--set", "data.fakes=[Demo]"]))
