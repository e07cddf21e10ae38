import shutil

import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.data import (
    count_examples,
    make_dataset,
    read_manifest,
    reader,
)
from add_tf.data.manifest import decoded_bytes


def test_shapes_dtypes_and_counts(records):
    ds = make_dataset(records, "Demo", "train", "c40", batch_size=5)
    (teacher, student), label = next(iter(ds))
    assert teacher.shape == student.shape == (5, 32, 32, 3)
    assert teacher.dtype == student.dtype == tf.float32 and label.dtype == tf.int32
    assert 0 <= float(tf.reduce_min(teacher)) and float(tf.reduce_max(teacher)) <= 255
    n = sum(int(y.shape[0]) for _, y in ds)
    assert n == count_examples(records, "Demo", "train") == count_examples(records, ("Demo",),
                                                                            "train")
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

    size = decoded_bytes(read_manifest(records), "Demo", "val", qualities=2)
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
