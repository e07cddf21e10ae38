import os
import stat

import pytest

from add_tf.core import atomic


def test_replacing_renames_on_success_and_keeps_the_extension(tmp_path):
    target = tmp_path / "best-v001.weights.h5"
    with atomic.replacing(target) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path) and tmp.endswith(".weights.h5")
        assert not target.exists()
        with open(tmp, "w") as f:
            f.write("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    atomic.write_json(target, {"acc": 0.5})
    with pytest.raises(RuntimeError, match="killed"):
        with atomic.replacing(target) as tmp:
            with open(tmp, "w") as f:
                f.write('{"acc": ')
            raise RuntimeError("killed")
    assert target.read_text() == '{\n  "acc": 0.5\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_umask_is_read_without_changing_it(tmp_path):
    previous = os.umask(0o027)
    try:
        assert atomic._umask() == 0o027
        assert os.umask(0o027) == 0o027
        atomic.write_text(str(tmp_path / "f.txt"), "x")
        assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o640
    finally:
        os.umask(previous)
