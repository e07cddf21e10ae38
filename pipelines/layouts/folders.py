"""A user's own data: `real/` and `fake/` folders of videos or images (an image is a one-frame
item), subfolders allowed.

    {root}/real/clip.mp4  {root}/real/alice/0001.jpg  {root}/fake/clip_swapped.mp4  ...

Splits are generated 72/14/14 by the first name under real/ or fake/ (a subfolder or a file,
without its extension): the images of real/alice/ stay together, with fake/alice/ if it exists.
Other files are left out, named in the manifest. Files are read as they are, as quality
`quality` (see pipelines.layouts.sets for other qualities; only videos can be compressed).
"""

import os

from add_tf.core.names import ORIGINAL
from pipelines.layouts import sets
from pipelines.layouts.base import Layout, register
from pipelines.layouts.splits import SHARES

CLASSES = (("real", 0), ("fake", 1))
METHOD = "Fake"  # name of the fakes in the records (the reals are "original")


def group(relpath):
    """'real/alice/0001.jpg' -> 'alice'; 'fake/clip.mp4' -> 'clip'."""
    return os.path.splitext(relpath.split("/")[1])[0]


def media_files(root):
    """Paths (relative to root) of the videos and images under real/ and fake/: what
    pipelines.compress reads (it compresses the videos)."""
    return [rel for folder, _ in CLASSES
            for rel in sets.list_media(root, folder, images=True, recursive=True)[0]]


@register("folders", options=("quality",), media_files=media_files)
def discover(root, quality=sets.DEFAULT_QUALITY, qualities=None, seed=0):
    """Scan real/ and fake/; returns a Layout whose videos have their split."""
    root = sets.check_root(root, "Folders", "real/ and fake/")
    qualities = sets.choose_qualities(root, quality, qualities, "folders")
    problems, skipped, videos = [], [], []
    for folder, label in CLASSES:
        if not os.path.isdir(os.path.join(root, folder)):
            problems.append(f"folder {os.path.join(root, folder)} is missing: no "
                            f"{folder} items")
            continue
        media, others = sets.list_media(root, folder, images=True, recursive=True)
        skipped.extend({"item": rel, "reason": "not a video or an image"} for rel in others)
        videos.extend(sets.make_video(root, rel, METHOD if label else ORIGINAL, label,
                                      qualities, quality) for rel in media)
    if not videos:
        raise FileNotFoundError(f"No videos or images found under {root}: expected "
                                f"{os.path.join(root, 'real')} and {os.path.join(root, 'fake')}")
    sets.split_by_names(videos, lambda v: (group(v.video_id),), seed)
    found = sets.count_found(videos, lambda v: v.video_id.split("/")[0], qualities)
    methods = [METHOD] if any(v.label for v in videos) else []
    return Layout(root, methods, qualities, videos, found, problems, skipped,
                         kind="real/ and fake/ folders",
                         splits=f"generated {SHARES} split by first name under real/ and fake/ "
                                f"(seed {seed})")
