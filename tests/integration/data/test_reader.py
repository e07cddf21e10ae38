import shutil

import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.data import (
    DamagedRecordsError,
    count_examples,
    find_damaged_shards,
    make_dataset,
    read_manifest,
    reader,
    report_damaged_shards,
)
from tiny_prepare import prepare_tiny


def test_shapes_dtypes_and_counts(records):
    ds = make_dataset(records, "Demo", "train", "c40", batch_size=5)
    (teacher, student), label = next(iter(ds))
    assert teacher.shape == student.shape == (5, 32, 32, 3)
    assert teacher.dtype == student.dtype == tf.float32 and label.dtype == tf.int32
    assert 0 <= float(tf.reduce_min(teacher)) and float(tf.reduce_max(teacher)) <= 255
    n = sum(int(y.shape[0]) for _, y in ds)
    assert n == count_examples(records, "demo", "train") == count_examples(records, "Demo", "train")
    labels = np.concatenate([y.numpy() for _, y in ds])
    assert set(labels) == {0, 1}
    assert read_manifest(records)["settings"]["qualities"] == ["raw", "c23", "c40"]


def test_paired_flip_and_same_seed_same_batches(records):
    def batches(seed):  # 2 epochs of the 16 training faces
        ds = make_dataset(records, "Demo", "train", "c23", batch_size=4, training=True, seed=seed,
                          repeat=True)
        return [np.stack([t, s], 1) for (t, s), _ in ds.take(8).as_numpy_iterator()]

    first = batches(3)
    assert all(np.array_equal(a, b) for a, b in zip(first, batches(3)))
    assert not all(np.array_equal(a, b) for a, b in zip(first, batches(None)))
    # each (teacher, student) pair as read (eval mode: not flipped), or both images mirrored
    (t_eval, s_eval), _ = next(iter(make_dataset(records, "Demo", "train", "c23", batch_size=16)))
    read = {t.tobytes(): s for t, s in zip(t_eval.numpy(), s_eval.numpy())}
    flipped = []
    for teacher, student in np.concatenate(first):
        flipped.append(teacher.tobytes() not in read)
        if flipped[-1]:
            teacher, student = teacher[:, ::-1], student[:, ::-1]
        assert np.array_equal(read[teacher.tobytes()], student)
    assert 0 < sum(flipped) < len(flipped)


def test_eval_meta_and_default_teacher(records):
    ds = make_dataset(records, "Demo", "val", "c40", batch_size=4, with_meta=True)
    (teacher, student), label, meta = next(iter(ds))
    assert set(meta) == {"method", "video_id"}
    for m, y, vid in zip(meta["method"].numpy(), label.numpy(), meta["video_id"].numpy()):
        assert (m == b"Demo") == (y == 1) and (b"_" in vid) == (y == 1)
    # default teacher = raw: equals an explicit raw teacher
    raw = make_dataset(records, "Demo", "val", "c40", "raw", batch_size=4, with_meta=True)
    (t2, _), _, _ = next(iter(raw))
    assert np.array_equal(teacher.numpy(), t2.numpy())


def test_cached_eval_split_is_decoded_once_and_unchanged(records, tmp_path, monkeypatch):
    copy = tmp_path / records.name
    shutil.copytree(records, copy)
    expected = list(make_dataset(records, "Demo", "val", "c40", "raw", 4).as_numpy_iterator())

    def read(budget):
        """Two passes of one cached dataset, the shards moved away after the first."""
        monkeypatch.setattr(reader, "CACHE_BYTES", budget)
        ds = make_dataset(copy, "Demo", "val", "c40", "raw", batch_size=4, cache=True)
        first = list(ds.as_numpy_iterator())
        (copy / "val").rename(tmp_path / "away")
        try:
            return first, list(ds.as_numpy_iterator())
        finally:
            (tmp_path / "away").rename(copy / "val")

    def same(a, b):
        return len(a) == len(b) and all(
            np.array_equal(x, y) for p, q in zip(a, b)
            for x, y in zip(tf.nest.flatten(p), tf.nest.flatten(q)))

    size = reader.decoded_bytes(read_manifest(records), "Demo", "val", qualities=2)
    assert size == count_examples(records, "Demo", "val") * 32 * 32 * 3 * 2
    first, second = read(size)
    assert same(first, expected) and same(second, expected)
    with pytest.raises(tf.errors.NotFoundError):  # over the budget: read from disk each pass
        read(size - 1)
    with pytest.raises(ValueError, match="Received: cache=True, training=True"):
        make_dataset(records, "Demo", "train", "c40", cache=True, training=True)


def test_autotuner_is_off(records):
    # dropping an iterator waits for the autotuner's pause: up to a minute at the end of a fit
    for training in (False, True):
        ds = make_dataset(records, "Demo", "train", "c40", training=training, seed=0)
        assert ds.options().autotune.enabled is False


def test_errors_name_what_exists(records, tmp_path):
    with pytest.raises(UsageError, match="qualities present: raw, c23, c40"):
        make_dataset(records, "Demo", "train", "c50")
    with pytest.raises(FileNotFoundError, match="Record sets present in .*: Demo, original"):
        make_dataset(records, "Deepfakes", "train", "c40")
    with pytest.raises(FileNotFoundError, match="splits present: test, train, val"):
        make_dataset(records, "Demo", "dev", "c40")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        make_dataset(tmp_path / "none", "Demo", "train", "c40")
    with pytest.raises(FileNotFoundError, match="manifest.json"):
        read_manifest(tmp_path)


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
