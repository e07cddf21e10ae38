"""Scoring faces in images and videos with a trained detector (add_tf.detect's library).

For every input: find all faces above a minimum size (MTCNN), crop each one as in training
(1.3x square box around the detection, resized to the model's input size), and score it.

- image: one entry per face (`box` [x0, y0, x1, y1] in original pixels, `confidence`,
  `fake_probability`); the image's score is the maximum over its faces.
- video: `frames` frames sampled evenly; per frame the faces and the frame score (maximum over
  faces); per video the mean of the frame scores over frames with a face, and the fraction of
  those frames whose score is fake (`add_tf.core.threshold.is_fake`: at or above
  `threshold`).

Each entry gets a `status` (listed in add_tf.detect); a bad file never raises.
"""

import pathlib

import av
import cv2
import numpy as np
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.core.threshold import THRESHOLD, is_fake, label
from add_tf.media.faces import FaceDetector, crop_face, square_box
from add_tf.media.files import MediaError, is_image, is_video
from add_tf.media.images import read_image
from add_tf.media.video import even_frame_indices, iter_video_frames, video_frame_count
from add_tf.serving.export import model_image_size, saved_model_image_size
from add_tf.training import runs

BATCH = 64


# ----------------------------------------------------------------------------- model loading
class Scorer:
    """Callable mapping uint8 face crops (N, S, S, 3) to fake probabilities (N,)."""

    def __init__(self, fn, image_size, source, kind):
        self._fn = fn
        self.image_size = int(image_size)
        self.source = str(source)
        self.kind = kind

    def __call__(self, crops):
        crops = np.asarray(crops, dtype=np.uint8)
        if len(crops) == 0:
            return np.zeros((0,), np.float32)
        out = [np.asarray(self._fn(crops[i:i + BATCH]), np.float32).reshape(-1)
               for i in range(0, len(crops), BATCH)]
        return np.concatenate(out)


def _saved_model_dir(path):
    """`path` itself when it holds saved_model.pb, else its highest numeric version, else None."""
    path = pathlib.Path(path)
    if (path / "saved_model.pb").is_file():
        return path
    if path.is_dir():
        versions = sorted((int(p.name), p) for p in path.iterdir()
                          if p.is_dir() and p.name.isdigit() and (p / "saved_model.pb").is_file())
        if versions:
            return versions[-1][1]
    return None


def load_scorer(path):
    """A `Scorer` from a SavedModel (a version dir or a model base path) or a run dir / .keras."""
    path = pathlib.Path(path)
    saved = _saved_model_dir(path)
    if saved is not None:
        if not (saved / "variables").is_dir():
            raise UsageError(
                f"--model {saved}: saved_model.pb without its variables/ folder (an incomplete "
                "copy?); copy the whole version folder, or export the run again with "
                "python -m add_tf.export")
        loaded = tf.saved_model.load(str(saved))
        signature = loaded.signatures["serving_default"]
        size = saved_model_image_size(loaded, saved, signature)

        def fn(crops):
            return signature(images=tf.constant(crops))["fake_probability"].numpy()

        scorer = Scorer(fn, size, saved, "saved_model")
        scorer._keepalive = loaded
        return scorer
    if path.suffix == ".keras" or (path / "student.keras").is_file():
        model, config = runs.load_run(path)
        size = model_image_size(model, config, f"--model {path}")

        @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.uint8)],
                     reduce_retracing=True)
        def predict(crops):
            logits = model(tf.cast(crops, tf.float32), training=False)
            return tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)[:, 1]

        return Scorer(lambda crops: predict(crops).numpy(), size, path, "keras")
    raise FileNotFoundError(
        f"--model must be a SavedModel directory (with saved_model.pb or numbered versions), a run "
        f"directory with student.keras, or a .keras file. Received: model={str(path)!r}"
    )


# ----------------------------------------------------------------------------- inputs
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


def _downscale(rgb, max_side):
    """Shrink so that the longer side is at most `max_side`; returns (image, scale to original)."""
    h, w = rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return rgb, 1.0
    factor = max_side / float(max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    return small, 1.0 / factor


class Detector:
    """Faces -> crops -> scores for one frame or image (MTCNN via `add_tf.media.faces.FaceDetector`,
    which also fixes mtcnn 1.0.0's image pyramid for `min_face_size` > 12)."""

    def __init__(self, scorer, min_face_size=40, detect_max_side=640, max_side=4096, scale=1.3):
        self.scorer = scorer
        self.min_face_size = min_face_size
        self.finder = FaceDetector(min_face_size=min_face_size, detect_max_side=detect_max_side)
        self.max_side = max_side
        self.scale = scale

    def find(self, rgb):
        """Faces in `rgb` (boxes in `rgb` pixels), largest first, at least ~min_face_size wide."""
        return [face for face in self.finder.detect(rgb)
                if max(face.box[2] - face.box[0], face.box[3] - face.box[1])
                >= 0.9 * self.min_face_size]

    def crops(self, rgb):
        """(list of face dicts without scores, uint8 crops (F, S, S, 3))."""
        work, back = _downscale(rgb, self.max_side)
        found = self.find(work)
        records, crops = [], []
        for face in found:
            box = square_box(face.box, work.shape, scale=self.scale)
            crops.append(crop_face(work, box, self.scorer.image_size))
            records.append({
                "box": [int(round(v * back)) for v in face.box],
                "crop_box": [int(round(v * back)) for v in box],
                "confidence": round(float(face.confidence), 4),
            })
        size = self.scorer.image_size
        stacked = np.stack(crops) if crops else np.zeros((0, size, size, 3), np.uint8)
        return records, stacked


def analyse_image(path, detector, threshold=THRESHOLD):
    """Report entry of one image: its faces with their scores, the maximum as its score."""
    entry = {"path": str(path), "kind": "image"}
    rgb = read_image(path)
    entry["width"], entry["height"] = int(rgb.shape[1]), int(rgb.shape[0])
    faces, crops = detector.crops(rgb)
    del rgb
    probs = detector.scorer(crops)
    for face, p in zip(faces, probs):
        face["fake_probability"] = round(float(p), 6)
    entry["faces"] = faces
    if not faces:
        return _fail(entry, "no_face", "no face found")
    entry["fake_probability"] = round(float(probs.max()), 6)
    entry["label"] = label(entry["fake_probability"], threshold)
    entry["status"] = "ok"
    return entry


def analyse_video(path, detector, frames=32, threshold=THRESHOLD, progress=None):
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
            faces, crops = detector.crops(rgb)
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
    probs = detector.scorer(np.concatenate(all_crops)) if all_crops else np.zeros(0)
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


def analyse(path, detector, frames=32, threshold=THRESHOLD, progress=None):
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
            return analyse_video(path, detector, frames, threshold, progress)
        try:
            return analyse_image(path, detector, threshold)
        except MediaError as error:
            if is_image(path):
                raise
            if _looks_like_video(path):
                return analyse_video(path, detector, frames, threshold, progress)
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
    try:
        with av.open(str(path)) as container:
            return bool(container.streams.video)
    except Exception:
        return False


# ----------------------------------------------------------------------------- all inputs
def units(items, frames):
    """Progress units of `items`: `frames` for a video, 1 for anything else."""
    return sum(frames if is_video(p) else 1 for p in items)


def analyse_all(items, detector, frames=32, threshold=THRESHOLD, progress=None):
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
        entries.append(analyse(path, detector, frames, threshold, advance))
        expected = frames if is_video(path) else 1
        advance(max(0, before + expected - done))
    return entries


def make_report(scorer, entries, frames, threshold, min_face_size, card, warnings, seconds):
    """The detect report: the model, the settings, the status counts and the `entries`."""
    counts = {}
    for e in entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    return {
        "model": scorer.source,
        "model_kind": scorer.kind,
        "image_size": scorer.image_size,
        "frames": frames,
        "threshold": threshold,
        "min_face_size": min_face_size,
        "model_card": card,
        "warnings": warnings,
        "seconds": round(seconds, 3),
        "counts": counts,
        "inputs": entries,
    }
