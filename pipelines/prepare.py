"""Face videos (or images) -> paired face-crop TFRecords, as an Apache Beam pipeline.

    python -m pipelines.prepare --layout {ffpp,celebdf,dfdc,folders} --root DIR --out DIR
        [--qualities raw,c23,c40] [--frames 64] [--size 128] [--detector mtcnn|full-frame]
        [--overwrite] [--runner DirectRunner|DaskRunner|...] [Beam pipeline options]
    FaceForensics++: --ffpp-root DIR (= --layout ffpp --root DIR) [--methods Deepfakes,...]
        [--splits DIR]
    Celeb-DF v2, DFDC, folders: [--quality c23] names the quality of the files as they are

Layouts and splits: pipelines.layouts (ffpp, celebdf, dfdc, folders: real/ and fake/ folders
of videos or images); qualities made by pipelines.compress are used too.

Per video: `--frames` indices spread evenly over the best quality present (raw > c23 > c40);
the largest face is detected there (MTCNN on a downscaled frame); one square box per frame,
`--box-scale` x the face, cuts the same frame index of every quality (mapped by time when a
quality's frame count differs); crops are resized to `--size` and stored as PNG (lossless).
These choices, the crop recipe (add_tf.media.crop_recipe), go into the manifest, and from there
into every model trained on the records: `detect` and `gradcam` cut faces as they say. An
image is a one-frame video. One tf.train.Example per face holds every quality (keys:
add_tf.data.schema).

Output: {out}/{split}/{name}-00000-of-000NN.tfrecord with name "original" (the reals, written
once, shared by every FF++ method) or the name of the fakes (the FF++ method folder, "CelebDF",
"DFDC", "Fake"), and {out}/manifest.json (counts per split, name and quality, settings with the
set's name (`--name`, default the basename of --out), every skipped file, video or frame with
its reason). A progress bar (videos done / total, rate, ETA) goes to stderr; Beam logs only
warnings unless --beam-log-level says otherwise.

Runs on Beam's local DirectRunner with one worker process per core by default. On a
dask.distributed cluster: --runner DaskRunner --dask_client_address tcp://HOST:PORT (pip install
-e '.[dask]'; docs/cluster.md), one dask task per shard. Dataflow, Flink,
Spark and Beam's other runners by name (DataflowRunner, FlinkRunner, SparkRunner, PortableRunner,
...: pipelines.preparation.job.RUNNERS) or by a runner class's full path, with their options
(--project, ...). Every runner writes the same bytes. Each shard is written under a temporary
name and renamed when complete, with a done marker in {out}/.state: a rerun after a crash only
redoes the unfinished shards.
"""

import argparse
import logging
import os

from add_tf.core import atomic, console, errors
from add_tf.core.config import MIN_IMAGE_SIZE
from add_tf.core.names import QUALITIES
from add_tf.media import faces
from add_tf.media.crop_recipe import CropRecipe
from pipelines import layouts
from pipelines.layouts import ffpp, sets
from pipelines.preparation import job, shards


def _at_least(smallest):
    """An argparse type: an integer of at least `smallest`."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, received {text!r}") from None
        if value < smallest:
            raise argparse.ArgumentTypeError(f"must be at least {smallest}, received {value}")
        return value
    return parse


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m pipelines.prepare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layout", choices=layouts.names(), default="ffpp",
                        help="how --root is organised (default: ffpp)")
    parser.add_argument("--root", help="the data set's folder")
    parser.add_argument("--ffpp-root", help="FaceForensics++ tree: --layout ffpp --root DIR")
    parser.add_argument("--out", required=True)
    parser.add_argument("--name", help="the set's name in the manifest, used by add_tf.evaluate "
                        "(default: the basename of --out)")
    parser.add_argument("--methods", default=None,
                        help=f"ffpp: comma-separated, from {', '.join(ffpp.ALL_METHODS)} "
                             "(default: all present)")
    parser.add_argument("--quality", choices=QUALITIES, default=None,
                        help=f"celebdf, dfdc, folders: the quality of the files as they are "
                             f"(default: {sets.DEFAULT_QUALITY}); other qualities are read from "
                             "{root}/{quality}/ (pipelines.compress --layout)")
    parser.add_argument("--qualities", default=None,
                        help="e.g. raw,c23,c40 (default: ffpp those of the originals, else all "
                             "present)")
    parser.add_argument("--frames", type=_at_least(1), default=job.FRAMES)
    parser.add_argument("--size", type=_at_least(MIN_IMAGE_SIZE), default=CropRecipe.size)
    parser.add_argument("--splits", default=None,
                        help="ffpp: folder with train/val/test.json (default: {root}/splits if "
                             "present, else a generated 720/140/140-shaped split)")
    parser.add_argument("--split-seed", type=_at_least(0), default=0)
    parser.add_argument("--detector", default=CropRecipe.detector, choices=list(faces.DETECTORS),
                        help="full-frame: the frames are already face crops (e.g. the demo data)")
    parser.add_argument("--box-scale", type=float, default=CropRecipe.box_scale,
                        help="side of the square cut around a face, x the face box's larger side")
    parser.add_argument("--min-face-size", type=_at_least(1), default=CropRecipe.min_face_size,
                        help="smallest face in original pixels (FF++ faces are larger; lower it "
                             "for sources with small faces, at some speed)")
    parser.add_argument("--detect-max-side", type=_at_least(1),
                        default=CropRecipe.detect_max_side,
                        help="MTCNN runs on the frame downscaled to this longer side; boxes are "
                             "mapped back")
    parser.add_argument("--full-frame-every", type=_at_least(1),
                        default=CropRecipe.full_frame_every,
                        help="search the whole frame for the largest face every N sampled frames "
                             "of a video (and whenever the face is lost); in between, only around "
                             "the previous sample's face (faster). 1: always the whole frame")
    parser.add_argument("--examples-per-shard", type=_at_least(1),
                        default=shards.EXAMPLES_PER_SHARD)
    parser.add_argument("--overwrite", action="store_true",
                        help="discard a previous preparation in --out")
    parser.add_argument("--beam-log-level", default="WARNING",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="logging of Beam and of its workers (default: WARNING)")
    errors.add_debug_argument(parser)
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
    given = {"--methods": args.methods, "--splits": args.splits, "--quality": args.quality}
    options = layouts.get(args.layout).options
    wrong = [flag for flag, value in given.items() if value and flag[2:] not in options]
    if wrong:
        parser.error(f"{', '.join(wrong)} does not apply to --layout {args.layout} "
                     f"({_applies(given)})")


def _applies(flags):
    """Which layouts take each of `flags`: '--methods, --splits: ffpp only; --quality: ...'."""
    takers = {}
    for flag in flags:
        names = tuple(n for n in layouts.names() if flag[2:] in layouts.get(n).options)
        takers.setdefault(names, []).append(flag)
    return "; ".join(f"{', '.join(group)}: " + (f"{names[0]} only" if len(names) == 1
                                                 else ", ".join(names))
                     for names, group in takers.items())


def discover(args):
    """The layouts.Layout of --root, every video with its split (None: in no split)."""
    entry = layouts.get(args.layout)
    given = {"quality": args.quality, "splits": args.splits,
             "methods": args.methods.split(",") if args.methods else None}
    options = {name: given[name] for name in entry.options if given[name] is not None}
    qualities = args.qualities.split(",") if args.qualities else None
    return entry.discover(args.root, qualities=qualities, seed=args.split_seed, **options)


def run(argv=None):
    """Prepare records; returns the manifest dict. argv: our flags plus any Beam options."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    _check_args(parser, args)
    job.split_runner(beam_args)  # an unknown --runner is refused before the data set is read
    recipe = CropRecipe(detector=args.detector, box_scale=args.box_scale, size=args.size,
                        min_face_size=args.min_face_size, detect_max_side=args.detect_max_side,
                        full_frame_every=args.full_frame_every)  # and a bad --box-scale
    atomic.require_writable_dir(args.out, "--out")
    found = discover(args)
    out = args.out.rstrip("/")
    settings = job.make_settings(found, args.name or os.path.basename(out), args.layout,
                                 frames=args.frames, **recipe.to_dict())
    return job.prepare(found, out, settings, args.examples_per_shard, args.overwrite, beam_args,
                       args.beam_log_level)


@errors.command
def main(argv=None):
    """The command line: our messages at INFO on stderr (Beam's import configures logging at
    WARNING before ours could)."""
    console.quiet()
    logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)
    return run(argv)


if __name__ == "__main__":
    main()
