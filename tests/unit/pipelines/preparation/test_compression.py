"""pipelines.preparation.compression: the jobs planned for a FaceForensics++ tree, a layout's
mirror tree and a folder (names only, no video read); one tiny clip re-encoded (CRF, size, frame
rate and frame count kept, written atomically) and the errors naming a bad source; compress_all's
outcome with files already there, failures and two worker processes."""

import os
from concurrent.futures import ProcessPoolExecutor

import av
import numpy as np
import pytest

from add_tf.core.errors import UsageError
from add_tf.media.encoding import write_video
from add_tf.media.files import MediaError
from add_tf.media.video import count_decoded_frames, video_info
from pipelines.preparation import compression
from tiny_prepare import corrupt, write_clip


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def _clip(path, frames=5, fps=10, height=24, width=40):
    """A small H.264 clip of noise (what CRF changes most)."""
    rng = np.random.default_rng(0)
    return write_video(path, rng.integers(0, 256, (frames, height, width, 3), np.uint8), fps=fps)


def test_plan_tree_orders_originals_then_methods_per_video_per_target(tmp_path):
    videos = {"original": tmp_path / "original_sequences" / "youtube" / "raw" / "videos",
              "Deepfakes": tmp_path / "manipulated_sequences" / "Deepfakes" / "raw" / "videos"}
    for path in ("original/001.mp4", "original/000.mp4", "original/notes.txt",
                 "Deepfakes/000_001.mp4"):
        source, name = path.split("/")
        _touch(videos[source] / name)
    _touch(tmp_path / "manipulated_sequences" / "FaceSwap" / "c23" / "videos" / "001_000.mp4")
    targets = [("c23", 23), ("c40", 40)]

    def job(source, name, quality, crf):
        return (str(videos[source] / name),
                str(videos[source].parent.parent / quality / "videos" / name), crf)

    assert compression.plan_tree(str(tmp_path), "raw", targets) == [
        job("original", "000.mp4", "c23", 23), job("original", "000.mp4", "c40", 40),
        job("original", "001.mp4", "c23", 23), job("original", "001.mp4", "c40", 40),
        job("Deepfakes", "000_001.mp4", "c23", 23), job("Deepfakes", "000_001.mp4", "c40", 40)]
    # the originals always; a method asked for without the source quality has no job
    assert compression.plan_tree(str(tmp_path), "raw", [("c40", 40)], ["FaceSwap"]) == [
        job("original", "000.mp4", "c40", 40), job("original", "001.mp4", "c40", 40)]
    assert compression.plan_tree(str(tmp_path / "absent"), "raw", targets) == []
    with pytest.raises(ValueError, match="Unknown method.*'Deepfake'"):
        compression.plan_tree(str(tmp_path), "raw", targets, ["Deepfakes", "Deepfake"])


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


def test_plan_folder_mirrors_subfolders_into_the_output(tmp_path):
    src = tmp_path / "in"
    for rel in ("b.mp4", "a.avi", "readme.txt", "day1/cam/c.mov"):
        _touch(src / rel)
    jobs = compression.plan_folder(str(src), str(tmp_path / "out"), 31)
    assert sorted(jobs) == [
        (str(src / rel), str(tmp_path / "out" / rel), 31)
        for rel in ("a.avi", "b.mp4", "day1/cam/c.mov")]


def test_compress_video_keeps_size_rate_and_frames_at_the_crf_given(tmp_path):
    src = _clip(tmp_path / "src.mp4")
    sizes = {}
    for crf in (10, 45):
        dst = tmp_path / f"crf{crf}" / "deeper" / "out.mp4"  # folders made
        assert compression.compress_video(src, dst, crf, preset="ultrafast") == 5
        info = video_info(dst)
        assert (info["width"], info["height"], info["fps"]) == (40, 24, 10.0)
        assert count_decoded_frames(dst) == 5
        with av.open(str(dst)) as container:
            assert container.streams.video[0].codec_context.name == "h264"
        assert os.listdir(dst.parent) == ["out.mp4"]  # no temporary left
        sizes[crf] = dst.stat().st_size
    assert sizes[45] * 3 < sizes[10]


def _no_frames(path):
    """A video file with a video stream and no frame."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        container.start_encoding()
    return path


def _audio_only(path):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16",
                                           layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    return path


@pytest.mark.parametrize("make, status", [
    (lambda path: corrupt(path.with_suffix(".mp4")), "corrupt"),
    (lambda path: path.with_suffix(".mp4"), None),  # absent (its status is not pinned here)
    (lambda path: _no_frames(path.with_suffix(".avi")), "empty"),
    (lambda path: _audio_only(path.with_suffix(".wav")), "not_media"),
], ids=["corrupt", "absent", "no-frame", "audio-only"])
def test_a_bad_source_is_a_media_error_naming_it_and_writes_nothing(tmp_path, make, status):
    src = make(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.mp4").write_bytes(b"previous")
    with pytest.raises(MediaError) as error:
        compression.compress_video(src, out / "kept.mp4", 40, preset="ultrafast")
    assert error.value.path == str(src) and str(src) in str(error.value)
    assert status is None or error.value.status == status
    assert os.listdir(out) == ["kept.mp4"] and (out / "kept.mp4").read_bytes() == b"previous"


def test_an_output_decoding_to_other_frames_is_refused(tmp_path, monkeypatch):
    src = write_clip(tmp_path / "src.mp4", frames=4, size=16)
    dst = tmp_path / "dst.mp4"
    dst.write_bytes(b"previous")
    monkeypatch.setattr(compression, "count_decoded_frames", lambda path: 3)
    with pytest.raises(compression.CompressionError, match=f"{dst}: wrote 4 frames but the "
                                                           "output decodes to 3"):
        compression.compress_video(src, dst, 40, preset="ultrafast")
    assert sorted(os.listdir(tmp_path)) == ["dst.mp4", "src.mp4"]  # no temporary left
    assert dst.read_bytes() == b"previous"


def _jobs(tmp_path, out):
    good = write_clip(tmp_path / "good.mp4", frames=3, size=16)
    there = write_clip(tmp_path / "there.mp4", frames=3, size=16, seed=1)
    bad = corrupt(tmp_path / "bad.mp4")
    (out / "there.mp4").parent.mkdir(parents=True, exist_ok=True)
    (out / "there.mp4").write_bytes(b"already made")
    return [(good, str(out / "good.mp4"), 40), (str(bad), str(out / "bad.mp4"), 40),
            (there, str(out / "there.mp4"), 40)]


@pytest.mark.parametrize("workers", [1, 2])
def test_compress_all_counts_and_names_what_it_did(tmp_path, caplog, monkeypatch, workers):
    pools = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, max_workers):
            pools.append(max_workers)
            super().__init__(max_workers)

    monkeypatch.setattr(compression, "ProcessPoolExecutor", Pool)
    out = tmp_path / "out"
    jobs = _jobs(tmp_path, out)
    with caplog.at_level("INFO", logger="pipelines.compress"):
        result = compression.compress_all(jobs, preset="ultrafast", workers=workers)
    assert (result["ok"], result["exists"]) == (1, 1)
    [(src, message)] = result["failed"]
    assert src == jobs[1][0] and message.startswith(f"corrupt: {src}: ")
    assert (out / "there.mp4").read_bytes() == b"already made"  # kept
    assert count_decoded_frames(out / "good.mp4") == 3
    assert sorted(os.listdir(out)) == ["good.mp4", "there.mp4"]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [f"failed: {src}: {message}"]

    again = compression.compress_all(jobs, preset="ultrafast", overwrite=True, workers=workers)
    assert (again["ok"], again["exists"], len(again["failed"])) == (2, 0, 1)
    assert count_decoded_frames(out / "there.mp4") == 3
    assert pools == ([] if workers == 1 else [workers, workers])  # processes only when asked
