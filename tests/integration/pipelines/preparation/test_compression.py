"""pipelines.preparation.compression with PyAV: one tiny clip re-encoded (CRF, size, frame rate
and frame count kept, written atomically), the errors naming a bad source, and compress_all's
outcome with files already there, failures and two worker processes."""

import os
from concurrent.futures import ProcessPoolExecutor

import av
import numpy as np
import pytest

from add_tf.media.encoding import write_video
from add_tf.media.files import MediaError
from add_tf.media.video import count_decoded_frames, video_info
from pipelines.preparation import compression
from tiny_prepare import corrupt, write_clip


def _clip(path, frames=5, fps=10, height=24, width=40):
    """A small H.264 clip of noise (what CRF changes most)."""
    rng = np.random.default_rng(0)
    return write_video(path, rng.integers(0, 256, (frames, height, width, 3), np.uint8), fps=fps)


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
    (lambda path: _no_frames(path.with_suffix(".avi")), "empty"),
    (lambda path: _audio_only(path.with_suffix(".wav")), "not_media"),
], ids=["corrupt", "no-frame", "audio-only"])
def test_a_bad_source_is_a_media_error_naming_it_and_writes_nothing(tmp_path, make, status):
    src = make(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.mp4").write_bytes(b"previous")
    with pytest.raises(MediaError) as error:
        compression.compress_video(src, out / "kept.mp4", 40, preset="ultrafast")
    assert error.value.path == str(src) and str(src) in str(error.value)
    assert error.value.status == status
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
    assert errors == [f"failed: {message}"]

    again = compression.compress_all(jobs, preset="ultrafast", overwrite=True, workers=workers)
    assert (again["ok"], again["exists"], len(again["failed"])) == (2, 0, 1)
    assert count_decoded_frames(out / "there.mp4") == 3
    assert pools == ([] if workers == 1 else [workers, workers])  # processes only when asked
