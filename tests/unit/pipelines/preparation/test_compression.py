"""pipelines.preparation.compression: the jobs planned for a FaceForensics++ tree, a layout's
mirror tree and a folder (names only, no video read), a missing source and compress_all's outcome
and log when no video is coded (tests/integration/pipelines/preparation/test_compression.py
re-encodes)."""

import os

import pytest

from add_tf.core.errors import UsageError
from add_tf.media.files import MediaError
from pipelines.preparation import compression


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


@pytest.fixture
def unsorted_walk(monkeypatch):
    """os.walk visiting folders and listing files in reverse order, as a file system may."""
    walk = os.walk

    def reversed_walk(top, *args, **kwargs):
        for dirpath, dirnames, names in walk(top, *args, **kwargs):
            dirnames.sort(reverse=True)
            names.sort(reverse=True)
            yield dirpath, dirnames, names

    monkeypatch.setattr(os, "walk", reversed_walk)


def test_plan_tree_orders_originals_then_methods_per_video_per_target(tmp_path):
    videos = {"original": tmp_path / "original_sequences" / "youtube" / "raw" / "videos",
              "Deepfakes": tmp_path / "manipulated_sequences" / "Deepfakes" / "raw" / "videos"}
    for path in ("original/001.mp4", "original/000.mp4", "original/notes.txt",
                 "original/.000.1a2b.partial.mp4", "Deepfakes/000_001.mp4"):
        source, name = path.split("/")
        _touch(videos[source] / name)
    _touch(tmp_path / "manipulated_sequences" / "FaceSwap" / "c23" / "videos" / "001_000.mp4")
    targets = [("c23", 23), ("c40", 40)]

    def job(source, name, quality, crf):
        return (str(videos[source] / name),
                str(videos[source].parent.parent / quality / "videos" / name), crf)

    assert compression.plan_tree(str(tmp_path), "raw", targets) == [  # hidden files skipped
        job("original", "000.mp4", "c23", 23), job("original", "000.mp4", "c40", 40),
        job("original", "001.mp4", "c23", 23), job("original", "001.mp4", "c40", 40),
        job("Deepfakes", "000_001.mp4", "c23", 23), job("Deepfakes", "000_001.mp4", "c40", 40)]
    # the originals always; a method asked for without the source quality has no job
    assert compression.plan_tree(str(tmp_path), "raw", [("c40", 40)], ["FaceSwap"]) == [
        job("original", "000.mp4", "c40", 40), job("original", "001.mp4", "c40", 40)]
    assert compression.plan_tree(str(tmp_path / "absent"), "raw", targets) == []
    with pytest.raises(UsageError, match="Unknown method.*'Deepfake'"):
        compression.plan_tree(str(tmp_path), "raw", targets, ["Deepfakes", "Deepfake"])


def test_plan_tree_refuses_the_source_quality_as_a_target(tmp_path):
    _touch(tmp_path / "original_sequences" / "youtube" / "c23" / "videos" / "000.mp4")
    with pytest.raises(UsageError, match=r"^target quality c23 is the quality of the videos read "
                                         r"\(--from c23\)"):
        compression.plan_tree(str(tmp_path), "c23", [("c23", 23), ("c40", 40)])


def test_plan_layout_writes_videos_into_the_mirror_tree_and_skips_images(tmp_path,
                                                                          monkeypatch):
    for rel in ("real/a.mp4", "real/alice/0001.png", "fake/b.MKV", "fake/notes.txt"):
        _touch(tmp_path / "set" / rel)
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "set"
    jobs = compression.plan_layout("folders", "set", "c23", [("c40", 40), ("raw", 0)])
    assert jobs == [  # absolute paths, in the layout's order (real/, then fake/)
        (str(root / "real" / "a.mp4"), str(root / "c40" / "real" / "a.mp4"), 40),
        (str(root / "real" / "a.mp4"), str(root / "raw" / "real" / "a.mp4"), 0),
        (str(root / "fake" / "b.MKV"), str(root / "c40" / "fake" / "b.MKV"), 40),
        (str(root / "fake" / "b.MKV"), str(root / "raw" / "fake" / "b.MKV"), 0)]
    with pytest.raises(UsageError, match=r"target quality c23 is the quality of the files as "
                                         r"they are \(--from c23\)"):
        compression.plan_layout("folders", root, "c23", [("c40", 40), ("c23", 23)])
    with pytest.raises(FileNotFoundError, match=f"--root {tmp_path / 'absent'} does not exist"):
        compression.plan_layout("folders", "absent", "c23", [("c40", 40)])


def test_plan_folder_mirrors_subfolders_in_sorted_order_without_hidden_files(tmp_path,
                                                                             unsorted_walk):
    src = tmp_path / "in"
    for rel in ("b.mp4", "a.avi", "readme.txt", "day2/d.mp4", "day1/cam/c.mov",
                "day1/.c.9f8e.partial.mp4", ".cache/e.mp4"):
        _touch(src / rel)
    jobs = compression.plan_folder(str(src), str(tmp_path / "out"), 31)
    assert jobs == [(str(src / rel), str(tmp_path / "out" / rel), 31)
                    for rel in ("a.avi", "b.mp4", "day1/cam/c.mov", "day2/d.mp4")]


def test_a_missing_source_is_reported_missing_and_writes_nothing(tmp_path):
    src = tmp_path / "absent.mp4"
    dst = tmp_path / "out" / "absent.mp4"
    with pytest.raises(MediaError) as error:
        compression.compress_video(src, dst, 40, preset="ultrafast")
    assert (error.value.status, error.value.path) == ("missing", str(src))
    assert str(error.value) == f"missing: {src}: file does not exist"
    assert not (tmp_path / "out").exists()


def test_compress_all_counts_and_names_each_failure_once(tmp_path, caplog):
    there = _touch(tmp_path / "there.mp4")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "there.mp4").write_bytes(b"already made")
    absent = str(tmp_path / "absent.mp4")
    jobs = [(absent, str(tmp_path / "out" / "absent.mp4"), 40),
            (str(there), str(tmp_path / "out" / "there.mp4"), 40)]
    with caplog.at_level("INFO", logger="pipelines.compress"):
        result = compression.compress_all(jobs, preset="ultrafast")
    assert result == {"ok": 0, "exists": 1,
                      "failed": [(absent, f"missing: {absent}: file does not exist")]}
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [f"failed: missing: {absent}: file does not exist"]
    assert (tmp_path / "out" / "there.mp4").read_bytes() == b"already made"
