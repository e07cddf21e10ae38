"""FaceForensics++ directory layout: which sources, methods, qualities and videos exist, and
their splits (pipelines.layouts.splits).

    original_sequences/youtube/{raw,c23,c40}/videos/000.mp4
    manipulated_sequences/<Method>/{raw,c23,c40}/videos/<target>_<source>.mp4
    (DeepFakeDetection: original_sequences/actors/... and
     manipulated_sequences/DeepFakeDetection/...)
"""

import os

from add_tf.core.errors import UsageError
from add_tf.core.names import DEMO_METHOD, FFPP_METHODS, ORIGINAL, QUALITIES
from add_tf.media.files import VIDEO_EXTENSIONS
from pipelines.layouts import splits as splits_lib
from pipelines.layouts.base import Layout, Video, register

OPTIONAL_METHODS = ("DeepFakeDetection",)
ALL_METHODS = FFPP_METHODS + OPTIONAL_METHODS + (DEMO_METHOD,)


def source_dir(root, method, quality):
    """Folder holding the videos of `method` ("original" or a method folder) at `quality`."""
    if method == ORIGINAL:
        return os.path.join(root, "original_sequences", "youtube", quality, "videos")
    if method == "actors":
        return os.path.join(root, "original_sequences", "actors", quality, "videos")
    return os.path.join(root, "manipulated_sequences", method, quality, "videos")


def validate_methods(methods):
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise UsageError(f"Unknown method(s) {', '.join(map(repr, unknown))}. Valid: "
                         f"{', '.join(ALL_METHODS)}")
    return list(methods)


def _list_videos(folder):
    if not os.path.isdir(folder):
        return {}
    out = {}
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext.lower() in VIDEO_EXTENSIONS and not name.startswith("."):
            out[stem] = os.path.join(folder, name)
    return out


def present_qualities(root, method):
    return [q for q in QUALITIES if os.path.isdir(source_dir(root, method, q))]


def _used_methods(root, methods, problems):
    """Method folders to read: those asked (None: every one present but DeepFakeDetection) that
    exist; a missing one is a note in `problems`."""
    manip_root = os.path.join(root, "manipulated_sequences")
    present_methods = sorted(os.listdir(manip_root)) if os.path.isdir(manip_root) else []
    if methods is None:
        methods = [m for m in ALL_METHODS if m in present_methods and m not in OPTIONAL_METHODS]
    used_methods = []
    for method in methods:
        if method in present_methods:
            used_methods.append(method)
        else:
            problems.append(
                f"method folder {os.path.join(manip_root, method)} is missing; {method} skipped "
                f"(present: {', '.join(present_methods) or 'none'})"
            )
    return used_methods


def _used_qualities(root, available, qualities):
    """Qualities to read, best first: those asked (each must exist somewhere), else those of the
    originals (else of anything). available: {source: qualities present}."""
    anywhere = [q for q in QUALITIES if any(q in v for v in available.values())]
    if not anywhere:
        raise FileNotFoundError(
            f"No videos found under {root}: expected e.g. "
            f"{source_dir(root, ORIGINAL, 'c23')} (qualities {', '.join(QUALITIES)})"
        )
    if qualities is None:
        qualities = available[ORIGINAL] or anywhere
    else:
        bad = [q for q in qualities if q not in QUALITIES]
        if bad:
            raise ValueError(f"Unknown quality {bad}; valid: {', '.join(QUALITIES)}")
        missing = [q for q in qualities if q not in anywhere]
        if missing:
            raise FileNotFoundError(
                f"Quality {', '.join(missing)} not found under {root}; qualities present: "
                f"{', '.join(anywhere)}. Make it with `python -m pipelines.compress`."
            )
    return [q for q in QUALITIES if q in qualities]


def scan(root, methods=None, qualities=None):
    """Scan `root` (no splits). methods None = every method folder present (DeepFakeDetection
    included only when asked). qualities None = qualities present for the originals (else for
    anything). A requested quality that exists nowhere is an error naming what exists; a method
    folder that is missing is a note, and videos lacking a used quality keep only what they have
    (the pipeline skips them with the reason)."""
    if methods is not None:
        validate_methods(methods)
    root = os.path.abspath(str(root))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"FaceForensics++ root {root} does not exist")
    problems = []
    used_methods = _used_methods(root, methods, problems)
    actors = ["actors"] if "DeepFakeDetection" in used_methods else []
    sources = [ORIGINAL] + actors + used_methods
    available = {s: present_qualities(root, s) for s in sources}
    qualities = _used_qualities(root, available, qualities)
    videos, found = [], {}
    for source in sources:
        per_quality = {q: _list_videos(source_dir(root, source, q)) for q in qualities}
        found[source] = {q: len(v) for q, v in per_quality.items()
                         if os.path.isdir(source_dir(root, source, q))}
        for q in qualities:
            if not os.path.isdir(source_dir(root, source, q)):
                problems.append(f"quality folder {source_dir(root, source, q)} is missing")
        ids = sorted(set().union(*[set(v) for v in per_quality.values()]))
        method = ORIGINAL if source in (ORIGINAL, "actors") else source
        for vid in ids:
            paths = {q: per_quality[q][vid] for q in qualities if vid in per_quality[q]}
            videos.append(Video(method, vid, int(method != ORIGINAL), paths))
    return Layout(root, used_methods, qualities, videos, found, problems)


@register("ffpp", options=("methods", "splits"))
def discover(root, qualities=None, seed=0, methods=None, splits=None):
    """`scan` of `root`, every video with its split (None: in no split). splits: folder with
    train/val/test.json (None: {root}/splits if present, else a generated split of `seed`)."""
    found = scan(root, methods, qualities)
    if splits is None and os.path.isfile(os.path.join(found.root, "splits", "train.json")):
        splits = os.path.join(found.root, "splits")
    mapping, found.splits = splits_lib.resolve([v.video_id for v in found.videos], splits, seed)
    for video in found.videos:
        video.split = splits_lib.assign(video.video_id, mapping)
    return found
