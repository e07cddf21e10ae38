"""An image or a video frame -> its faces, each cut as the model's training crops were.

Faces are searched with the options of the detection (the smallest face, the side the frame is
shrunk to for the search: a user's faces may be smaller than the training set's); every face
found is cut by the model's crop recipe (add_tf.media.crop_recipe: its detector, box scale, crop
size and resize rule).
"""

import numpy as np

from add_tf.media import faces

MAX_SIDE = 4096  # larger images and frames are shrunk to this longer side first
FOUND_SHARE = 0.9  # a face counts when its larger side is at least this x min_face_size


def _downscale(rgb, max_side):
    """Shrink so that the longer side is at most `max_side`; returns (image, scale to original)."""
    import cv2

    h, w = rgb.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return rgb, 1.0
    factor = max_side / float(max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    return small, 1.0 / factor


class FaceCropper:
    """Faces of one image or frame, cut by `recipe`.

    min_face_size: smallest face looked for, in the frame's pixels; detect_max_side: the frame
    is shrunk to this longer side for the search (faces.FaceDetector); max_side: larger frames
    are shrunk to this first (boxes are reported in the original pixels)."""

    def __init__(self, recipe, min_face_size=faces.MIN_FACE_SIZE,
                 detect_max_side=faces.DETECT_MAX_SIDE, max_side=MAX_SIDE):
        self.recipe = recipe
        self.min_face_size = min_face_size
        self.max_side = max_side
        self.finder = recipe.make_detector(min_face_size=min_face_size,
                                           detect_max_side=detect_max_side)

    def find(self, rgb):
        """Faces in `rgb` (boxes in `rgb` pixels), largest first, about min_face_size or larger."""
        return [face for face in self.finder.detect(rgb)
                if max(face.box[2] - face.box[0], face.box[3] - face.box[1])
                >= FOUND_SHARE * self.min_face_size]

    def crops(self, rgb):
        """(face dicts: `box` found, `crop_box` cut (x0, y0, x1, y1 in `rgb`'s pixels) and
        `confidence`; uint8 crops (F, S, S, 3), S = recipe.size), largest face first."""
        work, back = _downscale(rgb, self.max_side)
        records, crops = [], []
        for face in self.find(work):
            box = self.recipe.box(face.box, work.shape)
            crops.append(self.recipe.cut(work, box))
            records.append({
                "box": [int(round(v * back)) for v in face.box],
                "crop_box": [int(round(v * back)) for v in box],
                "confidence": round(float(face.confidence), 4),
            })
        size = self.recipe.size
        stacked = np.stack(crops) if crops else np.zeros((0, size, size, 3), np.uint8)
        return records, stacked
