"""One video (or image) -> face-crop examples of every quality.

`--frames` indices spread evenly over the best quality present; the largest face is detected
there; one square box per frame (the crop recipe's, add_tf.media.crop_recipe) cuts the same
frame index of every quality (mapped by time when a quality's frame count differs); crops are
resized by the recipe and stored as PNG. An image is a one-frame video.
"""

import math

from add_tf.data import schema
from add_tf.media.crop_recipe import CropRecipe
from add_tf.media.files import MediaError, is_image
from add_tf.media.images import read_image
from add_tf.media.video import even_frame_indices, iter_video_frames, video_frame_count, video_info


def _frame_map(index, fps_ref, fps_q, same_count):
    if same_count or not fps_ref or not fps_q:
        return index
    return int(math.floor(index * fps_q / fps_ref + 0.5))


def _media_info(path):
    """{"frames", "fps", ...} of a video; an image is one frame (fps 0). Raises MediaError."""
    if is_image(path):
        read_image(path)
        return {"frames": 1, "fps": 0.0}
    info = video_info(path)
    if info["frames"] <= 0:
        info["frames"] = video_frame_count(path, exact=True)
    return info


def _iter_frames(path, indices):
    """(index, RGB uint8) for the requested indices: iter_video_frames, or the image."""
    if not is_image(path):
        yield from iter_video_frames(path, indices)
    elif 0 in indices:
        yield 0, read_image(path)


class _Frames:
    """The sampled frames of every quality, read in step: `at(n)` -> ({quality: frame of the
    n-th sample}, reason of each quality lost)."""

    def __init__(self, paths, mapped):
        self.paths, self.mapped = paths, mapped
        self.generators = {q: _iter_frames(paths[q], mapped[q]) for q in mapped}
        self.current = {q: (-1, None) for q in mapped}
        self.exhausted = {}

    def at(self, n):
        frames = {}
        for q, generator in self.generators.items():
            target = self.mapped[q][n]
            while q not in self.exhausted and self.current[q][0] < target:
                try:
                    self.current[q] = next(generator)
                except StopIteration:
                    self.exhausted[q] = f"truncated: {self.paths[q]} ends before frame {target}"
                except MediaError as error:
                    self.exhausted[q] = f"{error.status}: {error.path}: {error.message}"
            if self.current[q][0] == target:
                frames[q] = self.current[q][1]
        return frames

    def lost(self, n, frames):
        """Why the qualities missing from `frames` (of sample n) are missing."""
        return "; ".join(self.exhausted.get(q, f"{q} frame {self.mapped[q][n]} not decoded")
                         for q in self.mapped if q not in frames)

    def close(self):
        for generator in self.generators.values():
            generator.close()


def _crops(frames, base, box, recipe):
    """{quality: PNG bytes} of the face `box` (in `base`'s pixels) cut from every frame by
    `recipe`."""
    crops = {}
    for q, frame in frames.items():
        qbox = box
        if frame.shape[:2] != base.shape[:2]:  # a quality at another resolution
            sy, sx = frame.shape[0] / base.shape[0], frame.shape[1] / base.shape[1]
            qbox = (round(box[0] * sx), round(box[1] * sy),
                    round(box[2] * sx), round(box[3] * sy))
        crops[q] = schema.encode_png(recipe.cut(frame, qbox))
    return crops


def _open(video, qualities, key):
    """(info per quality, None) of a video's files, or (None, the skip item) when one is
    missing or unusable."""
    paths = video["paths"]
    missing = [q for q in qualities if q not in paths]
    if missing:
        return None, {"item": key, "reason": f"missing quality {', '.join(missing)} "
                      f"(has: {', '.join(paths) or 'none'})"}
    try:
        return {q: _media_info(paths[q]) for q in qualities}, None
    except MediaError as error:
        return None, {"item": error.path, "reason": f"{error.status}: {error.message}",
                      "video": key}


def process_video(video, settings, detector):
    """Yield ("example", bytes) and ("skip", dict) / ("info", dict) items for one video.

    video: dict with method, video_id, label, paths {quality: path}. settings: the manifest's
    (the crop recipe among them); the face is searched in the whole frame every
    `full_frame_every` sampled frames, in between near the previous sample's face."""
    qualities = settings["qualities"]
    recipe = CropRecipe.from_dict(settings, "settings")
    key = f"{video['method']}/{video['video_id']}"
    info, skip = _open(video, qualities, key)
    if skip:
        yield "skip", skip
        return
    ref = qualities[0]
    indices = even_frame_indices(info[ref]["frames"], settings["frames"])
    counts = {q: info[q]["frames"] for q in qualities}
    if len(set(counts.values())) > 1:
        yield "info", {"item": key, "mismatch": counts}
    mapped = {q: [_frame_map(i, info[ref]["fps"], info[q]["fps"], counts[q] == counts[ref])
                  for i in indices] for q in qualities}
    reader = _Frames(video["paths"], mapped)
    made = 0
    previous = None  # face box of the last sampled frame, where the next search starts
    for n, index in enumerate(indices):
        frames = reader.at(n)
        if len(frames) < len(qualities):
            yield "skip", {"item": f"{key}#{index}", "reason": reader.lost(n, frames)}
            continue
        base = frames[ref]
        found = detector.detect(base, near=previous if n % recipe.full_frame_every else None)
        previous = found[0].box if found else None
        if not found:
            yield "skip", {"item": f"{key}#{index}", "reason": "no face"}
            continue
        box = recipe.box(found[0].box, base.shape)
        crops = _crops(frames, base, box, recipe)
        yield "example", schema.make_example(
            crops, video["label"], video["method"], video["video_id"], index, box, base.shape[:2]
        )
        made += 1
    reader.close()
    if made == 0 and indices:
        yield "skip", {"item": key, "reason": "no usable frame (see frame entries)"}
