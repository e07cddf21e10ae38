"""Inputs (images, videos, folders of them) -> one report entry each.

For every input: its faces (add_tf.detection.face_crops: found, then cut by the model's crop
recipe) scored by the model (add_tf.detection.scorer).

- image: one entry per face (`box` [x0, y0, x1, y1] in original pixels, the `crop_box` cut,
  `confidence`, `fake_probability`); the image's score is the maximum over its faces.
- video: `frames` frames sampled evenly; per frame the faces and the frame score (maximum over
  faces); per video the mean of the frame scores over frames with a face, and the fraction of
  those frames whose score is fake (`add_tf.core.threshold.is_fake`: at or above
  `threshold`).

Each entry gets a `status` (listed in add_tf.detect); a bad file never raises.
"""

import pathlib

import numpy as np

from add_tf.core.threshold import THRESHOLD, is_fake, label
from add_tf.media.files import MediaError, is_image, is_video
from add_tf.media.images import read_image
from add_tf.media.video import even_frame_indices, iter_video_frames, video_frame_count

FRAMES = 32  # sampled per video


def expand_inputs(paths):
    """Files as given (in order), folders expanded recursively to their images and videos."""
    items = []
    for raw in paths:
        path = pathlib.Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and (is_image(p) or is_video(p))
            )
            if found:
                items.extend(found)
            else:
                items.append(path)  # reported as `empty`
        else:
            items.append(path)
    return items


def _fail(entry, status, message):
    entry.update(status=status, message=str(message))
    return entry


def analyse_image(path, cropper, scorer, threshold=THRESHOLD):
    """Report entry of one image: its faces with their scores, the maximum as its score."""
    entry = {"path": str(path), "kind": "image"}
    rgb = read_image(path)
    entry["width"], entry["height"] = int(rgb.shape[1]), int(rgb.shape[0])
    faces, crops = cropper.crops(rgb)
    del rgb
    probs = scorer(crops)
    for face, p in zip(faces, probs):
        face["fake_probability"] = round(float(p), 6)
    entry["faces"] = faces
    if not faces:
        return _fail(entry, "no_face", "no face found")
    entry["fake_probability"] = round(float(probs.max()), 6)
    entry["label"] = label(entry["fake_probability"], threshold)
    entry["status"] = "ok"
    return entry


def analyse_video(path, cropper, scorer, frames=FRAMES, threshold=THRESHOLD, progress=None):
    """Report entry of one video: `frames` frames sampled evenly, each scored as an image; the
    video's score is the mean over the frames with a face. `progress(1)` per frame read."""
    entry = {"path": str(path), "kind": "video"}
    count = video_frame_count(path)
    entry["frame_count"] = int(count)
    if count <= 0:
        return _fail(entry, "empty", "video has no frames")
    indices = even_frame_indices(count, frames)
    per_frame, all_crops = [], []
    broken = None
    try:
        # frames are decoded in order and only the sampled ones kept: bounded memory
        for index, rgb in iter_video_frames(path, indices):
            entry.setdefault("width", int(rgb.shape[1]))
            entry.setdefault("height", int(rgb.shape[0]))
            faces, crops = cropper.crops(rgb)
            del rgb
            per_frame.append({"index": int(index), "faces": faces})
            all_crops.append(crops)
            if progress is not None:
                progress(1)
    except MediaError as error:
        if not per_frame:
            raise
        broken = error.message
    entry["frames_requested"] = len(indices)
    entry["frames_read"] = len(per_frame)
    if not per_frame:
        return _fail(entry, "unreadable", "no frame could be decoded")
    probs = scorer(np.concatenate(all_crops)) if all_crops else np.zeros(0)
    offset = 0
    scores = []
    for frame in per_frame:
        for face in frame["faces"]:
            face["fake_probability"] = round(float(probs[offset]), 6)
            offset += 1
        if frame["faces"]:
            frame["fake_probability"] = max(f["fake_probability"] for f in frame["faces"])
            scores.append(frame["fake_probability"])
        else:
            frame["fake_probability"] = None
    entry["frames"] = per_frame
    entry["frames_with_face"] = len(scores)
    truncated = broken or len(per_frame) < len(indices)
    if truncated:
        entry["message"] = (f"truncated: only {len(per_frame)} of {len(indices)} sampled frames "
                            f"decoded" + (f" ({broken})" if broken else ""))
    if not scores:
        return _fail(entry, "truncated" if truncated else "no_face",
                     entry.get("message", "no face found in any sampled frame"))
    scores = np.asarray(scores)
    entry["fake_probability"] = round(float(scores.mean()), 6)
    entry["fraction_fake_frames"] = round(float(is_fake(scores, threshold).mean()), 6)
    entry["label"] = label(entry["fake_probability"], threshold)
    entry["status"] = "truncated" if truncated else "ok"
    return entry


def analyse(path, cropper, scorer, frames=FRAMES, threshold=THRESHOLD, progress=None):
    """One input -> report entry; never raises for a bad file."""
    path = pathlib.Path(path)
    entry = {"path": str(path)}
    try:
        if not path.exists():
            return _fail(entry, "missing", "no such file or directory")
        if path.is_dir():
            return _fail(entry, "empty", "folder contains no image or video")
        if path.stat().st_size == 0:
            return _fail(entry, "empty", "zero-byte file")
        if is_video(path):
            return analyse_video(path, cropper, scorer, frames, threshold, progress)
        try:
            return analyse_image(path, cropper, scorer, threshold)
        except MediaError as error:
            if is_image(path):
                raise
            if _looks_like_video(path):
                return analyse_video(path, cropper, scorer, frames, threshold, progress)
            reason = error.message if hasattr(error, "message") else error
            return _fail({**entry, "kind": "unknown"}, "not_media",
                         f"neither an image nor a video ({reason})")
    except MediaError as error:
        status = getattr(error, "status", "unreadable") or "unreadable"
        return _fail(entry, status, getattr(error, "message", None) or str(error))
    except MemoryError:
        return _fail(entry, "error", "out of memory while decoding")
    except Exception as error:  # an untrusted file must not stop the others
        return _fail(entry, "error", f"{type(error).__name__}: {error}")


def _looks_like_video(path):
    import av

    try:
        with av.open(str(path)) as container:
            return bool(container.streams.video)
    except Exception:
        return False


def units(items, frames):
    """Progress units of `items`: `frames` for a video, 1 for anything else."""
    return sum(frames if is_video(p) else 1 for p in items)


def analyse_all(items, cropper, scorer, frames=FRAMES, threshold=THRESHOLD, progress=None):
    """Report entries of `items`, in order. `progress(done)`, when given, gets the units done so
    far (see `units`) after every sampled frame and every input."""
    done = 0

    def advance(n):
        nonlocal done
        done += n
        if progress is not None:
            progress(done)

    entries = []
    for path in items:
        before = done
        entries.append(analyse(path, cropper, scorer, frames, threshold, advance))
        expected = frames if is_video(path) else 1
        advance(max(0, before + expected - done))
    return entries
