"""Tiny models and what the tests feed them: BatchNorm-free nets with the classifier's layer names,
a separable toy problem, hand-made run directories, textured images, and the settings of a tiny
`add_tf.fit` run."""

import pathlib

import keras
import numpy as np

from add_tf.core.config import Config, LossConfig
from add_tf.training.distiller import Distiller

SIZE = 32  # the image size of the hand-made run dirs

# a finished run's training_state.json, and its metrics.json
RUN_STATE = {"done": True, "best_val_acc": 0.75, "validations": 12, "steps": 120}
RUN_METRICS = {
    "test": {"acc": 0.81234, "auc": 0.9, "video_auc": None, "eer": 0.2, "frames": 40},
    "test_celebdf_c23": {"acc": 0.6, "auc": None, "frames": 8},
    "training": RUN_STATE,
    "run": {"dataset": "deepfakes"},
}

# `--set` of a tiny fit: one epoch of two validations
TINY_FIT = ["--set", "train.epochs=1", "train.validations_per_epoch=2", "train.batch_size=16",
            "train.patience=5"]


def tiny_net(seed, name):
    """A BatchNorm-free net with the classifier's layer names (fast; exact under
    MirroredStrategy)."""
    keras.utils.set_random_seed(seed)
    x = inp = keras.Input((16, 16, 3))
    x = keras.layers.Rescaling(1 / 255.0)(x)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="layer1")(x)
    x = keras.layers.Conv2D(8, 3, 2, padding="same", activation="relu", name="layer2")(x)
    x = keras.layers.Conv2D(8, 3, 2, padding="same", activation="relu", name="layer3")(x)
    x = keras.layers.Conv2D(16, 3, 2, padding="same", activation="relu", name="layer4")(x)
    x = keras.layers.GlobalAveragePooling2D(name="embedding")(x)
    out = keras.layers.Dense(2, name="logits")(x)
    return keras.Model(inp, out, name=name)


def separable(n=16, size=16, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.uniform(0, 60, (n, size, size, 3)).astype("float32")
    images[labels == 1] += 150.0
    noisy = np.clip(images + rng.normal(0, 10, images.shape), 0, 255).astype("float32")
    return images, noisy, labels.astype("int32")


def tiny_distiller(method="none"):
    """A Distiller of two tiny nets (no teacher for "none"), compiled with SGD."""
    teacher = None if method == "none" else tiny_net(2, "t")
    distiller = Distiller(tiny_net(1, "s"), teacher, LossConfig(method=method, seed=0))
    distiller.compile(optimizer=keras.optimizers.SGD(0.01))
    return distiller


def tiny_classifier(size=SIZE, seed=0, real=False):
    """A classifier with the contract's layer names: add_tf.models' ResNet18 when `real`, else a
    hand-made 4-stage convnet (fast to build, save and load)."""
    keras.utils.set_random_seed(seed)
    if real:
        from add_tf.models import build_classifier

        return build_classifier(backbone="resnet18", image_size=size, weights=None)
    layers = keras.layers
    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    for i, filters in enumerate((8, 8, 16, 16), start=1):
        x = layers.Conv2D(filters, 3, strides=2 if i > 1 else 1, padding="same",
                          activation="relu", name=f"layer{i}")(x)
    emb = layers.GlobalAveragePooling2D(name="embedding")(x)
    logits = layers.Dense(2, name="logits")(emb)
    return keras.Model(inputs, logits)


def make_run(run_dir, size=SIZE, with_teacher=False, seed=0, real=False):
    """A fake run directory: config.yaml + student.keras (+ teacher.keras)."""
    run_dir = pathlib.Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.model.backbone = "resnet18"
    config.model.image_size = size
    config.model.weights = None  # the hand-made models start from random weights
    (run_dir / "config.yaml").write_text(config.to_yaml())
    student = tiny_classifier(size, seed, real)
    student.save(run_dir / "student.keras")
    if with_teacher:
        tiny_classifier(size, seed + 1, real).save(run_dir / "teacher.keras")
    return run_dir


def textured_images(size, n=3, seed=0):
    """(n, size, size, 3) uint8: colour ramps with noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.stack([xx * 4, yy * 4, (xx + yy) * 2], -1)
    return np.uint8(np.clip(base[None] + rng.integers(0, 60, (n, size, size, 3)), 0, 255))
