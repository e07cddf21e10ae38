"""Encoding RGB uint8 frames to a video file with PyAV: libx264 made deterministic on every CPU."""

import os

import numpy as np

from add_tf.core import atomic


def x264_options(options=None):
    """libx264 `options` (a new dict) that encode the same frames to the same bytes every time.

    On CPUs with AVX-512, the libx264 of PyAV's wheels reads stale memory in its AVX-512 code
    when MB-tree rate control is on, so the same frames encoded twice can differ
    (docs/design.md). Its assembly is limited to AVX2 there (which every AVX-512 CPU has);
    other CPUs keep their default. The CPU's features are numpy's runtime table."""
    options = dict(options or {})
    params = options.get("x264-params", "")
    if _cpu_has("AVX512F") and "asm=" not in params:
        options["x264-params"] = f"{params}:asm=avx2" if params else "asm=avx2"
    return options


def _cpu_has(feature):
    """Whether the CPU reports `feature` (numpy's dispatch table; False when unknown)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy 1.x
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as features
        except ImportError:
            return False
    return bool(features.get(feature))


def write_video(path, frames, fps=25, codec="libx264", options=None, pix_fmt="yuv420p"):
    """Encode RGB uint8 frames to `path` with PyAV (written to a temporary name, then renamed)."""
    import av

    frames = list(frames)
    if not frames:
        raise ValueError(f"write_video needs at least one frame, received none for {path}")
    height, width = frames[0].shape[:2]
    os.makedirs(os.path.dirname(os.path.abspath(str(path))), exist_ok=True)
    from fractions import Fraction

    with atomic.replacing(path) as tmp, av.open(tmp, mode="w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = (x264_options(options) if codec.startswith("libx264")
                          else dict(options or {}))
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)
