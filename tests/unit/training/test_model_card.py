"""add_tf.training.model_card: built from a run's files, written atomically, read back from a run
dir and its student.keras, and the demo warning."""

import json
import os

from add_tf.core import atomic
from add_tf.core.config import Config
from add_tf.media.crop_recipe import CropRecipe
from add_tf.training import model_card, runs
from tiny_models import RUN_METRICS, RUN_STATE


def _run_files(run_dir, dataset="deepfakes", method="add", data_dir=None):
    """A run dir's config.yaml, training_state.json and metrics.json (no model)."""
    os.makedirs(run_dir, exist_ok=True)
    config = Config()
    config.data.data_dir = str(data_dir or os.path.join(run_dir, "no-data"))
    config.data.dataset, config.data.comp, config.loss.method = dataset, "c23", method
    config.data.teacher_comp = "raw"
    config.model.backbone, config.train.seed = "resnet18", 3
    runs.write_config(str(run_dir), config)
    atomic.write_json(os.path.join(run_dir, runs.STATE), RUN_STATE)
    atomic.write_json(os.path.join(run_dir, runs.METRICS), RUN_METRICS)
    return str(run_dir)


def test_card_from_run_files(tmp_path):
    records_dir = str(tmp_path / "data" / "ffpp")
    os.makedirs(records_dir)
    atomic.write_json(os.path.join(records_dir, "manifest.json"), {"settings": {"frames": 16}})
    run = _run_files(tmp_path / "run", data_dir=tmp_path / "data")
    card = model_card.write_card(run)
    assert card["training_set"] == {"dataset": "deepfakes", "student_quality": "c23",
                                    "teacher_quality": "raw", "frames_per_video": 16,
                                    "generator_seed": None, "generator_version": None}
    assert (card["method"], card["backbone"], card["seed"]) == ("add", "resnet18", 3)
    assert card["training"] == RUN_STATE
    assert card["test_metrics"] == {k: RUN_METRICS[k] for k in ("test", "test_celebdf_c23")}
    assert card["software"]["add_tf"] and card["software"]["tensorflow"]
    assert card["trained"].endswith("Z") and card["warnings"] == []
    assert json.loads((tmp_path / "run" / model_card.FILE).read_text()) == card
    assert sorted(os.listdir(run)) == sorted([runs.CONFIG, runs.STATE, runs.METRICS,
                                              model_card.FILE])  # no temporary file left
    # read back from the run dir and from its student.keras; another .keras file has no card
    (tmp_path / "run" / runs.MODEL).write_text("")
    (tmp_path / "run" / runs.TEACHER_MODEL).write_text("")
    assert model_card.read_card(run) == card
    assert model_card.read_card(os.path.join(run, runs.MODEL)) == card
    assert model_card.read_card(os.path.join(run, runs.TEACHER_MODEL)) is None
    assert model_card.read_card(tmp_path) is None


def test_card_keeps_what_the_records_said_once_they_are_gone(tmp_path):
    """The demo's generator seed and frames come from the manifest; a card rebuilt without the
    records keeps the values its file already holds."""
    records_dir = str(tmp_path / "data" / "ffpp")
    os.makedirs(records_dir)
    manifest = os.path.join(records_dir, "manifest.json")
    atomic.write_json(manifest, {"settings": {"frames": 16,
                                              "generator": {"seed": 21, "version": 2}}})
    run = _run_files(tmp_path / "run", data_dir=tmp_path / "data")
    assert model_card.write_card(run)["training_set"]["generator_seed"] == 21
    os.remove(manifest)
    card = model_card.write_card(run)
    assert (card["training_set"]["generator_seed"], card["training_set"]["frames_per_video"]) == (
        21, 16)
    assert model_card.stored_fact(run, "generator_seed") == 21
    assert model_card.stored_fact(run, "generator_version") == 2
    assert model_card.stored_fact(str(tmp_path), "generator_seed") is None  # no card file


def test_summary_is_one_line_with_what_a_user_needs(tmp_path):
    card = model_card.build_card(_run_files(tmp_path / "run"))
    line = model_card.summary(card)
    assert "\n" not in line
    for text in ("add / resnet18", "trained on deepfakes", "student c23, teacher raw", "seed 3",
                 card["trained"][:10], f"add_tf {card['software']['add_tf']}",
                 "test acc 0.812 auc 0.900", "test_celebdf_c23 acc 0.600"):
        assert text in line, (text, line)
    none = model_card.build_card(_run_files(tmp_path / "baseline", method="none"))
    assert none["training_set"]["teacher_quality"] is None
    assert "student c23, no teacher" in model_card.summary(none)
    assert none["training_set"]["frames_per_video"] is None  # its records are not at hand
    assert model_card.summary(None) == "model card: none"


def test_demo_warning_and_unknown_models(tmp_path, capsys):
    demo = model_card.build_card(_run_files(tmp_path / "demo", dataset="demo"))
    assert demo["warnings"] == [model_card.DEMO_WARNING]
    # a folder of records (data.records): by what made them, not by their name
    for made, warnings in (({"frames": 4}, []),
                           ({"generator": {"seed": 0}}, [model_card.DEMO_WARNING])):
        records = tmp_path / f"{len(warnings)}" / "demo"
        records.mkdir(parents=True)
        atomic.write_json(str(records / "manifest.json"), {"settings": made})
        run = _run_files(tmp_path / f"records{len(warnings)}", dataset="demo")
        config = runs.read_config(run)
        config.data.records = str(records)
        runs.write_config(run, config)
        assert model_card.build_card(run)["warnings"] == warnings
    card, warnings = model_card.describe(str(tmp_path / "demo"))
    assert card == demo and warnings == [model_card.DEMO_WARNING]
    model_card.announce(card, warnings, verbose=False)
    captured = capsys.readouterr()
    assert captured.out == "" and model_card.DEMO_WARNING in captured.err
    assert model_card.describe(str(tmp_path)) == (None, [model_card.NO_CARD_WARNING])
    # a SavedModel whose card is damaged can still be used: a warning, not an error
    saved = tmp_path / "saved" / "1"
    (saved / "assets.extra").mkdir(parents=True)
    (saved / "saved_model.pb").write_bytes(b"")
    assert model_card.describe(str(saved)) == (None, [model_card.NO_CARD_WARNING])
    (saved / model_card.SAVED_MODEL_FILE).write_text("[1, 2")
    card, warnings = model_card.describe(str(saved))
    assert card is None and "Unreadable model card" in warnings[0]
    assert warnings[1] == model_card.NO_CARD_WARNING


def test_card_carries_the_crop_recipe_of_the_records(tmp_path):
    """The card's `crop` is the recipe the records' manifest records, kept once the records are
    gone; None for records prepared before recipes were kept."""
    records_dir = tmp_path / "data" / "ffpp"
    os.makedirs(records_dir)
    manifest = os.path.join(records_dir, "manifest.json")
    wide = CropRecipe(box_scale=1.5, size=64).to_dict()
    atomic.write_json(manifest, {"settings": {"frames": 16, "qualities": ["raw"], **wide}})
    run = _run_files(tmp_path / "run", data_dir=tmp_path / "data")
    assert model_card.write_card(run)["crop"] == wide
    os.remove(manifest)
    assert model_card.write_card(run)["crop"] == wide
    atomic.write_json(manifest, {"settings": {"frames": 16, "size": 64}})
    assert model_card.write_card(run)["crop"] is None
