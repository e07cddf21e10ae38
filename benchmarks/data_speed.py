"""Data-pipeline speed on this machine (a benchmark, not a test).

    python benchmarks/data_speed.py [--video PATH] [--frames 16] [--records DIR] [--batch 32]

1. Face extraction, end to end on 720p video: decode, sample `--frames` frames evenly, MTCNN on
   the downscaled frame, 1.3x box, crop + PNG of every quality (here: one quality, c23) ->
   sampled frames per second (one process, so per core), with the `pipelines.prepare` defaults
   and, as the baseline, the earlier defaults (min face 40 px, detection at 640 px), interleaved
   for `--rounds` rounds, and the median of the per-round speed ratios. Also the time of each
   sampled frame (median, lower quartile): on a machine that freezes now and then, the lower
   quartile is the closest to the work a frame takes.
   Default video: the shared FF++ 720p clip when present, else a synthetic 720p clip (PyAV).
2. Decoding alone, the same sampled frames: `media.iter_video_frames` (leaves unreferenced H.264
   frames undecoded) against the baseline of decoding every frame up to the last sample,
   interleaved for `--rounds` rounds.
3. tf.data: paired examples per second with augmentation (training mode) from prepared
   records (default: the demo records, prepared if absent).
"""

import argparse
import os
import pathlib
import statistics
import tempfile
import time

from timing import interleaved, median_ratio, stall_share

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


class FaceExtraction:
    """prepare.process_video on one video with given MTCNN settings (a call); `faces` found."""

    def __init__(self, video, frames, min_face_size, detect_max_side):
        from add_tf.faces import FaceDetector

        self.label = f"min face {min_face_size} px, detection at {detect_max_side} px"
        self.settings = {"qualities": ["c23"], "size": 128, "frames": frames, "box_scale": 1.3}
        self.detector = FaceDetector(min_face_size, detect_max_side)
        self.item = {"method": "original", "video_id": "bench", "label": 0, "paths": {"c23": video}}
        self.per_frame = []
        self()  # load + trace
        self.per_frame = []

    def __call__(self):
        """One pass; also records the seconds each sampled frame took (decode + detect + crop)."""
        from pipelines import prepare

        self.faces = 0
        start = time.perf_counter()
        for kind, _ in prepare.process_video(dict(self.item), self.settings, self.detector):
            now = time.perf_counter()
            self.per_frame.append(now - start)
            start = now
            self.faces += kind == "example"


def face_extraction(video, frames, rounds):
    """Earlier defaults (baseline) and prepare's defaults, interleaved for `rounds` rounds."""
    from pipelines import prepare

    parser = prepare.build_parser()
    runs = {"before": FaceExtraction(video, frames, *BEFORE),
            "now": FaceExtraction(video, frames, parser.get_default("min_face_size"),
                                  parser.get_default("detect_max_side"))}
    seconds = interleaved(runs, rounds, warmup=0)
    for name, run in runs.items():
        median = statistics.median(seconds[name])
        print(f"face extraction ({run.label}): {frames} sampled frames of {video}, median of "
              f"{rounds}: {median:.1f}s -> {frames / median:.2f} sampled frames/s (one process), "
              f"{run.faces} faces; per sampled frame: median {statistics.median(run.per_frame):.3f}s, "
              f"lower quartile {statistics.quantiles(run.per_frame, n=4)[0]:.3f}s", flush=True)
    ratio = median_ratio(seconds["before"], seconds["now"])
    print(f"face extraction speed, prepare defaults / earlier defaults {BEFORE}: {ratio:.2f} "
          f"(median of per-round ratios)")


def decode_sequentially(video, indices):
    """Baseline: decode every frame up to the last requested one, convert the requested ones."""
    import av

    wanted, last = set(indices), max(indices)
    with av.open(video) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for position, frame in enumerate(container.decode(stream)):
            if position in wanted:
                frame.to_ndarray(format="rgb24")
            if position >= last:
                return


def decoding(video, frames, rounds):
    from add_tf import media

    indices = media.even_frame_indices(media.video_frame_count(video), frames)
    runs = {"sequential": lambda: decode_sequentially(video, indices),
            "skipping": lambda: list(media.iter_video_frames(video, indices))}
    seconds = interleaved(runs, rounds, warmup=1)
    for name in runs:
        median = statistics.median(seconds[name])
        print(f"decoding {frames} sampled frames ({name}): median {median:.2f}s, fastest "
              f"{min(seconds[name]):.2f}s -> {frames / median:.1f} sampled frames/s")
    ratio = median_ratio(seconds["sequential"], seconds["skipping"])
    print(f"decoding speed, skipping unreferenced frames / sequential: {ratio:.2f} (median of per-round ratios)")


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
    parser.add_argument("--rounds", type=int, default=3, help="face-extraction rounds (interleaved)")
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
    face_extraction(video, args.frames, args.rounds)
    decoding(video, args.frames, args.rounds)
    records = args.records
    if records is None:
        from add_tf.demo import ensure_demo_records

        records = ensure_demo_records(args.data_dir)
    input_pipeline(records, args.batch, args.steps)
    print(f"machine stalls: {100 * stall_share():.0f}% of wall time in a 3 s probe")


if __name__ == "__main__":
    main()
