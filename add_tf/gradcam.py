"""Grad-CAM galleries like the paper's Figs. 6-7.

    python -m add_tf.gradcam --add-run runs/add-c40 [--baseline-run runs/none-c40] \\
        (--images a.png b.jpg ... | --records data/ffpp --method Deepfakes [--split test]) \\
        --out gradcam.png [--count 8] [--jpeg-quality 20] [--tensorboard LOGDIR]

One row per face; columns: the raw input, the compressed input (when it differs), then the
Grad-CAM heat map (on `--layer`, default "layer4") with the fake probability of

- the no-distillation baseline (`--baseline-run`, its student) on the compressed crop,
- the teacher (`teacher.keras` of the ADD run, or `--teacher`) on the raw crop,
- the ADD student (`student.keras` of the ADD run) on the compressed crop.

With `--records` the raw / compressed pairs come from prepared records (the qualities of the ADD
run's config unless `--comp` / `--teacher-comp` say otherwise; half real, half fake when
possible). With `--images` the images are face crops (or whole images with `--detect-faces`);
the compressed input is the same image, or a JPEG re-encoding with `--jpeg-quality Q`.

Grad-CAM (Selvaraju et al., 2017): weights = spatial mean of d(logit_c)/d(A), map =
ReLU(sum_k weights_k A_k), normalised to [0, 1] per image, bilinearly resized to the input size.
"""

import argparse
import pathlib
import sys

import numpy as np

from add_tf.core import atomic

TILE = 160
HEADER = 22


def grad_cam(model, images, layer="layer4", class_index=1):
    """Heat maps (N, H, W) in [0, 1] and fake probabilities (N,) for float pixels (N, H, W, 3)."""
    import keras
    import tensorflow as tf

    grad_model = keras.Model(model.inputs, [model.get_layer(layer).output, model.outputs[0]])
    x = tf.convert_to_tensor(np.asarray(images, np.float32))
    with tf.GradientTape() as tape:
        fmap, logits = grad_model(x, training=False)
        fmap = tf.cast(fmap, tf.float32)
        tape.watch(fmap)
        logits = tf.cast(logits, tf.float32)
        score = tf.reduce_sum(logits[:, class_index])
    grads = tape.gradient(score, fmap)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * fmap, axis=-1))
    cam = cam / (tf.reduce_max(cam, axis=(1, 2), keepdims=True) + 1e-8)
    cam = tf.image.resize(cam[..., None], tf.shape(x)[1:3], method="bilinear")[..., 0]
    probs = tf.nn.softmax(logits, axis=-1)[:, 1]
    return cam.numpy(), probs.numpy()


def overlay(rgb, cam, alpha=0.45):
    """Jet colour map of `cam` blended over `rgb` (uint8)."""
    import cv2

    heat = cv2.applyColorMap(np.uint8(np.clip(cam, 0, 1) * 255), cv2.COLORMAP_JET)
    heat = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return np.uint8(np.clip((1 - alpha) * rgb.astype(np.float32) + alpha * heat, 0, 255))


def _tile(rgb, title):
    import cv2

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
            import tensorflow as tf

            images = np.uint8(np.clip(tf.image.resize(images, [size, size]).numpy(), 0, 255))
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
    import cv2

    path = pathlib.Path(path)
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError(f"could not encode the gallery of shape {rgb.shape}")
    return atomic.write_bytes(path, data.tobytes())


def log_tensorboard(logdir, gallery, step=0, name="gradcam/gallery"):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(logdir))
    with writer.as_default():
        tf.summary.image(name, gallery[None], step=step, max_outputs=1)
    writer.flush()


# ----------------------------------------------------------------------------- inputs
def _square(rgb):
    h, w = rgb.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return rgb[top:top + side, left:left + side]


def load_images(paths, size, detect_faces=False, jpeg_quality=None):
    """(raw, compressed) uint8 (N, size, size, 3) from image files."""
    import cv2

    from add_tf import media
    from add_tf.media import faces

    detector = faces.FaceDetector(min_face_size=12, detect_max_side=10**9) if detect_faces else None
    raw = []
    for path in paths:
        rgb = media.read_image(path)
        if detector is not None:
            small = rgb
            factor = min(1.0, 640 / max(rgb.shape[:2])) * 12 / 40.0
            small = cv2.resize(rgb, (max(1, round(rgb.shape[1] * factor)),
                                     max(1, round(rgb.shape[0] * factor))))
            found = detector.detect(small)
            if found:
                box = [v / factor for v in found[0].box]
                raw.append(faces.crop_face(rgb, faces.square_box(box, rgb.shape, 1.3), size))
                continue
        raw.append(cv2.resize(_square(rgb), (size, size), interpolation=cv2.INTER_AREA))
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
    from add_tf.data import make_dataset

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
        raise ValueError(f"no examples in {records_dir} for method={method!r} split={split!r}")
    raw = np.stack([np.uint8(np.clip(t, 0, 255)) for t, _, _ in items])
    compressed = np.stack([np.uint8(np.clip(s, 0, 255)) for _, s, _ in items])
    return raw, compressed, np.array([y for _, _, y in items])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m add_tf.gradcam",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--add-run", help="ADD run dir (student.keras, teacher.keras, config.yaml)")
    parser.add_argument("--baseline-run", help="no-distillation run dir (its student.keras)")
    parser.add_argument("--teacher", help="teacher .keras or run dir (default: the ADD run's)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--images", nargs="+", help="face crops (or images with --detect-faces)")
    source.add_argument("--records", help="prepared records directory (e.g. data/ffpp)")
    parser.add_argument("--method", default=None, help="records: method folder (default: config)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--comp", default=None, help="records: student quality (default: config)")
    parser.add_argument("--teacher-comp", default=None, help="records: teacher quality")
    parser.add_argument("--count", type=int, default=8, help="records: number of faces")
    parser.add_argument("--detect-faces", action="store_true", help="images: crop largest face")
    parser.add_argument("--jpeg-quality", type=int, default=None,
                        help="images: the students see a JPEG re-encoding at this quality")
    parser.add_argument("--layer", default="layer4")
    parser.add_argument("--class-index", type=int, default=1, help="1 = fake (default), 0 = real")
    parser.add_argument("--out", default="gradcam.png")
    parser.add_argument("--tensorboard", default=None, help="also log the gallery to this logdir")
    args = parser.parse_args(argv)
    if not (args.add_run or args.baseline_run or args.teacher):
        parser.error("give at least one of --add-run, --baseline-run, --teacher")
    return args


def main(argv=None):
    from add_tf.core.config import DATASETS
    from add_tf.training.runs import TEACHER_MODEL, load_run

    args = parse_args(argv)
    models, config = [], {}
    if args.baseline_run:
        models.append(("baseline", load_run(args.baseline_run)[0], "compressed"))
    teacher_path = args.teacher
    run_teacher = pathlib.Path(args.add_run) / "teacher.keras" if args.add_run else None
    if teacher_path is None and run_teacher is not None and run_teacher.is_file():
        teacher_path = run_teacher
    if teacher_path:
        models.append(("teacher", load_run(teacher_path, TEACHER_MODEL)[0], "raw"))
    if args.add_run:
        student, config = load_run(args.add_run)
        models.append(("ADD", student, "compressed"))
    if not models:
        raise SystemExit("error: no model found")
    size = max(int(m.input_shape[1]) for _, m, _ in models)
    labels = None
    if args.images:
        raw, compressed = load_images(args.images, size, args.detect_faces, args.jpeg_quality)
    else:
        data = config.get("data", {})
        method = args.method or DATASETS.get(data.get("dataset", "demo"), "Demo")
        raw, compressed, labels = load_records(
            args.records, method, args.split, args.comp or data.get("comp", "c40"),
            args.teacher_comp or data.get("teacher_comp"), args.count)
    gallery, results = make_gallery(raw, compressed, models, args.layer, labels, args.class_index)
    path = write_png(args.out, gallery)
    if args.tensorboard:
        log_tensorboard(args.tensorboard, gallery)
    print(f"Wrote {path} ({gallery.shape[1]}x{gallery.shape[0]}, {len(raw)} faces, "
          f"models: {', '.join(name for name, _, _ in models)})")
    for name, (_, probs) in results.items():
        print(f"  {name:9s} p(fake): " + " ".join(f"{p:.2f}" for p in probs))
    return path


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
