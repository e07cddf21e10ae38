"""Claims: one process at a time trains a run, whoever starts it and wherever.

A claim is a small JSON file (`claim.json` in the run dir) naming its holder: host, boot id,
pid and the pid's start time, when it was taken, the command, and a random token. It is made
in one atomic step that fails when the file exists: the holder's description is written to a
unique temporary file, which is then hard-linked to the claim's name (link(2) fails with EEXIST
when the name exists, on a local disk and on NFS v2-v4 alike; the link count of the temporary
file tells the outcome when an NFS reply is lost). O_EXCL is not used: it is not atomic on
every NFS client, and it would expose an empty claim between its creation and its write.

A live holder touches its claim (mtime) every `lease / 10` seconds from a daemon thread. A
claim is stale, and taken over, when
- its holder ran on this host (same host name and boot id) and its pid is gone or now belongs
  to a younger process, or
- its heartbeat is older than the lease (`ADD_TF_CLAIM_LEASE` seconds, default 600): a holder
  on another host that died, or lost its connection to the storage.
Taking over is serialised by a short-lived `claim.json.takeover` folder (mkdir is atomic on
NFS too): inside it the claim is read again and removed only if it is still the stale one.
A holder whose claim was taken over (it stalled for longer than the lease) sees a foreign
token at its next heartbeat and marks itself `lost`; the training loop stops at its next
validation.

Storage: the run dirs must be on a POSIX file system with hard links (a local disk, NFS,
Lustre, GPFS, CephFS); the clocks of the hosts must agree to well under the lease (NTP), since
a heartbeat's age is the reader's clock minus the file's mtime. Object stores reached through
`tf.io.gfile` (gs://, s3://, hdfs://) have no atomic create-if-absent there: a claim on such a
path is refused before any work, as is a file system without hard links.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import shlex
import socket
import sys
import threading
import time
import uuid

from add_tf.core.errors import UsageError

FORMAT = "add_tf.claim/1"
LEASE_ENV = "ADD_TF_CLAIM_LEASE"
DEFAULT_LEASE_SECONDS = 600.0
TAKEOVER_SUFFIX = ".takeover"
TAKEOVER_SECONDS = 60.0  # a takeover folder older than this was left by a killed process
FIELDS = ("format", "token", "host", "boot_id", "pid", "pid_start", "since", "command")
# errno values of link(2) on a file system that has no hard links
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS}


class ClaimHeld(UsageError):
    """The claim is held by a live process (`holder`: its description)."""

    def __init__(self, path, holder):
        self.path, self.holder = path, holder
        super().__init__(f"{os.path.dirname(path)} is being trained by {describe(holder)}; "
                         "it is left to that process (it is taken over once the holder dies)")


def lease_seconds():
    """The lease of a claim: `ADD_TF_CLAIM_LEASE` seconds, else DEFAULT_LEASE_SECONDS."""
    raw = os.environ.get(LEASE_ENV, "")
    try:
        lease = float(raw) if raw.strip() else DEFAULT_LEASE_SECONDS
    except ValueError:
        raise UsageError(f"{LEASE_ENV} must be a number of seconds. Received: {raw!r}") from None
    if lease <= 0:
        raise UsageError(f"{LEASE_ENV} must be positive. Received: {raw!r}")
    return lease


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return None


def _pid_start(pid):
    """The start time of process `pid` in clock ticks since boot (Linux), None elsewhere or when
    the process does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def this_process():
    """The description of a new claim by this process."""
    return {
        "format": FORMAT,
        "token": uuid.uuid4().hex,
        "host": socket.gethostname(),
        "boot_id": _boot_id(),
        "pid": os.getpid(),
        "pid_start": _pid_start(os.getpid()),
        "since": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": shlex.join([os.path.basename(sys.executable)] + sys.argv),
    }


def describe(holder):
    """'pid 123 on host h since 2026-01-01T00:00:00Z'."""
    return f"pid {holder.get('pid')} on host {holder.get('host')} since {holder.get('since')}"


def read_holder(path):
    """The description in claim file `path`, None when there is no claim; UsageError naming the
    file and the way out when it is damaged or written by another version."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    remedy = ("if no process trains this run any more (check the host and pid it names, or "
              "`ps`), remove the file")
    try:
        holder = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is a damaged claim ({error}); {remedy}") from None
    if not isinstance(holder, dict) or any(key not in holder for key in FIELDS):
        raise UsageError(f"{path} is a damaged claim (not the fields {', '.join(FIELDS)}); "
                         f"{remedy}")
    if holder["format"] != FORMAT:
        raise UsageError(f"{path} is a claim of another version of add_tf (format "
                         f"{holder['format']!r}, this one reads {FORMAT!r}); {remedy}")
    return holder


def heartbeat_age(path):
    """Seconds since the claim at `path` was last touched by its holder (None: no claim)."""
    try:
        return max(0.0, time.time() - os.stat(path).st_mtime)
    except FileNotFoundError:
        return None


def is_stale(path, holder, lease=None):
    """Whether the holder of the claim at `path` is gone: a process of this host that no longer
    runs (or a reused pid), or a heartbeat older than the lease."""
    local = holder["host"] == socket.gethostname() and holder["boot_id"] == _boot_id()
    if local and not _runs(holder["pid"], holder["pid_start"]):
        return True
    age = heartbeat_age(path)
    return age is not None and age > (lease or lease_seconds())


def _runs(pid, started):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        pass
    return started is None or _pid_start(pid) in (None, started)


def check_storage(path):
    """UsageError before any work when `path` (a run dir, new or existing) is on storage claims
    cannot use: an object store, or a file system without hard links (probed in the nearest
    existing folder)."""
    if "://" in os.fspath(path):
        raise UsageError(
            f"{path}: a run dir must be on a POSIX file system (a local disk, NFS, Lustre): "
            "claims need an atomic create-if-absent, which object stores reached through "
            "tf.io.gfile do not offer; mount shared storage and give its path")
    folder = os.path.abspath(path)
    while not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    probe = os.path.join(folder, f".claim-probe-{uuid.uuid4().hex}")
    try:
        with open(probe, "w"):
            pass
        _link(probe, probe + ".link", path)
    finally:
        for name in (probe, probe + ".link"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)


def _link(source, target, path):
    """os.link; UsageError naming `path` when its file system has no hard links."""
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        raise UsageError(
            f"{path}: the file system has no hard links ({error.strerror}), which a claim "
            "needs to be taken atomically; put the run dirs on a local disk or NFS") from None


def _write_new(path, holder):
    """Link a file holding `holder` to `path`: True when this process made the claim, False
    when a claim exists. UsageError when the file system has no hard links."""
    tmp = f"{path}.{holder['token']}.tmp"
    try:
        with open(tmp, "w") as f:
            json.dump(holder, f)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            _link(tmp, path, os.path.dirname(path) or ".")
        return os.stat(tmp).st_nlink == 2
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


@contextlib.contextmanager
def _takeover_lock(path):
    """Hold `path`.takeover (a folder) while a stale claim is replaced; yields False when
    another process is taking it over now."""
    lock = path + TAKEOVER_SUFFIX
    try:
        os.mkdir(lock)
    except FileExistsError:
        with contextlib.suppress(FileNotFoundError):
            if time.time() - os.stat(lock).st_mtime > TAKEOVER_SECONDS:
                os.rmdir(lock)  # left by a process killed while taking over
        yield False
        return
    try:
        yield True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(lock)


def try_take(path, holder=None):
    """Take the claim at `path`: (Claim, None), or (None, the live holder) when another process
    holds it. A stale claim is taken over (`Claim.replaced`: the stale holder)."""
    holder = holder or this_process()
    for _ in range(50):
        if _write_new(path, holder):
            return Claim(path, holder), None
        held = read_holder(path)
        if held is None:
            continue  # released in between
        if not is_stale(path, held):
            return None, held
        with _takeover_lock(path) as mine:
            if mine and (read_holder(path) or {}).get("token") == held["token"]:
                os.remove(path)
                if _write_new(path, holder):
                    return Claim(path, holder, replaced=held), None
        time.sleep(0.1)
    held = read_holder(path)
    return None, held or holder


class Claim:
    """A claim this process holds: `heartbeat()` starts touching it, `release()` removes it (if
    it is still this process's), `lost` is True once another process took it over."""

    def __init__(self, path, holder, replaced=None):
        self.path, self.holder, self.replaced = path, holder, replaced
        self.lost = False
        self._stop = threading.Event()
        self._thread = None

    def is_mine(self):
        try:
            return (read_holder(self.path) or {}).get("token") == self.holder["token"]
        except UsageError:
            return False

    def touch(self):
        """Refresh the heartbeat; False (and `lost`) when the claim is no longer this one's."""
        if not self.is_mine():
            self.lost = True
            return False
        with contextlib.suppress(FileNotFoundError):
            os.utime(self.path)
        return True

    def heartbeat(self, interval=None):
        interval = interval or lease_seconds() / 10

        def beat():
            while not self._stop.wait(interval):
                try:
                    if not self.touch():
                        return
                except OSError:  # storage unreachable for a moment: the lease covers it
                    continue

        self._thread = threading.Thread(target=beat, name="claim-heartbeat", daemon=True)
        self._thread.start()
        return self

    def release(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.is_mine():
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)


@contextlib.contextmanager
def kept(claim):
    """Keep `claim` (taken by `try_take`) for the block, its heartbeat running; released when
    the block ends, by an error or Ctrl-C too (a killed process leaves it to expire)."""
    claim.heartbeat()
    try:
        yield claim
    finally:
        claim.release()

