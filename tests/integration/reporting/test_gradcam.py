"""add_tf.reporting.gradcam and the gradcam command: the faces of prepared records for a
gallery."""

import cv2
import numpy as np

from add_tf import gradcam
from add_tf.reporting import gradcam as gallery_lib
from tiny_models import make_run


def test_load_records_half_each_class_or_filled_from_the_other(tiny_data_dir):
    records = tiny_data_dir / "demo"  # 8 real and 8 fake faces per split
    raw, compressed, labels = gallery_lib.load_records(records, "Demo", "test", "c40", None, 5)
    assert raw.shape == compressed.shape == (5, 32, 32, 3) and raw.dtype == np.uint8
    assert sorted(labels) == [0, 0, 0, 1, 1]
    # only real faces: the fake half is filled with more real ones
    raw, _, labels = gallery_lib.load_records(records, "original", "test", "c40", None, 6)
    assert raw.shape[0] == 6 and list(labels) == [0] * 6


def test_records_gallery_of_a_run_trained_elsewhere(tmp_path, tiny_data_dir):
    """--records without --method: every record set of records the run was not trained on."""
    add = make_run(tmp_path / "add", 32, with_teacher=True, seed=3)
    out = tmp_path / "gallery.png"
    gradcam.main(["--add-run", str(add), "--records", str(tiny_data_dir / "demo"), "--count",
                  "4", "--out", str(out)])
    assert cv2.imread(str(out)).shape[0] == 4 * (gallery_lib.TILE + gallery_lib.HEADER)
