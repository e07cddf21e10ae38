"""How far the SavedModel's own resize moves scores from the training crops' (a benchmark).

    python benchmarks/resize_parity.py --model RUN_DIR_OR_KERAS --videos DIR_OR_FILES [--frames 4]

Training crops are cut and resized by `add_tf.media.faces.crop_face` (OpenCV: area filter when
shrinking, bilinear when growing). A TF Serving client sends a face at any size and the
SavedModel resizes it (`add_tf.serving.export.resize_faces`). For every face MTCNN finds in
`--frames` frames of each video, both feed the model exported by `export_model`; printed per
resize: the mean and largest difference of the model's input in pixel values (0-255) and of the
fake probability, for the shipped resize and for TensorFlow's bilinear resize with antialiasing
(the baseline, measured in the same run). `--grow` first shrinks every face to half the model's
side, to measure the growing path.
"""

import argparse
import pathlib
import tempfile

import numpy as np
import tensorflow as tf

from add_tf.media.crop_recipe import CropRecipe
from add_tf.media.faces import FaceDetector, crop_face
from add_tf.media.video import even_frame_indices, read_video_frames, video_frame_count
from add_tf.serving.export import SIGNATURE_IMAGES, export_model, resize_faces
from add_tf.training import runs


def faces(videos, frames):
    """uint8 square faces (the default crop recipe's box, as prepared) at their size in the
    frame."""
    detector, recipe = FaceDetector(), CropRecipe()
    for video in videos:
        for _, rgb in read_video_frames(video, even_frame_indices(video_frame_count(video),
                                                                   frames)):
            for face in detector.detect(rgb):
                x0, y0, x1, y1 = recipe.box(face.box, rgb.shape)
                yield np.ascontiguousarray(rgb[y0:y1, x0:x1])


def whole(face, size):
    """`face` resized as training resizes a crop (crop_face of the whole image)."""
    return crop_face(face, (0, 0, face.shape[1], face.shape[0]), size)


def compare(model, videos, frames, grow):
    """(input side, {resize: ([mean |pixel diff|], [|p diff|]) per face})."""
    size = int(model.input_shape[1])
    with tempfile.TemporaryDirectory() as out:
        serve = tf.saved_model.load(str(export_model(model, out))).signatures[SIGNATURE_IMAGES]

        def fake_probability(images):
            return serve(images=tf.constant(images))["fake_probability"].numpy()

        rows = {"shipped (area / bilinear)": ([], []), "bilinear + antialias": ([], [])}
        for face in faces(videos, frames):
            face = whole(face, size // 2) if grow else face
            trained = whole(face, size)
            p_trained, p_shipped = fake_probability(trained[None])[0], fake_probability(
                face[None])[0]
            shipped = resize_faces(face[None], size).numpy()[0]
            bilinear = np.uint8(np.clip(np.round(tf.image.resize(
                face[None].astype(np.float32), [size, size], antialias=True).numpy()[0]), 0, 255))
            p_bilinear = fake_probability(bilinear[None])[0]
            for name, pixels, p in (("shipped (area / bilinear)", shipped, p_shipped),
                                    ("bilinear + antialias", bilinear, p_bilinear)):
                rows[name][0].append(np.abs(pixels.astype(np.float32) - trained).mean())
                rows[name][1].append(abs(float(p) - float(p_trained)))
    return size, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a run dir or a .keras file")
    parser.add_argument("--videos", nargs="+", required=True, help="video files or folders")
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--grow", action="store_true")
    args = parser.parse_args()
    model = runs.load_model(args.model)
    videos = []
    for entry in map(pathlib.Path, args.videos):
        videos += sorted(entry.rglob("*.mp4")) if entry.is_dir() else [entry]
    size, rows = compare(model, [str(v) for v in videos], args.frames, args.grow)
    print(f"{len(rows['bilinear + antialias'][0])} faces from {len(videos)} videos, model input "
          f"{size} px{' (each face first shrunk to half of it)' if args.grow else ''}")
    print(f"{'resize':<26}{'|pixel diff| mean':>18}{'max':>7}{'|p diff| mean':>15}{'max':>8}")
    for name, (pixels, probs) in rows.items():
        print(f"{name:<26}{np.mean(pixels):>18.2f}{np.max(pixels):>7.2f}{np.mean(probs):>15.4f}"
              f"{np.max(probs):>8.4f}")


if __name__ == "__main__":
    main()
