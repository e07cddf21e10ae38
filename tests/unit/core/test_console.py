"""add_tf.core.console in this process: the level it sets, when it stays out of the way, and the
filters it installs (a fresh process's TensorFlow import: tests/e2e/core/test_console.py)."""

import logging
import os
import sys

import pytest

from add_tf.core import console


@pytest.fixture
def clean(monkeypatch):
    """No TF_CPP_MIN_LOG_LEVEL or ADD_TF_DEBUG, TensorFlow not imported yet; sys.meta_path and
    the tensorflow logger's filters restored afterwards."""
    monkeypatch.delenv(console.LEVEL_VARIABLE, raising=False)
    monkeypatch.delenv("ADD_TF_DEBUG", raising=False)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(logging.getLogger("tensorflow"), "filters", [])
    return monkeypatch


def _startup_filters():
    return [f for f in sys.meta_path if isinstance(f, console._StartupFilter)]


@pytest.mark.parametrize("shell", [None, "1", "2", "3"])
def test_unset_1_and_2_become_3_and_the_filters_are_installed_once(clean, shell):
    if shell is not None:
        clean.setenv(console.LEVEL_VARIABLE, shell)
    console.quiet()
    console.quiet()
    assert os.environ[console.LEVEL_VARIABLE] == "3"
    assert len(_startup_filters()) == 1 and sys.meta_path[0] is _startup_filters()[0]
    assert len(logging.getLogger("tensorflow").filters) == 1


@pytest.mark.parametrize("env", [{console.LEVEL_VARIABLE: "0"}, {"ADD_TF_DEBUG": "1"}])
def test_level_0_and_debug_leave_everything_on(clean, env):
    for name, value in env.items():
        clean.setenv(name, value)
    console.quiet()
    assert os.environ.get(console.LEVEL_VARIABLE) == env.get(console.LEVEL_VARIABLE)
    assert _startup_filters() == [] and logging.getLogger("tensorflow").filters == []


def test_the_retracing_warning_is_dropped_and_other_records_kept(clean):
    console.quiet()
    logger = logging.getLogger("tensorflow")

    def record(message):
        return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, message, (), None)

    assert not logger.filter(record("5 out of the last 5 calls to f triggered tf.function "
                                    "retracing. Tracing is expensive"))
    assert logger.filter(record("another warning"))


def test_only_tensorflow_is_filtered():
    finder = console._StartupFilter()
    assert finder.find_spec("numpy") is None and finder.find_spec("tensorflow_io") is None


class _NoisyLoader:
    """Writes two start-up lines and a line of its own to the stderr file descriptor."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are "
                    b"written to STDERR\n")
        os.write(2, b"I0000 00:00:1.2  7 port.cc:153] oneDNN custom operations are on. ...\n")
        os.write(2, b"W0000 00:00:1.3  7 other.cc:1] a line of its own\n")
        module.loaded = True


def test_the_import_drops_the_startup_lines_and_writes_the_others_on(capfd):
    module = type(sys)("fake")
    console._FilteredLoader(_NoisyLoader()).exec_module(module)
    assert module.loaded
    assert capfd.readouterr().err == "W0000 00:00:1.3  7 other.cc:1] a line of its own\n"
