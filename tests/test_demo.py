import json

import numpy as np
import pytest

from add_tf import demo, media
from pipelines import layout


def test_demo_tree_shape_and_determinism(tmp_path):
    """Same seed, same pixels: in worker processes (default) and in this process."""
    a, b = tmp_path / "a", tmp_path / "b"
    demo.generate_demo_tree(str(a), seed=5, num_ids=6, frames=4, size=48, qualities=("raw", "c40"))
    demo.generate_demo_tree(str(b), seed=5, num_ids=6, frames=4, size=48, qualities=("raw", "c40"),
                            workers=1)
    found = layout.discover(a)
    assert found.methods == ["Demo"] and found.qualities == ["raw", "c40"]
    assert len(found.videos) == 12
    pairs = sum((json.loads((a / "splits" / f"{s}.json").read_text()) for s in ("train", "val", "test")), [])
    assert len(pairs) == 3
    for video in found.videos:
        raw_a = media.read_video_frames(video.paths["raw"], [0, 3])
        raw_b = media.read_video_frames(str(video.paths["raw"]).replace(str(a), str(b)), [0, 3])
        assert len(raw_a) == 2 and all(np.array_equal(x[1], y[1]) for x, y in zip(raw_a, raw_b))
    fake = next(v for v in found.videos if v.method == "Demo")
    assert media.video_frame_count(fake.paths["c40"], exact=True) == 4
    # the manipulation lives in high frequencies: raw fake has the checkerboard, c40 much less
    (_, raw), = media.read_video_frames(fake.paths["raw"], [1])
    (_, c40), = media.read_video_frames(fake.paths["c40"], [1])
    f_raw, f_c40 = demo._highpass_features([raw, c40])
    assert f_raw[3] > f_c40[3]


@pytest.mark.slow
def test_demo_raw_easier_than_c40(tmp_path):
    records = demo.ensure_demo_records(str(tmp_path))
    scores = demo.difficulty_check(records)
    assert scores["raw"] >= 0.95 and scores["raw"] - scores["c40"] >= 0.1
