"""add_tf.evaluate on records of any layout: scores stored, one-class sets, errors, and the
experiments' cross-set columns."""

import json
import math

import numpy as np
import pytest

from add_tf import evaluate, experiments
from add_tf.core import atomic
from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.evaluation import evaluator, grid, grid_report
from add_tf.training import runs
from tiny_prepare import dfdc_tree, prepare_layout, write_clip

FAKE_BIAS = 1.0  # the test student's logits: (0, FAKE_BIAS) for every face, p(fake) = 0.73


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run trained on c40 whose student calls every face fake (p = sigmoid(FAKE_BIAS))."""
    from add_tf.models import build_classifier

    run = tmp_path_factory.mktemp("run")
    config = config_lib.Config()
    for key, value in [("model.backbone", "resnet18"), ("model.weights", None),
                       ("model.image_size", 32),
                       ("data.comp", "c40"), ("data.dataset", "demo"), ("train.batch_size", 8)]:
        config.set(key, value)
    runs.write_config(str(run), config)
    model = build_classifier("resnet18", image_size=32, name="student")
    logits = model.get_layer("logits")
    kernel, _ = logits.get_weights()
    logits.set_weights([np.zeros_like(kernel), np.array([0.0, FAKE_BIAS], np.float32)])
    runs.save_model(model, str(run / runs.MODEL))
    return run


@pytest.fixture(scope="module")
def dfdc_records(tmp_path_factory):
    """(records of both DFDC parts, records of part 1 alone: fakes only), c23 as distributed."""
    base = tmp_path_factory.mktemp("dfdc")
    tree = dfdc_tree(base / "tree")
    both = base / "dfdc"
    prepare_layout("dfdc", tree, both)
    fakes = base / "dfdc_fakes"
    prepare_layout("dfdc", tree / "dfdc_train_part_1", fakes)
    return both, fakes


def test_records_of_another_layout_scored_and_stored(run_dir, dfdc_records, capsys):
    records, _ = dfdc_records
    manifest = json.loads((records / "manifest.json").read_text())
    result = evaluate.main(["--run", str(run_dir), "--records", str(records)])
    out = capsys.readouterr().out
    assert "quality c23, the best the records hold (the student was trained on c40" in out
    assert "test_dfdc_c23" in out
    assert result["frames"] == manifest["totals"]["test"]
    fakes = result["fake_frames"]
    assert 0 < fakes < result["frames"]
    assert math.isclose(result["acc"], fakes / result["frames"])  # every face called fake
    assert result["auc"] == 0.5  # one score for all: no ranking
    stored = json.loads((run_dir / "metrics.json").read_text())
    assert stored["test_dfdc_c23"]["acc"] == result["acc"]
    assert stored["run"]["comp"] == "c40"


def test_one_class_set_reports_accuracy_and_says_the_rest_is_undefined(run_dir, dfdc_records,
                                                                       capsys):
    _, fakes = dfdc_records
    key, result, notes = evaluator.evaluate_records(str(run_dir), str(fakes), split="all")
    assert key == "test_dfdc_fakes_c23_all"
    assert result["acc"] == 1.0 and result["real_frames"] == 0 and result["frames"] == 16
    assert all(math.isnan(result[name]) for name in ("auc", "eer", "ap", "video_auc"))
    assert any("only fake faces" in n and "AUC / EER / AP / video AUC are undefined" in n
               for n in notes)
    assert any("Recall@1 not computed" in n for n in notes)
    stored = json.loads((run_dir / "metrics.json").read_text())[key]
    assert stored["acc"] == 1.0 and stored["auc"] is None and stored["r_at_1"] is None
    evaluate.main(["--run", str(run_dir), "--records", str(fakes), "--split", "all"])
    table = capsys.readouterr().out.splitlines()[-1].split()
    assert table[:3] == [key, "1.0000", "-"]  # acc, then AUC undefined


def test_errors_name_what_is_there(run_dir, dfdc_records, tmp_path, capsys):
    records, fakes = dfdc_records
    for argv, message in [
        (["--records", str(tmp_path)], "No manifest.json"),
        (["--records", str(records), "--comp", "c40"], "they hold: c23"),
        (["--split", "all"], "--split applies to --records only"),
    ]:
        with pytest.raises(SystemExit) as info:
            evaluate.main(["--run", str(run_dir), *argv])
        assert info.value.code == 2 and message in capsys.readouterr().err
    write_clip(tmp_path / "one" / "fake" / "only.mp4")  # one group: all in train
    prepare_layout("folders", tmp_path / "one", tmp_path / "one_records")
    with pytest.raises(UsageError, match="No faces in the test split .*train 4.*--split all"):
        evaluator.evaluate_records(str(run_dir), str(tmp_path / "one_records"))


def test_experiments_eval_records_column_group(run_dir, dfdc_records, tmp_path, capsys):
    from add_tf.evaluation.metrics import METRIC_NAMES

    records, _ = dfdc_records
    atomic.write_json(str(run_dir / runs.STATE), {"done": True})
    stored = runs.read_json(str(run_dir / runs.METRICS), {})
    stored.pop("test_dfdc_c23", None)
    atomic.write_json(str(run_dir / runs.METRICS), {**stored, "test": {"acc": 0.5, "auc": 0.5}})
    grid.evaluate_on_records(str(run_dir), [str(records)])
    scored = runs.read_json(str(run_dir / runs.METRICS))["test_dfdc_c23"]
    entry = {"dataset": "demo", "comp": "c40", "backbone": "resnet18", "method": "none",
             "point": "", "seed": 0, "run_dir": str(run_dir)}
    rows = grid.collect([entry], [str(records)])
    assert rows[0]["metrics"]["dfdc.acc"] == scored["acc"]
    columns = METRIC_NAMES + grid.cross_names([str(records)])
    assert columns[-3:] == ("dfdc.acc", "dfdc.auc", "dfdc.video_auc")
    text = grid_report.write_report(rows, [], str(tmp_path), metric_names=columns)
    header, _, row = text.splitlines()[2:5]
    assert header.endswith("| dfdc.acc | dfdc.auc | dfdc.video_auc |")
    assert row.split(" | ")[-3] == f"{100 * scored['acc']:.2f} ± 0.00"
    import matplotlib.image

    # the chart has a third panel, the cross-set AUC, beside test acc and AUC (4 inches each)
    assert matplotlib.image.imread(str(tmp_path / "results.png")).shape[1] == 3 * 4 * 120
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        experiments.main(["--eval-records", str(tmp_path / "none"), "--plan"])
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""  # refused before the plan is printed
    assert err.startswith(f"error: No manifest.json in {tmp_path / 'none'}. Prepare records")
    assert err.count("\n") == 1
