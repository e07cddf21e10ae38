"""add_tf.fit: command line, config resolution and usage errors."""

import pytest

from add_tf import fit
from add_tf.core import config as config_lib


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
    assert config.train.batch_size == 144
    assert config.train.learning_rate == 2e-4
    assert config.train.validations_per_epoch == 10 and config.train.patience == 10
    assert (config.train.beta_1, config.train.beta_2, config.train.epsilon) == (0.9, 0.999, 1e-8)


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
