"""The crop recipe: how `pipelines.prepare` cut its face crops, which every consumer of a model
trained on them repeats (detect, gradcam, the scorer).

A face found by `detector` is cut as a square `box_scale` x the larger side of its box, clipped
to the frame (`faces.square_box`), and resized to `size` by the `resize` rule (`faces.crop_face`:
pixel-area averaging when it shrinks, bilinear when it grows). `min_face_size`,
`detect_max_side` and `full_frame_every` are how preparation searched its videos for faces;
`crop_version` is the version of these rules.

    prepare       writes the recipe into its manifest's `settings` (the same keys, flat)
    model card    `crop`: the recipe of the run's records (add_tf.training.model_card)
    SavedModel    `crop` of `assets.extra/add_tf.json` (add_tf.serving.export)
"""

import dataclasses

from add_tf.core.config import IMAGE_SIZE
from add_tf.core.errors import UsageError
from add_tf.media import faces

VERSION = 1  # the newest recipe this code reproduces
RESIZE = "area-down-bilinear-up"  # the rule of faces.crop_face


@dataclasses.dataclass(frozen=True)
class CropRecipe:
    """The cut (detector, box_scale, size, resize) and preparation's face search; defaults are
    `pipelines.prepare`'s. UsageError for a value this code cannot reproduce."""

    detector: str = "mtcnn"
    box_scale: float = 1.3
    size: int = IMAGE_SIZE
    resize: str = RESIZE
    min_face_size: int = 80
    detect_max_side: int = 480
    full_frame_every: int = 8
    crop_version: int = VERSION

    def __post_init__(self):
        if int(self.crop_version) > VERSION:
            raise UsageError(f"crop recipe version {self.crop_version} is newer than this add_tf "
                             f"reads ({VERSION}); upgrade add_tf")
        for field in dataclasses.fields(self):
            object.__setattr__(self, field.name, field.type(getattr(self, field.name)))
        try:
            object.__setattr__(self, "detector", faces.DETECTORS.get(self.detector).name)
        except ValueError as error:
            raise UsageError(f"crop recipe: {error}; upgrade add_tf") from None
        if self.resize != RESIZE:
            raise UsageError(f"crop recipe: unknown resize rule. Valid: {RESIZE}. Received: "
                             f"resize={self.resize!r}; upgrade add_tf")
        if not self.box_scale > 0:
            raise UsageError(f"crop recipe: box_scale must be positive. Received: "
                             f"box_scale={self.box_scale!r}")
        for name in ("size", "min_face_size", "detect_max_side", "full_frame_every"):
            if getattr(self, name) < 1:
                raise UsageError(f"crop recipe: {name} must be at least 1. Received: "
                                 f"{name}={getattr(self, name)!r}")

    @classmethod
    def recorded(cls, values):
        """The recipe's fields among `values` (a manifest's `settings`, a card's `crop`), as
        recorded; None when they hold no recipe (no `box_scale`: made before recipes were kept)."""
        if not isinstance(values, dict) or "box_scale" not in values:
            return None
        return {f.name: values[f.name] for f in dataclasses.fields(cls) if f.name in values}

    @classmethod
    def from_dict(cls, values, source):
        """The recipe `values` records (see `recorded`; a field missing from it has its
        default), None when it records none. UsageError naming `source` for a recipe this code
        cannot reproduce."""
        fields = cls.recorded(values)
        if fields is None:
            return None
        try:
            return cls(**fields)
        except (TypeError, ValueError) as error:  # a value of the wrong type
            raise UsageError(f"{source}: unreadable crop recipe ({error})") from None
        except UsageError as error:
            raise UsageError(f"{source}: {error}") from None

    def to_dict(self):
        return dataclasses.asdict(self)

    def describe(self):
        """The cut in words: 'mtcnn faces, a 1.3x square box, 128 px'."""
        return f"{self.detector} faces, a {self.box_scale:g}x square box, {self.size} px"

    def cuts_like(self, other):
        """Whether `other` cuts the same crops from a face it finds (detector, box_scale, size,
        resize): how preparation searched for faces may differ."""
        return all(getattr(self, name) == getattr(other, name)
                   for name in ("detector", "box_scale", "size", "resize"))

    def make_detector(self, **search):
        """The recipe's face detector, searching with `search` (min_face_size, detect_max_side;
        default: preparation's)."""
        options = {"min_face_size": self.min_face_size, "detect_max_side": self.detect_max_side,
                   **search}
        return faces.make_detector(self.detector, **options)

    def box(self, face_box, frame_shape):
        """The square box (x0, y0, x1, y1) cut around `face_box` in a frame of `frame_shape`."""
        return faces.square_box(face_box, frame_shape, self.box_scale)

    def cut(self, rgb, box):
        """uint8 (size, size, 3): `box` (from `box`) cut from `rgb` and resized."""
        return faces.crop_face(rgb, box, self.size)
