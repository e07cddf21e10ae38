"""The README as documentation that runs: its quick start is the two commands, every command it
shows parses with the command's own parser (flags, choices, --set keys), and every file, folder
and module it names exists. The quick start's main command itself runs end to end on the tiny
demo in tests/e2e/test_fit.py::test_tiny_end_to_end (the same `python -m add_tf.fit`, a tiny
budget)."""

import argparse
import importlib
import importlib.util
import pathlib
import re
import runpy
import shlex
import sys

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
COMMAND = re.compile(r"^python -m ((?:add_tf|pipelines)\.\w+)(.*)$")


def _blocks(text):
    """The fenced ```bash blocks of `text`, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [block.replace("\\\n", " ") for block in blocks]


def _commands(text):
    """(module, argv) of every `python -m add_tf.X / pipelines.X` in the bash blocks (after an
    environment assignment, `&&` or `|`, before a redirection)."""
    found = []
    for block in _blocks(text):
        for line in block.splitlines():
            for part in re.split(r"&&|\|", line):
                part = re.sub(r"^\s*(\w+=('[^']*'|\S+)\s+)*", "", part).strip()
                part = re.split(r"\s\d?>", part)[0]
                match = COMMAND.match(part)
                if match:
                    found.append((match.group(1), shlex.split(match.group(2), comments=True)))
    return found


class _Parsed(Exception):
    def __init__(self, namespace, extras):
        super().__init__()
        self.namespace, self.extras = namespace, extras


def _parse(module, argv, monkeypatch):
    """Runs `python -m module argv` until its parser has parsed; returns (namespace, extras)."""
    original = argparse.ArgumentParser.parse_known_args

    def parse_known_args(self, args=None, namespace=None):
        raise _Parsed(*original(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_known_args", parse_known_args)
    monkeypatch.setattr(sys, "argv", [module, *argv])
    monkeypatch.delitem(sys.modules, module, raising=False)  # run afresh, as `python -m` does
    with pytest.raises(_Parsed) as parsed:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    return parsed.value.namespace, parsed.value.extras


def test_quick_start_is_the_two_commands():
    quick = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert [block.strip() for block in _blocks(quick)] == [
        "pip install -e . && python -m add_tf.fit",
        "pip install -e '.[test]' && python -m pytest",
    ]


PATH = re.compile(r"\b((?:add_tf|pipelines|docs|benchmarks|tests)/[\w./-]*\w)")
MODULE = re.compile(r"`((?:add_tf|pipelines)(?:\.\w+)+)")


def _exists(dotted):
    """Whether `dotted` is an importable module or an attribute of one."""
    if importlib.util.find_spec(dotted) is not None:
        return True
    module, _, attribute = dotted.rpartition(".")
    return hasattr(importlib.import_module(module), attribute)


def test_every_path_and_module_it_names_exists():
    text = README.read_text()
    missing = [path for path in PATH.findall(text) if not (README.parent / path).exists()]
    missing += [name for name in MODULE.findall(text) if not _exists(name)]
    assert not missing, f"README names what does not exist: {missing}"


@pytest.mark.parametrize("module, argv", _commands(README.read_text()),
                         ids=lambda value: value if isinstance(value, str) else " ".join(value))
def test_every_command_parses(module, argv, monkeypatch):
    namespace, extras = _parse(module, argv, monkeypatch)
    if module != "pipelines.prepare":  # prepare passes the rest on to Beam
        assert extras == [], extras
    if module == "add_tf.fit":
        from add_tf import fit

        fit.layered_config(namespace)  # --set keys and values are valid
