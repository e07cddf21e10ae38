import zipfile

import keras
import numpy as np
import pytest

from add_tf.models import build_classifier, feature_model


@pytest.mark.parametrize("backbone", ["resnet18", "resnet34"])
def test_keras_hub_resnet_classifier_saves_and_loads_without_keras_hub(backbone, tmp_path):
    model = build_classifier(backbone, image_size=32)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert "keras_hub" not in archive.read("config.json").decode()  # core layers only
    loaded = keras.models.load_model(path, compile=False)
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    names = ("layer1", "layer2", "layer3", "layer4", "logits")
    ours, theirs = feature_model(model, names)(images), feature_model(loaded, names)(images)
    for name in names:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-6, atol=1e-6)
