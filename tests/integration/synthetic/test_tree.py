import hashlib
import json

import numpy as np

from add_tf.core.names import ORIGINAL, QUALITIES
from add_tf.media.video import read_video_frames, video_frame_count
from add_tf.synthetic import fakes, tree, videos
from pipelines.layouts import ffpp
from tiny_prepare import prepare_ffpp_methods


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
        raw_a = read_video_frames(video.paths["raw"], [0, 3])
        raw_b = read_video_frames(str(video.paths["raw"]).replace(str(a), str(b)), [0, 3])
        assert len(raw_a) == 2 and all(np.array_equal(x[1], y[1]) for x, y in zip(raw_a, raw_b))
    fake = next(v for v in found.videos if v.method == "Demo")
    assert video_frame_count(fake.paths["c40"], exact=True) == 4


def test_ffpp_methods_tree(tiny_tree, tmp_path, monkeypatch):
    """With ffpp_methods: one FF++ method folder per fake kind, each with the fakes a_b and b_a
    of every pair in every quality, each drawn as the kind DEMO.json gives its folder; the reals
    and splits of the default tree, byte for byte; the records prepare with the FF++ names."""
    drawn = {}  # written fake -> the kind it was drawn as

    def write_video(job):
        _, method, _, target, source, _, _, spec, *_ = job
        if source is not None:
            drawn[f"{method}/{target}_{source}"] = spec["kind"]
        videos.write_video(job)

    monkeypatch.setattr(tree, "write_video", write_video)
    root = tmp_path / "ffpp"
    tree.generate_demo_tree(str(root), seed=1, num_ids=6, frames=8, size=64, workers=1,
                            ffpp_methods=True)
    methods = json.loads((root / "DEMO.json").read_text())["methods"]
    assert methods == {"Deepfakes": "swap", "Face2Face": "reenact", "NeuralTextures": "texture",
                       "FaceShifter": "gan"}
    pairs = sum((json.loads((root / "splits" / f"{s}.json").read_text())
                 for s in ("train", "val", "test")), [])
    names = sorted([f"{a}_{b}" for a, b in pairs] + [f"{b}_{a}" for a, b in pairs])
    found = ffpp.scan(root)
    assert set(found.methods) == set(methods) and found.qualities == list(QUALITIES)
    for method, kind in methods.items():
        assert sorted(v.video_id for v in found.videos if v.method == method) == names
        assert {drawn[f"{method}/{name}"] for name in names} == {kind}
    assert all(sorted(v.paths) == sorted(QUALITIES) for v in found.videos)
    assert len(drawn) == len(methods) * len(names)
    for part in ("original_sequences", "splits"):
        assert _digests(root / part) == _digests(tiny_tree / part)

    def changed(first, second, name):  # share of raw pixels where two folders' fakes differ
        paths = [ffpp.source_dir(root, m, "raw") + f"/{name}.mp4" for m in (first, second)]
        a, b = (np.stack([f for _, f in read_video_frames(p, range(8))]).astype(int)
                for p in paths)
        return (a != b).any(axis=-1).mean()

    by_region = {}
    for method, kind in methods.items():
        by_region.setdefault(fakes.get(kind).region, []).append(method)
    # the fakes of one name share their noise and differ only where generated: the two kinds of
    # the mouth region on fewer pixels than the two of the inner face
    assert all(changed(*by_region["lower"], name) < changed(*by_region["inner"], name)
               for name in names)

    manifest = prepare_ffpp_methods(root, tmp_path / "records")
    assert manifest["settings"]["methods"] == list(methods)
    for per_method in manifest["counts"].values():  # one pair per split: reals 1 in 5 videos
        assert {m: e["videos"] for m, e in per_method.items()} == dict.fromkeys(
            [ORIGINAL, *methods], 2)


def _digests(folder):
    """{relative path: sha256} of the files under `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
