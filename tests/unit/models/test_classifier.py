import keras
import numpy as np
import pytest

from add_tf.core.errors import UsageError
from add_tf.models import build_classifier, feature_model


def test_resnet18_named_outputs_and_local_weights(tmp_path):
    model = build_classifier("resnet18", image_size=32)
    feats = feature_model(model, ("layer1", "layer2", "layer3", "layer4", "embedding", "logits"))
    out = feats(np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"))
    shapes = {k: tuple(v.shape) for k, v in out.items()}
    assert shapes == {"layer1": (2, 8, 8, 64), "layer2": (2, 4, 4, 128), "layer3": (2, 2, 2, 256),
                      "layer4": (2, 1, 1, 512), "embedding": (2, 512), "logits": (2, 2)}
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    again = build_classifier("resnet18", image_size=32, weights=path)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_errors_repeat_what_was_received():
    with pytest.raises(ValueError, match="backbone='vgg'"):
        build_classifier("vgg", 32)
    with pytest.raises(UsageError, match="nope.weights.h5"):
        build_classifier("resnet18", 32, weights="nope.weights.h5")


# Keras warns of each container of the other model it cannot match before the refusal
@pytest.mark.filterwarnings("ignore:Skipping nested container:UserWarning")
@pytest.mark.parametrize("name, message", [
    ("other.keras", r"no match by name and shape.*conv1_conv"),
    ("other.weights.h5", r"other.weights.h5 does not hold the weights"),
])
def test_weights_of_another_model_are_refused_not_skipped(tmp_path, name, message):
    """A file of another architecture (here a convnet whose only match by name and shape is
    `logits`) never loads partly or silently: a .keras file must hold every backbone layer, a
    .weights.h5 file the whole model."""
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(512, 3, name="stem_conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="embedding")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, name="logits")(x))
    path = str(tmp_path / name)
    if name.endswith(".keras"):
        model.save(path)
    else:
        model.save_weights(path)
    with pytest.raises(UsageError, match=message):
        build_classifier("resnet18", 32, weights=path)
