"""add_tf.media.video: which frame indices a video's sample takes."""

from add_tf.media.video import even_frame_indices


def test_even_frame_indices():
    assert even_frame_indices(100, 4) == [12, 37, 62, 87]
    assert even_frame_indices(3, 10) == [0, 1, 2]
    assert even_frame_indices(0, 5) == []
    idx = even_frame_indices(309, 64)
    assert len(idx) == 64 and len(set(idx)) == 64 and idx[0] < 5 and idx[-1] > 300
