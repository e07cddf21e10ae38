"""add_tf.training.model_card from a run dir into a SavedModel and add_tf.detect's report."""

import json

import cv2
import numpy as np

from add_tf import detect, export
from add_tf.core import atomic
from add_tf.training import model_card, runs
from tiny_models import RUN_METRICS, RUN_STATE, make_run


def test_round_trip_run_to_saved_model_to_detect(tmp_path, capsys):
    run = make_run(tmp_path / "run", size=32, real=True)  # add_tf.models' ResNet18, demo config
    atomic.write_json(str(run / runs.STATE), RUN_STATE)
    atomic.write_json(str(run / runs.METRICS), RUN_METRICS)
    card = model_card.write_card(str(run))
    target = export.main(["--run", str(run), "--out", str(tmp_path / "saved_models" / "tiny")])
    assert model_card.DEMO_WARNING in capsys.readouterr().err
    assert model_card.read_card(target) == card

    image = tmp_path / "noise.png"
    assert cv2.imwrite(str(image), np.random.default_rng(0).integers(0, 255, (64, 64, 3),
                                                                       np.uint8))
    out = tmp_path / "report.json"
    assert detect.main([str(image), "--model", str(target.parent), "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert model_card.summary(card) in captured.out.splitlines()
    assert model_card.DEMO_WARNING in captured.err
    report = json.loads(out.read_text())
    assert report["model_card"] == card and report["warnings"][0] == model_card.DEMO_WARNING
    assert [w for w in report["warnings"][1:] if "crop recipe" not in w] == []  # made by hand
