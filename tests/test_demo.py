import json

import numpy as np
import pytest

from add_tf import media
from add_tf.synthetic import fakes, render, tree, videos
from add_tf.synthetic.demo_data import ensure_demo_records
from add_tf.synthetic.difficulty import difficulty_check
from pipelines.layouts import ffpp


def test_demo_tree_shape_and_determinism(tmp_path):
    """Same seed, same pixels: in worker processes (default) and in this process."""
    a, b = tmp_path / "a", tmp_path / "b"
    tree.generate_demo_tree(str(a), seed=5, num_ids=8, frames=4, size=48, qualities=("raw", "c40"))
    tree.generate_demo_tree(str(b), seed=5, num_ids=8, frames=4, size=48, qualities=("raw", "c40"),
                            workers=1)
    found = ffpp.scan(a)
    assert found.methods == ["Demo"] and found.qualities == ["raw", "c40"]
    assert len(found.videos) == 16
    pairs = sum((json.loads((a / "splits" / f"{s}.json").read_text())
                 for s in ("train", "val", "test")), [])
    assert len(pairs) == 4
    kinds = json.loads((a / "DEMO.json").read_text())["kinds"]
    assert sorted(kinds.values()) == sorted(fakes.kinds() * 2)
    for video in found.videos:
        raw_a = media.read_video_frames(video.paths["raw"], [0, 3])
        raw_b = media.read_video_frames(str(video.paths["raw"]).replace(str(a), str(b)), [0, 3])
        assert len(raw_a) == 2 and all(np.array_equal(x[1], y[1]) for x, y in zip(raw_a, raw_b))
    fake = next(v for v in found.videos if v.method == "Demo")
    assert media.video_frame_count(fake.paths["c40"], exact=True) == 4


def test_split_pairs_keeps_every_split():
    pairs = [[f"{2 * k:03d}", f"{2 * k + 1:03d}"] for k in range(42)]
    cut = tree.split_pairs(pairs)
    assert [len(cut[s]) for s in ("train", "val", "test")] == [24, 5, 13]
    assert sum(cut.values(), []) == pairs
    assert [len(tree.split_pairs(pairs[:3])[s]) for s in ("train", "val", "test")] == [1, 1, 1]


def test_fake_has_no_sensor_noise_where_it_was_generated():
    """Two noise draws of one fake agree inside the generated region of every kind (no sensor
    noise there: the raw trace) and differ outside it."""
    rng = np.random.default_rng(0)
    target, source = render.identity(rng), render.identity(rng)
    for kind in fakes.kinds():
        spec = dict(fakes.fake_spec(rng, 0), kind=kind)
        _, mask = fakes.generated(target, source, spec, 0, 64)
        one, two = (videos.frames(target, source, spec, 64, 1, np.random.default_rng(n))[0]
                    for n in (1, 2))
        diff = np.abs(one.astype(int) - two.astype(int)).max(axis=-1)
        assert (mask > 0.999).sum() > 100, kind
        assert diff[mask > 0.999].max() <= 1, kind
        assert diff[mask < 0.001].mean() > 1, kind


@pytest.mark.slow
def test_demo_raw_easier_than_c40(tmp_path):
    """The noise probe separates raw fakes and loses most of it at c40 (a 24-identity draw)."""
    tree.generate_demo_tree(str(tmp_path / "demo_videos"), seed=3, num_ids=24, frames=8)
    records = ensure_demo_records(str(tmp_path), frames=8)
    scores = difficulty_check(records, qualities=("raw", "c40"))
    assert scores["raw"] >= 0.75 and scores["raw"] - scores["c40"] >= 0.15, scores
