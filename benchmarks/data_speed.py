"""Data-pipeline speed on this machine (a benchmark, not a test).

    python benchmarks/data_speed.py [--video PATH] [--frames 16] [--records DIR] [--batch 32]

1. Face extraction, end to end on 720p video: decode, sample `--frames` frames evenly, MTCNN on
   the downscaled frame, 1.3x box, crop + PNG of every quality (here: one quality, c23) ->
   sampled frames per second (one process, so per core), with the `pipelines.prepare` defaults
   and, as the baseline, the earlier defaults (min face 40 px, detection at 640 px), and their
   ratio.
   Default video: the shared FF++ 720p clip when present, else a synthetic 720p clip (PyAV).
2. tf.data: paired examples per second with augmentation (training mode) from prepared
   records (default: the demo records, prepared if absent).
"""

import argparse
import os
import pathlib
import tempfile
import time

BEFORE = (40, 640)  # (min face size, detection max side) before 2026-11-26
SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "ffpp_c23_mini"


def synthetic_720p(path, n=64):
    import numpy as np

    from add_tf import media

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    frames = [np.roll(base, 4 * i, axis=1) for i in range(n)]
    media.write_video(path, frames, fps=25, options={"crf": "23"})
    return path


def face_extraction(video, frames, min_face_size, detect_max_side):
    """Sampled frames per second of prepare.process_video with these MTCNN settings."""
    from add_tf.faces import FaceDetector
    from pipelines import prepare

    settings = {"qualities": ["c23"], "size": 128, "frames": frames, "box_scale": 1.3}
    detector = FaceDetector(min_face_size, detect_max_side)
    item = {"method": "original", "video_id": "bench", "label": 0, "paths": {"c23": video}}
    list(prepare.process_video(dict(item), dict(settings, frames=1), detector))  # load + trace
    start = time.time()
    outcome = list(prepare.process_video(item, settings, detector))
    elapsed = time.time() - start
    faces = sum(1 for kind, _ in outcome if kind == "example")
    print(f"face extraction (min face {min_face_size} px, detection at {detect_max_side} px): "
          f"{frames} sampled frames of {video} in {elapsed:.1f}s -> {frames / elapsed:.2f} "
          f"sampled frames/s (one process), {faces} faces", flush=True)
    return frames / elapsed


def prepare_defaults():
    from pipelines import prepare

    return prepare.build_parser().parse_args(["--ffpp-root", ".", "--out", "."])


def input_pipeline(records, batch, steps):
    from add_tf.data import make_dataset

    ds = make_dataset(records, "Demo", "train", "c40", batch_size=batch, training=True, seed=0,
                      repeat=True)
    it = iter(ds)
    next(it)
    start = time.time()
    for _ in range(steps):
        next(it)
    elapsed = time.time() - start
    rate = steps * batch / elapsed
    print(f"tf.data: {steps} batches of {batch} paired examples (augmented) in {elapsed:.1f}s -> "
          f"{rate:.0f} examples/s")
    return rate


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--video", default=None)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--records", default=None)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "add_tf_bench"))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args(argv)
    video = args.video
    if video is None:
        shared = SHARED / "original_sequences" / "youtube" / "c23" / "videos" / "004.mp4"
        video = str(shared) if shared.is_file() else synthetic_720p(
            os.path.join(tempfile.gettempdir(), "add_tf_720p.mp4"))
    defaults = prepare_defaults()
    before = face_extraction(video, args.frames, *BEFORE)
    now = face_extraction(video, args.frames, defaults.min_face_size, defaults.detect_max_side)
    print(f"face extraction, prepare defaults / the earlier defaults {BEFORE}: {now / before:.2f}")
    records = args.records
    if records is None:
        from add_tf.demo import ensure_demo_records

        records = ensure_demo_records(args.data_dir)
    input_pipeline(records, args.batch, args.steps)


if __name__ == "__main__":
    main()
