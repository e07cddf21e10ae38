"""Video frames as RGB uint8 (H, W, 3), decoded with PyAV (no external ffmpeg).

Memory stays bounded: frames are decoded in order and only the requested indices are kept
(`iter_video_frames` holds one frame); H.264 frames that no other frame references are skipped
unless requested (add_tf.media.h264).
"""

from add_tf.media import h264
from add_tf.media.files import MediaError, check_file, is_video


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

    check_file(path)
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


def iter_video_frames(path, indices):
    """Yield (index, RGB uint8) for the requested frame indices, in increasing order.

    Exact indexing: for length-prefixed H.264 (MP4, MKV) a frame's index is the rank of its
    timestamp (from a demux pass); otherwise, or when the timestamps cannot tell, its position
    in decoding output. H.264 frames that nothing references (nal_ref_idc = 0) are not decoded
    unless requested: every other frame decodes bit for bit as in a full sequential decode.
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
        length_size = h264.nal_length_size(stream)
        index_of = _presentation_indices(path) if length_size else None  # skipping needs both
        try:
            for packet in container.demux(stream):
                if (index_of and packet.size and index_of.get(packet.pts) not in wanted
                        and h264.is_disposable(bytes(packet), length_size)):
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
