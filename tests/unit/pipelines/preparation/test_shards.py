"""pipelines.preparation.shards: paths under a folder or a URL, videos dealt to shards, one shard
written (examples in order, its done marker, the progress log; done once, redone when its
records are gone, no file under the final name after a crash) and the manifest from the markers.
process_video is replaced by a stand-in: no video is decoded here."""

import json
import math
import os
from types import SimpleNamespace

import pytest
import tensorflow as tf

from pipelines.layouts import Video
from pipelines.preparation import shards


def _video(video_id, method="Demo"):
    return {"method": method, "video_id": video_id, "label": 1, "paths": {"c23": f"{video_id}.mp4"}}


def _spec(videos, split="train", name="Demo", index=0, count=1):
    return {"split": split, "name": name, "index": index, "count": count, "videos": videos}


class _Videos:
    """Stand-in for process_video: per video id, the items it yields (two examples by default);
    `calls` lists the video ids asked for. A video id in `crash` raises."""

    def __init__(self, items=None, crash=()):
        self.items, self.crash, self.calls = items or {}, set(crash), []

    def __call__(self, video, settings, detector):
        self.calls.append(video["video_id"])
        if video["video_id"] in self.crash:
            raise RuntimeError(f"killed while reading {video['video_id']}")
        default = [("example", f"{video['video_id']}#{i}".encode()) for i in range(2)]
        yield from self.items.get(video["video_id"], default)


def _records(path):
    return [record.numpy() for record in tf.data.TFRecordDataset(str(path))]


def test_join_under_a_folder_or_a_url():
    assert shards.join("out/", "/train/", "x.tfrecord") == "out/train/x.tfrecord"
    assert shards.join("gs://bucket/data/", "train") == "gs://bucket/data/train"
    assert shards.join("/", "data") == "/data"
    spec = _spec([], split="val", name="original", index=2, count=12)
    assert shards.record_path("gs://b/o", spec) == "gs://b/o/val/original-00002-of-00012.tfrecord"
    assert shards.marker_path("o", spec) == "o/.state/val/original-00002-of-00012.tfrecord.json"
    assert shards.is_local("/data/o") and not shards.is_local("gs://b/o")


def test_plan_deals_videos_round_robin_into_enough_shards():
    videos = [_video(f"{i:03d}") for i in (4, 0, 6, 2, 1, 5, 3)]
    plan = shards.plan_shards({("train", "Demo"): videos, ("test", "original"): videos[:1],
                               ("train", "Empty"): []}, frames=4, examples_per_shard=10)
    assert [(s["split"], s["name"], s["index"], s["count"]) for s in plan] == [
        ("test", "original", 0, 1),
        ("train", "Demo", 0, 3), ("train", "Demo", 1, 3), ("train", "Demo", 2, 3)]  # Empty: none
    assert [[v["video_id"] for v in s["videos"]] for s in plan[1:4]] == [
        ["000", "003", "006"], ["001", "004"], ["002", "005"]]
    for n in (1, 5, 40, 41):  # ceil(n * frames / examples_per_shard), at least one
        count = shards.plan_shards({("val", "X"): [_video(str(i)) for i in range(n)]},
                                   frames=16, examples_per_shard=64)[0]["count"]
        assert count == max(1, math.ceil(n * 16 / 64))


@pytest.mark.parametrize("n", [1, 3])
def test_plan_has_no_more_shards_than_videos(n):
    videos = [_video(f"{i:03d}") for i in range(n)]
    plan = shards.plan_shards({("train", "Demo"): videos}, frames=1024, examples_per_shard=512)
    assert [(s["index"], s["count"]) for s in plan] == [(i, n) for i in range(n)]
    assert all(len(s["videos"]) == 1 for s in plan)


def test_video_dict_is_the_plain_dict_a_spec_carries():
    video = Video("Demo", "000_001", 1, {"raw": "r.mp4", "c40": "c.mp4"}, split="train")
    assert shards.video_dict(video) == {"method": "Demo", "video_id": "000_001", "label": 1,
                                        "paths": {"raw": "r.mp4", "c40": "c.mp4"}}
    json.dumps(shards.video_dict(video))  # what Beam and plan.json carry


def test_write_shard_records_its_examples_marker_and_progress(tmp_path, monkeypatch):
    skip = {"item": "Demo/001#3", "reason": "no face"}
    mismatch = {"item": "Demo/001", "mismatch": {"raw": 8, "c40": 7}}
    videos = _Videos({"001": [("example", b"one"), ("skip", skip), ("info", mismatch)],
                      "002": [("skip", {"item": "Demo/002", "reason": "corrupt"})]})
    monkeypatch.setattr(shards, "process_video", videos)
    out = str(tmp_path / "out")
    spec = _spec([_video("000"), _video("001"), _video("002")], index=1, count=2)
    summary = shards.write_shard(spec, out, {}, None)

    assert summary == {"split": "train", "name": "Demo", "file": "Demo-00001-of-00002.tfrecord",
                       "examples": 3, "videos": 2, "videos_total": 3,
                       "skipped": [skip, {"item": "Demo/002", "reason": "corrupt"}],
                       "mismatches": [mismatch]}
    assert _records(shards.record_path(out, spec)) == [b"000#0", b"000#1", b"one"]
    with open(shards.marker_path(out, spec)) as f:
        assert json.load(f) == summary
    assert os.listdir(tmp_path / "out" / "train") == ["Demo-00001-of-00002.tfrecord"]
    assert os.listdir(tmp_path / "out" / ".state" / "train") == [
        "Demo-00001-of-00002.tfrecord.json"]
    with open(shards.progress_log(out)) as f:
        assert f.read() == "Demo/000\nDemo/001\nDemo/002\n"
    assert shards.shard_done(out, spec) and shards.videos_done(out, [spec]) == 3

    # done: the marker is the answer, nothing is read again
    assert shards.write_shard(spec, out, {}, None) == summary and len(videos.calls) == 3
    # a marker whose records are gone: written again
    os.remove(shards.record_path(out, spec))
    assert not shards.shard_done(out, spec)
    assert shards.write_shard(spec, out, {}, None) == summary and len(videos.calls) == 6
    assert _records(shards.record_path(out, spec)) == [b"000#0", b"000#1", b"one"]


def test_a_crash_leaves_only_a_temporary_that_is_removed(tmp_path, monkeypatch):
    out = str(tmp_path / "out")
    monkeypatch.setattr(shards, "process_video", _Videos())
    done = _spec([_video("000")], split="val")
    shards.write_shard(done, out, {}, None)
    monkeypatch.setattr(shards, "process_video", _Videos(crash={"002"}))
    crashed = _spec([_video("001"), _video("002")])
    with pytest.raises(RuntimeError, match="killed"):
        shards.write_shard(crashed, out, {}, None)
    assert not shards.shard_done(out, crashed)
    assert not os.path.exists(shards.record_path(out, crashed))
    assert not os.path.exists(shards.marker_path(out, crashed))
    [temporary] = os.listdir(tmp_path / "out" / "train")
    assert temporary.startswith("Demo-00000-of-00001.tfrecord.tmp-")

    shards.remove_temporaries(out)
    assert os.listdir(tmp_path / "out" / "train") == []
    assert shards.shard_done(out, done)  # a finished shard is kept
    assert _records(shards.record_path(out, done)) == [b"000#0", b"000#1"]
    # the progress log counts the videos finished, also those of the unfinished shard
    assert shards.videos_done(out, [done, crashed]) == 2


def test_videos_done_without_a_progress_log(tmp_path, monkeypatch):
    monkeypatch.setattr(shards, "process_video", _Videos())
    specs = [_spec([_video("000"), _video("001")], index=0, count=2),
             _spec([_video("002")], index=1, count=2)]
    assert shards.videos_done(str(tmp_path / "none"), specs) == 0
    # a remote output (a URL, here the local file system's): the videos of finished shards
    remote = "file://" + str(tmp_path / "remote")
    shards.write_shard(specs[0], remote, {}, None)
    assert not os.path.exists(shards.progress_log(str(tmp_path / "remote")))
    assert shards.videos_done(remote, specs) == 2


def test_manifest_adds_up_the_markers(tmp_path, monkeypatch):
    frame_skip = {"item": "Demo/001#4", "reason": "no face"}
    monkeypatch.setattr(shards, "process_video", _Videos({
        "001": [("example", b"x"), ("skip", frame_skip)],
        "002": [("info", {"item": "Demo/002", "mismatch": {"raw": 8, "c23": 6}})]}))
    out = str(tmp_path / "out")
    specs = [_spec([_video("000"), _video("001")], index=0, count=2),
             _spec([_video("002")], index=1, count=2),
             _spec([_video("003", "original")], split="test", name="original")]
    for spec in specs:
        shards.write_shard(spec, out, {}, None)
    settings = {"qualities": ["raw", "c23"], "frames": 4}
    left_out = [{"item": "Demo/009", "reason": "not in any split"},
                {"item": "a.txt", "reason": "not media"}, {"item": "b.txt", "reason": "not media"}]
    found = SimpleNamespace(found={"original": {"raw": 1}}, problems=["no FaceShifter folder"],
                            skipped=left_out)
    manifest = shards.build_manifest(out, specs, settings, found, left_out)

    assert manifest["counts"] == {
        "train": {"Demo": {"videos": 2, "examples": 3, "qualities": {"raw": 3, "c23": 3}}},
        "test": {"original": {"videos": 1, "examples": 2, "qualities": {"raw": 2, "c23": 2}}}}
    assert manifest["totals"] == {"train": 3, "test": 2}
    assert manifest["shards"] == {
        "train": {"Demo": ["Demo-00000-of-00002.tfrecord", "Demo-00001-of-00002.tfrecord"]},
        "test": {"original": ["original-00000-of-00001.tfrecord"]}}
    assert manifest["skipped"] == left_out + [frame_skip]
    assert manifest["skipped_counts"] == {"frames": 1, "videos_or_files": 3}
    assert manifest["left_out"] == {"not in any split": 1, "not media": 2}
    assert manifest["frame_count_mismatches"] == [
        {"item": "Demo/002", "mismatch": {"raw": 8, "c23": 6}}]
    assert (manifest["settings"], manifest["found"], manifest["notes"]) == (
        settings, found.found, found.problems)
    json.dumps(manifest)
