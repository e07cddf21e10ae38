"""Celeb-DF v2 as distributed: which videos exist, their labels and splits.

    Celeb-real/id0_0000.mp4          real, identity id0
    YouTube-real/00000.mp4           real, no identity
    Celeb-synthesis/id0_id1_0000.mp4 fake: video of target id0 with the face of source id1
    List_of_testing_videos.txt       lines `<1 = real | 0 = fake> <path relative to root>`

The test list is the test split (the official protocol; its identities also appear in the
rest). The rest goes to train / val by identity, 72:14: identities are dealt to splits, a real
video follows its identity and a fake its target and source when both are in one split (a fake
whose two identities fall apart is left out, named in the manifest). Without the list, the same
identity split cuts 72/14/14. Videos are read as they are, as quality `quality` (see
pipelines.layouts.sets for other qualities).
"""

import os
import re

from add_tf.core.names import ORIGINAL
from pipelines.layouts import sets
from pipelines.layouts import splits as splits_lib
from pipelines.layouts.base import Layout, register

REAL_FOLDERS = ("Celeb-real", "YouTube-real")
FAKE_FOLDER = "Celeb-synthesis"
TEST_LIST = "List_of_testing_videos.txt"
METHOD = "CelebDF"  # name of the fakes in the records (the reals are "original")
NAME = re.compile(r"^(id\d+)_(?:(id\d+)_)?\d+$")  # id0_0000 (real), id0_id1_0000 (fake)


def identities(relpath):
    """Names that keep a video's split: ('id0',) real, ('id0', 'id1') fake, else its path."""
    match = NAME.match(os.path.splitext(os.path.basename(relpath))[0])
    if relpath.startswith(REAL_FOLDERS[1] + "/") or not match:
        return (relpath,)
    return tuple(name for name in match.groups() if name)


def read_test_list(root, problems):
    """{relative path: label (1 = fake)} from List_of_testing_videos.txt (1 = real there), or
    None when the file is absent; malformed lines become notes in `problems`."""
    path = os.path.join(root, TEST_LIST)
    if not os.path.isfile(path):
        return None
    listed = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or fields[0] not in ("0", "1"):
                problems.append(
                    f"{TEST_LIST} line {number} is not `<1|0> <path>`: {line.strip()!r}")
                continue
            listed[fields[1]] = 1 - int(fields[0])
    return listed


def media_files(root):
    """Paths (relative to root) of the videos of the three folders (what compress reads)."""
    return [rel for folder in REAL_FOLDERS + (FAKE_FOLDER,)
            for rel in sets.list_media(root, folder)[0]]


@register("celebdf", options=("quality",), media_files=media_files)
def discover(root, quality=sets.DEFAULT_QUALITY, qualities=None, seed=0):
    """Scan a Celeb-DF v2 root; returns a Layout whose videos have their split."""
    root = sets.check_root(root, "Celeb-DF", f"{', '.join(REAL_FOLDERS)}, {FAKE_FOLDER}")
    qualities = sets.choose_qualities(root, quality, qualities, "celebdf")
    problems = [f"folder {os.path.join(root, folder)} is missing"
                for folder in REAL_FOLDERS + (FAKE_FOLDER,)
                if not os.path.isdir(os.path.join(root, folder))]
    skipped, videos = [], []
    for relpath in media_files(root):
        label = int(relpath.startswith(FAKE_FOLDER + "/"))
        videos.append(sets.make_video(root, relpath, METHOD if label else ORIGINAL, label,
                                      qualities, quality))
    if not videos:
        raise FileNotFoundError(f"No videos found under {root}: expected "
                                f"{', '.join(REAL_FOLDERS + (FAKE_FOLDER,))} with .mp4 files")
    found = sets.count_found(videos, lambda v: v.video_id.split("/")[0], qualities)
    test = read_test_list(root, problems)
    rest = videos
    if test is None:
        problems.append(f"{TEST_LIST} not found: a generated test split is used")
        fractions = splits_lib.FRACTIONS
        desc = f"generated {splits_lib.SHARES} split by identity (seed {seed})"
    else:
        present = {v.video_id: v for v in videos}
        for relpath, label in sorted(test.items()):
            if relpath not in present:
                skipped.append({"item": relpath, "reason": f"listed in {TEST_LIST} but absent"})
            elif present[relpath].label != label:
                problems.append(f"{TEST_LIST} labels {relpath} {'fake' if label else 'real'}; "
                                f"its folder says otherwise (the folder is used)")
        for video in videos:
            if video.video_id in test:
                video.split = "test"
        rest = [v for v in videos if v.split is None]
        fractions = splits_lib.FRACTIONS[:2] + (0,)
        desc = (f"official test list ({TEST_LIST}); the rest 72:14 train/val by identity "
                f"(seed {seed})")
    apart = sets.split_by_names(rest, lambda v: identities(v.video_id), seed, fractions)
    skipped.extend({"item": video.video_id,
                    "reason": "fake whose target and source identities are in different splits"}
                   for video in apart)
    videos = [v for v in videos if v.split is not None]
    methods = [METHOD] if any(v.label for v in videos) else []
    return Layout(root, methods, qualities, videos, found, problems, skipped,
                         kind="Celeb-DF v2 tree", splits=desc)
