"""add_tf.fit on the tiny demo data: a non-finite loss and a truncated shard stop the run with a
message; training, validation and the check of the inputs never read the test split."""

import json
import os

import pytest

from add_tf import fit
from add_tf.training import one_run
from tiny_models import TINY_FIT


def test_non_finite_loss_stops_with_message(tmp_path, capsys, tiny_data_dir):
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "none", "--comp", "raw", "--data-dir", str(tiny_data_dir),
                  "--run-dir", str(tmp_path / "run"), "--no-evaluate", *TINY_FIT,
                  "model.weights=null", "train.learning_rate=1e30", "train.warmup_fraction=0"])
    err = capsys.readouterr().err
    assert info.value.code == 1
    assert "became" in err and "last good checkpoint" in err
    assert not (tmp_path / "run" / "student.keras").exists()


def test_truncated_shard_stops_with_its_name(tmp_path, capsys, tiny_data_dir):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(tiny_data_dir, data)
    shard = sorted((data / "demo" / "train").glob("Demo-*.tfrecord"))[0]
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "none", "--comp", "raw", "--data-dir", str(data),
                  "--run-dir", str(tmp_path / "run"), "--no-evaluate", *TINY_FIT,
                  "model.weights=null"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert str(shard) in err and "pipelines.prepare" in err
    assert not (tmp_path / "run" / "student.keras").exists()


def test_overwrite_trains_a_changed_config_again(tmp_path, capsys, tiny_data_dir):
    """A finished run and a changed setting: refused before any work, then trained again from
    scratch with --overwrite (the old run's files gone, other files kept)."""
    import yaml

    run_dir = tmp_path / "run"
    argv = ["--method", "none", "--comp", "raw", "--data-dir", str(tiny_data_dir),
            "--run-dir", str(run_dir), "--no-evaluate", "--verbose", "0", *TINY_FIT,
            "model.weights=null"]
    fit.main(argv)
    (run_dir / "notes.txt").write_text("mine")
    first = (run_dir / "student.keras").stat().st_mtime_ns
    with pytest.raises(SystemExit) as info:
        fit.main(argv + ["train.patience=1"])
    assert info.value.code == 2
    assert "train.patience: 5 in the run, 1 requested" in capsys.readouterr().err
    assert (run_dir / "student.keras").stat().st_mtime_ns == first
    fit.main(argv + ["train.patience=1", "train.monitor=val_auc", "--overwrite"])
    out = capsys.readouterr().out
    assert "--overwrite: removed the run" in out and "already trained" not in out
    stored = yaml.safe_load((run_dir / "config.yaml").read_text())["train"]
    assert (stored["patience"], stored["monitor"]) == (1, "val_auc")
    state = json.loads((run_dir / "training_state.json").read_text())
    assert "best_val_auc" in state and "best_val_acc" not in state
    assert (run_dir / "student.keras").stat().st_mtime_ns != first
    assert (run_dir / "notes.txt").read_text() == "mine"


def test_training_and_validation_never_read_the_test_split(tmp_path, capsys, tiny_data_dir):
    """Every test shard replaced by garbage: the check of the inputs (evaluation included) only
    lists the shards, training and validation finish, and the evaluation of that run then fails
    naming a damaged test shard (the shards really are unreadable)."""
    import shutil

    from add_tf import evaluate
    from add_tf.training import runs

    data = tmp_path / "data"
    shutil.copytree(tiny_data_dir, data)
    shards = sorted((data / "demo" / "test").glob("*.tfrecord"))
    assert shards
    for shard in shards:
        shard.write_bytes(b"not a TFRecord " * max(1, shard.stat().st_size // 15))
    run_dir = tmp_path / "run"
    argv = ["--method", "none", "--comp", "raw", "--data-dir", str(data), "--run-dir",
            str(run_dir), "--verbose", "0", *TINY_FIT, "model.weights=null"]
    config = fit.resolve_config(fit.build_parser().parse_args(argv))
    one_run.check_inputs(config, str(tmp_path / "checked"), evaluate=True)
    fit.main(argv + ["--no-evaluate"])
    assert runs.read_json(str(run_dir / runs.STATE), {}).get("done") is True
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        evaluate.main(["--run", str(run_dir)])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "damaged record shard" in err and any(str(shard) in err for shard in shards)


def test_a_run_another_live_process_trains_is_refused_in_one_line(tmp_path, capsys,
                                                                   tiny_data_dir):
    from add_tf.core import claims
    from add_tf.training import runs

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    claim, _ = claims.try_take(runs.claim_path(str(run_dir)))
    try:
        with pytest.raises(SystemExit) as info:
            fit.main(["--method", "none", "--data-dir", str(tiny_data_dir), "--run-dir",
                      str(run_dir), "--verbose", "0", *TINY_FIT])
    finally:
        claim.release()
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.strip().splitlines()) == 1
    assert f"{run_dir} is being trained by pid {os.getpid()} on host" in err
    assert sorted(os.listdir(run_dir)) == []
