"""The model card: what a user needs to trust a trained detector, kept with the model.

Built from a run dir's files (`config.yaml`, `training_state.json`, `metrics.json`, see
add_tf.training.runs), written as `RUN/model_card.json`, embedded by add_tf.export as
`assets.extra/model_card.json` of the SavedModel, and read back from either (or from a run's
`student.keras`). Fields:

    training_set   dataset, student_quality, teacher_quality (None without distillation),
                   frames_per_video (sampled per video by pipelines.prepare: `settings.frames`
                   of the records' manifest.json; None when the records are not at hand),
                   generator_seed, generator_version (the demo's: `settings.generator.seed`
                   and `.version`; None for other sets)
    crop           the crop recipe of the records (add_tf.media.crop_recipe: detector, box_scale,
                   size, resize, ...) from their manifest's `settings`, as recorded; None when
                   they record none
    method, backbone, image_size, initial_weights, seed
    trained        UTC time the run finished (the time training_state.json was written), or None
    training       training_state.json (best validation by train.monitor, steps, early stop, ...)
    test_metrics   every `test*` entry of metrics.json ({key: {acc, auc, eer, ap, ...}})
    software       versions of add_tf, tensorflow and keras (importlib.metadata)
    warnings       what makes the scores untrustworthy (a model trained on the synthetic demo:
                   --dataset demo, or records the demo generator made)

Importable without TensorFlow.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import pathlib
import sys

from add_tf.core import atomic, methods
from add_tf.core.names import SAVED_MODEL_EXTRAS, SUMMARY_METRICS
from add_tf.data import read_manifest, training_set
from add_tf.media.crop_recipe import CropRecipe
from add_tf.training import runs

FILE = runs.MODEL_CARD
SAVED_MODEL_FILE = os.path.join(SAVED_MODEL_EXTRAS, FILE)  # inside a SavedModel version dir
DEMO_WARNING = ("WARNING: this model was trained on the synthetic demo set (generated cartoon "
                "faces, add_tf.demo); its scores on real faces are meaningless.")
NO_CARD_WARNING = ("WARNING: no model card found beside the model: its training set, method and "
                   "test metrics are unknown.")
RECORDS_FACTS = ("frames_per_video", "generator_seed", "generator_version")  # from the manifest


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _finished_at(run_dir):
    """When training finished: as recorded by add_tf.training.loop, else the state file's time."""
    path = os.path.join(run_dir, runs.STATE)
    if not os.path.exists(path):
        return None
    recorded = runs.read_state(run_dir).get("finished_at")
    if recorded:
        return recorded
    stamp = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _records_settings(config):
    """The `settings` of the manifest of the run's records (add_tf.data.training_set), None when
    the records cannot be read there (removed, or a run dir copied without its data)."""
    try:
        return read_manifest(training_set.of(config).records_dir).get("settings") or {}
    except (OSError, ValueError, AttributeError):
        return None


def _records_facts(settings, run_dir):
    """{frames_per_video, generator_seed, generator_version} from the records' `settings`
    (`frames`, `generator.seed` / `.version`); without them (None), the values the run's card
    file already holds, else None."""
    if settings is None:
        return {key: stored_fact(run_dir, key) for key in RECORDS_FACTS}
    generator = settings.get("generator") or {}
    return {"frames_per_video": settings.get("frames"),
            "generator_seed": generator.get("seed"),
            "generator_version": generator.get("version")}


def _crop(settings, run_dir):
    """The crop recipe's fields as the records' `settings` recorded them; without them (None),
    the `crop` the run's card file already holds."""
    if settings is not None:
        return CropRecipe.recorded(settings)
    try:
        return _read(os.path.join(run_dir, FILE)).get("crop")
    except ValueError:
        return None


def run_crop(run_dir, config):
    """The crop recipe's fields of the run's training records (`_crop`), None when unknown."""
    return _crop(_records_settings(config), run_dir)


def stored_fact(run_dir, key):
    """`training_set[key]` of the card file RUN/model_card.json, None without one."""
    try:
        return (_read(os.path.join(run_dir, FILE)).get("training_set") or {}).get(key)
    except (ValueError, AttributeError):
        return None


def build_card(run_dir):
    """The card of the run in `run_dir` (a dict, JSON-ready); UsageError without config.yaml."""
    config = runs.read_config(run_dir)
    metrics = runs.read_json(os.path.join(run_dir, runs.METRICS), {})
    distilled = methods.needs_teacher(config.loss.method)
    settings = _records_settings(config)
    facts = _records_facts(settings, run_dir)
    synthetic = facts["generator_seed"] is not None or config.data.is_demo
    return {
        "training_set": {
            "dataset": config.data.dataset,
            "student_quality": config.data.comp,
            "teacher_quality": config.data.teacher_comp if distilled else None,
            **facts,
        },
        "crop": _crop(settings, run_dir),
        "method": config.loss.method,
        "backbone": config.model.backbone,
        "image_size": config.model.image_size,
        "initial_weights": config.model.weights,
        "seed": config.train.seed,
        "trained": _finished_at(run_dir),
        "training": runs.read_state(run_dir),
        "test_metrics": {k: v for k, v in metrics.items() if k.startswith("test")},
        "software": {name: _version(name) for name in ("add_tf", "tensorflow", "keras")},
        "warnings": [DEMO_WARNING] if synthetic else [],
    }


def write_card(run_dir):
    """Build the card of `run_dir` and write it as RUN/model_card.json; returns the card.

    Called when a run finishes and after each evaluation, so that the card holds the latest
    test metrics."""
    card = build_card(run_dir)
    atomic.write_json(os.path.join(run_dir, FILE), card)
    return card


def _read(path):
    try:
        card = json.loads(pathlib.Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"Unreadable model card {path}: {error}") from None
    if not isinstance(card, dict):
        raise ValueError(f"A model card is a JSON object. Received: {type(card).__name__} "
                         f"in {path}")
    return card


def read_card(path):
    """The card of a model, or None when nothing says where the model comes from.

    `path`: a SavedModel version dir (its assets.extra/model_card.json), a run dir or the
    run's student.keras (built from the run's files, so always current). ValueError for a card
    file that is not a JSON object."""
    path = pathlib.Path(path)
    if (path / "saved_model.pb").is_file():
        card_path = path / SAVED_MODEL_FILE
        return _read(card_path) if card_path.is_file() else None
    if path.is_file():
        if path.name != runs.MODEL:
            return None
        path = path.parent
    return build_card(str(path)) if (path / runs.CONFIG).is_file() else None


def describe(path):
    """(card or None, warnings) of the model at `path` (see read_card): the warnings a user must
    see before trusting its scores. An unreadable card file is a warning, not an error: the model
    itself can still be used."""
    try:
        card = read_card(path)
    except ValueError as error:
        return None, [f"WARNING: {error}", NO_CARD_WARNING]
    return card, [NO_CARD_WARNING] if card is None else list(card.get("warnings") or [])


def _metrics_text(test_metrics):
    parts = []
    for key, values in test_metrics.items():
        shown = [f"{name} {values[name]:.3f}" for name in SUMMARY_METRICS
                 if isinstance(values.get(name), (int, float))]
        parts.append(f"{key} {' '.join(shown) or '(no metric defined)'}")
    return "; ".join(parts) or "no test metrics"


def summary(card):
    """The card in one line, e.g. `model card: add / resnet18, trained on deepfakes (student
    c40, teacher raw), seed 0, 2025-05-01, add_tf 0.1.0; test acc 0.912 auc 0.953`."""
    if card is None:
        return "model card: none"
    data = card.get("training_set", {})
    teacher = data.get("teacher_quality")
    qualities = f"student {data.get('student_quality')}" + (f", teacher {teacher}" if teacher
                                                            else ", no teacher")
    trained = card.get("trained")
    return (f"model card: {card.get('method')} / {card.get('backbone')}, trained on "
            f"{data.get('dataset')} ({qualities}), seed {card.get('seed')}, "
            f"{trained[:10] if trained else 'not finished'}, "
            f"add_tf {card.get('software', {}).get('add_tf')}; "
            f"{_metrics_text(card.get('test_metrics') or {})}")


def announce(card, warnings, verbose=True):
    """Print the one-line summary of `card` (stdout, when `verbose`) and every warning (stderr,
    always)."""
    if verbose:
        print(summary(card), flush=True)
    for line in warnings:
        print(line, file=sys.stderr, flush=True)
