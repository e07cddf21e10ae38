"""add_tf.media.video on encoded files: exact frames, by index, whether unreferenced H.264 frames
are skipped or not; corrupt, empty and truncated files."""

import numpy as np
import pytest

from add_tf.media import h264
from add_tf.media.encoding import write_video
from add_tf.media.files import MediaError
from add_tf.media.video import _decode, even_frame_indices, read_video_frames, video_frame_count


def _video(path, n=12, size=(48, 64), seed=0):
    rng = np.random.default_rng(seed)
    frames = [np.full((*size, 3), (10 * i) % 240, np.uint8)
              + rng.integers(0, 5, (*size, 3), dtype=np.uint8) for i in range(n)]
    write_video(str(path), frames, fps=25, options={"qp": "0"}, pix_fmt="yuv444p")
    return frames


def test_video_frames_roundtrip(tmp_path):
    frames = _video(tmp_path / "v.mp4")
    assert video_frame_count(tmp_path / "v.mp4") == 12
    assert video_frame_count(tmp_path / "v.mp4", exact=True) == 12
    got = read_video_frames(tmp_path / "v.mp4", [0, 5, 11, 30])
    assert [i for i, _ in got] == [0, 5, 11]
    for i, rgb in got:
        assert rgb.dtype == np.uint8 and rgb.shape == (48, 64, 3)
        assert np.abs(rgb.astype(int) - frames[i]).max() <= 2  # lossless up to YUV rounding


def test_corrupt_and_truncated_video(tmp_path):
    _video(tmp_path / "v.mp4", n=30, size=(96, 128))
    data = (tmp_path / "v.mp4").read_bytes()
    (tmp_path / "junk.mp4").write_bytes(b"\0" * 1000)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "half.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError) as info:
        read_video_frames(tmp_path / "junk.mp4", [0])
    assert "junk.mp4" in str(info.value)
    with pytest.raises(MediaError) as info:
        video_frame_count(tmp_path / "empty.mp4")
    assert info.value.status == "empty"
    try:  # a truncated file yields fewer frames or raises, naming the file
        got = read_video_frames(tmp_path / "half.mp4", range(30))
        assert len(got) < 30
    except MediaError as error:
        assert "half.mp4" in str(error)


def _moving_video(path, n=40):
    """libx264 at CRF 23 with its default B-frames: some frames are never referenced."""
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)
    write_video(str(path), [np.roll(base, 3 * i, axis=1) for i in range(n)], fps=25,
                      options={"crf": "23"})


def _sequential(path, indices):
    """Reference: decode every frame in order, keep the requested ones."""
    frames = list(_decode(path))
    return [(i, frames[i]) for i in sorted(indices) if i < len(frames)]


def _disposable_count(path):
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        size = h264.nal_length_size(stream)
        return sum(h264.is_disposable(bytes(p), size) for p in container.demux(stream) if p.size)


def test_skipping_unreferenced_frames_is_exact(tmp_path):
    path = tmp_path / "b.mp4"
    _moving_video(path)
    assert _disposable_count(path) >= 5  # the skipping path is exercised
    for indices in ([0, 7, 13, 22, 39], list(range(1, 40, 3)), [38, 45]):
        got = read_video_frames(path, indices)
        want = _sequential(path, indices)
        assert [i for i, _ in got] == [i for i, _ in want]
        assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(got, want))


def test_shared_ffpp_clip_frames_exact(shared_data):
    videos = shared_data / "ffpp_c23_mini" / "original_sequences" / "youtube" / "c23" / "videos"
    path = videos / "004.mp4"
    indices = even_frame_indices(video_frame_count(path), 8)
    got = read_video_frames(path, indices)
    want = _sequential(path, indices)
    assert [i for i, _ in got] == indices == [i for i, _ in want]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(got, want))
