"""The quiet console of a command that loads TensorFlow (export of a tiny run), as run from a
shell with TF_CPP_MIN_LOG_LEVEL unset, at 1 or 2 (quiet) and at 0 or with --debug (verbose)."""

import pytest

from console_output import noise, run_command


def _export(run_dir, out, level=None, *extra):
    return run_command("add_tf.export", ["--run", str(run_dir), "--out", str(out), *extra], level)


@pytest.mark.parametrize("level", [None, "1", "2"])
def test_the_console_is_quiet_unless_the_shell_asks_for_logs(tiny_run_dir, tmp_path, level):
    done = _export(tiny_run_dir, tmp_path / "model", level)
    assert noise(done) == [], done.stderr
    own = ("Exported student of ", "  signatures: ", "model card: ",
           "WARNING: this model was trained on the synthetic demo set")
    lines = (done.stdout + done.stderr).splitlines()
    assert [line for line in lines if not line.startswith(own)] == [], lines


@pytest.mark.parametrize("level, extra", [("0", ()), (None, ("--debug",))])
def test_level_0_and_debug_bring_tensorflows_logs_back(tiny_run_dir, tmp_path, level, extra):
    done = _export(tiny_run_dir, tmp_path / "model", level, *extra)
    assert {"absl::InitializeLog", "cuda drivers"} <= set(noise(done)), done.stderr
