"""A quiet console: every command calls `quiet()` first, before anything imports TensorFlow, so
that its output holds the command's own lines and Keras's progress lines, not TensorFlow's
start-up logs.

What it quiets, and how to get it back: `TF_CPP_MIN_LOG_LEVEL` (TensorFlow's own switch) is set
to 3 when the shell leaves it unset or sets it to 1 or 2 (the usual ways to silence TensorFlow;
at 2 it still shows the cuInit error below); `TF_CPP_MIN_LOG_LEVEL=0 python -m add_tf.fit ...`
or `--debug` shows everything again.
- TensorFlow's C++ logs below FATAL (the CPU feature guard, "failed call to cuInit" on a
  machine without a GPU, the oneDNN int32 fallback): by TF_CPP_MIN_LOG_LEVEL itself.
- The lines TensorFlow's libraries write while they are loaded, before they read
  TF_CPP_MIN_LOG_LEVEL (absl's "All log messages before absl::InitializeLog() ..." notice, the
  oneDNN notice, "Could not find cuda drivers"): `STARTUP_LINES`, dropped from what the first
  `import tensorflow` writes to the stderr file descriptor; every other line is written on.
- TensorFlow's Python warning "... triggered tf.function retracing": a command that trains or
  evaluates several models in one process (the demo comparison: teacher and students) makes
  Keras trace one step function per model, which that warning counts as retracings of one
  function.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile

from add_tf.core import errors

LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LEVEL = "3"
VERBOSE_LEVEL = "0"
RAISED_LEVELS = ("", "1", "2")  # unset, or a level that lets some start-up lines through
STARTUP_LINES = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|^[IW]\d{4} .*\] (oneDNN custom operations are on|Could not find cuda drivers)"
)
RETRACING = "triggered tf.function retracing"


def quiet():
    """Quiets TensorFlow's start-up logs (see the module docstring); call it before the first
    `import tensorflow`. Idempotent; TF_CPP_MIN_LOG_LEVEL=0 in the shell and `--debug` /
    ADD_TF_DEBUG=1 leave everything on."""
    if errors.debug_env():
        return
    level = os.environ.get(LEVEL_VARIABLE, "").strip()
    if level == VERBOSE_LEVEL:
        return
    if level in RAISED_LEVELS:
        os.environ[LEVEL_VARIABLE] = QUIET_LEVEL
    if "tensorflow" not in sys.modules and not any(
            isinstance(finder, _StartupFilter) for finder in sys.meta_path):
        sys.meta_path.insert(0, _StartupFilter())
    tf_logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _RetracingFilter) for f in tf_logger.filters):
        tf_logger.addFilter(_RetracingFilter())


class _RetracingFilter(logging.Filter):
    def filter(self, record):
        return RETRACING not in record.getMessage()


class _StartupFilter(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` once (with the other finders) and runs its import with the stderr file
    descriptor in a temporary file, then writes that file's lines to stderr except
    `STARTUP_LINES`; then leaves sys.meta_path."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _FilteredLoader(spec.loader)
        return spec


class _FilteredLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        sys.stderr.flush()
        try:
            saved = os.dup(2)
            captured = tempfile.TemporaryFile()
        except OSError:  # stderr closed, no usable temporary folder: import unfiltered
            self.loader.exec_module(module)
            return
        with captured:
            os.dup2(captured.fileno(), 2)
            try:
                self.loader.exec_module(module)
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                captured.seek(0)
                kept = [line for line in captured.read().decode(errors="replace").splitlines(True)
                        if not STARTUP_LINES.search(line)]
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
