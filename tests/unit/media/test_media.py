import numpy as np
import pytest

from add_tf import media


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


def test_is_video_is_image():
    assert media.is_video("a/B.MP4") and not media.is_video("a.png")
    assert media.is_image("x.JPG") and not media.is_image("x.mp4")


def test_is_disposable_parses_nal_units():
    def unit(header, payload=b"\x88\x80"):
        return len(payload + b"x").to_bytes(4, "big") + bytes([header]) + payload

    assert media.is_disposable(unit(0x01), 4)  # non-IDR slice, nal_ref_idc 0
    assert not media.is_disposable(unit(0x21), 4)  # referenced slice
    assert not media.is_disposable(unit(0x65), 4)  # IDR
    assert media.is_disposable(unit(0x06) + unit(0x01), 4)  # SEI + unreferenced slice
    assert not media.is_disposable(unit(0x06), 4)  # no slice at all
    assert not media.is_disposable(unit(0x01)[:-1], 4)  # truncated: unsure, decode it
