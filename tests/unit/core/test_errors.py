"""add_tf.core.errors: the commands' error boundary (exit status, one line, --debug)."""

import errno
import subprocess
import sys

import pytest

from add_tf.core import errors


def _run(main, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        errors.command(main)(argv)
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize("error, status", [
    (errors.UsageError("--comp c99 is not a quality"), 2),
    (errors.NonFiniteLossError("loss fr is nan"), 1),
    (FileNotFoundError(errno.ENOENT, "No such file or directory", "/x/config.yaml"), 2),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/x/out"), 2),
    (PermissionError(errno.EACCES, "Permission denied", "/ro/run"), 2),
    (OSError(errno.ENOSPC, "No space left on device", "/full/run"), 1),
])
def test_user_errors_are_one_line_with_their_status(error, status, capsys):
    def main(argv):
        raise error

    code, err = _run(main, [], capsys)
    assert code == status
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    if isinstance(error, OSError):
        assert error.filename in err


def test_os_errors_name_the_path_and_the_way_out(capsys):
    def main(argv):
        raise OSError(errno.ENOSPC, "No space left on device", "/full/run/student.keras")

    _, err = _run(main, [], capsys)
    assert err == ("error: No space left on device: /full/run/student.keras (free some space or "
                   "write elsewhere; files written before are intact)\n")


def test_tensorflow_file_errors_are_recognised_without_importing_tensorflow():
    data_loss = type("DataLossError", (Exception,), {"__module__": "tensorflow.python.errors"})
    oom = type("ResourceExhaustedError", (Exception,), {"__module__": "tensorflow.python.errors"})
    internal = type("InternalError", (Exception,), {"__module__": "tensorflow.python.errors"})
    not_found = type("NotFoundError", (Exception,), {"__module__": "tensorflow.python.errors"})
    assert errors.exit_status(data_loss("x")) == 2
    assert errors.exit_status(not_found("an op without a kernel")) is None
    assert errors.exit_status(oom("x")) == 1
    assert errors.exit_status(internal("x")) is None


def test_a_bug_keeps_its_traceback():
    def main(argv):
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        errors.command(main)([])


def test_debug_flag_shows_the_traceback_and_is_not_passed_on(capsys):
    seen = []

    def main(argv):
        seen.append(list(argv))
        raise errors.UsageError("bad value")

    code, err = _run(main, ["--x", "1", "--debug"], capsys)
    assert code == 2 and seen == [["--x", "1"]]
    assert "Traceback" in err and err.rstrip().endswith("error: bad value")


def test_debug_environment_variable(monkeypatch, capsys):
    monkeypatch.setenv(errors.DEBUG_ENV, "1")

    def main(argv):
        raise errors.UsageError("bad value")

    _, err = _run(main, [], capsys)
    assert "Traceback" in err
    monkeypatch.setenv(errors.DEBUG_ENV, "0")
    _, err = _run(main, [], capsys)
    assert "Traceback" not in err


def test_a_return_value_and_a_clean_exit_pass_through():
    assert errors.command(lambda argv: argv)(["a"]) == ["a"]
    with pytest.raises(SystemExit) as exit_info:
        errors.command(lambda argv: sys.exit(0))([])
    assert exit_info.value.code == 0


def test_core_imports_without_tensorflow():
    code = ("import sys; import add_tf.core.errors, add_tf.core.config, add_tf.core.names, "
            "add_tf.core.progress, add_tf.core.atomic, add_tf.core.methods; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_commands_process_skips_the_final_garbage_collection():
    code = """
from add_tf.core import errors

class Cycle:
    def __del__(self):
        print("collected at exit")

@errors.command
def main(argv):
    pass

main([])
main([])
cycle = Cycle()
cycle.self = cycle
del cycle  # garbage only a collection finds
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "collected at exit" not in done.stdout


def test_sigterm_is_handled_as_ctrl_c_and_the_handler_restored(capsys):
    import os
    import signal

    released = []

    def main(argv):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.pause()
        finally:  # what a held claim does
            released.append(True)

    before = signal.getsignal(signal.SIGTERM)
    code, err = _run(main, [], capsys)
    assert code == errors.TERMINATED and err == "terminated\n" and released == [True]
    assert signal.getsignal(signal.SIGTERM) is before

    def interrupted(argv):
        raise KeyboardInterrupt

    assert _run(interrupted, [], capsys) == (errors.INTERRUPTED, "interrupted\n")
