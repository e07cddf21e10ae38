"""Face videos (or images) -> paired face-crop TFRecords, as an Apache Beam pipeline.

    python -m pipelines.prepare --layout {ffpp,celebdf,dfdc,folders} --root DIR --out DIR
        [--qualities raw,c23,c40] [--frames 64] [--size 128] [--detector mtcnn|full-frame]
        [--overwrite] [Beam pipeline options]
    FaceForensics++: --ffpp-root DIR (= --layout ffpp --root DIR) [--methods Deepfakes,...]
        [--splits DIR]
    Celeb-DF v2, DFDC, folders: [--quality c23] names the quality of the files as they are

Layouts and splits: pipelines.layout and .splits (FF++), .celebdf, .dfdc, .folders (real/ and
fake/ folders of videos or images); qualities made by pipelines.compress are used too.

Per video: `--frames` indices spread evenly over the best quality present (raw > c23 > c40);
the largest face is detected there (MTCNN on a downscaled frame); one 1.3x square box per frame
cuts the same frame index of every quality (mapped by time when a quality's frame count
differs); crops are resized to `--size` and stored as PNG (lossless). An image is a one-frame
video. One tf.train.Example per face holds every quality (keys: add_tf.data.schema).

Output: {out}/{split}/{name}-00000-of-000NN.tfrecord with name "original" (the reals, written
once, shared by every FF++ method) or the name of the fakes (the FF++ method folder, "CelebDF",
"DFDC", "Fake"), and {out}/manifest.json (counts per split, name and quality, settings with the
set's name (`--name`, default the basename of --out), every skipped file, video or frame with
its reason). A progress bar (videos done / total, rate, ETA) goes to stderr; Beam logs only
warnings unless --beam-log-level says otherwise.

Runs on Beam's local DirectRunner with one worker process per core by default; any runner
(Dataflow, Flink, Spark) through the standard options (--runner, --project, ...). Each shard is
written under a temporary name and renamed when complete, with a done marker in {out}/.state:
a rerun after a crash only redoes the unfinished shards.
"""

import argparse
import collections
import hashlib
import json
import logging
import math
import os
import threading
import time
import uuid

from add_tf import media
from add_tf.core.progress import ProgressBar
from add_tf.data import schema
from pipelines import celebdf, dfdc, folders, sets
from pipelines import layout as layout_lib
from pipelines import splits as splits_lib

log = logging.getLogger("pipelines.prepare")
STATE = ".state"
EXAMPLES_PER_SHARD = 512
FULL_FRAME_EVERY = 8  # sampled frames; in between, faces are searched near the previous one
SETS = {"celebdf": celebdf, "dfdc": dfdc, "folders": folders}  # layouts read as distributed
LAYOUTS = ("ffpp",) + tuple(SETS)
POLL_SECONDS = {"local": 0.5, "remote": 30.0}  # how often the progress bar counts videos done


# --------------------------------------------------------------------------- per video
def _frame_map(index, fps_ref, fps_q, same_count):
    if same_count or not fps_ref or not fps_q:
        return index
    return int(math.floor(index * fps_q / fps_ref + 0.5))


def _media_info(path):
    """{"frames", "fps", ...} of a video; an image is one frame (fps 0). Raises MediaError."""
    if media.is_image(path):
        media.read_image(path)
        return {"frames": 1, "fps": 0.0}
    info = media.video_info(path)
    if info["frames"] <= 0:
        info["frames"] = media.video_frame_count(path, exact=True)
    return info


def _iter_frames(path, indices):
    """(index, RGB uint8) for the requested indices: media.iter_video_frames, or the image."""
    if not media.is_image(path):
        yield from media.iter_video_frames(path, indices)
    elif 0 in indices:
        yield 0, media.read_image(path)


def process_video(video, settings, detector):
    """Yield ("example", bytes) and ("skip", dict) / ("info", dict) items for one video.

    video: dict with method, video_id, label, paths {quality: path}."""
    from add_tf.media import faces

    qualities = settings["qualities"]
    size, scale = settings["size"], settings["box_scale"]
    key = f"{video['method']}/{video['video_id']}"
    paths = video["paths"]
    missing = [q for q in qualities if q not in paths]
    if missing:
        yield "skip", {"item": key, "reason": f"missing quality {', '.join(missing)} "
                       f"(has: {', '.join(paths) or 'none'})"}
        return
    try:
        info = {q: _media_info(paths[q]) for q in qualities}
    except media.MediaError as error:
        yield "skip", {"item": error.path, "reason": f"{error.status}: {error.message}",
                       "video": key}
        return
    ref = qualities[0]
    indices = media.even_frame_indices(info[ref]["frames"], settings["frames"])
    counts = {q: info[q]["frames"] for q in qualities}
    if len(set(counts.values())) > 1:
        yield "info", {"item": key, "mismatch": counts}
    mapped = {q: [_frame_map(i, info[ref]["fps"], info[q]["fps"], counts[q] == counts[ref])
                  for i in indices] for q in qualities}
    generators = {q: _iter_frames(paths[q], mapped[q]) for q in qualities}
    current = {q: (-1, None) for q in qualities}
    exhausted = {}
    made = 0
    every = settings.get("full_frame_every", FULL_FRAME_EVERY)
    previous = None  # face box of the last sampled frame, where the next search starts
    for n, index in enumerate(indices):
        frames = {}
        for q in qualities:
            target = mapped[q][n]
            while q not in exhausted and current[q][0] < target:
                try:
                    current[q] = next(generators[q])
                except StopIteration:
                    exhausted[q] = f"truncated: {paths[q]} ends before frame {target}"
                except media.MediaError as error:
                    exhausted[q] = f"{error.status}: {error.path}: {error.message}"
            if current[q][0] == target:
                frames[q] = current[q][1]
        if len(frames) < len(qualities):
            lost = [q for q in qualities if q not in frames]
            reasons = "; ".join(exhausted.get(q, f"{q} frame {mapped[q][n]} not decoded")
                                for q in lost)
            yield "skip", {"item": f"{key}#{index}", "reason": reasons}
            continue
        base = frames[ref]
        found = detector.detect(base, near=previous if n % every else None)
        previous = found[0].box if found else None
        if not found:
            yield "skip", {"item": f"{key}#{index}", "reason": "no face"}
            continue
        box = faces.square_box(found[0].box, base.shape, scale)
        crops = {}
        for q in qualities:
            frame = frames[q]
            qbox = box
            if frame.shape[:2] != base.shape[:2]:  # a quality at another resolution
                sy, sx = frame.shape[0] / base.shape[0], frame.shape[1] / base.shape[1]
                qbox = (round(box[0] * sx), round(box[1] * sy),
                        round(box[2] * sx), round(box[3] * sy))
            crops[q] = schema.encode_png(faces.crop_face(frame, qbox, size))
        yield "example", schema.make_example(
            crops, video["label"], video["method"], video["video_id"], index, box, base.shape[:2]
        )
        made += 1
    for gen in generators.values():
        gen.close()
    if made == 0 and indices:
        yield "skip", {"item": key, "reason": "no usable frame (see frame entries)"}


# --------------------------------------------------------------------------- shards
def _join(*parts):
    return "/".join([parts[0].rstrip("/")] + [p.strip("/") for p in parts[1:]])


def marker_path(out, spec):
    shard = schema.shard_name(spec["name"], spec["index"], spec["count"])
    return _join(out, STATE, spec["split"], shard + ".json")


def record_path(out, spec):
    return _join(out, spec["split"], schema.shard_name(spec["name"], spec["index"], spec["count"]))


def shard_done(out, spec):
    import tensorflow as tf

    return tf.io.gfile.exists(marker_path(out, spec)) and tf.io.gfile.exists(record_path(out, spec))


def _local(out):
    return "://" not in out


def _progress_log(out):
    return os.path.join(out, STATE, "progress.log")


def _note_progress(out, text):
    """One line per finished video in {out}/.state/progress.log (local outputs only)."""
    if _local(out):
        with open(_progress_log(out), "a") as f:
            f.write(text + "\n")


def videos_done(out, specs):
    """Videos finished so far: the lines of the progress log (local outputs; they count the
    videos of finished shards and those done since), else the videos of finished shards."""
    if _local(out):
        if not os.path.exists(_progress_log(out)):
            return 0
        with open(_progress_log(out)) as f:
            return sum(1 for _ in f)
    return sum(len(spec["videos"]) for spec in specs if shard_done(out, spec))


def _show_progress(bar, count, stop, every):
    """Update `bar` with count() every `every` seconds until `stop` is set, then close it."""
    while not stop.wait(every):
        bar.update(count())
    bar.update(count())
    bar.close()


def write_shard(spec, out, settings, detector):
    """Write one shard (temp name, then rename) and its done marker; returns the marker dict."""
    import tensorflow as tf

    if shard_done(out, spec):
        with tf.io.gfile.GFile(marker_path(out, spec)) as f:
            return json.load(f)
    final = record_path(out, spec)
    tf.io.gfile.makedirs(os.path.dirname(final))
    tf.io.gfile.makedirs(os.path.dirname(marker_path(out, spec)))
    tmp = f"{final}.tmp-{uuid.uuid4().hex[:8]}"
    summary = {"split": spec["split"], "name": spec["name"], "file": os.path.basename(final),
               "examples": 0, "videos": 0, "videos_total": len(spec["videos"]), "skipped": [],
               "mismatches": []}
    with tf.io.TFRecordWriter(tmp) as writer:
        for video in spec["videos"]:
            start, made = time.time(), 0
            for kind, item in process_video(video, settings, detector):
                if kind == "example":
                    writer.write(item)
                    made += 1
                elif kind == "skip":
                    summary["skipped"].append(item)
                    log.warning("skipped %s: %s", item["item"], item["reason"])
                else:
                    summary["mismatches"].append(item)
            summary["examples"] += made
            summary["videos"] += int(made > 0)
            _note_progress(out, f"{video['method']}/{video['video_id']}")
            log.debug("%s/%s (%s): %d faces in %.1fs", video["method"], video["video_id"],
                      spec["split"], made, time.time() - start)
    with tf.io.gfile.GFile(marker_path(out, spec) + ".tmp", "w") as f:
        json.dump(summary, f)
    tf.io.gfile.rename(marker_path(out, spec) + ".tmp", marker_path(out, spec), overwrite=True)
    tf.io.gfile.rename(tmp, final, overwrite=True)
    return summary


def plan_shards(videos_by_split, frames, examples_per_shard=EXAMPLES_PER_SHARD):
    """[spec]: per (split, name) the videos dealt round-robin into ceil(n*frames/E) shards."""
    specs = []
    for (split, name), videos in sorted(videos_by_split.items()):
        videos = sorted(videos, key=lambda v: v["video_id"])
        count = max(1, math.ceil(len(videos) * frames / examples_per_shard))
        for index in range(count):
            specs.append({"split": split, "name": name, "index": index, "count": count,
                          "videos": videos[index::count]})
    return specs


# --------------------------------------------------------------------------- Beam
def _shard_dofn():
    import apache_beam as beam

    class WriteShard(beam.DoFn):
        """Writes whole shards; the face detector loads once per worker (setup)."""

        def __init__(self, out, settings):
            self.out, self.settings = out, settings
            self.detector = None
            self.videos = beam.metrics.Metrics.counter("prepare", "videos_done")
            self.examples = beam.metrics.Metrics.counter("prepare", "examples")
            self.skipped = beam.metrics.Metrics.counter("prepare", "skipped_items")

        def setup(self):
            from add_tf.media.faces import make_detector

            kwargs = {}
            if self.settings["detector"] == "mtcnn":
                kwargs = {"min_face_size": self.settings["min_face_size"],
                          "detect_max_side": self.settings["detect_max_side"]}
            self.detector = make_detector(self.settings["detector"], **kwargs)

        def process(self, spec):
            summary = write_shard(spec, self.out, self.settings, self.detector)
            self.videos.inc(len(spec["videos"]))
            self.examples.inc(summary["examples"])
            self.skipped.inc(len(summary["skipped"]))
            yield summary["file"]

    return WriteShard


def _pipeline_options(beam_args, log_level):
    from apache_beam.options.pipeline_options import PipelineOptions

    args = list(beam_args)
    flags = " ".join(args)
    if "--default_sdk_harness_log_level" not in flags:  # the workers' own logging
        args.append(f"--default_sdk_harness_log_level={log_level}")
    if "--runner" not in flags:
        args.append("--runner=DirectRunner")
        if "--direct_running_mode" not in flags:
            args.append("--direct_running_mode=multi_processing")
        if "--direct_num_workers" not in flags:
            args.append(f"--direct_num_workers={os.cpu_count() or 1}")
    return PipelineOptions(args)


# --------------------------------------------------------------------------- driver
def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, received {value}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m pipelines.prepare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layout", choices=LAYOUTS, default="ffpp",
                        help="how --root is organised (default: ffpp)")
    parser.add_argument("--root", help="the data set's folder")
    parser.add_argument("--ffpp-root", help="FaceForensics++ tree: --layout ffpp --root DIR")
    parser.add_argument("--out", required=True)
    parser.add_argument("--name", help="the set's name in the manifest, used by add_tf.evaluate "
                        "(default: the basename of --out)")
    parser.add_argument("--methods", default=None,
                        help=f"ffpp: comma-separated, from {', '.join(layout_lib.ALL_METHODS)} "
                             "(default: all present)")
    parser.add_argument("--quality", choices=layout_lib.QUALITIES, default=None,
                        help=f"celebdf, dfdc, folders: the quality of the files as they are "
                             f"(default: {sets.DEFAULT_QUALITY}); other qualities are read from "
                             "{root}/{quality}/ (pipelines.compress --layout)")
    parser.add_argument("--qualities", default=None,
                        help="e.g. raw,c23,c40 (default: ffpp those of the originals, else all "
                             "present)")
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--splits", default=None,
                        help="ffpp: folder with train/val/test.json (default: {root}/splits if "
                             "present, else a generated 720/140/140-shaped split)")
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--detector", default="mtcnn", choices=["mtcnn", "full-frame"],
                        help="full-frame: the frames are already face crops (e.g. the demo data)")
    parser.add_argument("--box-scale", type=float, default=1.3)
    parser.add_argument("--min-face-size", type=int, default=80,
                        help="smallest face in original pixels (FF++ faces are larger; lower it "
                             "for sources with small faces, at some speed)")
    parser.add_argument("--detect-max-side", type=int, default=480,
                        help="MTCNN runs on the frame downscaled to this longer side; boxes are "
                             "mapped back")
    parser.add_argument("--full-frame-every", type=_positive_int, default=FULL_FRAME_EVERY,
                        help="search the whole frame for the largest face every N sampled frames "
                             "of a video (and whenever the face is lost); in between, only around "
                             "the previous sample's face (faster). 1: always the whole frame")
    parser.add_argument("--examples-per-shard", type=int, default=EXAMPLES_PER_SHARD)
    parser.add_argument("--overwrite", action="store_true",
                        help="discard a previous preparation in --out")
    parser.add_argument("--beam-log-level", default="WARNING",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="logging of Beam and of its workers (default: WARNING)")
    return parser


def _check_args(parser, args):
    """Resolve --ffpp-root and reject flags that do not apply to --layout."""
    if args.ffpp_root:
        if args.root or args.layout != "ffpp":
            parser.error(f"--ffpp-root DIR is --layout ffpp --root DIR. Received: --ffpp-root "
                         f"{args.ffpp_root} with --layout {args.layout}, --root {args.root}")
        args.root = args.ffpp_root
    if not args.root:
        parser.error("give --root DIR (with --layout) or --ffpp-root DIR")
    ffpp_only = {"--methods": args.methods, "--splits": args.splits}
    wrong = [flag for flag, value in ffpp_only.items() if value and args.layout != "ffpp"]
    if args.quality and args.layout == "ffpp":
        wrong.append("--quality")
    if wrong:
        parser.error(f"{', '.join(wrong)} does not apply to --layout {args.layout} (--methods, "
                     "--splits: ffpp only; --quality: celebdf, dfdc, folders)")


def discover(args):
    """The layout.Layout of --root, every video with its split (None: in no split)."""
    qualities = args.qualities.split(",") if args.qualities else None
    if args.layout != "ffpp":
        return SETS[args.layout].discover(args.root, args.quality or sets.DEFAULT_QUALITY,
                                             qualities, args.split_seed)
    methods = args.methods.split(",") if args.methods else None
    if methods:
        layout_lib.validate_methods(methods)
    found = layout_lib.discover(args.root, methods, qualities)
    splits_dir = args.splits
    if splits_dir is None and os.path.isfile(os.path.join(found.root, "splits", "train.json")):
        splits_dir = os.path.join(found.root, "splits")
    mapping, found.splits = splits_lib.resolve([v.video_id for v in found.videos], splits_dir,
                                               args.split_seed)
    for video in found.videos:
        video.split = splits_lib.assign(video.video_id, mapping)
    return found


def run(argv=None):
    """Prepare records; returns the manifest dict. argv: our flags plus any Beam options."""
    import apache_beam as beam
    import tensorflow as tf

    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    _check_args(parser, args)
    logging.getLogger("apache_beam").setLevel(args.beam_log_level)
    found = discover(args)
    log.info("%s", found.summary())

    out = args.out.rstrip("/")
    settings = {
        "set": args.name or os.path.basename(out), "layout": args.layout, "root": found.root,
        "qualities": found.qualities, "detect_quality": found.qualities[0],
        "methods": found.methods, "size": args.size, "frames": args.frames,
        "detector": args.detector, "box_scale": args.box_scale,
        "min_face_size": args.min_face_size, "detect_max_side": args.detect_max_side,
        "full_frame_every": args.full_frame_every, "splits": found.splits,
        "sampling": "even (segment centres)", "crop_format": "png", "label": "1 = fake",
    }
    skipped, by_split = list(found.skipped), {}
    for video in found.videos:
        if video.split is None:
            skipped.append({"item": video.key, "reason": "not in any split"})
            continue
        by_split.setdefault((video.split, video.method), []).append(dataclass_dict(video))
    specs = plan_shards(by_split, args.frames, args.examples_per_shard)

    state = _join(out, STATE)
    plan = {"settings": settings,
            "shards": [[s["split"], s["name"], s["index"], s["count"],
                        [v["video_id"] for v in s["videos"]]] for s in specs]}
    fingerprint = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()
    plan_file = _join(state, "plan.json")
    if args.overwrite and tf.io.gfile.exists(out):
        for sub in [STATE, schema.MANIFEST] + list(splits_lib.SPLITS):
            stale = _join(out, sub)
            if tf.io.gfile.exists(stale):
                (tf.io.gfile.rmtree if tf.io.gfile.isdir(stale) else tf.io.gfile.remove)(stale)
    if tf.io.gfile.exists(plan_file):
        with tf.io.gfile.GFile(plan_file) as f:
            previous = json.load(f).get("fingerprint")
        if previous != fingerprint:
            raise RuntimeError(
                f"{out} holds a preparation with other settings or videos; rerun with --overwrite "
                f"or choose another --out")
    tf.io.gfile.makedirs(state)
    with tf.io.gfile.GFile(plan_file, "w") as f:
        json.dump({"fingerprint": fingerprint, **plan}, f)
    _remove_temporaries(out)

    pending = [s for s in specs if not shard_done(out, s)]
    total_videos = sum(len(s["videos"]) for s in specs)
    log.info("%d videos in %d shards; %d shards to write (%d already done)",
             total_videos, len(specs), len(pending), len(specs) - len(pending))
    if _local(out):  # the progress log restarts from the finished shards
        done_videos = sum(len(s["videos"]) for s in specs if s not in pending)
        with open(_progress_log(out), "w") as f:
            f.write("done\n" * done_videos)
    if pending:
        options = _pipeline_options(beam_args, args.beam_log_level)
        WriteShard = _shard_dofn()
        pipeline = beam.Pipeline(options=options)
        (pipeline
         | "Shards" >> beam.Create(pending, reshuffle=False)
         | "Spread" >> beam.Reshuffle()
         | "Write" >> beam.ParDo(WriteShard(out, settings)))
        bar = ProgressBar(total_videos, done=videos_done(out, specs))
        stop = threading.Event()
        watcher = threading.Thread(
            target=_show_progress, daemon=True,
            args=(bar, lambda: videos_done(out, specs), stop,
                  POLL_SECONDS["local" if _local(out) else "remote"]))
        watcher.start()
        try:
            pipeline.run().wait_until_finish()
        finally:
            stop.set()
            watcher.join()

    manifest = build_manifest(out, specs, settings, found, skipped)
    with tf.io.gfile.GFile(_join(out, schema.MANIFEST) + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
    tf.io.gfile.rename(_join(out, schema.MANIFEST) + ".tmp", _join(out, schema.MANIFEST),
                       overwrite=True)
    log.info("wrote %s: %s examples; %d items skipped",
             _join(out, schema.MANIFEST), manifest["totals"], len(manifest["skipped"]))
    return manifest


def main(argv=None):
    """The command line: our messages at INFO on stderr (Beam's import configures logging at
    WARNING before ours could)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)
    return run(argv)


def dataclass_dict(video):
    return {"method": video.method, "video_id": video.video_id, "label": video.label,
            "paths": dict(video.paths)}


def _remove_temporaries(out):
    import tensorflow as tf

    for split in splits_lib.SPLITS:
        for path in tf.io.gfile.glob(_join(out, split, "*.tmp-*")):
            log.info("removing unfinished shard %s", path)
            tf.io.gfile.remove(path)


def build_manifest(out, specs, settings, found, skipped):
    import tensorflow as tf

    counts, shards, mismatches, skipped = {}, {}, [], list(skipped)
    for spec in specs:
        with tf.io.gfile.GFile(marker_path(out, spec)) as f:
            summary = json.load(f)
        entry = counts.setdefault(spec["split"], {}).setdefault(
            spec["name"],
            {"videos": 0, "examples": 0, "qualities": {q: 0 for q in settings["qualities"]}})
        entry["videos"] += summary["videos"]
        entry["examples"] += summary["examples"]
        for q in settings["qualities"]:
            entry["qualities"][q] += summary["examples"]
        shards.setdefault(spec["split"], {}).setdefault(spec["name"], []).append(summary["file"])
        skipped.extend(summary["skipped"])
        mismatches.extend(summary["mismatches"])
    totals = {split: sum(e["examples"] for e in per.values()) for split, per in counts.items()}
    n_frames = sum(1 for s in skipped if "#" in s["item"])
    return {
        "version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": settings,
        "found": found.found,
        "notes": found.problems,
        "counts": counts,
        "totals": totals,
        "shards": shards,
        "frame_count_mismatches": mismatches,
        "skipped_counts": {"frames": n_frames, "videos_or_files": len(skipped) - n_frames},
        "left_out": dict(collections.Counter(item["reason"] for item in found.skipped)),
        "skipped": skipped,
    }


if __name__ == "__main__":
    main()
