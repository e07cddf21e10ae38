"""Drawing the demo's synthetic faces: an identity (looks, scene, camera, motion), its pose at a
frame, the lighting, and the noise-free frame with its masks."""

import cv2
import numpy as np


def identity(rng):
    """One person in one scene: looks, background, camera (noise, blur, light) and motion."""
    return {
        "skin": rng.uniform([150, 100, 70], [235, 190, 160]),
        "hair": rng.uniform([10, 5, 0], [120, 90, 60]),
        "bg_a": rng.uniform(30, 225, 3), "bg_b": rng.uniform(30, 225, 3),
        "bg_angle": rng.uniform(0, 2 * np.pi),
        "blobs": [(rng.uniform(0, 1, 2), rng.uniform(0.05, 0.2), rng.uniform(30, 225, 3))
                  for _ in range(int(rng.integers(1, 4)))],
        "face_w": rng.uniform(0.22, 0.33), "face_h": rng.uniform(0.3, 0.42),
        "eye_dx": rng.uniform(0.09, 0.13), "eye_y": rng.uniform(-0.08, -0.03),
        "eye_r": rng.uniform(0.025, 0.04), "iris": rng.uniform([20, 20, 20], [120, 140, 160]),
        "mouth_w": rng.uniform(0.07, 0.12), "mouth_y": rng.uniform(0.17, 0.22),
        "lips": rng.uniform([120, 40, 40], [200, 90, 90]),
        "nose_l": rng.uniform(0.06, 0.1), "brow_t": rng.uniform(0.008, 0.016),
        "blush": [(rng.uniform(-0.6, 0.6, 2), rng.uniform(0.1, 0.3), rng.uniform(-14, 14, 3))
                  for _ in range(2)],
        "light": (rng.uniform(0.8, 1.15), rng.uniform(0, 2 * np.pi), rng.uniform(0.0, 0.4)),
        "noise": rng.uniform(3.0, 7.0), "blur": rng.uniform(0.0, 0.8),
        "yaw": rng.uniform(-0.25, 0.25), "roll": rng.uniform(-12, 12),
        "phase": rng.uniform(0, 2 * np.pi, 6),
    }


def pose(ident, t):
    """(cx, cy, zoom, mouth_open, yaw, roll) of `ident` at frame t."""
    p = ident["phase"]
    return (0.5 + 0.03 * np.sin(0.35 * t + p[0]), 0.52 + 0.025 * np.sin(0.27 * t + p[1]),
            1.0 + 0.04 * np.sin(0.2 * t + p[2]), 0.5 + 0.5 * np.sin(0.5 * t + p[3]),
            ident["yaw"] + 0.05 * np.sin(0.3 * t + p[4]),
            ident["roll"] + 3 * np.sin(0.25 * t + p[5]))


_GRIDS = {}


def _grid(n):
    if n not in _GRIDS:
        _GRIDS[n] = tuple(g.astype(np.float32) / n for g in np.mgrid[0:n, 0:n])
    return _GRIDS[n]


def light(ident, size, lighting=None):
    """Illumination field (size, size, 1): gain times a linear ramp along the light direction."""
    gain, angle, slope = ident["light"] if lighting is None else lighting
    yy, xx = _grid(size)
    ramp = np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)
    return (gain * (1 + slope * ramp))[..., None]


def _background(ident, n):
    """(n, n, 3) float32: a colour ramp with blobs."""
    yy, xx = _grid(n)
    ang = ident["bg_angle"]
    ramp = np.clip((np.cos(ang) * (xx - 0.5) + np.sin(ang) * (yy - 0.5)) + 0.5, 0, 1)[..., None]
    img = ident["bg_a"].astype(np.float32) * (1 - ramp) + ident["bg_b"].astype(np.float32) * ramp
    for centre, radius, colour in ident["blobs"]:
        cv2.circle(img, (int(centre[0] * n), int(centre[1] * n)), int(radius * n), colour.tolist(),
                   -1, cv2.LINE_AA)
    return img


def _blush(img, ident, face, at, s):
    """Uneven skin tone (real and fake alike) added to `img` inside the `face` mask."""
    n = img.shape[0]
    for offset, radius, delta in ident["blush"]:
        patch = np.zeros((n, n), np.float32)
        cv2.circle(patch, at(offset[0] * ident["face_w"], offset[1] * ident["face_h"]),
                   max(1, int(radius * s * 0.5)), 1.0, -1)
        patch = cv2.GaussianBlur(patch, (0, 0), max(0.5, radius * s * 0.3)) * face
        img += patch[..., None] * delta


def _features(img, f, at, s, yaw, roll, skin, mouth_open):
    """Draw the eyes, brows, nose and mouth of features `f` on `img`."""
    for side in (-1, 1):
        ex, ey = at(side * f["eye_dx"] * (1 - side * yaw * 0.5), f["eye_y"])
        r = max(2, int(f["eye_r"] * s))
        iris = (ex + int(yaw * r), ey)
        cv2.ellipse(img, (ex, ey), (int(r * 1.6), r), roll, 0, 360, (245, 245, 240), -1,
                    cv2.LINE_AA)
        cv2.circle(img, iris, int(r * 0.8), f["iris"].tolist(), -1, cv2.LINE_AA)
        cv2.circle(img, iris, max(1, int(r * 0.35)), (10, 10, 10), -1, cv2.LINE_AA)
        brow_a = at(side * f["eye_dx"] - 0.05, f["eye_y"] - 0.05)
        brow_b = at(side * f["eye_dx"] + 0.05, f["eye_y"] - 0.055)
        cv2.line(img, brow_a, brow_b, (f["hair"] * 0.6).tolist(), max(1, int(f["brow_t"] * s)),
                 cv2.LINE_AA)
    cv2.line(img, at(0, f["eye_y"] + 0.03), at(-0.015, f["eye_y"] + 0.03 + f["nose_l"]),
             (skin * 0.75).tolist(), max(1, int(0.01 * s)), cv2.LINE_AA)
    mouth = at(0, f["mouth_y"])
    cv2.ellipse(img, mouth, (int(f["mouth_w"] * s), max(1, int((0.01 + 0.02 * mouth_open) * s))),
                roll, 0, 360, f["lips"].tolist(), -1, cv2.LINE_AA)


def render(ident, features, t, size, skin=None, expression=None, lighting=None):
    """Noise-free frame (size, size, 3) float32 of `ident` (pose, scene, skin) with the inner
    features of `features` and the mouth of `expression`'s pose; and its masks
    {"inner": inner face, "lower": mouth and chin} (size, size) float32 in 0..1."""
    n = size
    cx, cy, zoom, _, yaw, roll = pose(ident, t)
    mouth_open = pose(expression or ident, t)[3]
    img = _background(ident, n)
    skin = ident["skin"] if skin is None else skin
    s = zoom * n
    cos, sin = np.cos(np.radians(roll)), np.sin(np.radians(roll))

    def at(dx, dy):  # face coordinates (units of s, x to the right, y down) -> pixel
        dx = dx + yaw * 0.12
        return (int(cx * n + (dx * cos - dy * sin) * s), int(cy * n + (dx * sin + dy * cos) * s))

    fw, fh = int(ident["face_w"] * s), int(ident["face_h"] * s)
    centre = at(-yaw * 0.12, 0)
    cv2.ellipse(img, at(-yaw * 0.12, -ident["face_h"] / 3), (int(fw * 1.08), int(fh * 0.8)),
                roll, 180, 360, ident["hair"].tolist(), -1, cv2.LINE_AA)
    cv2.ellipse(img, centre, (fw, fh), roll, 0, 360, skin.tolist(), -1, cv2.LINE_AA)
    face = np.zeros((n, n), np.float32)
    cv2.ellipse(face, centre, (fw, fh), roll, 0, 360, 1.0, -1, cv2.LINE_AA)
    _blush(img, ident, face, at, s)
    _features(img, features, at, s, yaw, roll, skin, mouth_open)
    img = np.clip(img * light(ident, n, lighting), 0, 255)
    inner = np.zeros((n, n), np.float32)
    cv2.ellipse(inner, at(-yaw * 0.12, 0.04), (int(fw * 0.78), int(fh * 0.72)), roll, 0, 360, 1.0,
                -1, cv2.LINE_AA)
    lower = np.zeros((n, n), np.float32)
    cv2.ellipse(lower, at(0, ident["mouth_y"] * 0.7), (int(fw * 0.7), int(fh * 0.45)), roll, 0,
                360, 1.0, -1, cv2.LINE_AA)
    return img, {"inner": inner, "lower": lower * face}
