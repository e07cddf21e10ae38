from add_tf.data import read_manifest
from add_tf.synthetic import tree
from add_tf.synthetic.demo_data import ensure_demo_records
from add_tf.synthetic.difficulty import difficulty_check


def test_demo_raw_easier_than_c40(tmp_path):
    """The noise probe separates raw fakes and loses most of it at c40 (a 24-identity draw)."""
    tree.generate_demo_tree(str(tmp_path / "demo_videos"), seed=3, num_ids=24, frames=8)
    records = ensure_demo_records(str(tmp_path), frames=8)
    assert read_manifest(records)["settings"]["generator"]["seed"] == 3
    scores = difficulty_check(records, qualities=("raw", "c40"))
    assert scores["raw"] >= 0.75 and scores["raw"] - scores["c40"] >= 0.15, scores
