"""The demo's fake kinds, one registered entry each, in the spirit of FaceForensics++'s four
methods (cycled in this order, a quarter of the fakes each):

- swap (Deepfakes / FaceSwap): the source's inner face, its skin tone and lighting partly kept;
- reenact (Face2Face): the target's mouth region moved by the source's expression;
- texture (NeuralTextures): the target's mouth region re-rendered with a banded texture;
- gan (FaceShifter): the source's inner face, colour matched, with a 4-pixel grid.

Each kind names the one FaceForensics++ folder its fakes go to in a tree with `ffpp_methods`
(add_tf.synthetic.tree): the method above; for swap Deepfakes, the first of its two.

All are made at half resolution and resampled (no sensor noise, softer detail) with the
up-sampler's 2-pixel checkerboard; a fake's strength (0..TRACE) scales what survives compression.

The checkerboard is the raw view's plain trace and, where it is strong, c40's faint one: each fake
draws its amplitude in CHECKER. x264 at CRF 40 on the demo's 64-pixel frames erases the weak
ones and keeps part of the strong ones (`python benchmarks/trace_survival.py` measures what each
quality keeps; benchmarks/README.md has the figures). So the trace a raw teacher learns first
is still there, weakened, in part of the c40 fakes, as compression weakens FaceForensics++'s
high-frequency traces (the paper's Fig. 1).
"""

import dataclasses

import cv2
import numpy as np

from add_tf.core.registry import Registry
from add_tf.synthetic.render import render

# Scale of the traces that survive compression (colour / lighting mismatch, seams, banding, the
# period-4 grid); each fake draws its own strength in 0..1 on top.
TRACE = 0.8
CHECKER = (8.0, 28.0)  # range of a fake's 2-pixel checkerboard amplitude (grey levels)


@dataclasses.dataclass(frozen=True)
class FakeKind:
    """draw(target, source, t, size, strength, mismatch) -> (face (size, size, 3), masks);
    region: the mask blended ("inner" or "lower"); interp: the cv2 up-sampling; ffpp_method:
    the FaceForensics++ method folder of the kind's fakes; finish(face, strength) -> face: the
    kind's own trace, after resampling and misalignment."""

    name: str
    draw: object
    region: str
    interp: int
    ffpp_method: str
    finish: object = None


KINDS = Registry("fake kind")  # name -> FakeKind, in the order fakes cycle through
kinds = KINDS.names  # the registered fake kinds, in order of registration
get = KINDS.get  # the FakeKind registered as a name; ValueError listing the names


def register(name, region, interp, ffpp_method, finish=None):
    """Decorator: register `draw` as fake kind `name` (see FakeKind)."""
    return KINDS.register(name, lambda draw: FakeKind(name, draw, region, interp, ffpp_method,
                                                      finish))


def _bands(face, strength):
    """A coarsely quantised texture: colour bands."""
    step = 2.0 + 10.0 * strength
    return np.round(face / step) * step


def _gan_grid(face, strength):
    """Up-sampling by pixel repetition, softened, with a 4-pixel grid."""
    size = face.shape[0]
    yy, xx = np.mgrid[0:size, 0:size]
    return cv2.blur(face, (2, 2)) + ((np.cos(np.pi * xx / 2) + np.cos(np.pi * yy / 2))
                                     * 4.0 * strength)[..., None]


@register("swap", "inner", cv2.INTER_LINEAR, "Deepfakes")
def _swap(target, source, t, size, strength, mismatch):
    lighting = tuple(np.add(np.multiply(target["light"], 1 - strength),
                            np.multiply(source["light"], strength)))
    return render(target, source, t, size, skin=target["skin"] + mismatch, lighting=lighting)


@register("reenact", "lower", cv2.INTER_CUBIC, "Face2Face")
def _reenact(target, source, t, size, strength, mismatch):
    return render(target, target, t, size, expression=source,
                  skin=target["skin"] + 0.5 * mismatch)


@register("texture", "lower", cv2.INTER_LINEAR, "NeuralTextures", finish=_bands)
def _texture(target, source, t, size, strength, mismatch):
    return render(target, target, t, size, skin=target["skin"] + 0.3 * mismatch)


@register("gan", "inner", cv2.INTER_NEAREST, "FaceShifter", finish=_gan_grid)
def _gan(target, source, t, size, strength, mismatch):
    return render(target, source, t, size, skin=target["skin"] + 0.3 * mismatch)


def checkerboard(size):
    """(size, size) float64: +1 where row + column is even, -1 elsewhere (the 2-pixel pattern)."""
    return np.where(np.add.outer(np.arange(size), np.arange(size)) % 2 == 0, 1.0, -1.0)


def fake_spec(rng, index, trace=TRACE):
    """Kind (cycled, so each is a quarter of the fakes), trace strength and checkerboard
    amplitude of fake `index`."""
    names = kinds()
    return {"kind": names[index % len(names)], "strength": trace * rng.uniform(0, 1),
            "colour": rng.normal(0, 1, 3), "shift": rng.uniform(-1, 1, 2),
            "checker": rng.uniform(*CHECKER)}


def generated(target, source, spec, t, size):
    """The manipulation of one frame by `spec`'s kind: (generated face (size, size, 3), blend
    mask (size, size)), made at half resolution and resampled, misaligned by spec's shift, with
    the up-sampler's 2-pixel checkerboard."""
    kind, strength = get(spec["kind"]), spec["strength"]
    mismatch = spec["colour"] * 12.0 * strength
    half = size // 2
    face, masks = kind.draw(target, source, t, size, strength, mismatch)
    face = cv2.resize(cv2.resize(face, (half, half), interpolation=cv2.INTER_AREA), (size, size),
                      interpolation=kind.interp)
    shift = spec["shift"] * 1.5 * strength  # misalignment of the generated face (pixels)
    face = cv2.warpAffine(face, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), (size, size),
                          borderMode=cv2.BORDER_REFLECT)
    if kind.finish is not None:
        face = kind.finish(face, strength)
    face = face + (checkerboard(size) * spec["checker"])[..., None]  # up-sampler trace
    mask = cv2.GaussianBlur(masks[kind.region], (0, 0), size * (0.01 + 0.02 * (1 - strength)))
    return face, mask
