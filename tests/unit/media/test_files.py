"""add_tf.media.files: image and video names, and the checks every reader makes first."""

import pytest

from add_tf.media.files import MediaError, check_file, is_image, is_video


def test_is_video_is_image():
    assert is_video("a/B.MP4") and not is_video("a.png")
    assert is_image("x.JPG") and not is_image("x.mp4")


def test_check_file_names_what_is_wrong(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "ok.png").write_bytes(b"x")
    check_file(tmp_path / "ok.png")
    for path, status in ((tmp_path / "gone.png", "missing"), (tmp_path, "not_media"),
                         (tmp_path / "empty.png", "empty")):
        with pytest.raises(MediaError) as info:
            check_file(path)
        assert info.value.status == status and info.value.path == str(path)
        assert str(path) in str(info.value)
