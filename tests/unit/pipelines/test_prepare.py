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
