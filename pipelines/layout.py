"""FaceForensics++ directory layout: which sources, methods, qualities and videos exist; the
Video and Layout records every layout (pipelines.celebdf, .dfdc, .folders) returns.

    original_sequences/youtube/{raw,c23,c40}/videos/000.mp4
    manipulated_sequences/<Method>/{raw,c23,c40}/videos/<target>_<source>.mp4
    (DeepFakeDetection: original_sequences/actors/... and
     manipulated_sequences/DeepFakeDetection/...)
"""

import collections
import dataclasses
import os

from add_tf.core.names import QUALITIES  # noqa: F401  (used as layout.QUALITIES)
from add_tf.media import VIDEO_EXTENSIONS

METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter")
OPTIONAL_METHODS = ("DeepFakeDetection",)
DEMO_METHOD = "Demo"
ALL_METHODS = METHODS + OPTIONAL_METHODS + (DEMO_METHOD,)
ORIGINAL = "original"


def source_dir(root, method, quality):
    """Folder holding the videos of `method` ("original" or a method folder) at `quality`."""
    if method == ORIGINAL:
        return os.path.join(root, "original_sequences", "youtube", quality, "videos")
    if method == "actors":
        return os.path.join(root, "original_sequences", "actors", quality, "videos")
    return os.path.join(root, "manipulated_sequences", method, quality, "videos")


@dataclasses.dataclass
class Video:
    method: str  # "original" or the method folder
    video_id: str  # "000" or "000_003"
    label: int  # 1 = fake
    paths: dict  # quality -> path (only qualities whose file exists)
    split: str = None  # train / val / test once assigned; None = in no split

    @property
    def key(self):
        return f"{self.method}/{self.video_id}"


@dataclasses.dataclass
class Layout:
    root: str
    methods: list  # names of the fake sources used ("original" holds the reals)
    qualities: list  # qualities used (best first)
    videos: list  # list[Video]: originals first, then each method
    found: dict  # source folder -> {quality: number of videos}
    problems: list  # human-readable notes (missing folders, ...)
    skipped: list = dataclasses.field(default_factory=list)  # [{"item", "reason"}] left out
    kind: str = "FaceForensics++ tree"
    splits: str = ""  # how the videos were assigned to splits

    def summary(self):
        lines = [f"{self.kind} at {self.root}"]
        for source, per_quality in self.found.items():
            counts = ", ".join(f"{q}: {n}" for q, n in per_quality.items()) or "nothing"
            lines.append(f"  {source:18s} {counts}")
        lines.append(f"  qualities used: {', '.join(self.qualities)}")
        if self.splits:
            lines.append(f"  splits: {self.splits}")
        reasons = collections.Counter(item["reason"] for item in self.skipped)
        lines.extend(f"  left out: {n} {reason}" for reason, n in sorted(reasons.items()))
        lines.extend(f"  note: {p}" for p in self.problems)
        return "\n".join(lines)


def validate_methods(methods):
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise ValueError(
            f"Unknown method(s) {', '.join(map(repr, unknown))}. Valid: {', '.join(ALL_METHODS)}"
        )
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


def discover(root, methods=None, qualities=None):
    """Scan `root`. methods None = every method folder present (DeepFakeDetection included
    only when asked). qualities None = qualities present for the originals (else for anything).
    A requested quality that exists nowhere is an error naming what exists; a method folder
    that is missing is a note, and videos lacking a used quality keep only what they have
    (the pipeline skips them with the reason)."""
    root = os.path.abspath(str(root))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"FaceForensics++ root {root} does not exist")
    problems = []
    manip_root = os.path.join(root, "manipulated_sequences")
    present_methods = sorted(os.listdir(manip_root)) if os.path.isdir(manip_root) else []
    if methods is None:
        methods = [m for m in ALL_METHODS if m in present_methods and m != "DeepFakeDetection"]
    else:
        validate_methods(methods)
    used_methods = []
    for method in methods:
        if method in present_methods:
            used_methods.append(method)
        else:
            problems.append(
                f"method folder {os.path.join(manip_root, method)} is missing; {method} skipped "
                f"(present: {', '.join(present_methods) or 'none'})"
            )
    actors = ["actors"] if "DeepFakeDetection" in used_methods else []
    sources = [ORIGINAL] + actors + used_methods
    available = {s: present_qualities(root, s) for s in sources}
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
    qualities = [q for q in QUALITIES if q in qualities]
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
