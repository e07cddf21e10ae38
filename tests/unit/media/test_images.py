"""add_tf.media.images: every image becomes RGB uint8 (H, W, 3); a bad file is a MediaError."""

import cv2
import numpy as np
import pytest

from add_tf.media.files import MediaError
from add_tf.media.images import read_image, to_rgb


def test_read_image_modes(tmp_path):
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 2] = 200  # BGRA red channel
    cv2.imwrite(str(tmp_path / "a.png"), rgba)
    assert read_image(tmp_path / "g.png").shape == (8, 8, 3)
    out = read_image(tmp_path / "a.png")
    assert out.shape == (8, 8, 3) and out[0, 0, 0] == 200


def test_to_rgb_depths():
    deep = np.full((2, 3), 65535, np.uint16)
    assert to_rgb(deep).dtype == np.uint8 and (to_rgb(deep) == 255).all()
    assert to_rgb(deep).shape == (2, 3, 3)
    assert (to_rgb(np.full((2, 2, 1), 300.0)) == 255).all()


@pytest.mark.parametrize("content,status", [(b"", "empty"), (b"not an image", "unreadable")])
def test_read_image_errors(tmp_path, content, status):
    path = tmp_path / "x.jpg"
    path.write_bytes(content)
    with pytest.raises(MediaError) as info:
        read_image(path)
    assert info.value.status == status and str(path) in str(info.value)


def test_a_file_that_is_no_image_is_not_media(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("words")
    with pytest.raises(MediaError) as info:
        read_image(path)
    assert info.value.status == "not_media"
