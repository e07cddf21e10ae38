"""The commands' error boundary against the mistakes users make: for every command its typical
bad inputs (missing, empty, truncated, wrong kind, unwritable, hand-edited), each ending with a
non-zero exit, no traceback, a message naming the input, and nothing already written damaged."""

import hashlib
import pathlib
import shutil

import pytest

from add_tf import demo, detect, evaluate, experiments, export, fit, gradcam
from add_tf.core import config as config_lib
from add_tf.training import runs
from pipelines import compress, prepare

SIZE = 32


def _fails(main, argv, capsys, *names, status=2):
    """Run `main(argv)`; it must exit with `status`, print no traceback, and name `names`."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == status, err
    assert "Traceback" not in err, err
    assert "error: " in err, err  # ours ("error: ...") or argparse's ("prog: error: ...")
    for name in names:
        assert str(name) in err, (name, err)
    return err


def _digest(folder):
    """{relative path: sha256} of every file under `folder`."""
    folder = pathlib.Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished-looking run: config.yaml, student.keras, metrics.json."""
    from add_tf.models import build_classifier

    run = tmp_path_factory.mktemp("hostile") / "run"
    run.mkdir()
    config = config_lib.Config()
    for key, value in [("model.backbone", "resnet18"), ("model.weights", None),
                       ("model.image_size", SIZE),
                       ("data.dataset", "demo"), ("data.comp", "c40")]:
        config.set(key, value)
    runs.write_config(str(run), config)
    runs.save_model(build_classifier("resnet18", image_size=SIZE, name="student"),
                    str(run / runs.MODEL))
    (run / runs.METRICS).write_text('{"test": {"acc": 0.5}}')
    return run


@pytest.fixture
def edited_run(run_dir, tmp_path):
    """A copy of `run_dir` to damage by hand."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("not a folder")
    return path


# --------------------------------------------------------------------------- fit
def test_fit_config_mistakes(tmp_path, capsys):
    _fails(fit.main, ["--config", str(tmp_path / "nope.yaml")], capsys, "nope.yaml")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("train: [epochs: 3\n")
    _fails(fit.main, ["--config", str(bad_yaml)], capsys, "bad.yaml")
    bad_yaml.write_text("- just\n- a list\n")
    _fails(fit.main, ["--config", str(bad_yaml)], capsys, "bad.yaml")
    _fails(fit.main, ["--set", "train.nope=1"], capsys, "train.nope")
    _fails(fit.main, ["--set", "train.learning_rate=fast"], capsys, "train.learning_rate")


def test_fit_paths_are_checked_before_any_work(tmp_path, a_file, tiny_data_dir, capsys):
    quick = ["--epochs", "1", "--batch-size", "4", "--method", "none"]
    _fails(fit.main, ["--data-dir", str(tiny_data_dir), "--run-dir", str(a_file / "run"),
                      *quick], capsys, a_file)
    _fails(fit.main, ["--data-dir", str(tiny_data_dir), "--run-dir", str(a_file), *quick],
           capsys, a_file)
    _fails(fit.main, ["--data-dir", str(tiny_data_dir), "--run-dir", str(tmp_path / "r"),
                      "--method", "add", "--teacher", str(tmp_path / "no_teacher")],
           capsys, "no_teacher")
    _fails(fit.main, ["--dataset", "deepfakes", "--data-dir", str(tmp_path / "none"),
                      "--run-dir", str(tmp_path / "r2"), *quick], capsys, "pipelines.prepare")
    assert not (tmp_path / "r").exists() and not (tmp_path / "r2" / "checkpoints").exists()


def test_fit_without_a_test_split_says_so_before_training(tmp_path, tiny_data_dir, capsys):
    data = tmp_path / "data"
    shutil.copytree(tiny_data_dir, data)
    shutil.rmtree(data / "demo" / "test")
    run = tmp_path / "run"
    err = _fails(fit.main, ["--data-dir", str(data), "--run-dir", str(run), "--method", "none",
                            "--epochs", "1", "--batch-size", "4"], capsys,
                 "'test'", "--no-evaluate")
    assert "train, val" in err
    assert not (run / "checkpoints").exists()  # nothing was trained
    (data / "demo" / "manifest.json").write_text('{"counts": ')  # edited by hand, cut short
    _fails(fit.main, ["--data-dir", str(data), "--run-dir", str(run), "--method", "none",
                      "--epochs", "1", "--batch-size", "4"], capsys, "manifest.json")
    _fails(fit.main, ["--data-dir", str(data), "--run-dir", str(tmp_path), "--overwrite",
                      "--method", "none", "--no-evaluate"], capsys, "manifest.json")
    assert (data / "demo" / "manifest.json").read_text() == '{"counts": '


# ---------------------------------------------------------------------- evaluate
def test_evaluate_mistakes(tmp_path, edited_run, tiny_data_dir, capsys):
    records = str(tiny_data_dir / "demo")
    _fails(evaluate.main, ["--run", str(tmp_path / "nope"), "--records", records], capsys,
           "nope")
    (edited_run / runs.METRICS).write_text('{"test": {"acc": 0.5')  # cut short by hand
    before = _digest(edited_run)
    _fails(evaluate.main, ["--run", str(edited_run), "--records", records], capsys,
           runs.METRICS)
    assert _digest(edited_run) == before
    (edited_run / runs.METRICS).unlink()
    (edited_run / runs.CONFIG).write_text("model: {backbone: [resnet18\n")
    _fails(evaluate.main, ["--run", str(edited_run), "--records", records], capsys, runs.CONFIG)


def test_evaluate_a_damaged_model_and_truncated_records(tmp_path, run_dir, edited_run,
                                                        tiny_data_dir, capsys):
    student = edited_run / runs.MODEL
    student.write_bytes(student.read_bytes()[:1000])
    _fails(evaluate.main, ["--run", str(edited_run), "--records", str(tiny_data_dir / "demo")],
           capsys, student)
    data = tmp_path / "data"
    shutil.copytree(tiny_data_dir, data)
    shard = sorted((data / "demo" / "test").glob("*.tfrecord"))[0]
    shard.write_bytes(shard.read_bytes()[:-7])  # a copy cut short: never a silent skip
    _fails(evaluate.main, ["--run", str(run_dir), "--records", str(data / "demo")], capsys,
           shard.name)


# -------------------------------------------------------------------- export
def test_export_mistakes(tmp_path, run_dir, edited_run, a_file, capsys):
    _fails(export.main, ["--run", str(tmp_path / "nope"), "--out", str(tmp_path / "m")],
           capsys, "nope")
    _fails(export.main, ["--run", str(run_dir), "--out", str(a_file)], capsys, a_file)
    student = edited_run / runs.MODEL
    student.write_bytes(b"")
    _fails(export.main, ["--run", str(edited_run), "--out", str(tmp_path / "m")], capsys,
           student)
    assert not (tmp_path / "m" / "1").exists()


# -------------------------------------------------------------------- detect
def test_detect_mistakes(tmp_path, run_dir, a_file, capsys):
    image = tmp_path / "face.png"
    image.write_bytes(b"")
    _fails(detect.main, [str(image), "--model", str(tmp_path / "nope")], capsys, "nope")
    incomplete = tmp_path / "saved" / "1"
    incomplete.mkdir(parents=True)
    (incomplete / "saved_model.pb").write_bytes(b"\x08\x01")
    _fails(detect.main, [str(image), "--model", str(tmp_path / "saved")], capsys,
           incomplete, "variables/")
    _fails(detect.main, [str(image), "--model", str(run_dir), "--report", str(a_file)], capsys,
           a_file)
    _fails(detect.main, [str(image), "--model", str(run_dir), "--json", str(tmp_path)], capsys,
           tmp_path)


# ------------------------------------------------------------------- gradcam, demo, grid
def test_gradcam_demo_and_experiments_mistakes(tmp_path, a_file, capsys):
    records = ["--records", str(tmp_path)]
    _fails(gradcam.main, ["--add-run", str(tmp_path / "nope"), *records], capsys, "nope")
    _fails(gradcam.main, ["--add-run", str(tmp_path / "nope"), *records, "--out",
                          str(a_file / "g.png")], capsys, a_file)
    _fails(demo.main, ["--data-dir", str(a_file)], capsys, a_file)
    _fails(experiments.main, ["--out", str(a_file), "--plan"], capsys, a_file)
    _fails(experiments.main, ["--set", "nope.key=1", "--plan", "--out",
                              str(tmp_path / "grid")], capsys, "nope.key")


# ---------------------------------------------------------------- prepare, compress
def test_prepare_and_compress_mistakes(tmp_path, a_file, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails(prepare.main, ["--ffpp-root", str(empty), "--out", str(a_file)], capsys, a_file)
    _fails(prepare.main, ["--ffpp-root", str(empty), "--out", str(tmp_path / "out")], capsys,
           empty)
    _fails(prepare.main, ["--ffpp-root", str(tmp_path / "nope"), "--out",
                          str(tmp_path / "out")], capsys, "nope")
    _fails(prepare.main, ["--layout", "folders", "--root", str(empty), "--out",
                          str(tmp_path / "out")], capsys, empty)
    assert a_file.read_text() == "not a folder"
    _fails(compress.main, ["--layout", "dfdc", "--root", str(tmp_path / "nope")], capsys, "nope")
    _fails(compress.main, ["--input", str(empty), "--output", str(a_file)], capsys, a_file)
    for main, argv in ((prepare.main, ["--out", str(tmp_path / "out")]), (compress.main, [])):
        _fails(main, ["--ffpp-root", str(empty), "--methods", "Deepfake", *argv], capsys,
               "'Deepfake'", "Valid: Deepfakes")
