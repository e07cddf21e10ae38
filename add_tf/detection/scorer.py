"""A trained model as a `Scorer`: uint8 face crops cut by its crop recipe -> fake probabilities.

`load_scorer` takes a SavedModel (a version dir, or a model base path: its highest version), a
run dir or a .keras file, and reads the model's input size and crop recipe
(add_tf.detection.model_recipe) with it.
"""

import pathlib

import numpy as np
import tensorflow as tf

from add_tf.core.errors import UsageError
from add_tf.detection import model_recipe
from add_tf.serving.export import SIGNATURE_IMAGES, model_image_size, saved_model_image_size
from add_tf.training import runs

BATCH = 64


class Scorer:
    """Callable mapping uint8 face crops (N, S, S, 3) to fake probabilities (N,).

    fn: the model on one batch; recipe: how its faces are cut (S = recipe.size); source: where
    it was loaded from; kind: "saved_model" or "keras"; warnings: what a user must know before
    trusting its crops (a model without a recorded recipe)."""

    def __init__(self, fn, recipe, source, kind, warnings=()):
        self._fn = fn
        self.recipe = recipe
        self.source = str(source)
        self.kind = kind
        self.warnings = list(warnings)

    @property
    def image_size(self):
        return self.recipe.size

    def __call__(self, crops):
        crops = np.asarray(crops, dtype=np.uint8)
        if len(crops) == 0:
            return np.zeros((0,), np.float32)
        out = [np.asarray(self._fn(crops[i:i + BATCH]), np.float32).reshape(-1)
               for i in range(0, len(crops), BATCH)]
        return np.concatenate(out)


def _saved_model_dir(path):
    """`path` itself when it holds saved_model.pb, else its highest numeric version, else None."""
    path = pathlib.Path(path)
    if (path / "saved_model.pb").is_file():
        return path
    if path.is_dir():
        versions = sorted((int(p.name), p) for p in path.iterdir()
                          if p.is_dir() and p.name.isdigit() and (p / "saved_model.pb").is_file())
        if versions:
            return versions[-1][1]
    return None


def _recipe(path, size):
    """(CropRecipe, warnings) of the model at `path` whose input is `size` px
    (model_recipe.for_models); UsageError when its recipe cuts faces of another size."""
    recipe, warnings = model_recipe.for_models({f"--model {path}": path}, size)
    if recipe.size != size:
        raise UsageError(f"--model {path}: its crop recipe cuts {recipe.size}-px faces but the "
                         f"model takes {size} px; export it again from its run dir")
    return recipe, warnings


def _load_saved_model(saved):
    if not (saved / "variables").is_dir():
        raise UsageError(
            f"--model {saved}: saved_model.pb without its variables/ folder (an incomplete "
            "copy?); copy the whole version folder, or export the run again with "
            "python -m add_tf.export")
    loaded = tf.saved_model.load(str(saved))
    signature = loaded.signatures[SIGNATURE_IMAGES]
    size = saved_model_image_size(loaded, saved, signature)
    recipe, warnings = _recipe(saved, size)

    def fn(crops):
        return signature(images=tf.constant(crops))["fake_probability"].numpy()

    scorer = Scorer(fn, recipe, saved, "saved_model", warnings)
    scorer._keepalive = loaded
    return scorer


def _load_keras(path):
    model, config = runs.load_run(path)
    size = model_image_size(model, config, f"--model {path}")
    recipe, warnings = _recipe(path, size)

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.uint8)],
                 reduce_retracing=True)
    def predict(crops):
        logits = model(tf.cast(crops, tf.float32), training=False)
        return tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)[:, 1]

    return Scorer(lambda crops: predict(crops).numpy(), recipe, path, "keras", warnings)


def load_scorer(path):
    """A `Scorer` from a SavedModel (a version dir or a model base path) or a run dir / .keras."""
    path = pathlib.Path(path)
    saved = _saved_model_dir(path)
    if saved is not None:
        return _load_saved_model(saved)
    if path.suffix == ".keras" or (path / runs.MODEL).is_file():
        return _load_keras(path)
    raise FileNotFoundError(
        f"--model must be a SavedModel directory (with saved_model.pb or numbered versions), a run "
        f"directory with {runs.MODEL}, or a .keras file. Received: model={str(path)!r}"
    )
