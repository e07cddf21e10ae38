import pytest

from pipelines import compress


def test_layout_flags(tmp_path, capsys):
    for argv, message in [
        (["--layout", "dfdc"], "give --ffpp-root DIR, or --layout NAME --root DIR"),
        (["--layout", "dfdc", "--root", str(tmp_path), "--to", "c23"],
         "is the quality of the files"),
        (["--layout", "dfdc", "--root", str(tmp_path / "none")], "does not exist"),
    ]:
        with pytest.raises(SystemExit):
            compress.run(argv)
        assert message in capsys.readouterr().err
