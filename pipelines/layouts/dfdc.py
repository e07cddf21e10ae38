"""DFDC (Deepfake Detection Challenge) training parts as distributed: videos, labels, splits.

    {root}/dfdc_train_part_N/metadata.json   {"abc.mp4": {"label": "REAL" | "FAKE",
                                                           "original": "xyz.mp4" | null}, ...}
    {root}/dfdc_train_part_N/abc.mp4

`root` is a folder of parts (every subfolder holding a metadata.json) or one part. Splits are
generated 72/14/14 by original video: a real video and every fake made from it land in the same
split, even across parts. Files listed but absent, files present but not listed (no label) and
entries with another label are left out, named and counted in the manifest. Videos are read as
they are, as quality `quality` (see pipelines.layouts.sets for other qualities).
"""

import json
import os

from add_tf.core.names import ORIGINAL
from pipelines.layouts import sets
from pipelines.layouts.base import Layout, register
from pipelines.layouts.splits import SHARES

METADATA = "metadata.json"
METHOD = "DFDC"  # name of the fakes in the records (the reals are "original")
LABELS = {"REAL": 0, "FAKE": 1}


def parts(root):
    """Folders (relative to root, "" = root itself) whose metadata.json describes videos."""
    if os.path.isfile(os.path.join(root, METADATA)):
        return [""]
    return sorted(d for d in os.listdir(root)
                  if not d.startswith(".") and os.path.isfile(os.path.join(root, d, METADATA)))


def media_files(root):
    """Paths (relative to root) of the videos in every part: what pipelines.compress reads."""
    return [rel for part in parts(root) for rel in sets.list_media(root, part)[0]]


@register("dfdc", options=("quality",), media_files=media_files)
def discover(root, quality=sets.DEFAULT_QUALITY, qualities=None, seed=0):
    """Scan DFDC parts; returns a Layout whose videos have their split."""
    root = sets.check_root(root, "DFDC", f"dfdc_train_part_N/{METADATA}")
    qualities = sets.choose_qualities(root, quality, qualities, "dfdc")
    found_parts = parts(root)
    if not found_parts:
        raise FileNotFoundError(f"No {METADATA} in {root} nor in its subfolders: expected "
                                f"{os.path.join(root, 'dfdc_train_part_0', METADATA)}")
    problems, skipped, videos, original_of = [], [], [], {}
    for part in found_parts:
        meta_path = os.path.join(root, part, METADATA)
        try:
            with open(meta_path) as f:
                metadata = json.load(f)
        except (OSError, ValueError) as error:
            problems.append(f"{meta_path} is unreadable ({error}); part {part or root} skipped")
            continue
        present = set(sets.list_media(root, part)[0])
        for name, entry in sorted(metadata.items()):
            relpath = f"{part}/{name}" if part else name
            entry = entry if isinstance(entry, dict) else {}
            label = LABELS.get(entry.get("label"))
            if relpath not in present:
                skipped.append({"item": relpath, "reason": f"listed in {METADATA} but absent"})
            elif label is None:
                skipped.append({"item": relpath, "reason": f"label not REAL or FAKE in {METADATA}"})
            else:
                video = sets.make_video(root, relpath, METHOD if label else ORIGINAL,
                                        label, qualities, quality)
                videos.append(video)
                original_of[video.key] = (label and entry.get("original")) or name
            present.discard(relpath)
        skipped.extend({"item": relpath,
                        "reason": f"present but not listed in {METADATA} (no label)"}
                       for relpath in sorted(present))
    if not videos:
        raise FileNotFoundError(f"No labelled video found under {root} (parts: "
                                f"{', '.join(p or '.' for p in found_parts)})")
    videos.sort(key=lambda v: (v.label, v.video_id))
    sets.split_by_names(videos, lambda v: (original_of[v.key],), seed)
    found = sets.count_found(videos, lambda v: v.video_id.rpartition("/")[0] or ".", qualities)
    methods = [METHOD] if any(v.label for v in videos) else []
    return Layout(root, methods, qualities, videos, found, problems, skipped,
                         kind="DFDC parts",
                         splits=f"generated {SHARES} split by original video (seed {seed})")
