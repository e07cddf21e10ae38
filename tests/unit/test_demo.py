"""add_tf.demo --check: the headroom students, trained again on --overwrite."""

from add_tf import demo


def test_check_passes_overwrite_and_overrides_to_every_student(tmp_path, monkeypatch):
    requests = []

    def fake_train_and_score(request, strategy, verbose=2):
        requests.append(request)
        return {f"none ({request.config.data.comp})": {"acc": 0.5, "auc": 0.6, "eer": 0.1}}

    monkeypatch.setattr(demo.one_run, "check", lambda request, inputs: None)
    monkeypatch.setattr(demo.fit, "train_and_score", fake_train_and_score)
    table = demo.headroom(str(tmp_path), qualities=("raw", "c40"), overrides=["train.epochs=2"],
                          overwrite=True)
    assert table == {"raw": {"acc": 0.5, "auc": 0.6}, "c40": {"acc": 0.5, "auc": 0.6}}
    assert [r.config.data.comp for r in requests] == ["raw", "c40"]
    assert all(r.overwrite and r.config.train.epochs == 2 and r.config.model.weights is None
               and r.config.loss.method == "none" for r in requests)
    assert requests[0].run_dir == str(tmp_path / "headroom" / "raw")
    requests.clear()
    demo.headroom(str(tmp_path), qualities=("raw",))
    assert not requests[0].overwrite
