import glob
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.data import make_dataset, schema
from add_tf.media import faces
from add_tf.media.video import even_frame_indices, read_video_frames
from pipelines import prepare
from tiny_prepare import celebdf_tree, dfdc_tree, folders_tree, prepare_layout, prepare_tiny


def _examples(path):
    spec = schema.feature_spec(["raw", "c23", "c40"])
    out = []
    for record in tf.data.TFRecordDataset(sorted(glob.glob(str(path)))):
        ex = tf.io.parse_single_example(record, spec)
        out.append({k: v.numpy() for k, v in ex.items()})
    return out


def test_manifest_counts(tiny_records):
    out, manifest = tiny_records
    assert manifest["settings"]["qualities"] == ["raw", "c23", "c40"]
    assert manifest["settings"]["size"] == 32
    counts = manifest["counts"]
    assert set(counts) == {"train", "val", "test"}
    total_videos = sum(e["videos"] for per in counts.values() for e in per.values())
    total = sum(manifest["totals"].values())
    assert total_videos == 12 and total == 12 * 4
    train_original = counts["train"]["original"]
    assert train_original["qualities"]["c40"] == train_original["examples"]
    assert manifest["skipped"] == []
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["totals"] == manifest["totals"]
    for split, per in manifest["shards"].items():
        for files in per.values():
            for f in files:
                assert (out / split / f).is_file()


def test_split_assignment_keeps_pairs(tiny_records, tiny_tree):
    out, _ = tiny_records
    splits_of = {}
    for split in ("train", "val", "test"):
        for ex in _examples(out / split / "*.tfrecord"):
            splits_of.setdefault(ex["video_id"].decode(), set()).add(split)
    assert all(len(s) == 1 for s in splits_of.values())  # by video, never by frame
    for vid, s in splits_of.items():
        if "_" in vid:
            a, b = vid.split("_")
            assert splits_of[a] == splits_of[b] == s
    official = json.loads((tiny_tree / "splits" / "test.json").read_text())
    assert splits_of[official[0][0]] == {"test"}


def test_even_sampling_same_box_and_aligned_crops(tiny_records, tiny_tree):
    out, _ = tiny_records
    examples = [e for e in _examples(out / "train" / "Demo-*.tfrecord")]
    ex = examples[0]
    vid = ex["video_id"].decode()
    frames = [e["frame_index"] for e in examples if e["video_id"].decode() == vid]
    assert sorted(frames) == even_frame_indices(8, 4)
    # every quality's crop is the same box cut from the same frame index of that quality's video
    for quality in ("raw", "c23", "c40"):
        path = tiny_tree / "manipulated_sequences" / "Demo" / quality / "videos" / f"{vid}.mp4"
        (_, frame), = read_video_frames(path, [int(ex["frame_index"])])
        expected = faces.crop_face(frame, ex["box"], 32)
        got = tf.io.decode_png(ex[schema.image_key(quality)]).numpy()
        assert np.array_equal(got, expected)
    raw = tf.io.decode_png(ex["image/raw"]).numpy().astype(float)
    c40 = tf.io.decode_png(ex["image/c40"]).numpy().astype(float)
    other = [e for e in examples if e["video_id"].decode() != vid][0]
    other_raw = tf.io.decode_png(other["image/raw"]).numpy().astype(float)
    assert np.abs(raw - c40).mean() * 3 < np.abs(raw - other_raw).mean()


def _break(tree):
    demo = tree / "manipulated_sequences" / "Demo"
    names = sorted(os.listdir(demo / "c23" / "videos"))
    (demo / "c23" / "videos" / names[0]).write_bytes(b"\0" * 500)  # corrupt
    (demo / "raw" / "videos" / names[1]).write_bytes(b"")  # empty
    data = (demo / "c40" / "videos" / names[2]).read_bytes()
    (demo / "c40" / "videos" / names[2]).write_bytes(data[: len(data) // 3])  # truncated
    os.remove(demo / "c40" / "videos" / names[3])  # missing in one quality
    return names


def test_bad_videos_are_skipped_named_and_counted(tiny_tree, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(tiny_tree, tree)
    names = _break(tree)
    manifest = prepare_tiny(tree, tmp_path / "out")
    text = json.dumps(manifest["skipped"])
    for name in (names[0], names[1], names[3][:-4]):
        assert name in text, (name, text)
    assert manifest["skipped_counts"]["videos_or_files"] >= 3
    fakes = sum(per.get("Demo", {}).get("examples", 0) for per in manifest["counts"].values())
    originals = sum(per["original"]["examples"] for per in manifest["counts"].values())
    assert originals == 24 and 4 <= fakes < 20


def test_rerun_finishes_an_interrupted_run(tiny_tree, tmp_path):
    out = tmp_path / "out"
    first = prepare_tiny(tiny_tree, out)
    shard = sorted(glob.glob(str(out / "train" / "*.tfrecord")))[0]
    with open(shard, "rb") as f:
        content = f.read()
    # simulate a crash: a half-written temp shard, a finished marker whose shard never got renamed
    os.remove(shard)
    with open(shard + ".tmp-dead", "wb") as f:
        f.write(content[: len(content) // 2])
    os.remove(out / "manifest.json")
    second = prepare_tiny(tiny_tree, out)
    assert second["counts"] == first["counts"]
    assert not glob.glob(str(out / "*" / "*.tmp-*"))
    with open(shard, "rb") as f:
        assert len(f.read()) == len(content)
    with pytest.raises(UsageError, match="--overwrite"):
        prepare.run(["--ffpp-root", str(tiny_tree), "--out", str(out), "--detector", "full-frame",
                     "--frames", "3", "--size", "32", "--direct_running_mode=in_memory"])


def test_unknown_method_error(tiny_tree, tmp_path):
    with pytest.raises(UsageError, match="Unknown method"):
        prepare_tiny(tiny_tree, tmp_path / "o", "--methods", "Deepfake")


def test_shared_mini_with_mtcnn(shared_data, tmp_path):
    manifest = prepare.run([
        "--ffpp-root", str(shared_data / "ffpp_c23_mini"), "--out", str(tmp_path / "o"),
        "--methods", "FaceSwap", "--frames", "2", "--size", "64",
        "--direct_running_mode=in_memory", "--direct_num_workers=1"])
    assert manifest["settings"]["qualities"] == ["c23"]
    assert manifest["counts"]["test"]["FaceSwap"]["examples"] == 2
    assert manifest["counts"]["test"]["original"]["examples"] == 2
    assert "train" in manifest["counts"] and "val" in manifest["counts"]


def _read_all(out, split, quality="c23"):
    """[(label, method, video id)] of every face in `split`, through add_tf.data."""
    ds = make_dataset(out, "all", split, quality, batch_size=64, with_meta=True)
    return [(int(y), m.decode(), v.decode()) for _, labels, meta in ds
            for y, m, v in zip(labels.numpy(), meta["method"].numpy(), meta["video_id"].numpy())]


def _reasons(manifest):
    return {item["item"]: item["reason"] for item in manifest["skipped"]}


def test_celebdf_records(tmp_path, capsys):
    out = tmp_path / "celebdf"
    manifest = prepare_layout("celebdf", celebdf_tree(tmp_path / "tree"), out)
    assert manifest["settings"]["set"] == "celebdf" and manifest["settings"]["layout"] == "celebdf"
    assert manifest["settings"]["qualities"] == ["c23"]
    test = _read_all(out, "test")
    assert sorted({(y, m, v) for y, m, v in test}) == [
        (0, "original", "Celeb-real/id0_0001.mp4"), (0, "original", "YouTube-real/00001.mp4"),
        (1, "CelebDF", "Celeb-synthesis/id2_id3_0000.mp4")]
    assert len(test) == 3 * 4 == manifest["totals"]["test"]
    reasons = _reasons(manifest)
    assert reasons[str(tmp_path / "tree" / "Celeb-real" / "id5_0000.mp4")].startswith("unreadable")
    assert "but absent" in reasons["Celeb-synthesis/id9_id8_0000.mp4"]
    assert manifest["left_out"]["listed in List_of_testing_videos.txt but absent"] == 1
    read = sum(len(_read_all(out, split)) for split in manifest["totals"])
    assert read == sum(manifest["totals"].values())
    assert "[########################] 12/12 videos" in capsys.readouterr().err  # 2 fakes apart


def test_dfdc_records_missing_unlisted_corrupt_and_rerun(tmp_path):
    tree, out = dfdc_tree(tmp_path / "tree"), tmp_path / "dfdc"
    manifest = prepare_layout("dfdc", tree, out, "--name", "dfdc_parts")
    assert manifest["settings"]["set"] == "dfdc_parts"
    reasons = _reasons(manifest)
    assert reasons[str(tree / "dfdc_train_part_0" / "e.mp4")].startswith("unreadable")
    assert reasons["dfdc_train_part_0/x.mp4"] == "listed in metadata.json but absent"
    assert reasons["dfdc_train_part_0/u.mp4"].startswith("present but not listed")
    assert manifest["left_out"] == {"listed in metadata.json but absent": 1,
                                    "present but not listed in metadata.json (no label)": 1}
    assert manifest["skipped_counts"]["videos_or_files"] == 3  # e, x, u
    faces_by_video = {}
    for split in manifest["totals"]:
        for y, m, v in _read_all(out, split):
            faces_by_video.setdefault((y, m, v), set()).add(split)
    assert all(len(s) == 1 for s in faces_by_video.values())
    assert len(faces_by_video) == 8 and {m for _, m, _ in faces_by_video} == {"original", "DFDC"}
    assert prepare_layout("dfdc", tree, out, "--name", "dfdc_parts")["counts"] == manifest["counts"]


def test_folders_records_images_are_one_frame_items(tmp_path):
    out = tmp_path / "mine"
    manifest = prepare_layout("folders", folders_tree(tmp_path / "tree"), out, "--quality", "raw")
    assert manifest["settings"]["qualities"] == ["raw"]
    faces = [face for split in manifest["totals"] for face in _read_all(out, split, "raw")]
    per_item = {v: sum(1 for _, _, w in faces if w == v) for _, _, v in faces}
    assert per_item == {"real/a.mp4": 4, "real/alice/0001.png": 1, "real/alice/0002.png": 1,
                        "fake/b.mp4": 4, "fake/alice/0001.png": 1}
    reasons = _reasons(manifest)
    assert reasons[str(tmp_path / "tree" / "fake" / "broken.jpg")].startswith("unreadable")
    assert reasons["fake/notes.txt"] == "not a video or an image"
