"""The errors a user can cause or fix, and the one error boundary every command's `main()` uses.

A command's `main` is wrapped by `command`: an error of the kinds below becomes one line on
stderr (`error: ...`, naming the path or value and the way out) and an exit status, 2 for a
problem with the command line or its inputs, 1 for a failure during the work; any other
exception is a bug and keeps its traceback. `--debug` on any command (or `ADD_TF_DEBUG=1`)
prints the traceback of every error as well.

SIGTERM (a scheduler cancelling or pre-empting a job) is handled as Ctrl-C: the work stops by an
exception, so that what holds a claim releases it; exit 143 (130 for Ctrl-C).

A command's process also ends without the interpreter's final garbage collection
(`gc.freeze` at exit): that collection walks every object the traced TensorFlow graphs left,
2 s of a training command's exit on the 2-core machine, to free memory the system frees anyway.

Errors of the operating system and of TensorFlow's file layer are recognised by their type (core
imports no TensorFlow: a TensorFlow error is known by its class name and module).
"""

import atexit
import errno
import functools
import gc
import os
import signal
import sys
import threading
import traceback

DEBUG_FLAG = "--debug"
DEBUG_ENV = "ADD_TF_DEBUG"


class UsageError(Exception):
    """A problem with the command line or the inputs; a command prints it and exits with 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM during a command (a scheduler's cancel, preemption or time limit): handled as
    Ctrl-C is, so that a run's claim is released and its session recorded; exit TERMINATED."""


INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C
TERMINATED = 143  # ... and by SIGTERM


def _terminate(signum, frame):
    raise Terminated


class WorkError(Exception):
    """A failure during the work that the user can act on (a full disk, a broken model); exit 1."""


class NonFiniteLossError(WorkError):
    """The training loss became NaN or infinite; a command prints it and exits with 1."""


# OS errors that mean "the input or the place asked for is not usable" -> 2; the others that a
# user can fix (a full disk, a read-only file system) are failures during the work -> 1.
_INPUT_ERRNOS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM,
                 errno.EEXIST, errno.ENAMETOOLONG, errno.ELOOP}
_INPUT_OS_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError,
                    PermissionError)
_WORK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EMFILE, errno.EIO}
_OS_HINTS = {
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a folder is needed there, not a file",
    errno.EISDIR: "a file is needed there, not a folder",
    errno.EACCES: "check its permissions or choose another location",
    errno.EPERM: "check its permissions or choose another location",
    errno.ENOSPC: "free some space or write elsewhere; files written before are intact",
    errno.EDQUOT: "free some space or write elsewhere; files written before are intact",
    errno.EROFS: "choose a writable location",
}
# TensorFlow's error classes (tf.errors.*) by name -> exit status.
# NotFoundError and FailedPreconditionError are left out: TensorFlow raises them for programming
# errors too (an op without a kernel, an uninitialised variable); the commands check their paths
# before the work instead.
_TF_ERRORS = {
    "PermissionDeniedError": 2,
    "AlreadyExistsError": 2,
    "DataLossError": 2,
    "ResourceExhaustedError": 1,
}


def exit_status(error):
    """2 (usage or input), 1 (a failure during the work) or None (a bug: keep the traceback)."""
    if isinstance(error, UsageError):
        return 2
    if isinstance(error, WorkError):
        return 1
    if isinstance(error, _INPUT_OS_ERRORS) or (
            isinstance(error, OSError) and error.errno in _INPUT_ERRNOS):
        return 2
    if isinstance(error, OSError) and error.errno in _WORK_ERRNOS:
        return 1
    if type(error).__module__.startswith("tensorflow"):
        return _TF_ERRORS.get(type(error).__name__)
    return None


def message(error):
    """The one line a user reads: the error's text, with the path and the way out for OS errors."""
    if isinstance(error, OSError) and error.errno is not None and error.filename is not None:
        hint = _OS_HINTS.get(error.errno)
        text = f"{error.strerror}: {error.filename}"
        return f"{text} ({hint})" if hint else text
    if type(error).__module__.startswith("tensorflow") and getattr(error, "message", None):
        text = error.message
    else:
        text = str(error.args[0]) if len(error.args) == 1 else str(error)
    return text.strip()


def debug_env():
    """Whether the shell asks for every traceback (DEBUG_ENV set, and not to 0)."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def debugging(argv):
    """(argv without --debug, whether tracebacks were asked for by the flag or DEBUG_ENV)."""
    rest = [arg for arg in argv if arg != DEBUG_FLAG]
    return rest, len(rest) != len(argv) or debug_env()


def add_debug_argument(parser):
    """List --debug in a command's --help (the boundary consumes it before parsing)."""
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help=f"show the traceback of every error (also: {DEBUG_ENV}=1)")


def command(main):
    """Wrap a command's `main(argv)` in the error boundary described in the module docstring."""

    @functools.wraps(main)
    def boundary(argv=None):
        atexit.unregister(gc.freeze)  # registered once, however many commands a process runs
        atexit.register(gc.freeze)
        argv, debug = debugging(sys.argv[1:] if argv is None else list(argv))
        before = os.environ.get(DEBUG_ENV)
        if debug:  # for the command's run: core.console then leaves TensorFlow's logs on
            os.environ[DEBUG_ENV] = "1"
        main_thread = threading.current_thread() is threading.main_thread()
        on_term = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
        try:
            return main(argv)
        except KeyboardInterrupt as interrupt:
            terminated = isinstance(interrupt, Terminated)
            print("terminated" if terminated else "interrupted", file=sys.stderr)
            raise SystemExit(TERMINATED if terminated else INTERRUPTED) from None
        except Exception as error:  # noqa: BLE001  (the boundary: classify, else re-raise)
            status = exit_status(error)
            if status is None:
                raise
            if debug:
                traceback.print_exc()
            print(f"error: {message(error)}", file=sys.stderr, flush=True)
            raise SystemExit(status) from None
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, on_term)
            if before is None:
                os.environ.pop(DEBUG_ENV, None)
            else:
                os.environ[DEBUG_ENV] = before

    return boundary
