"""The demo records' generator seed: recorded, checked, and made by the chief alone."""

import json
import os
import threading

import pytest

from add_tf.core import atomic
from add_tf.core.errors import UsageError
from add_tf.synthetic import demo_data
from add_tf.synthetic.tree import GENERATOR_VERSION


def _records(data_dir, seed, version=GENERATOR_VERSION):
    """A data dir whose demo records' manifest records generator seed `seed` of `version`
    (None: a manifest of before versions were recorded)."""
    os.makedirs(os.path.join(data_dir, "demo"), exist_ok=True)
    generator = {"seed": seed} if version is None else {"seed": seed, "version": version}
    atomic.write_json(os.path.join(data_dir, "demo", "manifest.json"),
                      {"settings": {"frames": 16, "generator": generator}})
    return os.path.join(data_dir, "demo")


def _no_generation(monkeypatch):
    """Generation replaced by a recorder that stops the call: [seeds asked for]."""
    asked = []

    def generate(root, seed):
        asked.append(seed)
        raise RuntimeError("generation stopped by the test")

    monkeypatch.setattr(demo_data, "generate_demo_tree", generate)
    return asked


def test_records_of_another_seed_are_refused(tmp_path, monkeypatch):
    asked = _no_generation(monkeypatch)
    records = _records(str(tmp_path), 21)
    assert demo_data.ensure_demo_records(str(tmp_path)) == records
    assert demo_data.ensure_demo_records(str(tmp_path), seed=21) == records
    with pytest.raises(UsageError, match=r"demo of generator seed 21, not 3: give another "
                                         r"--data-dir for seed 3"):
        demo_data.ensure_demo_records(str(tmp_path), seed=3)
    assert asked == []


def test_a_tree_of_another_seed_is_refused_before_any_work(tmp_path, monkeypatch):
    asked = _no_generation(monkeypatch)
    (tmp_path / "demo_videos").mkdir()
    atomic.write_json(str(tmp_path / "demo_videos" / "DEMO.json"),
                      {"seed": 5, "version": GENERATOR_VERSION})
    with pytest.raises(UsageError, match="demo_videos holds the demo of generator seed 5, not 6"):
        demo_data.ensure_demo_records(str(tmp_path), seed=6)
    with pytest.raises(RuntimeError, match="stopped"):
        demo_data.ensure_demo_records(str(tmp_path / "new"), seed=6)
    assert asked == [6]


def test_data_of_an_earlier_generator_is_refused(tmp_path, monkeypatch):
    asked = _no_generation(monkeypatch)
    _records(str(tmp_path / "before"), 0, version=None)
    _records(str(tmp_path / "older"), 0, version=GENERATOR_VERSION - 1)
    with pytest.raises(UsageError, match=r"before.demo holds the demo of an earlier version of "
                                         r"its generator \(made before versions were recorded"):
        demo_data.ensure_demo_records(str(tmp_path / "before"))
    with pytest.raises(UsageError, match=f"version {GENERATOR_VERSION - 1}; this add_tf draws "
                                         f"version {GENERATOR_VERSION}"):
        demo_data.ensure_demo_records(str(tmp_path / "older"), seed=0)
    (tmp_path / "tree" / "demo_videos").mkdir(parents=True)
    atomic.write_json(str(tmp_path / "tree" / "demo_videos" / "DEMO.json"), {"seed": 0})
    with pytest.raises(UsageError, match="demo_videos holds the demo of an earlier version"):
        demo_data.ensure_demo_records(str(tmp_path / "tree"))
    assert asked == []


def _finished_run(run_dir, training_set):
    os.makedirs(run_dir)
    atomic.write_json(os.path.join(run_dir, "model_card.json"), {"training_set": training_set})
    return str(run_dir)


def test_a_run_trained_on_an_earlier_generator_is_refused(tmp_path):
    from add_tf.core.config import Config

    demo, other = Config(), Config()
    other.data.dataset = "deepfakes"
    old = _finished_run(tmp_path / "old", {"generator_seed": 0})
    with pytest.raises(UsageError, match=r"old holds a run trained on the demo of an earlier "
                                         r"version of its generator \(made before"):
        demo_data.check_trained_draw(old, demo)
    demo_data.check_trained_draw(old, other)  # not the demo's data set: nothing to compare
    current = {"generator_seed": 0, "generator_version": GENERATOR_VERSION}
    demo_data.check_trained_draw(_finished_run(tmp_path / "now", current), demo)
    demo_data.check_trained_draw(_finished_run(tmp_path / "hand", {}), demo)  # not generated
    demo_data.check_trained_draw(str(tmp_path / "none"), demo)  # no card: not finished


def test_a_run_is_scored_on_the_draw_it_was_trained_on(tmp_path, monkeypatch):
    """Missing records of a run are made from the seed its card recorded, never seed 0."""
    asked = _no_generation(monkeypatch)
    from add_tf.core.config import Config

    config = Config()
    config.data.data_dir = str(tmp_path / "data")
    run = tmp_path / "run"
    run.mkdir()
    atomic.write_json(str(run / "model_card.json"), {"training_set": {"generator_seed": 21}})
    with pytest.raises(RuntimeError, match="stopped"):
        demo_data.ensure_for_run(str(run), config)
    _records(config.data.data_dir, 0)
    with pytest.raises(UsageError, match="generator seed 0, not 21"):
        demo_data.ensure_for_run(str(run), config)
    with pytest.raises(RuntimeError, match="stopped"):  # other records: the default draw
        demo_data.ensure_for_run(str(run), config, data_dir=config.data.data_dir + "-other")
    assert asked == [21, 0]


def test_a_folder_of_records_named_demo_is_never_made(tmp_path, monkeypatch):
    """A run on a folder of records (data.records) whose manifest names it "demo" reads the
    user's records: nothing is generated in the data dir, for training or scoring."""
    asked = _no_generation(monkeypatch)
    from add_tf.core.config import Config

    config = Config()
    config.data.data_dir = str(tmp_path / "data")
    config.data.records = _records(str(tmp_path / "mine"), 0)
    config.data.dataset = "demo"
    demo_data.INPUTS.ensure(config)
    demo_data.INPUTS.ensure(config, str(tmp_path / "run"))
    demo_data.ensure_for_run(str(tmp_path / "run"), config)
    assert asked == [] and not os.path.exists(config.data.data_dir)
    with pytest.raises(RuntimeError, match="stopped"):  # the demo asked for by name
        demo_data.ensure_for_run(str(tmp_path / "run"), config, dataset="demo")


def test_only_the_chief_generates(tmp_path, monkeypatch):
    """A worker waits for the chief's manifest, and names it when it does not come."""
    asked = _no_generation(monkeypatch)
    monkeypatch.setenv("TF_CONFIG", json.dumps({
        "cluster": {"worker": ["localhost:1", "localhost:2"]},
        "task": {"type": "worker", "index": 1}}))
    monkeypatch.setattr(demo_data, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(demo_data, "WAIT_SECONDS", 0.2)
    with pytest.raises(UsageError, match="manifest.json did not appear within 0.2 s: the chief"):
        demo_data.ensure_demo_records(str(tmp_path / "late"))
    monkeypatch.setattr(demo_data, "WAIT_SECONDS", 30)
    writer = threading.Timer(0.3, _records, [str(tmp_path / "shared"), 0])
    writer.start()
    assert demo_data.ensure_demo_records(str(tmp_path / "shared")).endswith("demo")
    writer.join()
    assert asked == []


def test_the_demo_command_names_a_seed_clash_in_one_line(tmp_path, capsys, monkeypatch):
    from add_tf import demo

    _no_generation(monkeypatch)
    _records(str(tmp_path), 21)
    demo.main(["--data-dir", str(tmp_path)])  # no seed asked: the data dir's draw
    assert capsys.readouterr().out.strip() == str(tmp_path / "demo")
    with pytest.raises(SystemExit) as info:
        demo.main(["--data-dir", str(tmp_path), "--seed", "0"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "generator seed 21, not 0" in err
