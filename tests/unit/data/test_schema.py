"""add_tf.data.schema: one record holds every quality's crop and is read back exactly; bytes that
do not depend on the order the crops were given in; shard names."""

import fnmatch

import numpy as np
import pytest
import tensorflow as tf

from add_tf.data import schema

BOX, FRAME_SIZE = (4, 6, 20, 22), (48, 64)


def _crops(size=16):
    rng = np.random.default_rng(0)
    return {q: rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for q in ("raw", "c40")}


def _example(crops, **fields):
    values = {"label": 1, "method": "Deepfakes", "video_id": "000_003", "frame_index": 7,
              "box": BOX, "frame_size": FRAME_SIZE, **fields}
    return schema.make_example(crops, **values)


def test_a_record_gives_back_every_field_and_the_exact_pixels_of_each_quality():
    crops = _crops()
    parsed = schema.parse_example(_example(crops), ["raw", "c40"], size=16)
    for quality, crop in crops.items():
        np.testing.assert_array_equal(parsed[schema.image_key(quality)].numpy(), crop)
    assert parsed[schema.LABEL].numpy() == 1 and parsed[schema.FRAME_INDEX].numpy() == 7
    assert parsed[schema.METHOD].numpy() == b"Deepfakes"
    assert parsed[schema.VIDEO_ID].numpy() == b"000_003"
    assert tuple(parsed[schema.BOX].numpy()) == BOX
    assert tuple(parsed[schema.FRAME_SIZE].numpy()) == FRAME_SIZE


def test_png_bytes_and_arrays_make_the_same_record_in_any_order():
    crops = _crops()
    as_png = {q: schema.encode_png(crops[q]) for q in reversed(list(crops))}
    assert _example(as_png) == _example(crops)


def test_png_is_rgb_and_lossless():
    red = np.zeros((2, 3, 3), np.uint8)
    red[..., 0] = 255
    decoded = tf.io.decode_png(schema.encode_png(red), channels=3).numpy()
    np.testing.assert_array_equal(decoded, red)


def test_only_the_asked_qualities_are_parsed_and_a_missing_one_is_an_error():
    serialized = _example(_crops())
    assert sorted(schema.example_qualities(serialized)) == ["c40", "raw"]
    assert schema.image_key("c23") not in schema.parse_example(serialized, ["raw"])
    with pytest.raises(tf.errors.InvalidArgumentError):
        schema.parse_example(serialized, ["c23"])


def test_a_crop_of_another_size_is_an_error():
    serialized = _example(_crops(size=8))
    assert schema.parse_example(serialized, ["raw"])[schema.image_key("raw")].shape == (8, 8, 3)
    with pytest.raises(tf.errors.InvalidArgumentError):
        schema.parse_example(serialized, ["raw"], size=16)


def test_shard_names_sort_in_order_and_match_the_glob():
    names = [schema.shard_name("train", i, 12) for i in range(12)]
    assert names[3] == "train-00003-of-00012.tfrecord" and sorted(names) == names
    pattern = schema.SHARD_GLOB.format(name="train")
    assert all(fnmatch.fnmatch(name, pattern) for name in names)
    assert not fnmatch.fnmatch(schema.shard_name("val", 0, 1), pattern)
