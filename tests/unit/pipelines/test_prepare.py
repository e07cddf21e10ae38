import subprocess
import sys

import pytest

from pipelines import prepare


def test_layout_flags_are_checked(tmp_path, capsys):
    for argv, message in [
        (["--out", "o"], "give --root DIR"),
        (["--layout", "dfdc", "--ffpp-root", "r", "--out", "o"],
         "--ffpp-root DIR is --layout ffpp"),
        (["--layout", "dfdc", "--root", "r", "--methods", "Deepfakes", "--out", "o"],
         "--methods does not apply to --layout dfdc"),
        (["--ffpp-root", "r", "--quality", "c23", "--out", "o"], "--quality does not apply"),
    ]:
        with pytest.raises(SystemExit):
            prepare.run(argv)
        assert message in capsys.readouterr().err


def test_unknown_runner_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.prepare", "--ffpp-root", str(tmp_path), "--out",
         str(tmp_path / "out"), "--runner", "Dusk"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Unknown runner. Valid: DirectRunner, DaskRunner, ")
    assert done.stderr.count("\n") == 1 and not (tmp_path / "out").exists()


def test_a_bad_box_scale_is_refused_before_the_data_set_is_read(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        prepare.main(["--ffpp-root", str(tmp_path / "absent"), "--out", str(tmp_path / "out"),
                      "--box-scale", "0"])
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        "error: crop recipe: box_scale must be positive. Received: box_scale=0.0\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value, message", [
    ("abc", "argument --size: must be an integer, received 'abc'"),
    ("16", "argument --size: must be at least 32, received 16"),  # the models' smallest input
    ("0", "argument --frames: must be at least 1, received 0"),
])
def test_sizes_and_counts_are_checked_by_name(tmp_path, capsys, value, message):
    flag = message.split(":")[0].removeprefix("argument ")
    with pytest.raises(SystemExit) as info:
        prepare.main(["--ffpp-root", str(tmp_path), "--out", str(tmp_path / "out"), flag, value])
    assert info.value.code == 2 and message in capsys.readouterr().err
