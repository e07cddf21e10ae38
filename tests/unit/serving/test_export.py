"""add_tf.serving.export: the input size read from a model and from an exported one, the next
free version, what export_model writes (and refuses, and leaves behind when it fails), and the
two signatures of ServingModule before any saving (tests/e2e/test_export.py loads a real
export in a fresh process)."""

import json
import types

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.serving import export
from add_tf.training import model_card
from tiny_models import textured_images, tiny_classifier


def _any_size_model(embedding=True, logits_dtype="float32"):
    """A classifier that takes any input size; without an `embedding` layer when asked."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="embedding" if embedding else "pool")(x)
    return keras.Model(inputs, keras.layers.Dense(2, dtype=logits_dtype, name="logits")(x))


@pytest.fixture(scope="module")
def model():
    return tiny_classifier(size=16)


def test_model_image_size_from_the_input_shape_else_the_config(model):
    assert export.model_image_size(model, {"model": {"image_size": 99}}) == 16  # shape first
    any_size = _any_size_model()
    assert export.model_image_size(any_size, {"model": {"image_size": 48}}) == 48
    first, second = keras.Input((24, 24, 3)), keras.Input((8, 8, 3))
    pooled = [keras.layers.GlobalAveragePooling2D()(x) for x in (first, second)]
    two_inputs = keras.Model([first, second], keras.layers.Concatenate()(pooled))
    assert export.model_image_size(two_inputs) == 24  # the first input's
    for config in (None, {}, {"model": {}}, {"model": None}):
        with pytest.raises(UsageError, match=r"^runs/x: its input size is unknown"):
            export.model_image_size(any_size, config, source="runs/x")


def _signature(height):
    fn = tf.function(lambda images: {"out": tf.reduce_mean(images)})
    return fn.get_concrete_function(tf.TensorSpec([None, height, height, 3], tf.uint8))


def test_saved_model_image_size_variable_then_metadata_then_signature(tmp_path):
    (tmp_path / "assets.extra").mkdir()
    (tmp_path / export.METADATA_FILE).write_text(json.dumps({"image_size": 40}))
    with_variable = types.SimpleNamespace(image_size=tf.Variable(32))
    assert export.saved_model_image_size(with_variable, tmp_path, _signature(64)) == 32
    assert export.saved_model_image_size(object(), tmp_path, _signature(64)) == 40
    bare = tmp_path / "bare"
    bare.mkdir()
    assert export.read_metadata(bare) == {}
    assert export.saved_model_image_size(object(), bare, _signature(64)) == 64
    with pytest.raises(UsageError) as error:
        export.saved_model_image_size(object(), bare, _signature(None))
    assert str(error.value).startswith(f"--model {bare}: its input size is unknown")
    assert export.METADATA_FILE in str(error.value)


def test_next_version_counts_integer_folders_only(tmp_path):
    assert export.next_version(tmp_path / "absent") == 1
    assert export.next_version(tmp_path) == 1
    for name in ("1", "3", "latest", ".tmp-8-abc"):
        (tmp_path / name).mkdir()
    (tmp_path / "9").write_text("a file, not a version")
    assert export.next_version(tmp_path) == 4


def test_export_writes_the_next_version_with_its_metadata_and_card(model, tmp_path):
    out = tmp_path / "models" / "tiny"
    (out / "2").mkdir(parents=True)
    card = {"backbone": "tiny", "method": "add"}
    crop = {"box_scale": 1.3, "size": 16}
    target = export.export_model(model, out, metadata={"run": "runs/a", "path": tmp_path},
                                 card=card, crop=crop)
    assert target == out / "3" and (target / "saved_model.pb").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["2", "3"]  # no temporary left
    assert export.read_metadata(target) == {
        "image_size": 16, "crop": crop, "class_names": ["real", "fake"],
        "signatures": [export.SIGNATURE_IMAGES, export.SIGNATURE_BYTES],
        "run": "runs/a", "path": str(tmp_path)}  # what JSON cannot hold, as text
    assert json.loads((target / model_card.SAVED_MODEL_FILE).read_text()) == card

    loaded = tf.saved_model.load(str(target))
    assert set(loaded.signatures) == {export.SIGNATURE_IMAGES, export.SIGNATURE_BYTES}
    assert export.saved_model_image_size(
        loaded, target, loaded.signatures[export.SIGNATURE_IMAGES]) == 16

    with pytest.raises(FileExistsError, match=f"{target} already exists"):
        export.export_model(model, out, version=3)
    assert sorted(p.name for p in out.iterdir()) == ["2", "3"]


def test_export_refuses_a_negative_version_naming_it_and_makes_no_folder(model, tmp_path):
    with pytest.raises(UsageError, match=r"Received: version=-1$"):
        export.export_model(model, tmp_path / "models", version="-1")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["image_size", "crop", "signatures", "class_names"])
def test_export_refuses_metadata_setting_a_recorded_key(model, tmp_path, key):
    with pytest.raises(ValueError, match=rf"export_model records {key} itself.*"
                                         rf"Received: metadata keys \['{key}', 'run'\]$"):
        export.export_model(model, tmp_path / "models", crop={"size": 16},
                            metadata={key: "mine", "run": "runs/a"})
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_neither_a_version_nor_a_temporary(model, tmp_path):
    with pytest.raises(TypeError):  # a card JSON cannot hold, found after the model is saved
        export.export_model(model, tmp_path, version=5, card={"when": object()})
    assert list(tmp_path.iterdir()) == []
    assert export.next_version(tmp_path) == 1


def test_a_model_of_any_size_is_exported_at_the_size_given(tmp_path):
    any_size = _any_size_model()
    with pytest.raises(UsageError, match="its input size is unknown"):
        export.export_model(any_size, tmp_path)
    target = export.export_model(any_size, tmp_path, version=0, image_size=24)
    assert target.name == "0" and export.read_metadata(target)["image_size"] == 24
    loaded = tf.saved_model.load(str(target))
    assert int(loaded.image_size.numpy()) == 24
    faces = textured_images(40, n=2)
    served = loaded.signatures[export.SIGNATURE_IMAGES](images=tf.constant(faces))
    expected = any_size(export.resize_faces(faces, 24), training=False)
    np.testing.assert_allclose(served["logits"].numpy(), expected, atol=1e-5)


def test_images_signature_is_the_model_on_resized_faces(model):
    module = export.ServingModule(model, 16)
    faces = textured_images(16, n=3)
    out = module.serve_images(tf.constant(faces))
    logits = keras.ops.convert_to_numpy(model(faces.astype("float32"), training=False))
    np.testing.assert_allclose(out["logits"].numpy(), logits, atol=1e-5)
    np.testing.assert_allclose(out["fake_probability"].numpy(),
                               tf.nn.softmax(logits)[:, 1].numpy(), atol=1e-6)
    embedding = keras.Model(model.input, model.get_layer("embedding").output)(faces)
    np.testing.assert_allclose(out["embedding"].numpy(), embedding, atol=1e-5)
    big = textured_images(40, n=2, seed=1)[:, :40, :30]  # not square, larger: area-averaged
    np.testing.assert_allclose(
        module.serve_images(tf.constant(big))["logits"].numpy(),
        model(export.resize_faces(big, 16), training=False), atol=1e-5)


def test_bytes_signature_decodes_each_image_at_its_own_size(model):
    module = export.ServingModule(model, 16)
    faces = [textured_images(16, n=1)[0], textured_images(24, n=1, seed=2)[0],
             textured_images(11, n=1, seed=3)[0]]
    encoded = [tf.io.encode_png(faces[0]).numpy(),
               cv2.imencode(".bmp", cv2.cvtColor(faces[1], cv2.COLOR_RGB2BGR))[1].tobytes(),
               tf.io.encode_jpeg(faces[2]).numpy()]
    decoded = [faces[0], faces[1], tf.io.decode_jpeg(encoded[2]).numpy()]
    out = module.serve_bytes(tf.constant(encoded))
    assert out["logits"].shape == (3, 2)
    for i, face in enumerate(decoded):
        one = module.serve_images(tf.constant(face[None]))
        for key in ("fake_probability", "logits", "embedding"):
            np.testing.assert_allclose(out[key].numpy()[i], one[key].numpy()[0], atol=1e-5)


def test_a_model_without_embedding_serves_float32_probability_and_logits():
    module = export.ServingModule(_any_size_model(embedding=False, logits_dtype="float16"), 16)
    out = module.serve_images(tf.constant(textured_images(16, n=2)))
    assert set(out) == {"fake_probability", "logits"}
    assert out["fake_probability"].dtype == out["logits"].dtype == tf.float32
    assert out["fake_probability"].shape == (2,) and out["logits"].shape == (2, 2)
