import numpy as np
import pytest

from add_tf import media


def _video(path, n=12, size=(48, 64), seed=0):
    rng = np.random.default_rng(seed)
    frames = [np.full((*size, 3), (10 * i) % 240, np.uint8) + rng.integers(0, 5, (*size, 3), dtype=np.uint8)
              for i in range(n)]
    media.write_video(str(path), frames, fps=25, options={"qp": "0"}, pix_fmt="yuv444p")
    return frames


def test_even_frame_indices():
    assert media.even_frame_indices(100, 4) == [12, 37, 62, 87]
    assert media.even_frame_indices(3, 10) == [0, 1, 2]
    assert media.even_frame_indices(0, 5) == []
    idx = media.even_frame_indices(309, 64)
    assert len(idx) == 64 and len(set(idx)) == 64 and idx[0] < 5 and idx[-1] > 300


def test_read_image_modes(tmp_path):
    import cv2

    gray = np.arange(64, dtype=np.uint8).reshape(8, 8)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 2] = 200  # BGRA red channel
    cv2.imwrite(str(tmp_path / "a.png"), rgba)
    assert media.read_image(tmp_path / "g.png").shape == (8, 8, 3)
    out = media.read_image(tmp_path / "a.png")
    assert out.shape == (8, 8, 3) and out[0, 0, 0] == 200


@pytest.mark.parametrize("content,status", [(b"", "empty"), (b"not an image", "unreadable")])
def test_read_image_errors(tmp_path, content, status):
    path = tmp_path / "x.jpg"
    path.write_bytes(content)
    with pytest.raises(media.MediaError) as info:
        media.read_image(path)
    assert info.value.status == status and str(path) in str(info.value)


def test_video_frames_roundtrip(tmp_path):
    frames = _video(tmp_path / "v.mp4")
    assert media.video_frame_count(tmp_path / "v.mp4") == 12
    assert media.video_frame_count(tmp_path / "v.mp4", exact=True) == 12
    got = media.read_video_frames(tmp_path / "v.mp4", [0, 5, 11, 30])
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
    with pytest.raises(media.MediaError) as info:
        media.read_video_frames(tmp_path / "junk.mp4", [0])
    assert "junk.mp4" in str(info.value)
    with pytest.raises(media.MediaError) as info:
        media.video_frame_count(tmp_path / "empty.mp4")
    assert info.value.status == "empty"
    try:  # a truncated file yields fewer frames or raises, naming the file
        got = media.read_video_frames(tmp_path / "half.mp4", range(30))
        assert len(got) < 30
    except media.MediaError as error:
        assert "half.mp4" in str(error)


def test_is_video_is_image():
    assert media.is_video("a/B.MP4") and not media.is_video("a.png")
    assert media.is_image("x.JPG") and not media.is_image("x.mp4")
