"""add_tf.training.loop through add_tf.fit: the same command with the same seed gives the same
metrics."""

def test_same_command_same_seed_same_metrics(tmp_path, tiny_data_dir):
    """Two ADD students (one shared teacher) with the same seed and train.deterministic: every
    logged value of every validation is the same (order, flips, projections, pairs, ops)."""
    import json

    from add_tf import fit

    common = ["--data-dir", str(tiny_data_dir), "--runs-root", str(tmp_path / "runs"),
              "--no-evaluate", "--set", "train.epochs=1", "train.validations_per_epoch=2",
              "train.batch_size=16", "train.deterministic=true"]
    histories = []
    for name in ("a", "b"):
        run_dir = fit.main([*common, "--run-dir", str(tmp_path / name)])
        state = json.loads((tmp_path / name / "checkpoints" / "backup" / "state.json").read_text())
        histories.append(state["tracker"]["history"])
        assert run_dir == str(tmp_path / name)
    assert histories[0] == histories[1]
    assert {"fr", "mv", "val_acc"} <= set(histories[0][-1])
