"""Every TFRecord key of the prepared face records, and the decoding of one record into tensors
(`parse_example`); the writer (pipelines) and the readers (add_tf.data) both import this
module.

One `tf.train.Example` = one face at one frame of one video, with the crop of every quality
(lossless PNG, all cut with the same box at the same frame index):

    image/<quality>  bytes  PNG, RGB uint8 (size, size, 3)   one key per quality (raw, c23, c40)
    label            int64  1 = fake (manipulated), 0 = real
    method           bytes  "original" or the FF++ method folder ("Deepfakes", ..., "Demo")
    video_id         bytes  "000" for originals, "000_003" (target_source) for fakes
    frame_index      int64  index in the best-quality video (other qualities mapped by time)
    box              int64  [x0, y0, x1, y1] square crop box in original pixels (x1/y1 exclusive)
    frame_size       int64  [height, width] of the best-quality frame
"""

IMAGE_KEY = "image/{quality}"
LABEL = "label"
METHOD = "method"
VIDEO_ID = "video_id"
FRAME_INDEX = "frame_index"
BOX = "box"
FRAME_SIZE = "frame_size"

SHARD_PATTERN = "{name}-{index:05d}-of-{count:05d}.tfrecord"
SHARD_GLOB = "{name}-*-of-*.tfrecord"
MANIFEST = "manifest.json"


def image_key(quality):
    return IMAGE_KEY.format(quality=quality)


def shard_name(name, index, count):
    return SHARD_PATTERN.format(name=name, index=index, count=count)


def encode_png(rgb, compression=3):
    """RGB uint8 -> PNG bytes (lossless)."""
    import cv2
    import numpy as np

    ok, data = cv2.imencode(
        ".png", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, compression]
    )
    if not ok:
        raise ValueError("PNG encoding failed")
    return data.tobytes()


def make_example(crops, label, method, video_id, frame_index, box, frame_size):
    """Serialized tf.train.Example. `crops`: {quality: PNG bytes or RGB uint8 array}."""
    import tensorflow as tf

    def _bytes(values):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))

    def _ints(values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))

    feature = {
        LABEL: _ints([label]),
        METHOD: _bytes([method.encode()]),
        VIDEO_ID: _bytes([video_id.encode()]),
        FRAME_INDEX: _ints([frame_index]),
        BOX: _ints(box),
        FRAME_SIZE: _ints(frame_size),
    }
    for quality, crop in crops.items():
        data = crop if isinstance(crop, bytes) else encode_png(crop)
        feature[image_key(quality)] = _bytes([data])
    example = tf.train.Example(features=tf.train.Features(feature=feature))
    # deterministic: the feature map in key order (protobuf's default order changes per process)
    return example.SerializeToString(deterministic=True)


def feature_spec(qualities):
    """Parsing spec for the given qualities (only those images are parsed)."""
    import tensorflow as tf

    spec = {
        LABEL: tf.io.FixedLenFeature([], tf.int64),
        METHOD: tf.io.FixedLenFeature([], tf.string),
        VIDEO_ID: tf.io.FixedLenFeature([], tf.string),
        FRAME_INDEX: tf.io.FixedLenFeature([], tf.int64),
        BOX: tf.io.FixedLenFeature([4], tf.int64),
        FRAME_SIZE: tf.io.FixedLenFeature([2], tf.int64),
    }
    for quality in qualities:
        spec[image_key(quality)] = tf.io.FixedLenFeature([], tf.string)
    return spec


def parse_example(serialized, qualities, size=None):
    """One serialized example -> dict of tensors keyed as `feature_spec(qualities)`, with the
    image of each quality decoded from PNG to uint8 `(size, size, 3)` (`(None, None, 3)` when
    size is None)."""
    import tensorflow as tf

    features = tf.io.parse_single_example(serialized, feature_spec(qualities))
    for quality in qualities:
        image = tf.io.decode_png(features[image_key(quality)], channels=3)
        if size is not None:
            image = tf.ensure_shape(image, [size, size, 3])
        features[image_key(quality)] = image
    return features


def example_qualities(serialized):
    """The qualities whose image a serialized example (bytes) holds."""
    import tensorflow as tf

    prefix = IMAGE_KEY.format(quality="")
    keys = tf.train.Example.FromString(serialized).features.feature
    return [key[len(prefix):] for key in keys if key.startswith(prefix)]
