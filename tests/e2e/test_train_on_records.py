"""add_tf.fit --records end to end on sets of every layout pipelines.prepare writes but FF++'s:
a real/ + fake/ folders tree of videos and images, the Celeb-DF v2 and the DFDC fixture trees,
each made c40 by `pipelines.compress --layout ...` and prepared with both qualities; a teacher
(the best quality, c23) and an ADD student (c40) trained on each, the student scored on another
set; the bad inputs of --records; an experiments grid over such sets."""

import csv
import json
import pathlib

import pytest
import yaml

from add_tf import evaluate, experiments, fit
from pipelines import compress
from tiny_models import TINY_FIT
from tiny_prepare import celebdf_tree, dfdc_tree, folders_tree, prepare_layout, write_clip

# tiny runs on 32-px crops (the size of tiny_prepare's records); ResNet18 from random weights
# (the ImageNet default of every set but the demo would download)
TINY = ["--backbone", "resnet18", "--verbose", "0", *TINY_FIT, "model.weights=null"]
FAST_COMPRESS = ["--workers", "1", "--preset", "ultrafast"]


def _folders(root):
    """tiny_prepare.folders_tree (real/a.mp4, real/alice/*.png, fake/b.mp4, fake/alice/0001.png,
    a corrupt image, a text file) with the other class of a and b and a pair c, so that the
    72/14/14 split by first name puts both classes in every split: a and alice in train, c in
    val, b in test."""
    folders_tree(root)
    write_clip(root / "fake" / "a.mp4", 6)
    write_clip(root / "real" / "b.mp4", 7)
    write_clip(root / "real" / "c.mp4", 8)
    write_clip(root / "fake" / "c.mp4", 9)
    return root


def _reasons(manifest):
    return {s["item"]: s["reason"] for s in manifest.get("skipped", [])}


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """{layout: (tree, records dir, manifest)} of the three sets made c40 and prepared with
    both qualities, plus "dfdc_c23": the DFDC set prepared before its compression (c23 only).
    The records are named by their manifests: "mine" (--name, not the folder's name),
    "celebdf" (the folder's), "dfdc_parts" (--name)."""
    base = tmp_path_factory.mktemp("records")
    prepared = base / "prepared"
    dfdc, celebdf = dfdc_tree(base / "dfdc"), celebdf_tree(base / "celebdf")
    out = {"dfdc_c23": (dfdc, prepared / "dfdc_c23",
                        prepare_layout("dfdc", dfdc, prepared / "dfdc_c23"))}

    folders = _folders(base / "folders")
    assert compress.main(["--layout", "folders", "--root", str(folders), "--to", "c40",
                          *FAST_COMPRESS])["ok"] == 6  # the videos; images are not compressed
    for tree, corrupt in ((celebdf, "Celeb-real/id5_0000.mp4"),
                          (dfdc, "dfdc_train_part_0/e.mp4")):  # exit 1: the corrupt video
        result = compress.run(["--layout", tree.name, "--root", str(tree), *FAST_COMPRESS])
        assert [src for src, _ in result["failed"]] == [str(tree / corrupt)]
    for layout, tree, records, name in (
            ("folders", folders, prepared / "records_folders", ["--name", "mine"]),
            ("celebdf", celebdf, prepared / "celebdf", []),
            ("dfdc", dfdc, prepared / "dfdc", ["--name", "dfdc_parts"])):
        out[layout] = (tree, records, prepare_layout(layout, tree, records, *name))
    for layout in ("folders", "celebdf", "dfdc"):
        manifest = out[layout][2]
        assert manifest["settings"]["qualities"] == ["c23", "c40"], layout
        for split in ("train", "test"):
            counts = {k: v["examples"] for k, v in manifest["counts"][split].items()}
            assert counts.get("original") and sum(counts.values()) > counts["original"], (
                layout, split, counts)
    return out


def test_the_folders_set_holds_videos_and_images_and_its_c40_the_videos(sets):
    """Both classes hold videos and images; compress makes c40 of the videos (images are not
    compressed), so the two-quality records hold the videos' faces and name each image left
    out for its missing c40."""
    tree, _, manifest = sets["folders"]
    for folder in ("real", "fake"):
        assert list((tree / folder).glob("*.mp4")) and list((tree / folder).rglob("*.png"))
    assert (tree / "c40" / "real" / "a.mp4").is_file()
    assert not (tree / "c40" / "real" / "alice").exists()
    reasons = _reasons(manifest)
    for image in ("original/real/alice/0001.png", "original/real/alice/0002.png",
                  "Fake/fake/alice/0001.png"):
        assert reasons[image] == "missing quality c40 (has: c23)"
    assert manifest["settings"]["set"] == "mine"
    assert {split: {k: v["examples"] for k, v in counts.items()}
            for split, counts in manifest["counts"].items()} == {
        split: {"original": 4, "Fake": 4} for split in ("train", "val", "test")}


def _config(run_dir):
    return yaml.safe_load((run_dir / "config.yaml").read_text())


def _json(path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("layout, name, other, other_name", [
    ("folders", "mine", "celebdf", "celebdf"),
    ("celebdf", "celebdf", "dfdc", "dfdc_parts"),
    ("dfdc", "dfdc_parts", "folders", "mine"),
])
def test_teacher_and_add_student_on_records_scored_on_another_set(
        sets, tmp_path, capsys, layout, name, other, other_name):
    """fit --records DIR --comp c40: the auto teacher on the best quality the records hold
    (c23), the ADD student on c40, both in run dirs named by the manifest's set name, their
    test metrics in metrics.json and the model card; evaluate --records OTHER stores the score
    under the other set's key."""
    _, records, _ = sets[layout]
    runs_root = tmp_path / "runs"
    run_dir = pathlib.Path(fit.main(["--records", str(records), "--comp", "c40",
                                     "--runs-root", str(runs_root), *TINY]))
    out = capsys.readouterr().out
    assert f"Test results ({name}):" in out and "teacher (c23)" in out and "add (c40)" in out
    assert run_dir == runs_root / name / "resnet18" / "c40" / "add-seed0"
    teacher_dir = runs_root / name / "resnet18" / "c23" / "teacher"
    assert sorted(p.name for p in (runs_root / name / "resnet18").iterdir()) == ["c23", "c40"]

    student, teacher = _config(run_dir), _config(teacher_dir)
    assert student["data"] == {
        "dataset": name, "records": str(records), "fakes": None, "comp": "c40",
        "teacher_comp": "c23", "balance": "none", "data_dir": "data"}
    assert (student["loss"]["method"], student["model"]["image_size"]) == ("add", 32)
    assert (teacher["data"]["dataset"], teacher["data"]["comp"], teacher["loss"]["method"]) == (
        name, "c23", "none")
    card = _json(run_dir / "model_card.json")
    assert {k: card["training_set"][k] for k in ("dataset", "student_quality", "teacher_quality",
                                                 "frames_per_video")} == {
        "dataset": name, "student_quality": "c40", "teacher_quality": "c23",
        "frames_per_video": 4}
    assert (card["method"], card["training"]["done"], card["warnings"]) == ("add", True, [])
    assert (run_dir / "teacher.keras").is_file()
    # the same folder spelt otherwise is the same request: the finished run, not trained again
    assert fit.main(["--records", f"{records}/", "--comp", "c40", "--runs-root",
                     str(runs_root), *TINY]) == str(run_dir)
    assert "already trained; skipping" in capsys.readouterr().out

    faces = sum(sets[layout][2]["counts"]["test"][k]["examples"]
                for k in sets[layout][2]["counts"]["test"])
    for directory in (run_dir, teacher_dir):
        metrics = _json(directory / "metrics.json")
        assert set(metrics["test"]) >= {"acc", "auc", "eer", "ap", "video_auc", "video_acc"}
        assert metrics["test"]["frames"] == faces
        assert metrics["run"]["dataset"] == name
    assert card["test_metrics"]["test"] == _json(run_dir / "metrics.json")["test"]

    _, other_records, other_manifest = sets[other]
    result = evaluate.main(["--run", str(run_dir), "--records", str(other_records)])
    key = f"test_{other_name}_c40"
    stored = _json(run_dir / "metrics.json")
    assert stored[key] == result
    assert result["frames"] == sum(v["examples"] for v in other_manifest["counts"]["test"].values())
    assert stored["test"] == card["test_metrics"]["test"]  # the own score untouched


def _fails(argv, capsys, *names):
    with pytest.raises(SystemExit) as info:
        fit.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for name in names:
        assert str(name) in err, (name, err)
    return err


def test_bad_records_stop_with_one_line_before_any_work(sets, tmp_path, capsys):
    """fit --records: a folder without manifest, a damaged manifest, --fakes naming a set the
    records do not hold, ADD on records of one quality (the message names the compress
    command), --dataset and --records together: exit 2, one line, nothing in the runs root."""
    runs_root = tmp_path / "runs"
    args = ["--comp", "c40", "--runs-root", str(runs_root), *TINY]
    empty = tmp_path / "empty"
    empty.mkdir()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "manifest.json").write_text('{"settings": {"set"')
    _, celebdf, _ = sets["celebdf"]
    dfdc_tree_dir, dfdc_c23, _ = sets["dfdc_c23"]

    _fails(["--records", str(empty), *args], capsys, f"No manifest.json in {empty}",
           "pipelines.prepare")
    _fails(["--records", str(damaged), *args], capsys, damaged / "manifest.json",
           "not valid JSON")
    _fails(["--records", str(celebdf), "--fakes", "DFDC", *args], capsys,
           "hold no fake set 'DFDC'; they hold: CelebDF")
    err = _fails(["--records", str(dfdc_c23), "--method", "add", *args], capsys,
                 "hold one quality (c23)",
                 f"python -m pipelines.compress --layout dfdc --root {dfdc_tree_dir} --to c40")
    assert "--method none" in err
    _fails(["--dataset", "demo", "--records", str(celebdf), *args], capsys,
           "--dataset", "--records")
    assert not runs_root.exists()


def test_experiments_on_records_name_the_sets_by_their_manifests(sets, tmp_path):
    """experiments --records A B --eval-records C: one run per set in OUT/runs/<set name>/...,
    and results.md / runs.csv name the sets (rows) and the cross set (columns) by their
    manifest names."""
    out = tmp_path / "grid"
    (_, folders, _), (_, dfdc, _), (_, celebdf, _) = sets["folders"], sets["dfdc"], sets["celebdf"]
    rows = experiments.main(["--records", str(folders), str(dfdc), "--methods", "none",
                             "--seeds", "0", "--comps", "c40", "--backbones", "resnet18",
                             "--set", *TINY_FIT[1:], "model.weights=null", "--verbose", "0",
                             "--eval-records", str(celebdf), "--out", str(out)])
    assert [row["dataset"] for row in rows] == ["mine", "dfdc_parts"]
    for name in ("mine", "dfdc_parts"):
        run_dir = out / "runs" / name / "resnet18" / "c40" / "none" / "seed0"
        metrics = _json(run_dir / "metrics.json")
        assert "acc" in metrics["test"] and "test_celebdf_c40" in metrics
    with open(out / "runs.csv") as f:
        runs_csv = list(csv.DictReader(f))
    assert [(r["dataset"], r["method"], r["comp"]) for r in runs_csv] == [
        ("mine", "none", "c40"), ("dfdc_parts", "none", "c40")]
    results = (out / "results.md").read_text()
    table = [line.split("|")[1:-1] for line in results.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in table[0]]
    assert {"celebdf.acc", "celebdf.auc", "celebdf.video_auc"} <= set(header)
    assert [cell.strip() for cell in table[1]][:4] == ["mine", "c40", "resnet18", "none"]
    assert [cell.strip() for cell in table[2]][:4] == ["dfdc_parts", "c40", "resnet18", "none"]
