"""Reading images as RGB uint8 (H, W, 3), whatever their channels and depth."""

import numpy as np

from add_tf.media.files import MediaError, check_file, is_image


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
    check_file(path)
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
