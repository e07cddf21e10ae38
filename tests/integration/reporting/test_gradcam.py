"""add_tf.reporting.gradcam: the faces of prepared records for a gallery."""

import numpy as np

from add_tf.reporting import gradcam as gallery_lib


def test_load_records_half_each_class_or_filled_from_the_other(tiny_data_dir):
    records = tiny_data_dir / "demo"  # 8 real and 8 fake faces per split
    raw, compressed, labels = gallery_lib.load_records(records, "Demo", "test", "c40", None, 5)
    assert raw.shape == compressed.shape == (5, 32, 32, 3) and raw.dtype == np.uint8
    assert sorted(labels) == [0, 0, 0, 1, 1]
    # only real faces: the fake half is filled with more real ones
    raw, _, labels = gallery_lib.load_records(records, "original", "test", "c40", None, 6)
    assert raw.shape[0] == 6 and list(labels) == [0] * 6
