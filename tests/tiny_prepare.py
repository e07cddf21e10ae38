"""Tiny inputs for pipelines.prepare and runs of it with fast settings (full-frame detector,
4 frames, 32 px): small H.264 clips, images, broken files, and tiny Celeb-DF v2, DFDC and
real/fake folder trees."""

import json

import numpy as np

FAST = ["--detector", "full-frame", "--frames", "4", "--size", "32",
        "--direct_running_mode=in_memory", "--direct_num_workers=1"]


def prepare_tiny(tree, out, *extra):
    """pipelines.prepare on a FaceForensics++ tree."""
    from pipelines import prepare

    return prepare.run(["--ffpp-root", str(tree), "--out", str(out), *FAST, *extra])


def prepare_ffpp_methods(tree, out, *extra):
    """prepare_tiny on a demo tree made with ffpp_methods: every method folder its DEMO.json
    names (FF++ as a whole)."""
    with open(f"{tree}/DEMO.json") as f:
        methods = json.load(f)["methods"]
    return prepare_tiny(tree, out, "--methods", ",".join(methods), *extra)


def prepare_layout(layout, root, out, *extra):
    """pipelines.prepare on a tree of another layout (celebdf, dfdc, folders)."""
    from pipelines import prepare

    return prepare.run(["--layout", layout, "--root", str(root), "--out", str(out), *FAST, *extra])


def write_clip(path, seed=0, frames=6, size=32):
    """A small H.264 video of blocky noise drifting in brightness; returns its path."""
    from add_tf.media.encoding import write_video

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 200, (size // 4, size // 4, 3)).astype(np.float32)
    clip = [np.kron(base + 8 * t, np.ones((4, 4, 1))).astype(np.uint8) for t in range(frames)]
    return write_video(path, clip)


def write_rgb(path, rgb):
    """An (H, W, 3) uint8 RGB picture as an image file (the format from the suffix)."""
    import cv2

    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def write_image(path, seed=0, size=32):
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 255, (size, size, 3), np.uint8))
    return path


def corrupt(path):
    """A file with a media name and garbage inside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0garbage" * 64)
    return path


CELEBDF_TEST_LIST = ["1 Celeb-real/id0_0001.mp4", "1 Celeb-real/id5_0000.mp4",
                     "1 YouTube-real/00001.mp4", "0 Celeb-synthesis/id2_id3_0000.mp4",
                     "0 Celeb-synthesis/id9_id8_0000.mp4"]


def celebdf_tree(root):
    """Celeb-DF v2 shape: 7 Celeb-real (id5_0000 corrupt), 2 YouTube-real, 5 Celeb-synthesis;
    the test list names 4 present videos and one absent (id9_id8_0000)."""
    reals = ["id0_0000", "id0_0001", "id1_0000", "id2_0000", "id3_0000", "id4_0000"]
    for seed, name in enumerate(reals):
        write_clip(root / "Celeb-real" / f"{name}.mp4", seed)
    corrupt(root / "Celeb-real" / "id5_0000.mp4")
    for seed, name in enumerate(["00000", "00001"]):
        write_clip(root / "YouTube-real" / f"{name}.mp4", 10 + seed)
    fakes = ["id0_id1_0000", "id1_id0_0000", "id2_id3_0000", "id3_id4_0000", "id4_id2_0000"]
    for seed, name in enumerate(fakes):
        write_clip(root / "Celeb-synthesis" / f"{name}.mp4", 20 + seed)
    (root / "List_of_testing_videos.txt").write_text("\n".join(CELEBDF_TEST_LIST) + "\n")
    return root


def dfdc_tree(root):
    """Two DFDC parts. part_0: reals a, d; fakes b, c (of a), e (of d, corrupt); x.mp4 listed
    but absent; u.mp4 present but not listed. part_1 (fakes only): f (of a, across parts),
    h (of k, absent everywhere), i and j (of m)."""
    parts = {
        "dfdc_train_part_0": {"a.mp4": ("REAL", None), "b.mp4": ("FAKE", "a.mp4"),
                              "c.mp4": ("FAKE", "a.mp4"), "d.mp4": ("REAL", None),
                              "e.mp4": ("FAKE", "d.mp4"), "x.mp4": ("FAKE", "d.mp4")},
        "dfdc_train_part_1": {"f.mp4": ("FAKE", "a.mp4"), "h.mp4": ("FAKE", "k.mp4"),
                              "i.mp4": ("FAKE", "m.mp4"), "j.mp4": ("FAKE", "m.mp4")},
    }
    for p, (part, entries) in enumerate(parts.items()):
        metadata = {name: {"label": label, "split": "train", "original": original}
                    for name, (label, original) in entries.items()}
        (root / part).mkdir(parents=True)
        (root / part / "metadata.json").write_text(json.dumps(metadata))
        for seed, name in enumerate(entries):
            if name == "e.mp4":
                corrupt(root / part / name)
            elif name != "x.mp4":
                write_clip(root / part / name, 10 * p + seed)
    write_clip(root / "dfdc_train_part_0" / "u.mp4", 99)
    return root


def folders_tree(root):
    """real/: a.mp4, alice/0001.png, alice/0002.png; fake/: b.mp4, alice/0001.png, broken.jpg
    (corrupt), notes.txt (not media)."""
    write_clip(root / "real" / "a.mp4", 1)
    write_image(root / "real" / "alice" / "0001.png", 2)
    write_image(root / "real" / "alice" / "0002.png", 3)
    write_clip(root / "fake" / "b.mp4", 4)
    write_image(root / "fake" / "alice" / "0001.png", 5)
    corrupt(root / "fake" / "broken.jpg")
    (root / "fake" / "notes.txt").write_text("not a face\n")
    return root
