import numpy as np
import pytest

from add_tf.media import faces


def test_square_box_clipped_and_square():
    box = faces.square_box((10, 10, 50, 70), (100, 200), scale=1.3)
    x0, y0, x1, y1 = box
    assert x1 - x0 == y1 - y0 == 78
    assert x0 >= 0 and y0 >= 0 and x1 <= 200 and y1 <= 100
    # near a corner: moved inside, still square
    x0, y0, x1, y1 = faces.square_box((0, 0, 20, 20), (100, 100), 1.3)
    assert (x0, y0) == (0, 0) and x1 - x0 == y1 - y0 == 26
    # larger than the frame: shrinks to the frame
    x0, y0, x1, y1 = faces.square_box((0, 0, 90, 90), (60, 100), 1.3)
    assert y1 - y0 == x1 - x0 == 60


def test_crop_face_size():
    rgb = np.random.default_rng(0).integers(0, 255, (100, 120, 3), dtype=np.uint8)
    assert faces.crop_face(rgb, (10, 10, 90, 90), 32).shape == (32, 32, 3)
    assert faces.crop_face(rgb, (10, 10, 30, 30), 64).dtype == np.uint8
    assert np.array_equal(faces.crop_face(rgb, (0, 0, 32, 32), 32), rgb[:32, :32])


def test_full_frame_detector():
    f = faces.make_detector("full-frame").detect(np.zeros((40, 50, 3), np.uint8))
    assert f[0].box == (0, 0, 50, 40)
    assert faces.make_detector("none").detect(np.zeros((4, 5, 3), np.uint8))[0].box == (0, 0, 5, 4)
    with pytest.raises(ValueError, match=r"Unknown detector\. Valid: mtcnn, full-frame\. "
                                         r"Received: detector='nope'"):
        faces.make_detector("nope")


def test_pyramid_fix_keeps_levels_above_window():
    scales = faces._build_scale_pyramid(500, 375, min_face_size=40, scale_factor=0.709)
    assert min(375 * scales) >= 12
