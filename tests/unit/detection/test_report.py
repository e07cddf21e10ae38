"""add_tf.detection.report: the report names the model and the recipe its faces were cut by, and
counts the statuses."""

from add_tf.detection.report import make_report
from add_tf.detection.scorer import Scorer
from add_tf.media.crop_recipe import CropRecipe


def test_report_holds_the_recipe_and_the_counts():
    recipe = CropRecipe(box_scale=1.5, size=32)
    scorer = Scorer(None, recipe, "saved_models/x/1", "saved_model")
    entries = [{"status": "ok"}, {"status": "no_face"}, {"status": "ok"}]
    report = make_report(scorer, entries, 8, 0.5, 40, None, ["WARNING: x"], seconds=1.23456)
    assert report["crop"] == recipe.to_dict() and report["image_size"] == 32
    assert report["counts"] == {"ok": 2, "no_face": 1} and report["inputs"] == entries
    assert (report["model"], report["model_kind"], report["seconds"]) == (
        "saved_models/x/1", "saved_model", 1.235)
