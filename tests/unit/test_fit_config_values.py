"""`python -m add_tf.fit --set KEY=VALUE`: every key of the config refuses hostile values with exit
2 and one line naming the key, before any data or model (through --print-config)."""

import sys

import pytest

from add_tf import fit
from add_tf.core import config as config_lib
from config_values import hostile_cases

SPECIAL = {"data.data_dir": [""]}  # any string is a path: only the empty one is refused
CASES = hostile_cases(SPECIAL)


def _refused(capsys, *sets):
    argv = ["--print-config"]
    for item in sets:
        argv += ["--set", item]
    with pytest.raises(SystemExit) as info:
        fit.main(argv)
    captured = capsys.readouterr()
    assert info.value.code == 2, captured
    assert captured.out == ""  # nothing printed: the config was refused
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_every_key_is_covered():
    assert {key for key, _ in CASES} == set(config_lib.keys())
    assert len(CASES) >= 3 * len(config_lib.keys())


@pytest.mark.parametrize("key, value", CASES)
def test_hostile_value_is_a_usage_error_naming_the_key(capsys, key, value):
    line = _refused(capsys, f"{key}={value}")
    assert key in line, line


@pytest.mark.parametrize("item, words", [
    ("loss.num_projections=-1", ["loss.num_projections", "-1", "a positive integer"]),
    ("loss.layers=[foo]", ["loss.layers", "'foo'", "layer1, layer2, layer3, layer4"]),
    ("model.weights=on", ["model.weights", "'on'", "imagenet", "teacher", ".weights.h5"]),
    ("model.weights=missing.keras", ["model.weights", "no such file"]),
    ("train.learning_rate=0", ["train.learning_rate", "> 0"]),
    ("loss.margin=-0.1", ["loss.margin", ">= 0"]),
    ("train.seed=1.5", ["train.seed", "an integer"]),
    ("loss.fr_weights=[1, 2]", ["loss.fr_weights", "one weight per layer"]),
    ("loss.method=foo", ["loss.method", "add, none"]),
    ("model.backbone=vgg", ["model.backbone", "resnet50"]),
])
def test_specific_refusals(capsys, item, words):
    line = _refused(capsys, item)
    for word in words:
        assert word in line, line


def test_layers_and_their_weights_change_together(capsys):
    assert fit.main(["--print-config", "--set", "loss.layers=[layer3]", "loss.fr_weights=[1]",
                     "loss.mv_weights=[2]"]) is None
    assert "- layer3" in capsys.readouterr().out
    line = _refused(capsys, "loss.layers=[layer3]", "loss.fr_weights=[1]")
    assert "loss.mv_weights" in line  # add uses MV too
    # a method without FR / MV takes any layers without touching the weights
    assert fit.main(["--print-config", "--set", "loss.method=at", "loss.layers=[layer1]"]) is None


def test_valid_forms_of_weights_and_strings_stay_strings(tmp_path, capsys):
    model = tmp_path / "m.weights.h5"
    model.write_bytes(b"")
    for value in ("null", "imagenet", "teacher", str(model), str(tmp_path)):
        assert fit.main(["--print-config", "--set", f"model.weights={value}"]) is None
    config = config_lib.resolve(overrides=["data.data_dir=on", "train.deterministic=yes",
                                           "model.weights=None"])
    assert config.data.data_dir == "on" and config.train.deterministic is True
    assert config.model.weights is None
    capsys.readouterr()


def test_a_yaml_file_is_read_by_the_declared_types(tmp_path, capsys):
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("model:\n  weights: on\n")
    with pytest.raises(SystemExit) as info:
        fit.main(["--print-config", "--config", str(yaml_file)])
    assert info.value.code == 2
    assert "model.weights: 'on'" in capsys.readouterr().err


def test_config_errors_need_no_tensorflow():
    import subprocess

    code = ("import sys\nfrom add_tf import fit\n"
            "try:\n    fit.main(['--print-config', '--set', 'loss.num_projections=0'])\n"
            "except SystemExit as e:\n    assert e.code == 2\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
