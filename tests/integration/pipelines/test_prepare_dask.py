"""pipelines.prepare on Beam's DaskRunner: a dask scheduler and two worker processes on localhost
write the same bytes as the DirectRunner."""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

distributed = pytest.importorskip("distributed")

from tiny_prepare import prepare_tiny  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[3]
START_SECONDS = 60


def _start(argv, log):
    """`python -m dask argv` importing the project, its output in the file `log`."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *argv], env=env, cwd=log.parent,
                                stdout=out, stderr=subprocess.STDOUT)


def _address(scheduler_file, scheduler):
    """The scheduler's address, once it has written `scheduler_file`."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (FileNotFoundError, json.JSONDecodeError):  # not written yet, or not wholly
            assert scheduler.poll() is None, "the dask scheduler exited"
            assert time.monotonic() < deadline, "the dask scheduler did not start"
            time.sleep(0.2)


@pytest.fixture
def dask_cluster(tmp_path):
    """(address, client) of a dask scheduler on localhost with two one-thread worker processes."""
    logs = tmp_path / "dask"
    logs.mkdir()
    scheduler_file = logs / "scheduler.json"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)], logs / "scheduler.log")]
    try:
        address = _address(scheduler_file, procs[0])
        for i in range(2):
            procs.append(_start(["worker", address, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--name", f"w{i}",
                                 "--local-directory", str(logs)], logs / f"worker{i}.log"))
        with distributed.Client(address, timeout=START_SECONDS) as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
            yield address, client
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def _files(out):
    """{path under out: bytes} of every file a preparation wrote."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_dask_runner_writes_the_direct_runners_bytes(dask_cluster, tiny_records, tiny_tree,
                                                     tmp_path):
    address, client = dask_cluster
    direct_out, _ = tiny_records  # the tiny tree prepared by the DirectRunner
    out = tmp_path / direct_out.name  # the same basename: the same set name in the manifest
    with distributed.get_task_stream(client) as tasks:  # (prepare_tiny's Direct* options unused)
        prepare_tiny(tiny_tree, out, "--runner", "DaskRunner", "--dask_client_address", address)
    writers = {task["worker"] for task in tasks.data if "apply_dofn" in str(task["key"])}
    assert writers == set(client.scheduler_info()["workers"])  # both wrote shards
    ours, direct = _files(out), _files(direct_out)
    assert sorted(ours) == sorted(direct)
    assert any(name.endswith(".tfrecord") for name in ours)
    for name, data in ours.items():
        if name == "manifest.json":  # differs only in the time it was written
            mine, theirs = json.loads(data), json.loads(direct[name])
            assert {**mine, "created": None} == {**theirs, "created": None}
        elif name == ".state/progress.log":  # one line per video, in the order they finished
            assert sorted(data.splitlines()) == sorted(direct[name].splitlines())
        else:
            assert data == direct[name], name
