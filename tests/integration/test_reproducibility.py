"""Same seed, same bytes: the demo generator, the record preparation (whichever Beam runner)
and a training run are functions of their inputs."""

import hashlib
import json
import pathlib

from add_tf import fit
from add_tf.synthetic.tree import generate_demo_tree
from tiny_prepare import prepare_tiny


def _digests(folder, pattern="*"):
    """{relative path: sha256} of the files under `folder` matching `pattern`."""
    folder = pathlib.Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob(pattern)) if p.is_file()}


def test_demo_and_records_are_functions_of_the_seed(tiny_tree, tiny_data_dir, tmp_path):
    """A second generation with the conftest's seed gives the same bytes in every file of every
    quality; prepared with Beam's multi-processing runner (two workers) instead of the in-memory
    one, it gives the same shards."""
    again = tmp_path / "ffpp"
    generate_demo_tree(str(again), seed=1, num_ids=6, frames=8, size=64)
    first, second = _digests(tiny_tree), _digests(again)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert any(name.endswith(".mp4") and "/c40/" in name for name in first)

    records = tmp_path / "records"
    prepare_tiny(again, records, "--direct_running_mode=multi_processing",
                 "--direct_num_workers=2")
    shards = _digests(tiny_data_dir / "demo", "*.tfrecord")
    assert shards and shards == _digests(records, "*.tfrecord")


def test_the_same_command_gives_the_same_table(tmp_path, tiny_data_dir):
    """The demo comparison's teacher and ADD student trained twice, each time from nothing in a
    fresh runs root on the same records (the demo's default: deterministic ops): every logged
    value of every validation of both is the same (order, flips, projections, pairs, ops)."""
    results = []
    for name in ("a", "b"):
        runs_root = tmp_path / name
        run_dir = pathlib.Path(fit.main([
            "--data-dir", str(tiny_data_dir), "--runs-root", str(runs_root), "--method", "add",
            "--no-evaluate", "--set", "train.epochs=1", "train.validations_per_epoch=2",
            "train.batch_size=16"]))
        teacher = runs_root / "demo" / "resnet18" / "raw" / "teacher"
        results.append([json.loads((d / "checkpoints" / "backup" / "state.json").read_text())
                        ["tracker"]["history"] for d in (teacher, run_dir)])
    assert results[0] == results[1]
    assert {"fr", "mv", "val_acc"} <= set(results[0][1][-1])
