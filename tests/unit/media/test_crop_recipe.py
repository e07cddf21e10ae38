"""add_tf.media.crop_recipe: one recipe, its defaults prepare's; read back from a manifest's
settings or a card; a recipe this code cannot reproduce refused in one line naming its source;
the box and the crop it cuts."""

import numpy as np
import pytest

from add_tf.core.errors import UsageError
from add_tf.media import faces
from add_tf.media.crop_recipe import RESIZE, VERSION, CropRecipe


def test_defaults_and_a_round_trip_through_settings():
    recipe = CropRecipe()
    assert (recipe.detector, recipe.box_scale, recipe.size, recipe.resize) == (
        "mtcnn", 1.3, 128, RESIZE)
    settings = {"set": "ffpp", "frames": 64, "qualities": ["raw"], **recipe.to_dict()}
    assert CropRecipe.from_dict(settings, "manifest") == recipe
    assert CropRecipe.recorded(settings) == recipe.to_dict()


def test_an_alias_and_numbers_as_text_are_the_same_recipe():
    assert CropRecipe(detector="none", box_scale="1.5", size=32.0) == CropRecipe(
        detector="full-frame", box_scale=1.5, size=32)


def test_settings_without_a_box_scale_record_no_recipe():
    assert CropRecipe.from_dict({"frames": 16, "size": 32}, "manifest") is None
    assert CropRecipe.from_dict(None, "card") is None
    assert CropRecipe.recorded("not a dict") is None


def test_fields_recorded_before_the_resize_rule_and_version_were_get_them():
    old = {"detector": "mtcnn", "box_scale": 1.5, "size": 64, "min_face_size": 80,
           "detect_max_side": 480, "full_frame_every": 8}
    recipe = CropRecipe.from_dict(old, "manifest")
    assert (recipe.resize, recipe.crop_version, recipe.box_scale) == (RESIZE, VERSION, 1.5)


@pytest.mark.parametrize("fields,said", [
    ({"crop_version": VERSION + 1}, f"version {VERSION + 1} is newer"),
    ({"detector": "retinaface"}, "Received: detector='retinaface'"),
    ({"resize": "bicubic"}, "Received: resize='bicubic'"),
    ({"box_scale": 0}, "box_scale must be positive"),
    ({"size": 0}, "size must be at least 1"),
    ({"box_scale": "wide"}, "unreadable crop recipe"),
])
def test_a_recipe_that_cannot_be_reproduced_is_one_line_naming_its_source(fields, said):
    with pytest.raises(UsageError) as info:
        CropRecipe.from_dict({**CropRecipe().to_dict(), **fields}, "--model m")
    message = str(info.value)
    assert message.startswith("--model m: ") and said in message and "\n" not in message


def test_box_and_cut_follow_the_recipe():
    frame = np.random.default_rng(0).integers(0, 255, (200, 300, 3), np.uint8)
    face = (100, 50, 140, 110)  # 40 x 60
    for scale in (1.3, 1.5):
        recipe = CropRecipe(box_scale=scale, size=24)
        box = recipe.box(face, frame.shape)
        assert box == faces.square_box(face, frame.shape, scale)
        assert box[2] - box[0] == box[3] - box[1] == round(60 * scale)
        assert np.array_equal(recipe.cut(frame, box), faces.crop_face(frame, box, 24))


def test_make_detector_searches_as_preparation_did_unless_told():
    recipe = CropRecipe(min_face_size=100, detect_max_side=300)
    mtcnn = recipe.make_detector()
    assert (mtcnn.min_face_size, mtcnn.detect_max_side) == (100, 300)
    assert recipe.make_detector(min_face_size=20).min_face_size == 20
    assert isinstance(CropRecipe(detector="full-frame").make_detector(min_face_size=20),
                      faces.FullFrameDetector)
