"""Make c23 / c40 versions of raw (or c23) videos the way FaceForensics++ did: H.264 (libx264)
at CRF 23 / 40, same frame rate and frame count, with PyAV (no external ffmpeg). Every output
is written under a temporary name, its frame count verified by decoding, then renamed.

Jobs (src, dst, crf) are planned for a FaceForensics++ tree (`plan_tree`), a registered layout
read as it is (`plan_layout`: c40 into the mirror tree {root}/c40/<same relative path>, see
pipelines.layouts.sets) or a folder (`plan_folder`), and run by `compress_all`.
"""

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction

from add_tf.core import atomic
from add_tf.core.errors import UsageError, WorkError
from add_tf.core.names import ORIGINAL
from add_tf.media.encoding import x264_options
from add_tf.media.files import MediaError, check_file, is_video
from add_tf.media.video import count_decoded_frames
from pipelines import layouts
from pipelines.layouts import ffpp, sets

log = logging.getLogger("pipelines.compress")
CRF = {"c23": 23, "c40": 40}
PRESET = "medium"  # x264's default preset, the one FaceForensics++ used


class CompressionError(WorkError):
    """An encode whose output does not decode to the frames written."""


def compress_video(src, dst, crf, preset=PRESET, pix_fmt="yuv420p"):
    """Re-encode `src` to `dst` with libx264 at `crf`; returns the verified frame count."""

    src, dst = str(src), str(dst)
    check_file(src)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with atomic.replacing(dst) as tmp:
        written = _reencode(src, tmp, crf, preset, pix_fmt)
        if written == 0:
            raise MediaError(src, "empty", "no decodable frames")
        count = count_decoded_frames(tmp)
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
                raise MediaError(src, "not_media", "no video stream")
            in_stream = inp.streams.video[0]
            in_stream.thread_type = "AUTO"
            rate = in_stream.average_rate or in_stream.guessed_rate or Fraction(25)
            with av.open(dst, mode="w") as out:
                stream = out.add_stream("libx264", rate=rate)
                stream.width = in_stream.codec_context.width
                stream.height = in_stream.codec_context.height
                stream.pix_fmt = pix_fmt
                stream.options = x264_options({"crf": str(crf), "preset": preset})
                for frame in inp.decode(in_stream):
                    rgb = frame.to_ndarray(format="rgb24")
                    new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                    for packet in stream.encode(new):
                        out.mux(packet)
                    written += 1
                for packet in stream.encode():
                    out.mux(packet)
    except av.error.FFmpegError as error:
        raise MediaError(src, "corrupt",
                         f"compression failed after {written} frames: {error}") from None
    return written


def _job(args):
    src, dst, crf, preset, overwrite = args
    if os.path.exists(dst) and not overwrite:
        return src, dst, "exists", None
    try:
        return src, dst, "ok", compress_video(src, dst, crf, preset)
    except (MediaError, CompressionError) as error:
        return src, dst, "failed", str(error)


def _refuse_source_quality(source_quality, targets, what):
    """UsageError when a target quality is `source_quality`: its jobs would write onto their
    sources."""
    same = [q for q, _ in targets if q == source_quality]
    if same:
        raise UsageError(f"target quality {same[0]} is {what} (--from {source_quality}); "
                         "name them with --from, make others with --to")


def plan_tree(ffpp_root, source_quality, targets, methods=None):
    """Jobs for the originals and `methods` (None: every method) of a FaceForensics++ tree."""
    _refuse_source_quality(source_quality, targets, "the quality of the videos read")
    if methods:
        ffpp.validate_methods(methods)
    jobs = []
    sources = [ORIGINAL] + list(methods or ffpp.ALL_METHODS)
    for source in sources:
        src_dir = ffpp.source_dir(ffpp_root, source, source_quality)
        names, _ = sets.list_media(src_dir, "")
        for name in names:
            for quality, crf in targets:
                dst = os.path.join(ffpp.source_dir(ffpp_root, source, quality), name)
                jobs.append((os.path.join(src_dir, name), dst, crf))
    return jobs


def plan_layout(layout_name, root, source_quality, targets):
    """Jobs for the videos of a celebdf / dfdc / folders set (images are not compressed)."""
    media_files = layouts.get(layout_name).media_files
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"--root {root} does not exist")
    _refuse_source_quality(source_quality, targets, "the quality of the files as they are")
    return [(os.path.join(root, rel), sets.quality_path(root, rel, quality, source_quality), crf)
            for rel in media_files(root) if is_video(rel) for quality, crf in targets]


def plan_folder(input_dir, output_dir, crf):
    """Jobs for the videos under `input_dir`, sorted by path, into the same paths under
    `output_dir` (hidden files and folders skipped)."""
    videos, _ = sets.list_media(input_dir, "", recursive=True)
    return [(os.path.join(input_dir, rel), os.path.join(output_dir, rel), crf) for rel in videos]


def compress_all(jobs, preset=PRESET, overwrite=False, workers=1):
    """Run the jobs [(src, dst, crf)] in `workers` processes, logging each one; returns
    {"ok": written, "exists": already present (kept unless overwrite), "failed": [(src, error)]}
    (each error names its file)."""
    log.info("compressing %d videos with %d workers", len(jobs), workers)
    result = {"ok": 0, "exists": 0, "failed": []}
    work = [(s, d, c, preset, overwrite) for s, d, c in jobs]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            outcomes = pool.map(_job, work)
            result = _collect(outcomes, len(work), result)
    else:
        result = _collect(map(_job, work), len(work), result)
    log.info("done: %d written, %d already present, %d failed",
             result["ok"], result["exists"], len(result["failed"]))
    for _, message in result["failed"]:
        log.error("failed: %s", message)
    return result


def _collect(outcomes, total, result):
    for i, (src, dst, status, info) in enumerate(outcomes, 1):
        if status == "failed":
            result["failed"].append((src, info))
        else:
            result[status] += 1
        log.info("[%d/%d] %s %s -> %s", i, total, status, src, dst)
    return result
