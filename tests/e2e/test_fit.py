"""add_tf.fit end to end on the tiny demo data: the demo comparison, resume after a kill, the GPU
paths on CPU, two workers on localhost."""

import json
import pathlib
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from add_tf import evaluate, fit
from add_tf.core.names import LAST
from add_tf.evaluation import checkpoints, evaluator
from add_tf.evaluation.metrics import to_jsonable
from console_output import REPO, command_env, noise, run_command
from tiny_models import TINY_FIT


def _backup(run_dir):
    """The last committed backup of a run: {"epoch", "weights", "tracker", "previous"}."""
    return json.loads((pathlib.Path(run_dir) / "checkpoints" / "backup" / "state.json").read_text())


def _history(run_dir):
    return _backup(run_dir)["tracker"]["history"]


def quiet_fit(argv):
    """stdout of `python -m add_tf.fit argv` in a fresh process whose environment has no
    TF_CPP_MIN_LOG_LEVEL; asserts that stdout and stderr hold nothing but the command's own
    lines, Keras's progress and the results table."""
    done = run_command("add_tf.fit", argv)
    output = done.stdout + done.stderr
    assert "Test results (demo):" in done.stdout
    assert noise(done) == [], output
    progress = ("[fit] ", "Epoch ", "1/1 - ")
    table = done.stdout[done.stdout.index("Test results"):].splitlines()
    others = [line for line in output.splitlines()
              if line.strip() and not line.startswith(progress) and line not in table]
    assert others == [], output
    return done.stdout


def test_tiny_end_to_end(tmp_path, capsys, tiny_data_dir):
    """The demo comparison on the (tiny) demo data, run as from a shell without
    TF_CPP_MIN_LOG_LEVEL: teacher (auto), plain and ADD students, one table, and on the console
    nothing but the command's own lines, Keras's progress and the table; every artefact of a run
    dir; a changed request refused, the same one skipped."""
    data, runs = tiny_data_dir, tmp_path / "runs"
    out = quiet_fit(["--data-dir", str(data), "--runs-root", str(runs), *TINY_FIT])
    run_dir = out.strip().splitlines()[-1].removeprefix("[fit] run dir: ")
    table = out[out.index("Test results"):]
    assert table.index("teacher (raw)") < table.index("none (c40)") < table.index("add (c40)")
    readme = REPO / "README.md"
    shown = {" ".join(line.split()) for line in readme.read_text().splitlines()}
    assert " ".join(table.splitlines()[1].split()) in shown  # the quick start's printed table
    assert (runs / "demo" / "resnet18" / "c40" / "none-seed0" / "student.keras").exists()
    teacher_dir = runs / "demo" / "resnet18" / "raw" / "teacher"
    for directory in (pathlib.Path(run_dir), teacher_dir):
        for name in ("config.yaml", "metrics.json", "student.keras", "training_state.json"):
            assert (directory / name).exists(), directory / name
        assert any((directory / "logs").rglob("events.out.tfevents*"))
    assert (pathlib.Path(run_dir) / "teacher.keras").exists()
    metrics = json.loads((pathlib.Path(run_dir) / "metrics.json").read_text())
    assert set(metrics["test"]) >= {"acc", "auc", "r_at_1", "eer", "ap", "video_auc", "video_acc"}
    # Every loss component reaches TensorBoard (via the Keras logs).
    keys = set(_history(run_dir)[-1])
    assert {"loss", "ce", "fr", "mv", "acc", "val_acc", "val_auc"} <= keys
    # Another setting stops before any work, naming the key and leaving the config as it is;
    # the same command again reuses both models without training.
    config_text = (pathlib.Path(run_dir) / "config.yaml").read_text()
    started = time.time()
    with pytest.raises(SystemExit) as info:
        fit.main(["--data-dir", str(data), "--runs-root", str(runs), *TINY_FIT, "loss.beta=3"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "loss.beta: 16.0 in the run, 3.0 requested" in err and "--overwrite" in err
    fit.main(["--data-dir", str(data), "--runs-root", str(runs), *TINY_FIT])
    assert "already trained" in capsys.readouterr().out
    assert time.time() - started < 60
    assert (pathlib.Path(run_dir) / "config.yaml").read_text() == config_text
    _check_last_committed_student(runs / "demo" / "resnet18" / "c40" / "none-seed0",
                                  data / "demo")


def _last_commit_kernel(run_dir):
    """The logits kernel of the last backup commit, read from the file (the only (512, 2) weight
    of a plain run)."""
    import h5py

    from add_tf.training.callbacks import TrainingBackup

    backup = run_dir / "checkpoints" / "backup"
    with h5py.File(backup / TrainingBackup.commits(str(backup))[0]["weights"], "r") as f:
        kernels = []
        f["layers"].visititems(lambda name, item: kernels.append(item[()]) if getattr(
            item, "shape", None) == (512, 2) else None)  # optimizer/ holds its Adam slots
    (kernel,) = kernels
    return kernel


def test_checkpoint_last_keeps_the_student_of_the_last_validation(tmp_path, tiny_data_dir):
    run_dir = tmp_path / "run"
    fit.main(["--method", "none", "--data-dir", str(tiny_data_dir), "--run-dir", str(run_dir),
              "--no-evaluate", *TINY_FIT, "train.checkpoint=last"])
    state = json.loads((run_dir / "training_state.json").read_text())
    assert state["kept"] == "last" and state["validations"] == 2
    student = keras.models.load_model(run_dir / "student.keras", compile=False)
    np.testing.assert_array_equal(student.get_layer("logits").get_weights()[0],
                                  _last_commit_kernel(run_dir))


def _check_last_committed_student(run_dir, records):
    """evaluate --checkpoint last: the student of the last backup commit, read independently
    from the backup file; its results, on the run's test split and on `records`, stored beside
    the best validation's, which stay as they were."""
    from add_tf.training.runs import read_config

    kernel = _last_commit_kernel(run_dir)
    student = checkpoints.last_committed_student(str(run_dir), read_config(str(run_dir)))
    np.testing.assert_array_equal(student.get_layer("logits").get_weights()[0], kernel)
    result = evaluator.evaluate_run(str(run_dir), checkpoint=LAST)
    stored = json.loads((run_dir / "metrics.json").read_text())
    assert stored["test@last"]["acc"] == pytest.approx(result["acc"])
    assert "acc" in stored["test"]  # the best validation's result is kept beside it

    best = evaluate.main(["--run", str(run_dir), "--records", str(records)])
    last = evaluate.main(["--run", str(run_dir), "--records", str(records), "--checkpoint", LAST])
    stored = json.loads((run_dir / "metrics.json").read_text())
    assert stored["test_demo_c40"] == to_jsonable(best)  # as the best student left it
    assert stored["test_demo_c40@last"]["acc"] == pytest.approx(last["acc"])
    assert stored["test@last"]["acc"] == pytest.approx(result["acc"])


def _teacher_argv(data, run_dir, *sets):
    return [sys.executable, "-m", "add_tf.fit", "--method", "none", "--comp", "raw",
            "--data-dir", str(data), "--run-dir", str(run_dir), "--no-evaluate",
            "--set", "model.weights=null", "train.batch_size=16", *sets]


def test_resume_after_kill_continues_step_counter(tmp_path, tiny_data_dir):
    """Kill a teacher run after a validation; the restart continues the step counter."""
    run_dir = tmp_path / "run"
    argv = _teacher_argv(tiny_data_dir, run_dir, "train.epochs=2", "train.validations_per_epoch=4",
                         "train.patience=20")
    proc = subprocess.Popen(argv, env=command_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    backup = run_dir / "checkpoints" / "backup" / "state.json"
    deadline = time.time() + 600
    try:
        while not backup.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert backup.exists(), "no checkpoint before the deadline / process end"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = _backup(run_dir)
    assert 1 <= before["epoch"] < 8, "killed too late to test a resume"
    assert not (run_dir / "student.keras").exists()

    result = subprocess.run(argv, env=command_env(), cwd=tmp_path, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    after = _history(run_dir)
    steps_per_validation = after[0]["step"]
    # Keras epochs continue after the committed one, each validation is recorded once, and the
    # optimizer step counter goes on.
    assert [entry["epoch"] for entry in after] == list(range(1, 9))
    assert [entry["step"] for entry in after] == [
        steps_per_validation * epoch for epoch in range(1, 9)]
    assert f"resumed after validation {before['epoch']}" in result.stdout
    assert (run_dir / "student.keras").exists()


MIRRORED_FIT = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from add_tf import fit
fit.main(sys.argv[1:])
"""


@pytest.mark.parametrize("flags", [["--strategy", "mirrored"], ["--mixed-precision", "--jit"]],
                         ids=["mirrored", "mixed-precision-jit"])
def test_gpu_paths_run_end_to_end_on_cpu(tmp_path, tiny_data_dir, flags):
    """Teacher and ADD student through the command line: on two logical CPU devices
    (MirroredStrategy), or with mixed precision and XLA (the loss terms stay float32). In a
    process of its own: a MirroredStrategy's collective instance keys can collide with those of
    another strategy made earlier in the same process (the equivalence test's)."""
    argv = ["--data-dir", str(tiny_data_dir), "--runs-root", str(tmp_path / "runs"),
            "--method", "add", "--no-evaluate", *flags, *TINY_FIT]
    result = subprocess.run([sys.executable, "-c", MIRRORED_FIT, *argv], env=command_env(),
                            cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    if "mirrored" in flags:
        assert "MirroredStrategy (2 replicas)" in result.stdout
    run_dir = tmp_path / "runs" / "demo" / "resnet18" / "c40" / "add-seed0"
    for directory in (run_dir, tmp_path / "runs" / "demo" / "resnet18" / "raw" / "teacher"):
        assert json.loads((directory / "training_state.json").read_text())["done"]
    history = _history(run_dir)
    assert all(np.isfinite(entry[key]) for entry in history for key in ("ce", "fr", "mv"))


def _free_ports(count):
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start_workers(argv, tmp_path, **popen):
    """One `argv` process per worker of a two-worker localhost cluster (TF_CONFIG)."""
    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(2)]}
    procs = []
    for index in range(2):
        env = command_env()
        env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker",
                                                                   "index": index}})
        procs.append(subprocess.Popen(argv, env=env, cwd=tmp_path, **popen))
    return procs


def _run_workers(argv, tmp_path, timeout=600):
    """Run `argv` on two workers to the end; returns their outputs (each must exit 0)."""
    procs = _start_workers(argv, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=timeout)[0])
    finally:
        for proc in procs:
            proc.kill()
    for proc, out in zip(procs, outputs):
        assert proc.returncode == 0, out[-3000:]
    return outputs


def test_multiworker_teacher_and_add_student_on_localhost(tmp_path, tiny_data_dir):
    """Two CPU workers (TF_CONFIG, MultiWorkerMirroredStrategy) train the auto teacher and an ADD
    student together: the chief writes the run dirs, the other worker its own checkpoints, and
    both took the same steps with the same losses."""
    runs = tmp_path / "runs"
    run_dir = runs / "demo" / "resnet18" / "c40" / "add-seed0"
    outputs = _run_workers([sys.executable, "-m", "add_tf.fit", "--data-dir", str(tiny_data_dir),
                            "--run-dir", str(run_dir), "--no-evaluate", *TINY_FIT], tmp_path)
    assert "strategy: CollectiveAllReduceStrategy (2 replicas)" in outputs[0]
    teacher_dir = runs / "demo" / "resnet18" / "raw" / "teacher"  # found from --run-dir's layout
    for directory in (run_dir, teacher_dir):
        for name in ("config.yaml", "student.keras", "training_state.json"):
            assert (directory / name).exists(), directory / name
        chief, other = _history(directory), _history(directory / "workers" / "worker-1")
        assert [e["step"] for e in chief] == [e["step"] for e in other] and chief[-1]["step"] > 0
        for key in ("loss", "val_acc"):
            np.testing.assert_allclose([e[key] for e in chief], [e[key] for e in other],
                                       rtol=1e-5)
        assert not (directory / "workers" / "worker-1" / "student.keras").exists()
    assert (run_dir / "teacher.keras").exists()
    assert {"fr", "mv"} <= set(_history(run_dir)[-1])


def test_multiworker_resumes_after_a_worker_is_killed(tmp_path, tiny_data_dir):
    """Kill worker 1 after a validation: worker 0 fails too (its collectives lose the peer);
    starting both again resumes from the last validation both committed."""
    run_dir = tmp_path / "run"
    argv = _teacher_argv(tiny_data_dir, run_dir, "train.epochs=2", "train.validations_per_epoch=3",
                         "train.patience=20")
    procs = _start_workers(argv, tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    backup = run_dir / "workers" / "worker-1" / "checkpoints" / "backup" / "state.json"
    deadline = time.time() + 600
    try:
        while not backup.exists() and procs[1].poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert backup.exists(), "no checkpoint of worker 1 before the deadline / process end"
        procs[1].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=300)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    assert not (run_dir / "student.keras").exists()
    killed_at = _backup(run_dir / "workers" / "worker-1")["epoch"]
    assert killed_at < 6, "killed too late to test a resume"

    outputs = _run_workers(argv, tmp_path)
    chief, other = _history(run_dir), _history(run_dir / "workers" / "worker-1")
    assert [e["epoch"] for e in chief] == [e["epoch"] for e in other] == list(range(1, 7))
    assert [e["step"] for e in chief] == [e["step"] for e in other]
    assert "resumed after validation" in outputs[0]
    assert (run_dir / "student.keras").exists()
