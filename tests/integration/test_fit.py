"""add_tf.fit on the tiny demo data: a non-finite loss and a truncated shard stop the run with a
message."""

import pytest

from add_tf import fit
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
