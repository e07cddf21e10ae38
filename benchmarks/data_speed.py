"""Data-pipeline speed on this machine (a benchmark, not a test).

    python benchmarks/data_speed.py [--video PATH] [--frames 64] [--records DIR] [--batch 32]

1. Face extraction, end to end on 720p video: decode, sample `--frames` frames evenly (default:
   prepare's 64), MTCNN, 1.3x box, crop + PNG of every quality (here: one quality, c23) ->
   sampled frames per second, with the `pipelines.prepare` defaults (the whole
   frame searched every 8th sampled frame, only around the previous face in between) and, as the
   baseline, the whole frame searched at every sampled frame, interleaved for `--rounds` rounds,
   and the median of the per-round speed ratios. Also the time of each sampled frame (median,
   lower quartile): on a machine that freezes now and then, the lower quartile is the closest to
   the work a frame takes.
   Default video: the shared FF++ 720p clip when present, else a synthetic 720p clip (PyAV).
   The targets are per core: by default the process is pinned to one CPU (`--cores`), so
   TensorFlow, FFmpeg and tf.data size their thread pools to it.
2. Decoding alone, the same sampled frames: `add_tf.media.video.iter_video_frames` (leaves
   unreferenced H.264 frames undecoded) against the baseline of decoding every frame up to the
   last sample, interleaved for `--rounds` rounds.
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

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "ffpp_c23_mini"


def synthetic_720p(path, n=64):
    import numpy as np

    from add_tf.media.encoding import write_video

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    frames = [np.roll(base, 4 * i, axis=1) for i in range(n)]
    write_video(path, frames, fps=25, options={"crf": "23"})
    return path


class FaceExtraction:
    """process_video on one video with prepare's defaults, searching the whole frame for
    the face every `full_frame_every` sampled frames (a call); `faces` found."""

    def __init__(self, video, frames, full_frame_every):
        from add_tf.media.faces import FaceDetector
        from pipelines import prepare

        default = prepare.build_parser().get_default
        self.label = f"whole frame every {full_frame_every} sampled frames"
        self.settings = {"qualities": ["c23"], "size": default("size"), "frames": frames,
                         "box_scale": default("box_scale"), "full_frame_every": full_frame_every}
        self.detector = FaceDetector(default("min_face_size"), default("detect_max_side"))
        self.item = {"method": "original", "video_id": "bench", "label": 0, "paths": {"c23": video}}
        self.per_frame = []
        self()  # load + trace
        self.per_frame = []

    def __call__(self):
        """One pass; also records the seconds each sampled frame took (decode + detect + crop)."""
        from pipelines.preparation.video import process_video

        self.faces = 0
        start = time.perf_counter()
        for kind, _ in process_video(dict(self.item), self.settings, self.detector):
            now = time.perf_counter()
            self.per_frame.append(now - start)
            start = now
            self.faces += kind == "example"


def face_extraction(video, frames, rounds):
    """Whole-frame search on every sampled frame (baseline) and prepare's defaults (whole frame
    every `full_frame_every` of the crop recipe, near the previous face in between), interleaved
    for `rounds` rounds."""
    from add_tf.media.crop_recipe import CropRecipe

    runs = {"whole": FaceExtraction(video, frames, 1),
            "now": FaceExtraction(video, frames, CropRecipe.full_frame_every)}
    seconds = interleaved(runs, rounds, warmup=0)
    for name, run in runs.items():
        median = statistics.median(seconds[name])
        print(f"face extraction ({run.label}): {frames} sampled frames of {video}, median of "
              f"{rounds}: {median:.1f}s, fastest {min(seconds[name]):.1f}s -> "
              f"{frames / median:.2f} sampled frames/s, {run.faces} faces; per sampled frame: "
              f"median {statistics.median(run.per_frame):.3f}s, lower quartile "
              f"{statistics.quantiles(run.per_frame, n=4)[0]:.3f}s", flush=True)
    ratio = median_ratio(seconds["whole"], seconds["now"])
    print(f"face extraction speed, prepare defaults / whole frame every sampled frame: {ratio:.2f} "
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
    from add_tf.media.video import even_frame_indices, iter_video_frames, video_frame_count

    indices = even_frame_indices(video_frame_count(video), frames)
    runs = {"sequential": lambda: decode_sequentially(video, indices),
            "skipping": lambda: list(iter_video_frames(video, indices))}
    seconds = interleaved(runs, rounds, warmup=1)
    for name in runs:
        median = statistics.median(seconds[name])
        print(f"decoding {frames} sampled frames ({name}): median {median:.2f}s, fastest "
              f"{min(seconds[name]):.2f}s -> {frames / median:.1f} sampled frames/s")
    ratio = median_ratio(seconds["sequential"], seconds["skipping"])
    print(f"decoding speed, skipping unreferenced frames / sequential: {ratio:.2f} "
          f"(median of per-round ratios)")


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
    parser.add_argument("--frames", type=int, default=None, help="sampled frames per video "
                        "(default: prepare's, 64)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="face-extraction rounds (interleaved)")
    parser.add_argument("--records", default=None)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "add_tf_bench"))
    parser.add_argument("--cores", type=int, default=1,
                        help="CPUs the process may use (the targets are per core; 0: all)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    if args.cores:  # before TensorFlow and FFmpeg size their thread pools
        cpus = cpus[:args.cores]
        os.sched_setaffinity(0, cpus)
    print(f"running on {len(cpus)} core(s): CPUs {cpus}")
    if args.frames is None:
        from pipelines import prepare

        args.frames = prepare.build_parser().get_default("frames")
    video = args.video
    if video is None:
        shared = SHARED / "original_sequences" / "youtube" / "c23" / "videos" / "004.mp4"
        video = str(shared) if shared.is_file() else synthetic_720p(
            os.path.join(tempfile.gettempdir(), "add_tf_720p.mp4"))
    face_extraction(video, args.frames, args.rounds)
    decoding(video, args.frames, args.rounds)
    records = args.records
    if records is None:
        from add_tf.synthetic.demo_data import ensure_demo_records

        records = ensure_demo_records(args.data_dir)
    input_pipeline(records, args.batch, args.steps)
    print(f"machine stalls: {100 * stall_share():.0f}% of wall time in a 3 s probe")


if __name__ == "__main__":
    main()
