"""What the layouts of sets distributed already compressed (pipelines.layouts.celebdf, .dfdc,
.folders) share. The files as they are form one quality, named by the user (`--quality`, default
c23); other qualities, made by `pipelines.compress --layout ...`, live in mirror trees

    {root}/{quality}/<the file's path relative to root>

A video's id is its path relative to root (`Celeb-real/id0_0000.mp4`), the same in every quality.
"""

import os

from add_tf.core.names import QUALITIES
from add_tf.media.files import is_image, is_video
from pipelines.layouts import splits as splits_lib
from pipelines.layouts.base import Video

DEFAULT_QUALITY = "c23"


def quality_path(root, relpath, quality, base):
    """`relpath` at `quality`: the file itself for the base quality, else its mirror."""
    if quality == base:
        return os.path.join(root, relpath)
    return os.path.join(root, quality, relpath)


def check_root(root, kind, expected):
    root = os.path.abspath(str(root))
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{kind} root {root} does not exist (expected {expected} in it)")
    return root


def choose_qualities(root, base, qualities, layout_name):
    """Qualities to use, best first: those asked (each must exist), else the base and every
    mirror tree present."""
    unknown = [q for q in [base] + list(qualities or []) if q not in QUALITIES]
    if unknown:
        raise ValueError(f"Unknown quality {unknown}; valid: {', '.join(QUALITIES)}. "
                         f"Received: quality={base!r}, qualities={qualities}")
    present = [q for q in QUALITIES if q == base or os.path.isdir(os.path.join(root, q))]
    if qualities is None:
        return present
    missing = [q for q in qualities if q not in present]
    if missing:
        raise FileNotFoundError(
            f"Quality {', '.join(missing)} not found under {root}; qualities present: "
            f"{', '.join(present)}. Make it with `python -m pipelines.compress --layout "
            f"{layout_name} --root {root} --from {base} --to {','.join(missing)}`.")
    return [q for q in QUALITIES if q in qualities]


def list_media(root, folder, images=False, recursive=False):
    """(media, others): paths relative to root (with '/') of the videos (and images) in
    root/folder, sorted, and of the other files there (hidden files ignored)."""
    wanted = (lambda name: is_video(name) or is_image(name)) if images else is_video
    media, others = [], []
    top = os.path.join(root, folder)
    for dirpath, dirnames, names in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in sorted(names):
            if name.startswith("."):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            (media if wanted(name) else others).append(rel)
    return sorted(media), sorted(others)


def make_video(root, relpath, method, label, qualities, base):
    """A Video with the path of every quality whose file exists."""
    paths = {q: quality_path(root, relpath, q, base) for q in qualities}
    paths = {q: p for q, p in paths.items() if os.path.isfile(p)}
    return Video(method, relpath, label, paths)


def count_found(videos, source_of, qualities):
    """{source: {quality: number of videos with that quality}} (sources in order of appearance)."""
    found = {}
    for video in videos:
        per = found.setdefault(source_of(video), {q: 0 for q in qualities})
        for q in video.paths:
            per[q] += 1
    return found


def split_by_names(videos, names_of, seed=0, fractions=splits_lib.FRACTIONS):
    """Set `split` of each video from its names (identities, source video, ...): the names are
    dealt to splits by `splits.hash_split`; a video whose names land in different splits gets
    None. Returns the videos whose split is None."""
    names = sorted({name for video in videos for name in names_of(video)})
    split_of = {}
    for split, groups in splits_lib.hash_split([[name] for name in names], seed, fractions).items():
        for (name,) in groups:
            split_of[name] = split
    apart = []
    for video in videos:
        got = {split_of[name] for name in names_of(video)}
        video.split = got.pop() if len(got) == 1 else None
        if video.split is None:
            apart.append(video)
    return apart
