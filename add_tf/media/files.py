"""Which files are images and videos, and the one error for a file that cannot be used."""

import os

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


def check_file(path):
    """MediaError unless `path` is a non-empty regular file."""
    if not os.path.exists(path):
        raise MediaError(path, "missing", "file does not exist")
    if not os.path.isfile(path):
        raise MediaError(path, "not_media", "not a regular file")
    if os.path.getsize(path) == 0:
        raise MediaError(path, "empty", "file is empty (0 bytes)")
