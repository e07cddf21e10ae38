"""Inference speed on this machine: SavedModel vs Keras, and `add_tf.detect` per video.

    python benchmarks/inference_speed.py [--backbone resnet50] [--image-size 128]
        [--batches 1 64] [--seconds 10] [--frames 32] [--no-video]

1. Builds the classifier (random weights: speed does not depend on them), saves it as a run
   dir, exports it with add_tf.export and measures images/s of uint8 crops -> fake probability
   for the SavedModel (`serving_default`) and for the Keras model (a tf.function around the
   model, as `add_tf.detect` uses it) at each batch size.
2. Writes a 1280x720, 10-second, 25 fps H.264 clip (a face photo from ../shared/data moving
   over a background; a plain clip when the photo is absent) and times `add_tf.detect` on it with
   `--frames` sampled frames: the first run (including MTCNN graph tracing) and a second run.
Prints a Markdown table.
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FACE = ROOT.parent / "shared" / "data" / "faces" / "Tom_Cruise_avp_2014_4.jpg"


def images_per_second(fn, batch, size, seconds):
    x = np.random.default_rng(0).integers(0, 256, (batch, size, size, 3), dtype=np.uint8)
    fn(x)  # warm-up / tracing
    n, start = 0, time.perf_counter()
    while True:
        fn(x)
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and n >= 2:
            return n * batch / elapsed


def make_clip(path, seconds=10, fps=25, size=(1280, 720)):
    import cv2

    from add_tf.media.encoding import write_video
    from add_tf.media.images import read_image

    face = None
    if FACE.is_file():
        face = cv2.resize(read_image(FACE), (226, 320))
    frames = []
    yy, xx = np.mgrid[0:size[1], 0:size[0]]
    background = np.stack([xx * 255 // size[0], yy * 255 // size[1],
                           np.full_like(xx, 120)], -1).astype(np.uint8)
    for i in range(seconds * fps):
        frame = background.copy()
        if face is not None:
            x = 200 + 3 * i
            frame[200:520, x:x + 226] = face
        frames.append(frame)
    write_video(path, frames, fps=fps)
    return face is not None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbone", default="resnet50")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--no-video", action="store_true")
    args = parser.parse_args(argv)

    import tensorflow as tf

    from add_tf import detect, export
    from add_tf.core.config import Config
    from add_tf.detection.scorer import load_scorer
    from add_tf.models import build_classifier

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        run = tmp / "run"
        run.mkdir()
        config = Config()
        config.model.backbone, config.model.image_size = args.backbone, args.image_size
        (run / "config.yaml").write_text(config.to_yaml())
        build_classifier(backbone=args.backbone, image_size=args.image_size).save(
            run / "student.keras")
        target = export.main(["--run", str(run), "--out", str(tmp / "saved_models" / "bench")])
        scorers = {"SavedModel": load_scorer(target), "Keras": load_scorer(run)}
        for batch in args.batches:
            for name, scorer in scorers.items():
                ips = images_per_second(scorer, batch, args.image_size, args.seconds)
                rows.append((f"{name} {args.backbone} {args.image_size}px", f"batch {batch}",
                             f"{ips:.1f} images/s"))
                print(rows[-1], flush=True)
        if not args.no_video:
            clip = tmp / "clip_720p_10s.mp4"
            start = time.perf_counter()
            has_face = make_clip(clip)
            print(f"clip written in {time.perf_counter() - start:.1f} s", flush=True)
            for label in ("first run", "second run"):
                start = time.perf_counter()
                report = detect.run([str(clip)], None, frames=args.frames, verbose=False,
                                    scorer=scorers["SavedModel"])
                seconds = time.perf_counter() - start
                entry = report["inputs"][0]
                rows.append((f"detect 720p 10 s clip, {args.frames} frames ({label})",
                             f"status {entry['status']}, {entry.get('frames_with_face', 0)} "
                             f"frames with face" + ("" if has_face else " (no face photo)"),
                             f"{seconds:.1f} s/video"))
                print(rows[-1], flush=True)
    print()
    print(f"CPU: {os.cpu_count()} cores, TensorFlow {tf.__version__}")
    print("| measurement | setting | speed |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return rows


if __name__ == "__main__":
    main()
