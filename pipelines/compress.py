"""Make c23 / c40 versions of raw (or c23) videos the way FaceForensics++ did: H.264 (libx264)
at CRF 23 / 40, same frame rate and frame count, with PyAV (no external ffmpeg). Every output
is written under a temporary name, its frame count verified by decoding, then renamed.

    # a FaceForensics++ tree: add c23 and c40 next to raw for originals and every method
    python -m pipelines.compress --ffpp-root DIR --from raw --to c23,c40
    # Celeb-DF v2, DFDC parts, real/ and fake/ folders: c40 from the files as they are (named
    # c23 by default), into the mirror tree {root}/c40/<same relative path> (pipelines.sets)
    python -m pipelines.compress --layout celebdf --root DIR [--from c23] --to c40
    # a folder of one's own videos
    python -m pipelines.compress --input DIR --output DIR --crf 40
"""

import argparse
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction

from add_tf import media
from add_tf.core import atomic
from pipelines import sets
from pipelines.prepare import SETS

log = logging.getLogger("pipelines.compress")
CRF = {"c23": 23, "c40": 40}


class CompressionError(RuntimeError):
    pass


def compress_video(src, dst, crf, preset="medium", pix_fmt="yuv420p"):
    """Re-encode `src` to `dst` with libx264 at `crf`; returns the verified frame count."""

    src, dst = str(src), str(dst)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with atomic.replacing(dst) as tmp:
        written = _reencode(src, tmp, crf, preset, pix_fmt)
        if written == 0:
            raise media.MediaError(src, "empty", "no decodable frames")
        count = media.count_decoded_frames(tmp)
        if count != written:
            raise CompressionError(f"{dst}: wrote {written} frames but the output decodes to "
                                   f"{count}")
    return count


def _reencode(src, dst, crf, preset, pix_fmt):
    """Decode `src` and encode every frame to `dst` with libx264; returns the frames written."""
    import av

    written = 0
    try:
        with av.open(src) as inp:
            if not inp.streams.video:
                raise media.MediaError(src, "not_media", "no video stream")
            in_stream = inp.streams.video[0]
            in_stream.thread_type = "AUTO"
            rate = in_stream.average_rate or in_stream.guessed_rate or Fraction(25)
            with av.open(dst, mode="w") as out:
                stream = out.add_stream("libx264", rate=rate)
                stream.width = in_stream.codec_context.width
                stream.height = in_stream.codec_context.height
                stream.pix_fmt = pix_fmt
                stream.options = {"crf": str(crf), "preset": preset}
                for frame in inp.decode(in_stream):
                    rgb = frame.to_ndarray(format="rgb24")
                    new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                    for packet in stream.encode(new):
                        out.mux(packet)
                    written += 1
                for packet in stream.encode():
                    out.mux(packet)
    except av.error.FFmpegError as error:
        raise media.MediaError(src, "corrupt",
                               f"compression failed after {written} frames: {error}") from None
    return written


def _job(args):
    src, dst, crf, preset, overwrite = args
    if os.path.exists(dst) and not overwrite:
        return src, dst, "exists", None
    try:
        return src, dst, "ok", compress_video(src, dst, crf, preset)
    except (media.MediaError, CompressionError) as error:
        return src, dst, "failed", str(error)


def plan_tree(ffpp_root, source_quality, targets, methods=None):
    from pipelines import layout

    jobs = []
    sources = [layout.ORIGINAL] + list(methods or layout.ALL_METHODS)
    for source in sources:
        src_dir = layout.source_dir(ffpp_root, source, source_quality)
        if not os.path.isdir(src_dir):
            continue
        for name in sorted(os.listdir(src_dir)):
            if not media.is_video(name):
                continue
            for quality, crf in targets:
                dst = os.path.join(layout.source_dir(ffpp_root, source, quality), name)
                jobs.append((os.path.join(src_dir, name), dst, crf))
    return jobs


def plan_layout(layout_name, root, source_quality, targets):
    """Jobs for the videos of a celebdf / dfdc / folders set (images are not compressed)."""
    module = SETS[layout_name]
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"--root {root} does not exist")
    same = [q for q, _ in targets if q == source_quality]
    if same:
        raise ValueError(f"target quality {same[0]} is the quality of the files as they are "
                         f"(--from {source_quality}); name them with --from, make others with --to")
    return [(os.path.join(root, rel), sets.quality_path(root, rel, quality, source_quality), crf)
            for rel in module.media_files(root) if media.is_video(rel) for quality, crf in targets]


def plan_folder(input_dir, output_dir, crf):
    jobs = []
    for dirpath, _, names in os.walk(input_dir):
        for name in sorted(names):
            if media.is_video(name):
                src = os.path.join(dirpath, name)
                jobs.append((src, os.path.join(output_dir, os.path.relpath(src, input_dir)), crf))
    return jobs


def run(argv=None):
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
                        help="CRF (folder mode; layout mode: per quality name)")
    parser.add_argument("--preset", default="medium",
                        help="x264 preset (FF++ used the default, medium)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.ffpp_root or args.layout:
        if bool(args.layout) != bool(args.root) or (args.layout and args.ffpp_root):
            parser.error(f"give --ffpp-root DIR, or --layout NAME --root DIR. Received: "
                         f"--ffpp-root {args.ffpp_root}, --layout {args.layout}, "
                         f"--root {args.root}")
        targets = []
        to = args.to or ("c40" if args.layout else "c23,c40")
        for quality in [q for q in to.split(",") if q]:
            if quality not in CRF and args.crf is None:
                parser.error(f"unknown target quality {quality!r}; known: {', '.join(CRF)} "
                             "(or give --crf)")
            targets.append((quality, args.crf if args.crf is not None else CRF[quality]))
    if args.layout:
        try:
            jobs = plan_layout(args.layout, args.root, args.source or sets.DEFAULT_QUALITY, targets)
        except (FileNotFoundError, ValueError) as error:
            parser.error(str(error))
    elif args.ffpp_root:
        methods = args.methods.split(",") if args.methods else None
        if methods:
            from pipelines import layout

            layout.validate_methods(methods)
        jobs = plan_tree(args.ffpp_root, args.source or "raw", targets, methods)
    elif args.input and args.output:
        jobs = plan_folder(args.input, args.output, 23 if args.crf is None else args.crf)
    else:
        parser.error("give --ffpp-root DIR, --layout NAME --root DIR, or --input DIR --output DIR")
    if not jobs:
        log.error("no videos found to compress")
        return {"ok": 0, "exists": 0, "failed": []}
    log.info("compressing %d videos with %d workers", len(jobs), args.workers)
    result = {"ok": 0, "exists": 0, "failed": []}
    work = [(s, d, c, args.preset, args.overwrite) for s, d, c in jobs]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            outcomes = pool.map(_job, work)
            result = _collect(outcomes, len(work), result)
    else:
        result = _collect(map(_job, work), len(work), result)
    log.info("done: %d written, %d already present, %d failed",
             result["ok"], result["exists"], len(result["failed"]))
    for src, message in result["failed"]:
        log.error("failed: %s: %s", src, message)
    return result


def _collect(outcomes, total, result):
    for i, (src, dst, status, info) in enumerate(outcomes, 1):
        if status == "failed":
            result["failed"].append((src, info))
        else:
            result[status] += 1
        log.info("[%d/%d] %s %s -> %s", i, total, status, src, dst)
    return result


if __name__ == "__main__":
    outcome = run()
    sys.exit(1 if outcome["failed"] else 0)
