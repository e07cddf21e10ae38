"""Reading images and video frames (RGB uint8), with one error type for every bad input.

Videos are decoded with PyAV (no external ffmpeg); memory stays bounded because frames are
decoded in order and only the requested indices are kept (`iter_video_frames` holds one frame);
H.264 frames that no other frame references are skipped unless requested.
"""

import os

import numpy as np

from add_tf.core import atomic
from add_tf.core.errors import UsageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg")


class MediaError(UsageError):
    """A file that cannot be used. `status` is one of "missing", "unreadable", "empty",
    "not_media", "corrupt", "truncated"; `path` names the file."""

    def __init__(self, path, status, message):
        self.path = str(path)
        self.status = status
        self.message = message
        super().__init__(f"{status}: {path}: {message}")


def is_image(path):
    return str(path).lower().endswith(IMAGE_EXTENSIONS)


def is_video(path):
    return str(path).lower().endswith(VIDEO_EXTENSIONS)


def _check_file(path):
    if not os.path.exists(path):
        raise MediaError(path, "missing", "file does not exist")
    if not os.path.isfile(path):
        raise MediaError(path, "not_media", "not a regular file")
    if os.path.getsize(path) == 0:
        raise MediaError(path, "empty", "file is empty (0 bytes)")


def to_rgb(image):
    """Grayscale (H,W) / (H,W,1) and RGBA (H,W,4) to RGB uint8 (H,W,3)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image // 257).astype(np.uint8)
        else:
            image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    elif image.shape[-1] == 4:
        image = image[:, :, :3]
    return np.ascontiguousarray(image)


def read_image(path):
    """RGB uint8 (H, W, 3). Raises MediaError naming the file for anything unusable."""
    import cv2

    path = str(path)
    _check_file(path)
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        status = "not_media" if not is_image(path) else "unreadable"
        raise MediaError(path, status, "could not decode as an image")
    if image.ndim == 3 and image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[-1] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return to_rgb(image)


def even_frame_indices(frame_count, n):
    """`n` indices spread evenly over `frame_count` frames (the middle of n equal segments),
    sorted and unique; all frames when n >= frame_count."""
    frame_count = int(frame_count)
    if frame_count <= 0 or n <= 0:
        return []
    if n >= frame_count:
        return list(range(frame_count))
    return [int((i + 0.5) * frame_count / n) for i in range(n)]


def _open(path):
    import av

    _check_file(path)
    try:
        container = av.open(str(path))
    except Exception as error:  # av.error.InvalidDataError and friends
        status = "unreadable" if is_video(path) else "not_media"
        raise MediaError(path, status, str(error)) from None
    if not container.streams.video:
        container.close()
        raise MediaError(path, "not_media", "no video stream")
    return container


def video_info(path):
    """{"frames": int (container metadata, 0 if unknown), "fps": float, "width", "height"}."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or 25
        return {
            "frames": int(stream.frames or 0),
            "fps": float(rate),
            "width": int(stream.codec_context.width),
            "height": int(stream.codec_context.height),
        }
    finally:
        container.close()


def count_decoded_frames(path):
    """Frame count by decoding every frame (exact; raises MediaError on corrupt data)."""
    return sum(1 for _ in _decode(path, rgb=False))


def video_frame_count(path, exact=False):
    """Number of frames: container metadata when present (fast), else (or exact=True) decoded."""
    if not exact:
        frames = video_info(path)["frames"]
        if frames > 0:
            return frames
    count = count_decoded_frames(path)
    if count == 0:
        raise MediaError(path, "empty", "video has no decodable frames")
    return count


def _decode(path, rgb=True):
    import av

    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="rgb24") if rgb else None
        except (av.error.FFmpegError, ValueError) as error:
            raise MediaError(path, "corrupt", f"decoding failed: {error}") from None
    finally:
        container.close()


def _presentation_indices(path):
    """{pts: frame index} of the video stream from one demux pass (no decoding), or None when the
    timestamps cannot index frames (missing or repeated pts, unreadable container). Packets an
    edit list discards are not counted: the decoder does not output their frames either."""
    import av

    try:
        container = _open(path)
    except MediaError:
        return None
    try:
        stamps = [packet.pts for packet in container.demux(container.streams.video[0])
                  if packet.size and not packet.is_discard]
    except (av.error.FFmpegError, ValueError):
        return None
    finally:
        container.close()
    if not stamps or None in stamps or len(set(stamps)) != len(stamps):
        return None
    return {pts: index for index, pts in enumerate(sorted(stamps))}


def _nal_length_size(stream):
    """Bytes of the NAL length prefix of an H.264 stream stored as in MP4/MKV (avcC extradata), or
    None (another codec, or Annex B start codes)."""
    extradata = stream.codec_context.extradata or b""
    if stream.codec_context.name != "h264" or len(extradata) < 7 or extradata[0] != 1:
        return None
    return (extradata[4] & 3) + 1


def is_disposable(data, length_size):
    """True when an H.264 access unit (NAL units, each after a `length_size`-byte length) holds
    slices that are all non-reference (nal_ref_idc = 0): no other frame is predicted from it, so
    it can be left undecoded without changing any other frame. False when unsure."""
    slices, position = 0, 0
    while position + length_size < len(data):
        length = int.from_bytes(data[position:position + length_size], "big")
        header = data[position + length_size]
        position += length_size + length
        if length == 0 or position > len(data):
            return False
        if header & 0x1F in (1, 5):  # coded slice (non-IDR, IDR)
            if header & 0x60:
                return False
            slices += 1
    return slices > 0 and position == len(data)


def iter_video_frames(path, indices):
    """Yield (index, RGB uint8) for the requested frame indices, in increasing order.

    Exact indexing: for length-prefixed H.264 (MP4, MKV) a frame's index is the rank of its
    timestamp (from a demux pass); otherwise, or when the timestamps cannot tell, its position
    in decoding output. H.264 frames that nothing references (nal_ref_idc = 0, about 45 % of
    FaceForensics++'s libx264 frames) are not decoded unless requested: every other frame decodes
    bit for bit as in a full sequential decode.
    Decoding stops after the last requested frame; only the current frame is held. Indices past
    the end are not yielded (the caller sees which are missing); a file that cannot be decoded at
    all raises MediaError."""
    import av

    wanted = set(int(i) for i in indices)
    if not wanted:
        return
    last = max(wanted)
    container = _open(path)
    decoded = 0
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        length_size = _nal_length_size(stream)
        index_of = _presentation_indices(path) if length_size else None  # skipping needs both
        try:
            for packet in container.demux(stream):
                if (index_of and packet.size and index_of.get(packet.pts) not in wanted
                        and is_disposable(bytes(packet), length_size)):
                    continue
                for frame in packet.decode():
                    position = index_of.get(frame.pts, -1) if index_of else decoded
                    decoded += 1
                    if position in wanted:
                        yield position, frame.to_ndarray(format="rgb24")
                    if position >= last:
                        return
        except (av.error.FFmpegError, ValueError) as error:
            raise MediaError(
                path, "corrupt", f"decoding failed after {decoded} frames: {error}"
            ) from None
        if decoded == 0:
            raise MediaError(path, "empty", "video has no decodable frames")
    finally:
        container.close()


def read_video_frames(path, indices):
    """[(index, RGB uint8 (H,W,3))] for the requested indices that exist (see iter_video_frames)."""
    return list(iter_video_frames(path, indices))


def x264_options(options=None):
    """libx264 `options` (a new dict) that encode the same frames to the same bytes every time.

    On CPUs with AVX-512, libx264 (core 165, as PyAV's wheels ship it) reads stale memory in its
    AVX-512 code when MB-tree rate control is on: the same small frames encoded twice, even in
    one process, differed by up to 68 grey levels. Limiting its assembly to AVX2 (which every
    AVX-512 CPU has) gives the bitstream the default encode gives most often, at the same
    speed; other CPUs keep their default. The CPU's features are numpy's runtime table."""
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
