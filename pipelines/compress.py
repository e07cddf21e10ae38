"""Make c23 / c40 versions of raw (or c23) videos the way FaceForensics++ did: H.264 (libx264)
at CRF 23 / 40, same frame rate and frame count, with PyAV (no external ffmpeg). Every output
is written under a temporary name, its frame count verified by decoding, then renamed.

    # a FaceForensics++ tree: add c23 and c40 next to raw for originals and every method
    python -m pipelines.compress --ffpp-root DIR --from raw --to c23,c40
    # Celeb-DF v2, DFDC parts, real/ and fake/ folders: c40 from the files as they are (named
    # c23 by default), into the mirror tree {root}/c40/<same relative path> (pipelines.layouts.sets)
    python -m pipelines.compress --layout celebdf --root DIR [--from c23] --to c40
    # a folder of one's own videos
    python -m pipelines.compress --input DIR --output DIR --crf 40
"""

import argparse
import logging
import os

from add_tf.core import atomic, console, errors
from add_tf.core.names import QUALITIES
from pipelines import layouts
from pipelines.layouts import sets
from pipelines.preparation import compression

CRF_FOLDER = compression.CRF["c23"]  # folder mode without --crf

log = logging.getLogger("pipelines.compress")
SETS = tuple(name for name in layouts.names() if layouts.get(name).media_files)  # --layout


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m pipelines.compress", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ffpp-root", help="FaceForensics++ tree (layout mode)")
    parser.add_argument("--layout", choices=sorted(SETS),
                        help="a set read as it is (layout mode, with --root)")
    parser.add_argument("--root", help="the set's folder (with --layout)")
    parser.add_argument("--from", dest="source", default=None,
                        help="source quality (layout mode; default raw for --ffpp-root, else c23: "
                             "the name of the files as they are)")
    parser.add_argument("--to", default=None,
                        help="target qualities (layout mode; default c23,c40 for --ffpp-root, "
                             "else c40)")
    parser.add_argument("--methods", default=None,
                        help="comma-separated method folders (default: all present)")
    parser.add_argument("--input", help="folder of videos (folder mode)")
    parser.add_argument("--output", help="output folder (folder mode)")
    parser.add_argument("--crf", type=int, default=None,
                        help=f"CRF (folder mode, default {CRF_FOLDER}; layout mode: per "
                             f"quality name, {compression.CRF})")
    parser.add_argument("--preset", default=compression.PRESET,
                        help=f"x264 preset (default {compression.PRESET}, as FF++)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--overwrite", action="store_true")
    errors.add_debug_argument(parser)
    return parser


def _targets(parser, args):
    """[(quality, crf)] of layout mode (--to, --crf); --ffpp-root and --layout checked."""
    if bool(args.layout) != bool(args.root) or (args.layout and args.ffpp_root):
        parser.error(f"give --ffpp-root DIR, or --layout NAME --root DIR. Received: "
                     f"--ffpp-root {args.ffpp_root}, --layout {args.layout}, "
                     f"--root {args.root}")
    targets, crf = [], compression.CRF
    to = args.to or ("c40" if args.layout else "c23,c40")
    for quality in [q for q in to.split(",") if q]:
        if quality not in crf and args.crf is None:
            parser.error(f"unknown target quality {quality!r}; known: {', '.join(crf)} "
                         "(or give --crf)")
        targets.append((quality, args.crf if args.crf is not None else crf[quality]))
    return targets


def _jobs(parser, args):
    """[(src, dst, crf)] of the mode the flags choose."""
    if args.layout:
        try:
            return compression.plan_layout(args.layout, args.root,
                                           args.source or sets.DEFAULT_QUALITY,
                                           _targets(parser, args))
        except (FileNotFoundError, errors.UsageError) as error:
            parser.error(str(error))
    if args.ffpp_root:
        methods = args.methods.split(",") if args.methods else None
        return compression.plan_tree(args.ffpp_root, args.source or QUALITIES[0],
                                     _targets(parser, args), methods)
    if args.input and args.output:
        return compression.plan_folder(args.input, args.output,
                                       CRF_FOLDER if args.crf is None else args.crf)
    parser.error("give --ffpp-root DIR, --layout NAME --root DIR, or --input DIR --output DIR")


@errors.command
def main(argv=None):
    """The command line; exit status 1 when a video failed."""
    console.quiet()
    outcome = run(argv)
    if outcome["failed"]:
        raise SystemExit(1)
    return outcome


def run(argv=None):
    """Compress; returns {"ok", "exists", "failed": [(src, error)]}."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.output:
        atomic.require_writable_dir(args.output, "--output")
    jobs = _jobs(parser, args)
    if not jobs:
        log.error("no videos found to compress")
        return {"ok": 0, "exists": 0, "failed": []}
    return compression.compress_all(jobs, args.preset, args.overwrite, args.workers)


if __name__ == "__main__":
    main()
