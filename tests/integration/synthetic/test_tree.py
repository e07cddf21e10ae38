import json

import numpy as np

from add_tf import media
from add_tf.synthetic import fakes, tree
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
