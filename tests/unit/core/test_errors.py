"""add_tf.core.errors: the commands' error boundary (exit status, one line, --debug)."""

import errno
import json
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


HELP_OF_EVERY_COMMAND = """
import contextlib, importlib, io, json, pkgutil, sys
import add_tf, pipelines
helps = {}
for package in (add_tf, pipelines):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if info.ispkg:
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                importlib.import_module(info.name).main(["--help"])
            except SystemExit as exit:
                helps[info.name] = [exit.code, out.getvalue()]
loaded = [name for name in ("tensorflow", "keras") if name in sys.modules]
print(json.dumps({"helps": helps, "loaded": loaded}))
"""


def test_every_commands_help_exits_0_lists_debug_and_imports_no_tensorflow():
    done = subprocess.run([sys.executable, "-c", HELP_OF_EVERY_COMMAND], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"add_tf.fit", "add_tf.evaluate", "pipelines.prepare"} <= set(result["helps"])
    for name, (code, text) in result["helps"].items():
        assert code == 0 and "usage:" in text and errors.DEBUG_FLAG in text, name
    assert result["loaded"] == []


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
