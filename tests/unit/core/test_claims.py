"""add_tf.core.claims: one holder at a time; a dead or silent holder's claim is taken over; a
damaged or foreign claim, unfit storage and a full disk are one line each, never a second
holder."""

import errno
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from add_tf.core import claims
from add_tf.core.errors import UsageError


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _foreign(path, **changes):
    """Write a claim of another process (this host unless `changes` say otherwise)."""
    holder = {**claims.this_process(), **changes}
    with open(path, "w") as f:
        json.dump(holder, f)
    return holder


def test_one_holder_at_a_time_and_release(tmp_path):
    path = str(tmp_path / "claim.json")
    claim, holder = claims.try_take(path)
    assert claim is not None and holder is None and claim.replaced is None
    assert claims.read_holder(path)["pid"] == os.getpid()
    other, held = claims.try_take(path)
    assert other is None and held["token"] == claim.holder["token"]
    assert f"{tmp_path} is being trained by pid {os.getpid()} on host" in str(
        claims.ClaimHeld(path, held))
    claim.release()
    assert not os.path.exists(path)
    assert sorted(os.listdir(tmp_path)) == []  # no temporary file left


def test_many_threads_racing_make_one_holder(tmp_path):
    path = str(tmp_path / "claim.json")
    taken, barrier = [], threading.Barrier(8)

    def race(i):
        barrier.wait()
        claim, _ = claims.try_take(path, {**claims.this_process(), "pid": os.getpid()})
        if claim is not None:
            taken.append(claim)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 1


def test_a_dead_holder_on_this_host_is_taken_over_at_once(tmp_path):
    path = str(tmp_path / "claim.json")
    dead = _foreign(path, pid=_dead_pid())
    claim, holder = claims.try_take(path)
    assert holder is None and claim.replaced["token"] == dead["token"]
    assert claims.read_holder(path)["token"] == claim.holder["token"]
    claim.release()


def test_a_reused_pid_is_not_the_holder(tmp_path):
    """The claim names this pid, but a process that started at another moment."""
    path = str(tmp_path / "claim.json")
    me = claims.this_process()
    _foreign(path, pid_start=(me["pid_start"] or 0) + 1)
    claim, _ = claims.try_take(path)
    assert claim is not None and claim.replaced is not None


def test_a_silent_holder_on_another_host_expires_after_the_lease(tmp_path, monkeypatch):
    path = str(tmp_path / "claim.json")
    _foreign(path, host="elsewhere", boot_id="other-boot", pid=1)
    monkeypatch.setenv(claims.LEASE_ENV, "60")
    assert claims.try_take(path)[0] is None  # a live holder elsewhere: its heartbeat is fresh
    old = time.time() - 61
    os.utime(path, (old, old))
    claim, _ = claims.try_take(path)
    assert claim is not None and claim.replaced["host"] == "elsewhere"


def test_the_heartbeat_keeps_a_claim_alive_and_notices_a_takeover(tmp_path, monkeypatch):
    path = str(tmp_path / "claim.json")
    monkeypatch.setenv(claims.LEASE_ENV, "1")
    claim, _ = claims.try_take(path)
    old = time.time() - 30
    os.utime(path, (old, old))
    claim.heartbeat(interval=0.05)
    time.sleep(0.3)
    assert claims.heartbeat_age(path) < 1
    _foreign(path, host="elsewhere", boot_id="other-boot")  # taken over while it stalled
    time.sleep(0.3)
    assert claim.lost
    claim.release()
    assert claims.read_holder(path)["host"] == "elsewhere"  # the new holder's claim stays


@pytest.mark.parametrize("text, message", [
    ("{not json", "is a damaged claim"),
    ('{"pid": 1}', r"is a damaged claim \(not the fields"),
])
def test_a_damaged_claim_is_named_with_the_way_out(tmp_path, text, message):
    path = tmp_path / "claim.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as info:
        claims.try_take(str(path))
    assert str(path) in str(info.value) and "remove the file" in str(info.value)


def test_a_claim_of_another_version_is_named(tmp_path):
    path = str(tmp_path / "claim.json")
    _foreign(path, format="add_tf.claim/0")
    with pytest.raises(UsageError, match="claim of another version of add_tf .format "
                                         "'add_tf.claim/0'"):
        claims.try_take(path)


def test_storage_without_atomic_create_is_refused(tmp_path, monkeypatch):
    with pytest.raises(UsageError, match="gs://bucket/run: a run dir must be on a POSIX"):
        claims.check_storage("gs://bucket/run")
    claims.check_storage(str(tmp_path))

    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(UsageError, match=f"{tmp_path / 'new'}: the file system has no hard"):
        claims.check_storage(str(tmp_path / "new"))
    with pytest.raises(UsageError, match="the file system has no hard links"):
        claims.try_take(str(tmp_path / "claim.json"))
    assert os.listdir(tmp_path) == []


def test_a_full_disk_while_writing_a_claim_is_a_failure_not_a_claim(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device", "claim")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        claims.try_take(str(tmp_path / "claim.json"))
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []


def test_the_lease_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(claims.LEASE_ENV, raising=False)
    assert claims.lease_seconds() == claims.DEFAULT_LEASE_SECONDS
    monkeypatch.setenv(claims.LEASE_ENV, "abc")
    with pytest.raises(UsageError, match="ADD_TF_CLAIM_LEASE must be a number"):
        claims.lease_seconds()

