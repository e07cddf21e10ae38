"""A trained student as a TF Serving SavedModel (`python -m add_tf.export` is the command).

`export_model` writes `OUT/<version>/` (the next free integer by default; written to a hidden
temporary directory first and renamed, so TF Serving never sees a half-written version) with
two signatures that need nothing but TensorFlow to run:

- `serving_default`: `images` uint8 `[N, H, W, 3]` RGB face crops of any size, resized inside
  to the training size as the training crops were (`resize_faces`) -> `fake_probability`
  float32 `[N]`, `logits` float32 `[N, 2]` (class 1 = fake) and `embedding` float32 `[N, D]`
  (the pooled penultimate features).
- `serving_bytes`: `image_bytes` string `[N]`, encoded JPEG / PNG / BMP / GIF (first frame)
  -> the same outputs. This is what a REST client sends as `{"b64": ...}`.

The training image size is also stored as the variable `image_size` of the SavedModel and,
with the crop recipe of the training crops (`crop`: add_tf.media.crop_recipe, how a face must
be cut for this model) and the given metadata, in `assets.extra/add_tf.json`; the model card
(add_tf.training.model_card) is `assets.extra/model_card.json`. TF Serving ignores that directory.
"""

import json
import os
import pathlib
import shutil
import tempfile

import keras
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.core.names import SAVED_MODEL_EXTRAS
from add_tf.training import model_card

SIGNATURE_IMAGES = "serving_default"
SIGNATURE_BYTES = "serving_bytes"
METADATA_FILE = os.path.join(SAVED_MODEL_EXTRAS, "add_tf.json")


def read_metadata(saved_dir):
    """The METADATA_FILE dict of the SavedModel version dir `saved_dir`, {} without one."""
    path = pathlib.Path(saved_dir) / METADATA_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def model_image_size(model, config=None, source="the model"):
    """The square input size the classifier was trained at: its input shape, else the
    `model.image_size` of its run's config (a dict); UsageError naming `source` when neither
    says it."""
    shape = model.input_shape
    if isinstance(shape, list):
        shape = shape[0]
    if shape[1] is not None:
        return int(shape[1])
    size = ((config or {}).get("model") or {}).get("image_size")
    if size is None:
        raise UsageError(f"{source}: its input size is unknown (the model takes any size and no "
                         "config.yaml beside it gives model.image_size); give its run dir")
    return int(size)


def saved_model_image_size(loaded, saved_dir, signature):
    """The input size of an exported model (`loaded` from `saved_dir`): its `image_size`
    variable, else `image_size` of METADATA_FILE, else the height of the `signature`'s image
    input; UsageError naming `saved_dir` when none says it."""
    if hasattr(loaded, "image_size"):
        return int(loaded.image_size.numpy())
    size = read_metadata(saved_dir).get("image_size")
    if size is not None:
        return int(size)
    specs = tf.nest.flatten(signature.structured_input_signature)
    images = [spec for spec in specs if spec.shape.rank == 4]
    if images and images[0].shape[1] is not None:
        return int(images[0].shape[1])
    raise UsageError(f"--model {saved_dir}: its input size is unknown (no image_size variable, no "
                     f"{METADATA_FILE}, no fixed input shape); export it with python -m "
                     "add_tf.export")


def resize_faces(images, size):
    """uint8 or float `(N, H, W, 3)` -> float32 `(N, size, size, 3)` resized as the training crops
    are (add_tf.media.faces.crop_face, OpenCV): pixel-area averaging when a side is larger than
    `size` (TensorFlow's "area" is OpenCV's INTER_AREA to the pixel), bilinear when growing
    (within one grey level of OpenCV's), unchanged at `size`; rounded to whole grey levels, as
    the uint8 crops are. benchmarks/resize_parity.py measures what this saves against a bilinear
    resize with antialiasing on real faces."""
    images = tf.cast(images, tf.float32)
    height, width = tf.shape(images)[1], tf.shape(images)[2]

    def resized(method):
        return tf.clip_by_value(tf.round(tf.image.resize(images, [size, size], method=method)),
                                0.0, 255.0)

    return tf.case([(tf.logical_and(tf.equal(height, size), tf.equal(width, size)),
                     lambda: images),
                    (tf.logical_or(height > size, width > size), lambda: resized("area"))],
                   default=lambda: resized("bilinear"))


class ServingModule(tf.Module):
    """The student plus resizing and decoding, with two serving signatures."""

    def __init__(self, model, image_size):
        super().__init__(name="add_tf_serving")
        self.image_size = tf.Variable(int(image_size), trainable=False, dtype=tf.int32,
                                      name="image_size")
        self._size = int(image_size)
        outputs = {"logits": model.outputs[0]}
        try:
            outputs["embedding"] = model.get_layer("embedding").output
        except ValueError:
            pass
        self.model = keras.Model(model.inputs, outputs, name="serving_graph")

        spec_images = tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")
        spec_bytes = tf.TensorSpec([None], tf.string, name="image_bytes")
        self.serve_images = tf.function(self._serve_images, input_signature=[spec_images])
        self.serve_bytes = tf.function(self._serve_bytes, input_signature=[spec_bytes])

    def _resize(self, images):
        return resize_faces(images, self._size)

    def _predict(self, pixels):
        out = self.model(pixels, training=False)
        logits = tf.cast(out["logits"], tf.float32)
        result = {
            "fake_probability": tf.nn.softmax(logits, axis=-1)[:, 1],
            "logits": logits,
        }
        if "embedding" in out:
            result["embedding"] = tf.cast(out["embedding"], tf.float32)
        return result

    def _serve_images(self, images):
        return self._predict(self._resize(images))

    def _serve_bytes(self, image_bytes):
        size = self._size

        def decode(data):
            image = tf.io.decode_image(data, channels=3, expand_animations=False)
            image.set_shape([None, None, 3])
            return self._resize(image[tf.newaxis])[0]

        pixels = tf.map_fn(
            decode, image_bytes, fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32)
        )
        return self._predict(pixels)


def next_version(out_dir):
    """1 + the largest integer-named subdirectory of `out_dir` (1 when there is none)."""
    out_dir = pathlib.Path(out_dir)
    versions = [int(p.name) for p in out_dir.iterdir() if p.is_dir() and p.name.isdigit()] \
        if out_dir.is_dir() else []
    return max(versions, default=0) + 1


def export_model(model, out_dir, version=None, image_size=None, metadata=None, card=None,
                 crop=None):
    """Write `model` as `out_dir/<version>/` (with `card`, an add_tf.training.model_card dict, when
    given, and `crop`, the crop recipe's fields as recorded, None when none is) and return that
    path. `metadata` adds keys to METADATA_FILE; one of those export_model records (image_size,
    crop, signatures, class_names) is a ValueError."""
    out_dir = pathlib.Path(out_dir)
    version = next_version(out_dir) if version is None else int(version)
    if version < 0:
        raise UsageError(f"--version must be a non-negative integer. Received: version={version}")
    target = out_dir / str(version)
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another --version or omit it")
    size = int(image_size or model_image_size(model))
    meta = {"image_size": size, "crop": crop, "signatures": [SIGNATURE_IMAGES, SIGNATURE_BYTES],
            "class_names": ["real", "fake"]}
    clash = [key for key in metadata or {} if key in meta]
    if clash:
        raise ValueError(f"export_model records {', '.join(clash)} itself; give other metadata "
                         f"keys. Received: metadata keys {list(metadata)}")
    meta.update(metadata or {})
    module = ServingModule(model, size)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=out_dir))
    try:
        tf.saved_model.save(
            module,
            str(tmp),
            signatures={
                SIGNATURE_IMAGES: module.serve_images.get_concrete_function(),
                SIGNATURE_BYTES: module.serve_bytes.get_concrete_function(),
            },
        )
        (tmp / SAVED_MODEL_EXTRAS).mkdir(exist_ok=True)
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2, default=str))
        if card is not None:
            (tmp / model_card.SAVED_MODEL_FILE).write_text(json.dumps(card, indent=2))
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
