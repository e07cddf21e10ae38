import shutil

import pytest
import tensorflow as tf

from add_tf.data import (
    DamagedRecordsError,
    find_damaged_shards,
    make_dataset,
    report_damaged_shards,
)
from tiny_prepare import prepare_tiny


def _cut_shard(records, tmp_path):
    """A copy of `records` (same folder name: it is the set's name in the preparation plan)
    whose Demo train shard is cut to half its size; returns (copy, shard, intact bytes)."""
    copy = tmp_path / records.name
    shutil.copytree(records, copy)
    shard = copy / "train" / "Demo-00000-of-00001.tfrecord"
    intact = shard.read_bytes()
    shard.write_bytes(intact[: len(intact) // 2])
    return copy, shard, intact


def test_truncated_shard_is_named_with_how_to_rewrite_it(records, tmp_path):
    copy, shard, _ = _cut_shard(records, tmp_path)
    ds = make_dataset(copy, "Demo", "train", "c40", batch_size=4)
    with pytest.raises(tf.errors.DataLossError, match="truncated record"):
        list(ds)  # tf.data alone names no file
    with pytest.raises(DamagedRecordsError) as caught:
        with report_damaged_shards(copy, "Demo", ("train", "val")):
            list(ds)
    assert [path for path, _ in caught.value.damaged] == [str(shard)]
    message = str(caught.value)
    assert f"{shard}: truncated record" in message
    assert "delete the file(s) above" in message and "python -m pipelines.prepare" in message
    assert find_damaged_shards(sorted(copy.glob("*/*.tfrecord"))) == caught.value.damaged
    # intact shards: the error is not about them and passes unchanged
    with pytest.raises(tf.errors.DataLossError, match="elsewhere"):
        with report_damaged_shards(records, "Demo", ("train",)):
            raise tf.errors.DataLossError(None, None, "elsewhere")


def test_rerun_of_prepare_rewrites_a_deleted_shard_only(records, tiny_tree, tmp_path):
    copy, shard, intact = _cut_shard(records, tmp_path)
    prepare_tiny(tiny_tree, copy)  # the damaged file is kept: its done marker says written
    assert [path for path, _ in find_damaged_shards([shard])] == [str(shard)]
    other = copy / "val" / "Demo-00000-of-00001.tfrecord"
    written = other.stat().st_mtime_ns
    shard.unlink()
    prepare_tiny(tiny_tree, copy)
    assert shard.read_bytes() == intact and other.stat().st_mtime_ns == written
    with report_damaged_shards(copy, "Demo", ("train",)):
        assert sum(int(y.shape[0]) for _, y in make_dataset(copy, "Demo", "train", "c40")) == 16
