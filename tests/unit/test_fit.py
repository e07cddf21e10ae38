"""add_tf.fit: command line, config resolution and usage errors."""

import os

import pytest

from add_tf import fit
from add_tf.core import atomic
from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.training import one_run


def _config(argv):
    return fit.resolve_config(fit.build_parser().parse_args(argv))


def test_defaults_are_demo_with_demo_overrides():
    config = _config([])
    assert config.data.dataset == "demo"
    assert config.data.comp == "c40" and config.loss.method == "add"
    for key, value in config_lib.DEMO_DEFAULTS.items():
        section, name = key.split(".")
        assert getattr(getattr(config, section), name) == value


def test_real_dataset_keeps_paper_defaults():
    config = _config(["--dataset", "deepfakes", "--comp", "c23"])
    assert config.model.backbone == "resnet50"
    assert config.model.weights == "imagenet"  # the authors' resnet50(pretrained=True)
    assert one_run.teacher_config(config).model.weights == "imagenet"
    assert _config([]).model.weights is None  # the demo starts from random weights, offline
    random = _config(["--dataset", "faceshifter", "--set", "model.weights=null"])
    assert random.model.weights is None
    assert config.train.batch_size == 144
    assert config.train.learning_rate == 2e-4
    assert config.train.validations_per_epoch == 10 and config.train.patience == 10
    assert (config.train.beta_1, config.train.beta_2, config.train.epsilon) == (0.9, 0.999, 1e-8)


def test_auto_teacher_trains_for_teacher_epochs():
    """The auto teacher's budget is train.teacher_epochs; without it, the student's epochs."""
    assert one_run.teacher_config(_config(["--set", "train.teacher_epochs=2"])).train.epochs == 2
    own = _config(["--set", "train.teacher_epochs=null", "--epochs", "4"])
    assert one_run.teacher_config(own).train.epochs == 4
    assert _config([]).train.teacher_epochs is None


def test_precedence_yaml_then_set_then_flags(tmp_path):
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("train:\n  epochs: 7\n  batch_size: 16\nloss:\n  beta: 20\n")
    config = _config(["--config", str(yaml_file), "--set", "train.batch_size=8", "loss.alpha=0.5",
                      "--set", "train.patience=3", "--batch-size", "4"])
    assert config.train.epochs == 7  # yaml over demo default
    assert config.loss.beta == 20
    assert config.loss.alpha == 0.5 and config.train.patience == 3  # --set, repeated
    assert config.train.batch_size == 4  # explicit flag wins
    assert config.model.backbone == "resnet18"  # demo default untouched


def test_dataset_from_yaml_selects_paper_defaults(tmp_path):
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("data:\n  dataset: faceswap\n")
    config = _config(["--config", str(yaml_file)])
    assert config.data.dataset == "faceswap" and config.model.backbone == "resnet50"


def test_float_keys_accept_exponents_without_a_dot():
    config = _config(["--set", "train.learning_rate=1e30", "loss.gamma_fr=1e-3", "loss.beta=20"])
    assert config.train.learning_rate == 1e30 and config.loss.gamma_fr == 1e-3
    assert isinstance(config.loss.beta, float) and config.loss.beta == 20.0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--set", "train.nope=1"], "Unknown config key 'train.nope'"),
        (["--set", "train.epochs"], "--set expects key=value"),
        (["--epochs", "0"], "train.epochs must be a positive integer"),
        (["--set", "loss.method=foo"], "Invalid loss.method: 'foo'"),
        (["--config", "/nonexistent/c.yaml"], "Config file not found"),
        (["--set", "train.learning_rate=fast"], "train.learning_rate expects a number"),
    ],
)
def test_usage_errors_exit_2_with_message(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        fit.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_argparse_rejects_unknown_choices(capsys):
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "distill"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_missing_teacher_path_is_reported(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        fit.main(["--teacher", str(tmp_path / "missing.keras"), "--run-dir", str(tmp_path / "r"),
                  "--data-dir", str(tmp_path / "data")])
    assert info.value.code == 2
    assert "missing.keras: no such file" in capsys.readouterr().err


def test_prepared_data_missing_names_path_and_command(tmp_path, capsys):
    pytest.importorskip("add_tf.data")
    with pytest.raises(SystemExit) as info:
        fit.main(["--dataset", "deepfakes", "--data-dir", str(tmp_path / "data"),
                  "--run-dir", str(tmp_path / "run"), "--teacher", "auto"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "manifest.json" in err and str(tmp_path / "data") in err
    assert "python -m pipelines.prepare" in err and "--methods Deepfakes" in err


# --------------------------------------------------------------------------- --print-config
def test_print_config_prints_every_layer_without_work_or_tensorflow(tmp_path):
    """Paper + demo defaults, YAML, --set and flags in the printed YAML; no data, no run dir, no
    TensorFlow."""
    import subprocess
    import sys

    import yaml

    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("train:\n  epochs: 7\nloss:\n  beta: 20\n")
    code = (
        "import sys\n"
        "from add_tf import fit\n"
        f"fit.main({['--config', str(yaml_file), '--set', 'loss.alpha=0.5', '--batch-size', '4', '--data-dir', str(tmp_path / 'data'), '--run-dir', str(tmp_path / 'run'), '--print-config']!r})\n"  # noqa: E501
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)
    assert printed["model"]["backbone"] == "resnet18"  # demo default
    assert printed["train"]["epochs"] == 7 and printed["loss"]["beta"] == 20  # YAML
    assert printed["loss"]["alpha"] == 0.5 and printed["train"]["batch_size"] == 4
    assert printed["train"]["learning_rate"] == config_lib.DEMO_DEFAULTS["train.learning_rate"]
    assert printed["train"]["beta_2"] == 0.999  # paper default
    assert not (tmp_path / "data").exists() and not (tmp_path / "run").exists()


def test_print_config_names_the_demo_comparison(capsys):
    assert fit.main(["--print-config"]) is None
    out = capsys.readouterr().out
    assert out.startswith("# the demo comparison: one run per loss.method in none, add")


# --------------------------------------------------------------------------- demo comparison
def _run_configs(argv):
    args = fit.build_parser().parse_args(argv)
    return fit.run_configs(fit.resolve_config(args), args)


def test_demo_comparison_only_when_no_layer_names_a_method(tmp_path):
    assert [c.loss.method for c in _run_configs([])] == list(fit.DEMO_METHODS)
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("loss:\n  method: fitnet\n")
    for argv in (["--method", "at"], ["--set", "loss.method=at"],
                 ["--config", str(yaml_file)]):
        methods = [c.loss.method for c in _run_configs(argv)]
        assert methods == ["fitnet" if "--config" in argv else "at"], argv
    assert len(_run_configs(["--run-dir", str(tmp_path / "r")])) == 1
    records = tmp_path / "demo"  # a folder of records its manifest names "demo"
    records.mkdir()
    atomic.write_json(str(records / "manifest.json"),
                      {"settings": {"qualities": ["c23", "c40"], "size": 32}})
    (config,) = _run_configs(["--records", str(records)])
    assert (config.data.dataset, config.loss.method) == ("demo", "add")


# --------------------------------------------------------------------------- reuse of a run dir
def _stored_run(run_dir, argv, done=True):
    """A run dir holding the config `argv` resolves to (and a finished state when `done`)."""
    from add_tf.training import runs

    run_dir.mkdir(parents=True)
    runs.write_config(str(run_dir), _config(argv))
    if done:
        (run_dir / "training_state.json").write_text('{"done": true}')
        (run_dir / "student.keras").write_text("model")
    return run_dir


def test_changed_config_on_a_finished_run_stops_before_any_work(tmp_path, capsys, monkeypatch):
    run_dir = _stored_run(tmp_path / "run", ["--method", "none"])
    monkeypatch.setattr(fit, "make_strategy", lambda name: pytest.fail("work started"))
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "none", "--run-dir", str(run_dir), "--set", "train.epochs=3",
                  "model.weights=imagenet"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "a trained run" in err
    assert "train.epochs: 6 in the run, 3 requested" in err
    assert "model.weights: None in the run, 'imagenet' requested" in err
    assert "--run-dir" in err and "--overwrite" in err
    assert len(err.strip().splitlines()) == 1
    assert (run_dir / "student.keras").exists() and (run_dir / "config.yaml").exists()


def test_changed_config_on_a_resumable_run_is_refused(tmp_path):
    run_dir = _stored_run(tmp_path / "run", ["--method", "none"], done=False)
    with pytest.raises(UsageError, match="a started .resumable. run.*train.epochs: 6 in"):
        one_run.check_reuse(_config(["--method", "none", "--epochs", "2"]), str(run_dir))
    one_run.check_reuse(_config(["--method", "none", "--epochs", "2"]), str(run_dir),
                        overwrite=True)


def test_fit_refuses_an_earlier_generators_run_before_any_work(tmp_path, capsys):
    run_dir = tmp_path / "runs" / "demo" / "resnet18" / "c40" / "none-seed0"
    os.makedirs(run_dir)
    atomic.write_json(str(run_dir / "model_card.json"), {"training_set": {"generator_seed": 0}})
    with pytest.raises(SystemExit) as exit_info:
        fit.main(["--method", "none", "--runs-root", str(tmp_path / "runs"),
                  "--data-dir", str(tmp_path / "data")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "none-seed0 holds a run trained on the demo of an earlier" in err
    assert not (tmp_path / "data").exists()


def test_same_config_and_uncompared_keys_reuse_the_run(tmp_path):
    run_dir = _stored_run(tmp_path / "run", ["--method", "none"])
    one_run.check_reuse(_config(["--method", "none"]), str(run_dir))
    one_run.check_reuse(_config(["--method", "none", "--data-dir", str(tmp_path / "moved"), "--jit",
                             "--strategy", "mirrored", "--set", "train.validate_losses=true",
                             "train.deterministic=false"]), str(run_dir))
    one_run.check_reuse(_config(["--method", "add"]), str(tmp_path / "no-run"))


def test_a_started_auto_teacher_of_another_config_stops_before_any_work(tmp_path, capsys,
                                                                        monkeypatch):
    runs_root = tmp_path / "runs"
    teacher_dir = _stored_run(runs_root / "demo" / "resnet18" / "raw" / "teacher",
                              ["--method", "none", "--comp", "raw", "--epochs", "2"], done=False)
    monkeypatch.setattr(fit, "make_strategy", lambda name: pytest.fail("work started"))
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "add", "--runs-root", str(runs_root)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.strip().splitlines()) == 1
    assert f"{teacher_dir} holds a started teacher of another config" in err
    assert "train.epochs: 2 in the run, 6 requested" in err and "--teacher PATH" in err
    with pytest.raises(pytest.fail.Exception, match="work started"):  # the same teacher resumes
        fit.main(["--method", "add", "--runs-root", str(runs_root),
                  "--set", "train.teacher_epochs=2"])
    with pytest.raises(pytest.fail.Exception, match="work started"):  # or another is given
        fit.main(["--method", "add", "--runs-root", str(runs_root), "--teacher", str(tmp_path)])


def test_keys_the_method_does_not_read_are_not_compared(tmp_path):
    """A run without a teacher reads no loss option: --set loss.beta reuses it; a method that
    distils reads them all."""
    run_dir = _stored_run(tmp_path / "none", ["--method", "none"])
    one_run.check_reuse(_config(["--method", "none", "--set", "loss.beta=8", "loss.layers=[layer4]",
                             "data.teacher_comp=c23", "train.fr_warmup_epochs=2"]), str(run_dir))
    with pytest.raises(UsageError, match="model.weights"):
        one_run.check_reuse(_config(["--method", "none", "--set", "model.weights=teacher"]),
                        str(run_dir))
    add_dir = _stored_run(tmp_path / "add", ["--method", "add"])
    with pytest.raises(UsageError, match="loss.beta: 16.0 in"):
        one_run.check_reuse(_config(["--method", "add", "--set", "loss.beta=8"]), str(add_dir))


def test_a_run_stored_with_a_retired_key_still_reads(tmp_path):
    """config.yaml of an earlier version holds data.frames; a request naming it is refused."""
    from add_tf.training import runs

    run_dir = _stored_run(tmp_path / "run", ["--method", "none"])
    config_path = run_dir / "config.yaml"
    config_path.write_text(config_path.read_text().replace("data:\n", "data:\n  frames: 64\n"))
    assert "frames: 64" in config_path.read_text()
    assert runs.read_config(str(run_dir)).loss.method == "none"
    one_run.check_reuse(_config(["--method", "none"]), str(run_dir))
    with pytest.raises(UsageError, match="Unknown config key .data.frames."):
        _config(["--set", "data.frames=8"])


def test_image_size_is_compared_as_the_loop_stores_it(tmp_path):
    """The loop stores the prepared crops' side as model.image_size (whatever was asked): the
    same command is the same run, records prepared at another size are not."""
    import json

    from add_tf.training import runs

    data = tmp_path / "data"
    (data / "demo").mkdir(parents=True)
    (data / "demo" / "manifest.json").write_text(json.dumps({"settings": {"size": 32}}))
    argv = ["--method", "none", "--data-dir", str(data)]
    stored = _config(argv)
    stored.model.image_size = 32
    (tmp_path / "run").mkdir()
    runs.write_config(str(tmp_path / "run"), stored)
    one_run.check_reuse(_config(argv), str(tmp_path / "run"))
    one_run.check_reuse(_config(argv + ["--set", "model.image_size=64"]), str(tmp_path / "run"))
    (data / "demo" / "manifest.json").write_text(json.dumps({"settings": {"size": 64}}))
    with pytest.raises(UsageError, match="model.image_size: 32 in the run, 64 requested"):
        one_run.check_reuse(_config(argv), str(tmp_path / "run"))


def test_overwrite_keeps_the_run_when_the_new_config_is_invalid(tmp_path, capsys):
    run_dir = _stored_run(tmp_path / "run", ["--method", "none"])
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "none", "--run-dir", str(run_dir), "--overwrite",
                  "--set", "train.epochs=0"])
    assert info.value.code == 2
    assert sorted(os.listdir(run_dir)) == ["config.yaml", "student.keras", "training_state.json"]


def test_overwrite_removes_the_run_only_after_the_inputs_are_checked(tmp_path, monkeypatch):
    run_dir = str(_stored_run(tmp_path / "run", ["--method", "none"]))
    config = _config(["--method", "none", "--epochs", "2"])
    calls = []
    monkeypatch.setattr(one_run, "check_inputs", lambda *a, **k: calls.append(
        ("checked", sorted(os.listdir(run_dir)), a[3])))
    monkeypatch.setattr(one_run, "_train_session",
                        lambda c, d, *a, **k: calls.append(("train", sorted(os.listdir(d)))))
    (tmp_path / "run" / "notes.txt").write_text("mine")
    request = one_run.Request(config, run_dir, str(tmp_path), evaluate=False, overwrite=True)
    one_run.check(request)
    one_run.train(request)
    assert calls == [("checked", ["config.yaml", "notes.txt", "student.keras",
                                  "training_state.json"], True),
                     ("train", ["claim.json", "notes.txt", "training_state.json"])]
    assert sorted(os.listdir(run_dir)) == ["notes.txt", "training_state.json"]


def test_offline_imagenet_stops_before_any_training(tmp_path, capsys, monkeypatch):
    """A paper data set without network: one line naming the backbone, the source and the ways
    out, exit 2, before a teacher or the student is trained or a run dir written."""
    import socket
    import urllib.error

    from keras.src.utils import file_utils

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    get_file = file_utils.get_file
    monkeypatch.setattr(file_utils, "get_file",
                        lambda *a, **k: get_file(*a, **{**k, "cache_dir": str(tmp_path / "k")}))
    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    monkeypatch.setattr(one_run, "check_inputs", lambda *a, **k: None)
    monkeypatch.setattr(one_run, "_train_session", lambda *a, **k: pytest.fail("training"))
    run_dir = tmp_path / "runs" / "student"
    with pytest.raises(SystemExit) as info:
        fit.main(["--dataset", "deepfakes", "--run-dir", str(run_dir), "--verbose", "0"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert len(err.strip().splitlines()) == 1
    assert "ImageNet weights of resnet50 could not be fetched from keras.applications" in err
    assert "Name or service not known" in err
    assert "--set model.weights=null" in err and "--set model.weights=PATH" in err
    assert not (tmp_path / "runs").exists()
