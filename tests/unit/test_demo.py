"""add_tf.demo --check: the headroom students, trained again on --overwrite."""

import json
import os

from add_tf import demo


def test_check_passes_overwrite_and_overrides_to_every_student(tmp_path, monkeypatch):
    calls = []

    def fake_fit(argv):
        calls.append(argv)
        run_dir = argv[argv.index("--run-dir") + 1]
        os.makedirs(run_dir, exist_ok=True)
        with open(os.path.join(run_dir, "metrics.json"), "w") as f:
            json.dump({"test": {"acc": 0.5, "auc": 0.6}}, f)

    monkeypatch.setattr(demo.fit, "main", fake_fit)
    table = demo.headroom(str(tmp_path), qualities=("raw", "c40"), overrides=["train.epochs=2"],
                          overwrite=True)
    assert table == {"raw": {"acc": 0.5, "auc": 0.6}, "c40": {"acc": 0.5, "auc": 0.6}}
    assert all("--overwrite" in argv and argv[-1] == "train.epochs=2" for argv in calls)
    calls.clear()
    demo.headroom(str(tmp_path), qualities=("raw",))
    assert "--overwrite" not in calls[0]
