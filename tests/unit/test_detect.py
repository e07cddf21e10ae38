"""add_tf.detect: usage errors exit 2 and write nothing."""

import pytest

from add_tf import detect


def test_cli_usage_errors(tmp_path, tiny_run_dir):
    with pytest.raises(SystemExit) as info:
        detect.main([str(tmp_path), "--model", str(tiny_run_dir), "--json",
                     str(tmp_path / "no" / "such" / "dir" / "r.json")])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        detect.main([str(tmp_path), "--model", str(tmp_path / "nothing")])
    assert info.value.code == 2
    (tmp_path / "taken").write_text("")
    with pytest.raises(SystemExit) as info:
        detect.main([str(tmp_path), "--model", str(tiny_run_dir), "--report",
                     str(tmp_path / "taken")])
    assert info.value.code == 2
    assert not (tmp_path / "no").exists()
