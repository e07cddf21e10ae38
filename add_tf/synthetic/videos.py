"""The frames of one demo video (real or fake) and writing it in every quality: raw as H.264
lossless RGB (libx264rgb, qp 0), c23 / c40 compressed from raw as FaceForensics++ did."""

import os

import cv2
import numpy as np

from add_tf.media import encoding
from add_tf.synthetic.fakes import generated
from add_tf.synthetic.render import render
from pipelines.layouts import ffpp
from pipelines.preparation import compression

FPS = 25


def frames(target, source, spec, size, count, rng):
    """`count` uint8 frames (size, size, 3) of a real video (source None) or a fake one."""
    out = []
    for t in range(count):
        real, _ = render(target, target, t, size)
        if target["blur"] > 0.05:
            real = cv2.GaussianBlur(real, (0, 0), target["blur"])
        frame = real + rng.normal(0, target["noise"], real.shape)
        if source is not None:
            face, mask = generated(target, source, spec, t, size)
            frame = mask[..., None] * face + (1 - mask[..., None]) * frame
        out.append(np.clip(np.round(frame), 0, 255).astype(np.uint8))
    return out


def write_video(job):
    """One demo video `target` (manipulated by `source` when given) in every quality, in the
    folders of `method` (add_tf.core.names.ORIGINAL for a real video).

    job: (root, method, seed, target, source, target_ident, source_ident, spec, size, frames,
    qualities), source None for a real video."""
    (root, method, seed, target, source, target_ident, source_ident, spec, size, count,
     qualities) = job
    name = target if source is None else f"{target}_{source}"
    frame_rng = np.random.default_rng([seed] + [ord(ch) for ch in name])
    raw_path = os.path.join(ffpp.source_dir(root, method, "raw"), f"{name}.mp4")
    imgs = frames(target_ident, source_ident, spec, size, count, frame_rng)
    encoding.write_video(raw_path, imgs, fps=FPS, codec="libx264rgb",
                         options={"qp": "0", "preset": "veryfast"}, pix_fmt="rgb24")
    for quality in qualities:
        if quality != "raw":
            dst = os.path.join(ffpp.source_dir(root, method, quality), f"{name}.mp4")
            compression.compress_video(raw_path, dst, compression.CRF[quality])
