"""Grad-CAM galleries like the paper's Figs. 6-7 (`python -m add_tf.gradcam` is the command).

One row per face; columns: the raw input, the compressed input (when it differs), then the
Grad-CAM heat map of every model with its fake probability.

Grad-CAM (Selvaraju et al., 2017): weights = spatial mean of d(logit_c)/d(A), map =
ReLU(sum_k weights_k A_k), normalised to [0, 1] per image, bilinearly resized to the input size.
"""

import pathlib

import cv2
import keras
import numpy as np
import tensorflow as tf

from add_tf.core import atomic
from add_tf.core.errors import UsageError
from add_tf.data import make_dataset
from add_tf.media.faces import crop_face
from add_tf.media.images import read_image
from add_tf.serving.export import resize_faces

TILE = 160
HEADER = 22


def grad_cam(model, images, layer="layer4", class_index=1):
    """Heat maps (N, H, W) in [0, 1] and fake probabilities (N,) for float pixels (N, H, W, 3)."""
    grad_model = keras.Model(model.inputs, [model.get_layer(layer).output, model.outputs[0]])
    x = tf.convert_to_tensor(np.asarray(images, np.float32))
    with tf.GradientTape() as tape:
        fmap, logits = grad_model(x, training=False)
        tape.watch(fmap)
        logits = tf.cast(logits, tf.float32)
        score = tf.reduce_sum(logits[:, class_index])
    # the gradient of the tensor the logits were computed from (float16 under mixed precision);
    # a cast of it made on the tape would be a new tensor the logits do not depend on
    grads = tf.cast(tape.gradient(score, fmap), tf.float32)
    fmap = tf.cast(fmap, tf.float32)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * fmap, axis=-1))
    cam = cam / (tf.reduce_max(cam, axis=(1, 2), keepdims=True) + 1e-8)
    cam = tf.image.resize(cam[..., None], tf.shape(x)[1:3], method="bilinear")[..., 0]
    probs = tf.nn.softmax(logits, axis=-1)[:, 1]
    return cam.numpy(), probs.numpy()


def overlay(rgb, cam, alpha=0.45):
    """Jet colour map of `cam` blended over `rgb` (uint8)."""
    heat = cv2.applyColorMap(np.uint8(np.clip(cam, 0, 1) * 255), cv2.COLORMAP_JET)
    heat = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return np.uint8(np.clip((1 - alpha) * rgb.astype(np.float32) + alpha * heat, 0, 255))


def _tile(rgb, title):
    tile = cv2.resize(np.asarray(rgb, np.uint8), (TILE, TILE), interpolation=cv2.INTER_LINEAR)
    header = np.full((HEADER, TILE, 3), 255, np.uint8)
    cv2.putText(header, title[:26], (3, HEADER - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([header, tile], axis=0)


def make_gallery(raw, compressed, models, layer="layer4", labels=None, class_index=1):
    """Gallery image (uint8 RGB) plus {name: (cams, probs)}.

    raw, compressed: uint8 (N, S, S, 3). models: list of (name, keras model, "raw"|"compressed").
    """
    raw = np.asarray(raw, np.uint8)
    compressed = np.asarray(compressed, np.uint8)
    results = {}
    for name, model, source in models:
        images = raw if source == "raw" else compressed
        size = model.input_shape[1]
        if size and size != images.shape[1]:
            images = np.uint8(resize_faces(images, size).numpy())
        results[name] = (*grad_cam(model, images.astype(np.float32), layer, class_index), images)
    show_compressed = not np.array_equal(raw, compressed)
    rows = []
    for i in range(len(raw)):
        label = "" if labels is None else (" fake" if int(labels[i]) == 1 else " real")
        tiles = [_tile(raw[i], f"raw{label}")]
        if show_compressed:
            tiles.append(_tile(compressed[i], "compressed"))
        for name, (cams, probs, images) in results.items():
            tiles.append(_tile(overlay(images[i], cams[i]), f"{name} p={probs[i]:.2f}"))
        rows.append(np.concatenate(tiles, axis=1))
    gallery = np.concatenate(rows, axis=0)
    return gallery, {name: (cams, probs) for name, (cams, probs, _) in results.items()}


def write_png(path, rgb):
    """Write `rgb` as PNG via a temporary file in the same folder, then rename."""
    path = pathlib.Path(path)
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError(f"could not encode the gallery of shape {rgb.shape}")
    return atomic.write_bytes(path, data.tobytes())


def log_tensorboard(logdir, gallery, step=0, name="gradcam/gallery"):
    """`gallery` (uint8 (H, W, 3)) as image summary `name` at `step` in the TensorBoard `logdir`."""
    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        tf.summary.image(name, gallery[None], step=step, max_outputs=1)
    writer.flush()


# ----------------------------------------------------------------------------- inputs
def _centre_square(shape):
    """The largest centred square box (x0, y0, x1, y1) of an image of `shape`."""
    h, w = shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return (left, top, left + side, top + side)


def load_images(paths, size, cropper=None, jpeg_quality=None):
    """(raw, compressed) uint8 (N, size, size, 3) from image files: each image's largest face
    cut by `cropper` (add_tf.detection.face_crops.FaceCropper, cutting `size`-px crops) when
    given and a face is found, else its centre square resized to `size` (by the training crops'
    rule, add_tf.media.faces.crop_face)."""
    raw = []
    for path in paths:
        rgb = read_image(path)
        found = cropper.crops(rgb)[1] if cropper is not None else ()
        raw.append(found[0] if len(found) else crop_face(rgb, _centre_square(rgb.shape), size))
    raw = np.stack(raw)
    if not jpeg_quality:
        return raw, raw.copy()
    compressed = []
    for rgb in raw:
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        compressed.append(cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
    return raw, np.stack(compressed)


def load_records(records_dir, method, split, comp, teacher_comp, count):
    """(raw, compressed, labels) from prepared records: `count` faces, half real / half fake,
    the rest from the other class when one has too few."""
    ds = make_dataset(records_dir, method, split, comp, teacher_quality=teacher_comp,
                      batch_size=32, training=False)
    want = {0: count - count // 2, 1: count // 2}
    picked = {0: [], 1: []}  # up to `count` of each class, to fill in for the other
    for (teacher, student), label in ds:
        for t, s, y in zip(teacher.numpy(), student.numpy(), label.numpy()):
            if len(picked[int(y)]) < count:
                picked[int(y)].append((t, s, int(y)))
        if all(len(picked[k]) >= want[k] for k in picked):
            break
    items = picked[0][:want[0]] + picked[1][:want[1]]
    spare = picked[0][want[0]:] + picked[1][want[1]:]
    items += spare[:count - len(items)]
    if not items:
        raise UsageError(f"no examples in {records_dir} for method={method!r} split={split!r}")
    raw = np.stack([np.uint8(np.clip(t, 0, 255)) for t, _, _ in items])
    compressed = np.stack([np.uint8(np.clip(s, 0, 255)) for _, s, _ in items])
    return raw, compressed, np.array([y for _, _, y in items])
