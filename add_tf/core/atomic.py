"""Writes that a kill cannot leave half done: write a temporary file beside the target, then
rename it over the target in one step. A reader sees the old file or the new one, never part.

Local files only; `pipelines.prepare` writes through `tf.io.gfile` (GCS, HDFS) and renames there.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile

from add_tf.core.errors import UsageError


def _umask():
    """The process's umask: read from /proc on Linux; elsewhere set and set back, the moment in
    between holding the strict 0o077 (a file another thread creates then is private, never
    world-writable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def require_writable_dir(path, flag):
    """Check, before any work, that the folder `path` (named `flag` in messages) is or can be made
    a writable folder; UsageError naming it otherwise. Paths with a scheme (gs://) are left to
    the writer."""
    path = os.fspath(path)
    if "://" in path:
        return
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{flag} {path} is a file; give a folder (new or existing)")
    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"{flag} {path}: {existing} is a file, so no folder can be made there")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: {existing} is not writable; choose another location")


@contextlib.contextmanager
def replacing(path):
    """Yield a temporary path in `path`'s folder with `path`'s extensions (`.keras`,
    `.weights.h5`, `.mp4`: writers pick their format from them). When the block ends, the file
    is renamed to `path` (mode 0666 less the umask); when it raises, the file is removed."""
    folder, name = os.path.split(os.fspath(path))
    stem, dot, extensions = name.partition(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".partial{dot}{extensions}",
                               dir=folder or ".")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_bytes(path, data):
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return path


def write_text(path, text):
    with replacing(path) as tmp, open(tmp, "w") as f:
        f.write(text)
    return path


def read_json(path, default=None,
              remedy="restore it from a copy, or remove it to have it written again"):
    """The JSON file `path` (`default` when absent); UsageError naming it and `remedy` when it is
    not valid JSON (cut short or edited by hand)."""
    if not os.path.exists(path):
        return default
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path} is not valid JSON ({error}); {remedy}") from None


def write_json(path, value):
    return write_text(path, json.dumps(value, indent=2) + "\n")
