"""add_tf.fit: command line, config resolution, errors (fast) and real training runs (slow)."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from add_tf import fit

REPO = pathlib.Path(__file__).resolve().parents[1]


def _config(argv):
    return fit.resolve_config(fit.build_parser().parse_args(argv))


# --------------------------------------------------------------------------- fast
def test_defaults_are_demo_with_demo_overrides():
    config = _config([])
    assert config.data.dataset == "demo"
    assert config.data.comp == "c40" and config.loss.method == "add"
    for key, value in fit.DEMO_DEFAULTS.items():
        section, name = key.split(".")
        assert getattr(getattr(config, section), name) == value


def test_real_dataset_keeps_paper_defaults():
    config = _config(["--dataset", "deepfakes", "--comp", "c23"])
    assert config.model.backbone == "resnet50"
    assert config.train.batch_size == 144
    assert config.train.learning_rate == 2e-4
    assert config.train.validations_per_epoch == 10 and config.train.patience == 10
    assert (config.train.beta_1, config.train.beta_2, config.train.epsilon) == (0.9, 0.999, 1e-8)


def test_precedence_yaml_then_set_then_flags(tmp_path):
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("train:\n  epochs: 7\n  batch_size: 16\nloss:\n  beta: 20\n")
    config = _config(["--config", str(yaml_file), "--set", "train.batch_size=8", "loss.alpha=0.5",
                      "--set", "train.patience=3", "--batch-size", "4"])
    assert config.train.epochs == 7  # yaml over demo default
    assert config.loss.beta == 20
    assert config.loss.alpha == 0.5 and config.train.patience == 3  # --set, repeated
    assert config.train.batch_size == 4  # explicit flag wins
    assert config.model.backbone == "resnet18"  # demo default untouched


def test_dataset_from_yaml_selects_paper_defaults(tmp_path):
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("data:\n  dataset: faceswap\n")
    config = _config(["--config", str(yaml_file)])
    assert config.data.dataset == "faceswap" and config.model.backbone == "resnet50"


def test_float_keys_accept_exponents_without_a_dot():
    config = _config(["--set", "train.learning_rate=1e30", "loss.gamma_fr=1e-3", "loss.beta=20"])
    assert config.train.learning_rate == 1e30 and config.loss.gamma_fr == 1e-3
    assert isinstance(config.loss.beta, float) and config.loss.beta == 20.0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--set", "train.nope=1"], "Unknown config key 'train.nope'"),
        (["--set", "train.epochs"], "--set expects key=value"),
        (["--epochs", "0"], "train.epochs must be a positive integer"),
        (["--set", "loss.method=foo"], "Invalid loss.method: 'foo'"),
        (["--config", "/nonexistent/c.yaml"], "Config file not found"),
        (["--set", "train.learning_rate=fast"], "train.learning_rate expects a number"),
    ],
)
def test_usage_errors_exit_2_with_message(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        fit.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_argparse_rejects_unknown_choices(capsys):
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "distill"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_missing_teacher_path_is_reported(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        fit.main(["--teacher", str(tmp_path / "missing.keras"), "--run-dir", str(tmp_path / "r"),
                  "--data-dir", str(tmp_path / "data")])
    assert info.value.code == 2
    assert "missing.keras: no such file" in capsys.readouterr().err


def test_run_dirs():
    config = _config(["--dataset", "deepfakes", "--comp", "c40", "--seed", "3"])
    assert fit.default_run_dir(config, "runs") == os.path.join(
        "runs", "deepfakes", "resnet50", "c40", "add-seed3")
    assert fit.teacher_run_dir(config, "runs") == os.path.join(
        "runs", "deepfakes", "resnet50", "raw", "teacher")
    teacher = fit.teacher_config(config)
    assert teacher.loss.method == "none" and teacher.data.comp == "raw"
    assert config.loss.method == "add"  # the original is not modified


def test_students_can_start_from_the_teacher(tmp_path):
    config = _config([])  # the demo: model.weights = teacher
    assert config.model.weights == "teacher"
    assert fit.teacher_config(config).model.weights is None  # a teacher starts from random weights
    run_dir = tmp_path / "teacher"
    run_dir.mkdir()
    (run_dir / "student.keras").write_bytes(b"")
    assert fit.initial_weights(config, str(run_dir)) == str(run_dir / "student.keras")
    with pytest.raises(fit.UsageError, match="model.weights=teacher needs a teacher"):
        fit.initial_weights(config, None)
    with pytest.raises(fit.UsageError, match="No model at"):
        fit.initial_weights(config, str(tmp_path / "empty-run"))
    paper = _config(["--dataset", "deepfakes"])
    assert fit.initial_weights(paper, None) is None


def test_one_cycle_schedule():
    schedule = fit.one_cycle_schedule(1e-3, total_steps=100, warmup_fraction=0.3)
    lr = [float(schedule(step)) for step in (0, 15, 30, 65, 100)]
    assert lr[0] == pytest.approx(1e-3 / 25)
    assert lr[0] < lr[1] < lr[2]
    assert lr[2] == pytest.approx(1e-3)
    assert lr[2] > lr[3] > lr[4]
    assert lr[4] == pytest.approx(0.0, abs=1e-9)


def test_prepared_data_missing_names_path_and_command(tmp_path, capsys):
    pytest.importorskip("add_tf.data")
    with pytest.raises(SystemExit) as info:
        fit.main(["--dataset", "deepfakes", "--data-dir", str(tmp_path / "data"),
                  "--run-dir", str(tmp_path / "run"), "--teacher", "auto"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "manifest.json" in err and str(tmp_path / "data") in err
    assert "python -m pipelines.prepare" in err and "--methods Deepfakes" in err


# --------------------------------------------------------------------------- slow
TINY = ["--set", "train.epochs=1", "train.validations_per_epoch=2", "train.batch_size=16",
        "train.patience=5"]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.pop("TF_CONFIG", None)
    return env


def _history(run_dir):
    with open(os.path.join(run_dir, "checkpoints", "tracker.json")) as f:
        return json.load(f)["history"]


@pytest.mark.slow
def test_tiny_end_to_end(tmp_path, capsys, tiny_data_dir):
    """Teacher (auto) + ADD student on the (tiny) demo data; every artefact of a run dir."""
    data, runs = tiny_data_dir, tmp_path / "runs"
    run_dir = fit.main(["--data-dir", str(data), "--runs-root", str(runs), *TINY])
    out = capsys.readouterr().out
    assert "Test results" in out and "teacher (raw)" in out and "add (c40)" in out
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
    assert {"loss", "ce", "fr", "mv", "acc", "val_acc"} <= keys
    # A second run with the same dir reuses both models without training.
    started = time.time()
    fit.main(["--data-dir", str(data), "--runs-root", str(runs), *TINY])
    assert "already trained" in capsys.readouterr().out
    assert time.time() - started < 60


@pytest.mark.slow
def test_resume_after_kill_continues_step_counter(tmp_path, tiny_data_dir):
    """Kill a teacher run after its first validation; the restart continues the step counter."""
    data, run_dir = tiny_data_dir, tmp_path / "run"
    argv = [sys.executable, "-m", "add_tf.fit", "--method", "none", "--comp", "raw",
            "--data-dir", str(data), "--run-dir", str(run_dir), "--no-evaluate",
            "--set", "train.epochs=2", "train.validations_per_epoch=4", "train.batch_size=16",
            "train.patience=20"]
    proc = subprocess.Popen(argv, env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    backup = run_dir / "checkpoints" / "backup" / "training_metadata.json"
    deadline = time.time() + 900  # importing TensorFlow alone takes 70-90 s on a slow CI machine
    try:
        while not backup.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.5)
        assert backup.exists(), "no checkpoint before the deadline / process end"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = _history(run_dir)
    assert 1 <= len(before) < 8, "killed too late to test a resume"
    saved_epoch = json.loads(backup.read_text())["epoch"]
    assert not (run_dir / "student.keras").exists()

    result = subprocess.run(argv, env=_env(), cwd=tmp_path, capture_output=True, text=True,
                            timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    after = _history(run_dir)
    resumed = after[len(before):]
    steps_per_validation = before[0]["step"]
    # Keras epochs continue after the saved one and the optimizer step counter goes on.
    assert resumed[0]["epoch"] == saved_epoch + 1
    assert resumed[0]["step"] == (saved_epoch + 1) * steps_per_validation
    assert after[-1]["epoch"] == 8
    assert (run_dir / "student.keras").exists()


@pytest.mark.slow
def test_non_finite_loss_stops_with_message(tmp_path, capsys, tiny_data_dir):
    with pytest.raises(SystemExit) as info:
        fit.main(["--method", "none", "--comp", "raw", "--data-dir", str(tiny_data_dir),
                  "--run-dir", str(tmp_path / "run"), "--no-evaluate", *TINY,
                  "train.learning_rate=1e30", "train.warmup_fraction=0"])
    err = capsys.readouterr().err
    assert info.value.code == 1
    assert "became" in err and "last good checkpoint" in err
    assert not (tmp_path / "run" / "student.keras").exists()


@pytest.mark.slow
def test_multiworker_two_processes_on_localhost(tmp_path, tiny_data_dir):
    """Two CPU workers with TF_CONFIG train one teacher together (MultiWorkerMirroredStrategy)."""
    import socket

    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("localhost", 0))
            ports.append(s.getsockname()[1])
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    data, run_dir = tiny_data_dir, tmp_path / "run"
    procs = []
    for index in range(2):
        env = _env()
        env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker",
                                                                   "index": index}})
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "add_tf.fit", "--method", "none", "--comp", "raw",
             "--data-dir", str(data), "--run-dir", str(run_dir), "--no-evaluate", *TINY],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = []
    for proc in procs:
        try:
            outputs.append(proc.communicate(timeout=1200)[0])
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
    for proc, out in zip(procs, outputs):
        assert proc.returncode == 0, out[-3000:]
    assert "MultiWorkerMirroredStrategy" in outputs[0] or "multiworker" in outputs[0].lower()
    assert (run_dir / "student.keras").exists()
    assert (run_dir / "workers" / "worker-1" / "checkpoints").exists()
    assert np.isfinite(json.loads((run_dir / "training_state.json").read_text())["best_val_acc"])
