"""add_tf.media.encoding.write_video: the same frames give the same bytes, and decode back."""

import numpy as np

from add_tf.media.encoding import write_video
from add_tf.media.video import read_video_frames


def test_the_same_frames_encode_to_the_same_bytes(tmp_path):
    rng = np.random.default_rng(0)
    frames = [np.roll(rng.integers(0, 255, (32, 48, 3), np.uint8), 2 * i, axis=1)
              for i in range(8)]
    first = write_video(tmp_path / "a" / "one.mp4", frames, options={"crf": "30"})
    second = write_video(tmp_path / "two.mp4", frames, options={"crf": "30"})
    assert open(first, "rb").read() == open(second, "rb").read()
    assert [i for i, _ in read_video_frames(first, range(8))] == list(range(8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "two.mp4"]  # no temporary left
