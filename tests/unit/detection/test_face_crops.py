"""add_tf.detection.face_crops: every face found is cut by the model's recipe, boxes reported in
the original pixels; faces smaller than the search asks for are left out."""

import numpy as np

from add_tf.detection.face_crops import FaceCropper
from add_tf.media.crop_recipe import CropRecipe
from add_tf.media.faces import Face, square_box


class _Found:
    """A detector that finds `boxes` (in the pixels of the frame it is given)."""

    def __init__(self, boxes):
        self.boxes = boxes

    def detect(self, rgb, near=None):
        return [Face(box, 0.99) for box in self.boxes]


def test_faces_are_cut_by_the_recipe():
    frame = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    recipe = CropRecipe(box_scale=1.5, size=16)
    cropper = FaceCropper(recipe, min_face_size=10)
    cropper.finder = _Found([(40, 30, 80, 70), (100, 10, 120, 30), (0, 0, 6, 6)])
    records, crops = cropper.crops(frame)
    assert crops.shape == (2, 16, 16, 3) and crops.dtype == np.uint8  # the 6-px face left out
    assert [r["box"] for r in records] == [[40, 30, 80, 70], [100, 10, 120, 30]]
    for record, crop in zip(records, crops):
        box = square_box(record["box"], frame.shape, 1.5)
        assert record["crop_box"] == list(box)
        assert np.array_equal(crop, recipe.cut(frame, box))


def test_boxes_of_a_shrunk_frame_are_in_the_original_pixels():
    frame = np.zeros((400, 200, 3), np.uint8)
    cropper = FaceCropper(CropRecipe(size=8), min_face_size=10, max_side=100)
    cropper.finder = _Found([(10, 20, 30, 40)])  # in the 100 x 50 frame the search sees
    (record,), _ = cropper.crops(frame)
    assert record["box"] == [40, 80, 120, 160]


def test_the_full_frame_recipe_cuts_the_centre_square():
    frame = np.random.default_rng(1).integers(0, 255, (48, 64, 3), np.uint8)
    (record,), crops = FaceCropper(CropRecipe(detector="full-frame", size=48)).crops(frame)
    assert record["crop_box"] == [8, 0, 56, 48]
    assert np.array_equal(crops[0], frame[:, 8:56])
