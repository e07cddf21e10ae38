"""Face boxes: MTCNN (weights ship inside the `mtcnn` wheel, nothing is downloaded) on a
downscaled copy of the frame, boxes mapped back to original pixels, largest face first;
a square box around a face, clipped to the frame; crops resized to a fixed size (how large the
box and the crop are is the crop recipe's: add_tf.media.crop_recipe).

`FaceDetector` loads its networks lazily, once per object (a Beam worker keeps one object).
`FullFrameDetector` (`--detector full-frame`) treats the whole frame as the face, for
sources that are already face crops (the demo data).

Detectors are registered by name (`@DETECTORS.register(name)` on a class `cls(**options)` with a
`detect(rgb, near=None) -> list[Face]` method); `make_detector(name, **options)` builds one.
"""

from typing import NamedTuple

import numpy as np

from add_tf.core.registry import Registry

DETECTORS = Registry("detector")  # name (or alias) -> detector class
# Detection's search (add_tf.detect, the scorer): the smallest face looked for, in the frame's
# pixels (MTCNN's own default is 20), and the longer side the frame is shrunk to for the search.
# Preparation searches its videos with its own (add_tf.media.crop_recipe.CropRecipe).
MIN_FACE_SIZE = 40
DETECT_MAX_SIDE = 640
NEAR_REGION = 2.0  # side of the region searched around a face from a nearby frame, x the face side
NEAR_FACE_PX = 64  # that region is scaled so the face is about this many pixels


class Face(NamedTuple):
    box: tuple  # (x0, y0, x1, y1) ints, original pixels, x1/y1 exclusive
    confidence: float

    @property
    def area(self):
        return max(0, self.box[2] - self.box[0]) * max(0, self.box[3] - self.box[1])


def _build_scale_pyramid(width, height, min_face_size, scale_factor, min_size=12):
    """Image-pyramid scales whose smallest level is still >= `min_size` pixels.

    mtcnn 1.0.0 counts its levels from the unscaled image, ignoring the first scale
    `min_size / min_face_size`; with min_face_size > 12 the last levels are smaller than PNet's
    12-pixel window, TensorFlow raises, and mtcnn silently reports "no face" for the whole image.
    """
    first = min_size / float(min_face_size)
    scales = []
    scale = first
    while min(width, height) * scale >= min_size:
        scales.append(scale)
        scale *= scale_factor
    return np.asarray(scales if scales else [first])


def _patch_mtcnn_pyramid():
    import mtcnn.stages.stage_pnet as stage_pnet

    stage_pnet.build_scale_pyramid = _build_scale_pyramid


@DETECTORS.register("mtcnn")
class FaceDetector:
    """MTCNN face detector.

    min_face_size: smallest face (in original-frame pixels) to look for.
    detect_max_side: the frame is downscaled so its longer side is at most this before detection
        (speed); boxes are mapped back to the original resolution.
    min_confidence: faces below this score are dropped.
    """

    name = "mtcnn"

    def __init__(self, min_face_size=MIN_FACE_SIZE, detect_max_side=DETECT_MAX_SIDE,
                 min_confidence=0.9, device="CPU:0"):
        self.min_face_size = min_face_size
        self.detect_max_side = detect_max_side
        self.min_confidence = min_confidence
        self.device = device
        self._mtcnn = None

    def _model(self):
        if self._mtcnn is None:
            _patch_mtcnn_pyramid()
            import tensorflow as tf
            from mtcnn import MTCNN

            mtcnn = MTCNN(device=self.device)
            # One graph per network instead of eager Keras layer calls: ~3x faster on CPU.
            spec = [tf.TensorSpec([None, None, None, 3], tf.float32)]
            for stage in mtcnn.stages:
                stage._model = tf.function(stage._model, input_signature=spec,
                                           reduce_retracing=True)
            self._mtcnn = mtcnn
        return self._mtcnn

    def detect(self, rgb, near=None):
        """list[Face] sorted largest first (empty when there is no face).

        near: optional box (x0, y0, x1, y1) of the face in a nearby frame of the same video. The
            detector then looks first only in a square `NEAR_REGION` x that face's side around it,
            scaled so the face is about `NEAR_FACE_PX` pixels (a few small pyramid levels instead
            of the whole frame's), for faces at least half as large; when it finds none there, it
            searches the whole frame."""
        rgb = np.asarray(rgb)
        if near is not None:
            found = self._detect_near(rgb, near)
            if found:
                return found
        height, width = rgb.shape[:2]
        scale = min(1.0, float(self.detect_max_side) / max(height, width))
        return self._detect_in(rgb, (0, 0, width, height), scale, self.min_face_size * scale)

    def _detect_near(self, rgb, box):
        side = max(box[2] - box[0], box[3] - box[1], 1)
        region = square_box(box, rgb.shape, NEAR_REGION)
        scale = min(1.0, NEAR_FACE_PX / side)
        return self._detect_in(rgb, region, scale, max(self.min_face_size, side / 2.0) * scale)

    def _detect_in(self, rgb, region, scale, min_face):
        """Faces found in `region` (x0, y0, x1, y1) of `rgb` resized by `scale`, looking for faces
        of at least `min_face` resized pixels; boxes in the original frame's pixels."""
        import cv2

        height, width = rgb.shape[:2]
        left, top, right, bottom = region
        patch = rgb[top:bottom, left:right]
        if scale < 1.0:
            size = (max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale)))
            patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
        min_face = max(12, int(round(min_face)))
        if min(patch.shape[:2]) < min_face:
            return []
        try:
            found = self._model().detect_faces(
                np.ascontiguousarray(patch), min_face_size=min_face, box_format="xyxy"
            )
        except ValueError:  # degenerate images (e.g. smaller than the MTCNN input)
            found = []
        faces = []
        for item in found or []:
            confidence = float(item.get("confidence", 0.0))
            if confidence < self.min_confidence:
                continue
            x0, y0, x1, y1 = [float(v) / scale for v in item["box"]]
            face_box = (
                int(max(0, np.floor(x0 + left))), int(max(0, np.floor(y0 + top))),
                int(min(width, np.ceil(x1 + left))), int(min(height, np.ceil(y1 + top))),
            )
            if face_box[2] > face_box[0] and face_box[3] > face_box[1]:
                faces.append(Face(face_box, confidence))
        faces.sort(key=lambda f: (-f.area, -f.confidence))
        return faces


@DETECTORS.register("full-frame", aliases=("full_frame", "none"))
class FullFrameDetector:
    """The whole frame is the face (pre-cropped sources). It has no options: those given (the
    MTCNN ones) are ignored."""

    name = "full-frame"

    def __init__(self, **options):
        pass

    def detect(self, rgb, near=None):
        height, width = np.asarray(rgb).shape[:2]
        return [Face((0, 0, int(width), int(height)), 1.0)]


def make_detector(name="mtcnn", **options):
    """The detector registered as `name` (or an alias of it), built with `options`."""
    return DETECTORS.get(name)(**options)


def square_box(box, frame_shape, scale):
    """Square box `scale` x the larger side of `box`, same centre, clipped to the frame.

    Like the FaceForensics++ reference code, the square is moved/cut at the border so it stays
    square: its side shrinks only when the frame itself is too small. Returns ints (x0,y0,x1,y1)."""
    height, width = int(frame_shape[0]), int(frame_shape[1])
    x0, y0, x1, y1 = [float(v) for v in box]
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    side = int(round(max(x1 - x0, y1 - y0) * scale))
    side = max(1, min(side, width, height))
    left = int(round(cx - side / 2.0))
    top = int(round(cy - side / 2.0))
    left = min(max(left, 0), width - side)
    top = min(max(top, 0), height - side)
    return (left, top, left + side, top + side)


def crop_face(rgb, box, size):
    """Cut `box` from `rgb` and resize to (size, size, 3) uint8: pixel-area averaging when a
    side shrinks, bilinear when growing; the SavedModel resizes alike
    (add_tf.serving.export.resize_faces, to the pixel when shrinking, within one grey level
    when growing)."""
    import cv2

    x0, y0, x1, y1 = [int(v) for v in box]
    crop = np.asarray(rgb)[max(0, y0):y1, max(0, x0):x1]
    if crop.size == 0:
        raise ValueError(f"empty crop for box {box} in a frame of shape {np.shape(rgb)}")
    if crop.shape[0] == size and crop.shape[1] == size:
        return np.ascontiguousarray(crop)
    shrinking = crop.shape[0] > size or crop.shape[1] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=interpolation)

