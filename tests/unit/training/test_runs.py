"""add_tf.training.runs: the run directory's rules."""

import os

import pytest

from add_tf.core import atomic
from add_tf.core import config as config_lib
from add_tf.core.errors import UsageError
from add_tf.data import training_set
from add_tf.training import runs


def _resolve(**layers):
    """A config as the commands resolve it: the records' facts filled in (raw teacher)."""
    return training_set.complete(config_lib.resolve(**layers))

def test_default_and_teacher_run_dirs():
    config = _resolve(flags={"data.dataset": "deepfakes", "data.comp": "c40",
                                       "train.seed": 3})
    assert runs.default_run_dir(config, "runs") == os.path.join(
        "runs", "deepfakes", "resnet50", "c40", "add-seed3")
    assert runs.teacher_run_dir(config, "runs") == os.path.join(
        "runs", "deepfakes", "resnet50", "raw", "teacher")


def test_runs_root_of_a_run_dir_in_the_default_layout(tmp_path):
    """--run-dir runs/deepfakes/resnet50/c40/add-seed0 alone: the auto teacher belongs in
    runs/deepfakes/resnet50/raw/teacher, not under the run dir's parent."""
    config = _resolve(flags={"data.dataset": "deepfakes", "data.comp": "c40"})
    root = tmp_path / "runs"
    run_dir = root / "deepfakes" / "resnet50" / "c40" / "add-seed0"
    assert runs.default_runs_root(config, str(run_dir)) == str(root)
    assert runs.teacher_run_dir(config, runs.default_runs_root(config, str(run_dir))) == str(
        root / "deepfakes" / "resnet50" / "raw" / "teacher")
    # a run dir outside that layout: its parent; no run dir: "runs"
    assert runs.default_runs_root(config, str(tmp_path / "t")) == str(tmp_path)
    assert runs.default_runs_root(config, None) == "runs"


def test_complete_only_with_state_and_model(tmp_path):
    assert not runs.is_complete(tmp_path)
    atomic.write_json(tmp_path / runs.STATE, {"done": True})
    assert not runs.is_complete(tmp_path)
    (tmp_path / runs.MODEL).write_bytes(b"")
    assert runs.is_complete(tmp_path)
    assert not list(tmp_path.glob("*.tmp"))


def test_model_file_names_what_is_missing(tmp_path):
    with pytest.raises(UsageError, match="No model at"):
        runs.model_file(str(tmp_path))
    (tmp_path / runs.MODEL).write_bytes(b"")
    assert runs.model_file(str(tmp_path)) == str(tmp_path / runs.MODEL)
    with pytest.raises(UsageError, match="not a run dir"):
        runs.read_config(str(tmp_path))


def test_missing_student_names_what_exists(tmp_path):
    (tmp_path / "x.keras").write_text("")
    with pytest.raises(UsageError, match="student.keras.*found: x.keras"):
        runs.load_run(str(tmp_path))


def test_config_differences_leave_out_the_uncompared_keys(tmp_path):
    stored = _resolve(flags={"loss.method": "none"})
    runs.write_config(str(tmp_path), stored)
    requested = _resolve(flags={"loss.method": "add", "data.data_dir": "elsewhere",
                                          "train.strategy": "mirrored"})
    assert runs.config_differences(str(tmp_path), requested) == [("loss.method", "none", "add")]
    assert runs.config_differences(str(tmp_path / "none"), requested) == []
    assert set(runs.UNCOMPARED_KEYS) <= {f"{s}.{k}" for s, v in stored.to_dict().items()
                                         for k in v}


def test_a_run_without_teacher_is_not_compared_on_the_teachers_budget(tmp_path):
    stored = _resolve(flags={"loss.method": "none", "train.teacher_epochs": 2})
    runs.write_config(str(tmp_path), stored)
    for method in ("none", "add"):
        requested = _resolve(flags={"loss.method": "none", "train.teacher_epochs": 5})
        requested.loss.method = method
        found = [key for key, _, _ in runs.config_differences(str(tmp_path), requested)]
        assert ("train.teacher_epochs" in found) == (method == "add"), method


def test_remove_run_removes_only_the_run_files(tmp_path):
    for name in (runs.STATE, runs.MODEL, runs.TEACHER_MODEL, runs.METRICS, runs.MODEL_CARD,
                 runs.ERROR, runs.CONFIG, "notes.txt"):
        (tmp_path / name).write_text("x")
    for folder in (runs.BACKUP, "logs/train", "workers/worker-1"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "f").write_text("x")
    assert runs.remove_run(str(tmp_path)) == list(runs.RUN_ENTRIES)
    assert os.listdir(tmp_path) == ["notes.txt"]
    assert runs.remove_run(str(tmp_path / "absent")) == []
    # a folder that holds no run (e.g. --run-dir . by mistake) keeps every file
    (tmp_path / "logs").mkdir()
    with pytest.raises(UsageError, match="holds no run"):
        runs.remove_run(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["logs", "notes.txt"]
